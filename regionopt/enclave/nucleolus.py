"""Nucleolus by sequential LPs with constraint generation, verified by Kohlberg.

The nucleolus (Schmeidler 1969) lexicographically minimises the vector of
coalition excesses ``e(S, x) = v(S) − x(S)`` sorted from largest to smallest.
It is computed by the sequence of LPs of Maschler, Peleg and Shapley (1979):

stage k:  min t  s.t.  x(N) = v(N);  v(S) − x(S) = t_j for coalitions fixed at
earlier stages j < k;  v(S) − x(S) ≤ t for all other coalitions;  x_i ≥ v({i})
(imputations; dropped for the prenucleolus).

Instead of writing all ``2^n − 2`` rows, each stage starts from a few rows and
adds the most violated coalitions (found by one vectorized pass over all
excesses) until none is violated — constraint generation — re-solving the same
HiGHS object from its previous basis. Coalitions whose rows carry a positive
dual are tight in every optimum and are fixed for the next stage; then every
coalition whose vector lies in the span of the fixed ones is dropped (its
excess is constant from then on). Each stage therefore raises the rank of the
fixed vectors, so there are at most ``n − 1`` stages (proof in
:func:`_sequential`). The result is checked against Kohlberg's (1971) criterion
before it is returned.

See docs/enclave.md, "Nucleolus" and "Size limits".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InfeasibleError, InputError, RegionoptError
from ..solve import Status
from ._lp import HighsLP
from ._result import make_allocation
from .game import CooperativeGame, subset_sums

__all__ = ["KohlbergCheck", "kohlberg_check", "nucleolus", "prenucleolus"]


def _bits(masks: np.ndarray, n: int) -> np.ndarray:
    return ((masks[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(float)


#: Largest game the nucleolus, prenucleolus and least core accept (docs/enclave.md, "Size limits").
#: Each constraint-generation round scans all 2^n excesses (2^24 floats = 128 MiB, several
#: copies); at 24 players one stage takes seconds and a game may need up to n − 1 stages.
MAX_NUCLEOLUS_PLAYERS = 24

#: A vector is in the span of the fixed rows when its distance to that span is at most this.
_SPAN_EPS = 1e-9
#: Row duals above this (on the game scaled to max |v| = 1) count as positive.
_DUAL_EPS = 1e-9


@dataclass
class _StageLog:
    epsilon: float
    fixed: list[int]
    determined: int
    players_at_standalone: list[int]
    rank: int
    rows: int
    solves: int


@dataclass
class _SeqResult:
    x: np.ndarray
    stages: list[_StageLog] = field(default_factory=list)
    lp_solves: int = 0
    rows: int = 0
    seconds: float = 0.0


class _Rank:
    """Orthonormal basis (rows) of the span of the vectors added so far.

    A vector is independent of the span when its residual after projection has norm
    above ``_SPAN_EPS``; :meth:`residual_norms` uses the same test, so "in the span"
    means the same thing when fixing rows and when sweeping for determined coalitions.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.basis = np.zeros((0, n))

    def residual_norms(self, vecs: np.ndarray) -> np.ndarray:
        v = np.atleast_2d(vecs).astype(float)
        r = v - (v @ self.basis.T) @ self.basis
        r -= (r @ self.basis.T) @ self.basis  # second pass: Gram-Schmidt loses orthogonality once
        return np.asarray(np.linalg.norm(r, axis=1))

    def add_many(self, vecs: np.ndarray) -> int:
        """Add rows; return how much the rank grew (at most ``n`` basis updates)."""
        v = np.atleast_2d(vecs).astype(float)
        if v.size == 0 or self.rank >= self.n:
            return 0
        r = v - (v @ self.basis.T) @ self.basis
        r -= (r @ self.basis.T) @ self.basis
        grew = 0
        while self.rank < self.n:
            norms = np.linalg.norm(r, axis=1)
            k = int(np.argmax(norms))
            if norms[k] <= _SPAN_EPS:
                break
            q = r[k] / norms[k]
            q -= (self.basis @ q) @ self.basis
            q /= np.linalg.norm(q)
            self.basis = np.vstack([self.basis, q])
            r -= np.outer(r @ q, q)
            grew += 1
        return grew

    def add(self, vec: np.ndarray) -> bool:
        return self.add_many(np.atleast_2d(vec)) > 0

    def null_space(self) -> np.ndarray:
        """Orthonormal basis of the orthogonal complement, shape ``(n, n − rank)``."""
        if self.rank == 0:
            return np.eye(self.n)
        _u, _s, vt = np.linalg.svd(self.basis, full_matrices=True)
        return np.asarray(vt[self.rank:].T)

    @property
    def rank(self) -> int:
        return int(self.basis.shape[0])


def _in_span(rank: _Rank, candidates: np.ndarray, n: int, rng: np.random.Generator,
             buf: np.ndarray | None = None) -> np.ndarray:
    """The masks among ``candidates`` (a boolean mask over all 2^n coalitions) whose
    characteristic vector lies in the span of ``rank``.

    One pass over all coalitions: with ``z`` a random unit vector of the orthogonal
    complement, a coalition in the span has ``z(S) = 0`` (up to rounding, far below
    1e-8), so only coalitions with ``|z(S)| ≤ 1e-8`` are checked exactly (residual norm
    ≤ ``_SPAN_EPS``, the test :class:`_Rank` uses). A coalition at distance ≤ ``_SPAN_EPS``
    from the span has ``|z(S)| ≤ _SPAN_EPS`` and is never missed.
    """
    if rank.rank >= n:
        return np.flatnonzero(candidates).astype(np.int64)
    null = rank.null_space()
    z = null @ rng.standard_normal(null.shape[1])
    z /= np.linalg.norm(z)
    zs = np.abs(subset_sums(z, buf), out=buf)
    small = zs <= 1e-8
    small &= candidates
    maybe = np.flatnonzero(small).astype(np.int64)
    del zs
    out = []
    for lo in range(0, maybe.size, 65536):
        chunk = maybe[lo: lo + 65536]
        res = np.linalg.norm(_bits(chunk, n) @ null, axis=1)
        out.append(chunk[res <= _SPAN_EPS])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _time_up(concept: str, time_limit: float | None, where: str) -> RegionoptError:
    return RegionoptError(
        f"{concept}: time limit of {time_limit:g} s reached {where}; nothing was returned (the LP point at that "
        "moment is not the answer). Raise time_limit, or use a smaller game"
    )


def _sequential(
    game: CooperativeGame,
    *,
    imputation: bool,
    all_rows: bool = False,
    tol: float = 1e-7,
    batch: int | None = None,
    time_limit: float | None = None,
    deadline: float | None = None,
    stop_after_first: bool = False,
    concept: str = "nucleolus",
) -> _SeqResult:
    """The sequence of stage LPs (docs/enclave.md, "Nucleolus").

    Stage ``k`` solves ``min t`` over the points that keep the coalitions fixed so far at
    their levels, with ``e(S, x) ≤ t`` for every *free* coalition (rows generated as
    needed). Then:

    1. every free coalition whose row has a positive dual is fixed at ``t_k`` (for the
       nucleolus, also every player whose bound ``x_i ≥ v({i})`` has a positive reduced
       cost is fixed at ``v({i})``);
    2. every free coalition whose characteristic vector lies in the span of ``1_N`` and
       the fixed vectors is removed from the free set (its excess is constant from now
       on); its row, if in the LP, is dropped.

    Termination (at most ``n − 1`` stages, no cap needed). Let ``r_k`` be the rank of
    ``1_N`` and the vectors fixed after stage ``k`` (``r_0 = 1``). By step 2, no free
    coalition lies in that span when stage ``k + 1`` starts. The stage LP's dual gives the
    column of ``t`` reduced cost ``1 − Σ_S y_S = 0`` over the free rows (``t`` is above its
    artificial bound once generation stops), so some free row has ``y_S > 0`` and is fixed
    in step 1; its vector is outside the span, so ``r_{k+1} ≥ r_k + 1``. Since
    ``r_k ≤ n``, there are at most ``n − 1`` stages; at rank ``n`` the fixed equalities
    determine ``x``. Correctness: a positive dual means the row is tight in every optimum
    (complementary slackness), and the positive-dual rows with the players at their
    bounds form a balanced collection, so writing them as ``e(S, x) ≤ t_k`` forces
    equality at every feasible point of later stages; hence the excess of a coalition
    in the span is indeed constant there. Numerically, a stage that fails to raise the
    rank (impossible in exact arithmetic) raises :class:`RegionoptError` instead of
    looping.

    ``deadline`` (a ``time.perf_counter()`` value) bounds the whole sequence; the HiGHS
    time limit of every LP is set to the time left.
    """
    t_start = time.perf_counter()
    n = game.n
    v_user = game.values(deadline=deadline, purpose=concept)
    grand = game.grand
    # The LPs are solved on the game divided by max(1, max |v|): HiGHS's feasibility tolerances are
    # absolute, so on unscaled values of order 1e8 and more the equalities fixed between stages
    # became inconsistent at machine precision. Results are scaled back at the end.
    scale = max(1.0, float(np.max(np.abs(v_user))))
    v = v_user / scale
    vN = float(v[grand])
    tol_abs = tol
    single = np.array([v[1 << i] for i in range(n)])
    if imputation and single.sum() > vN + tol_abs:
        raise InfeasibleError(
            f"the imputation set is empty: the players' stand-alone values sum to {single.sum() * scale:.6g} "
            f"> v(N) = {vN * scale:.6g}; use the prenucleolus (imputation=False) or check the values"
        )
    res = _SeqResult(x=np.full(n, vN / n))
    if n == 1:
        res.x = np.array([vN * scale])
        return res
    big = 10.0 * n + 1.0
    col_lo = np.concatenate([single if imputation else np.full(n, -np.inf), [-big]])
    lp = HighsLP(np.concatenate([np.zeros(n), [1.0]]), col_lo, np.full(n + 1, np.inf))
    lp.add_rows(np.concatenate([np.ones(n), [0.0]])[None, :], vN, vN)
    free = np.ones(1 << n, dtype=bool)
    free[0] = free[grand] = False
    row_of = np.full(1 << n, -1, dtype=np.int32)  # LP row of each coalition, -1 if not in the LP
    row_mask: list[int] = [grand]
    rank = _Rank(n)
    rank.add(np.ones(n))
    fixed_col = np.zeros(n, dtype=bool)
    k_batch = batch or max(2 * n, 20)
    rng = np.random.default_rng(20240917)
    gen = free.copy()  # free coalitions not yet in the LP: candidates for generation
    buf = np.empty(1 << n)  # x(S), then e(S, x), for every mask
    over = np.empty(1 << n, dtype=bool)  # e(S, x) > t

    def add(masks: np.ndarray) -> None:
        masks = np.unique(masks)
        masks = masks[row_of[masks] < 0]
        if masks.size == 0:
            return
        rows = np.hstack([_bits(masks, n), np.ones((masks.size, 1))])
        row_of[masks] = np.arange(len(row_mask), len(row_mask) + masks.size)
        gen[masks] = False
        lp.add_rows(rows, v[masks], np.inf)
        row_mask.extend(int(m) for m in masks)
        res.rows += int(masks.size)

    if all_rows:
        masks = np.flatnonzero(free).astype(np.int64)
        bits = _bits(masks, n)
        rr, cc = np.nonzero(np.hstack([bits, np.ones((masks.size, 1))]))
        counts = np.bincount(rr, minlength=masks.size)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        lp.add_rows_csr(starts, cc, np.ones(cc.size), v[masks], np.full(masks.size, np.inf))
        row_of[masks] = np.arange(len(row_mask), len(row_mask) + masks.size)
        gen[masks] = False
        row_mask.extend(int(m) for m in masks)
        res.rows += int(masks.size)
        del bits, rr, cc
    else:
        singles = np.array([1 << i for i in range(n)], dtype=np.int64)
        add(np.concatenate([singles, grand ^ singles]))

    stage = 0
    while free.any():  # ends after at most n - 1 stages: see the docstring
        stage += 1
        where = f"in stage {stage} (rank {rank.rank} of {n}; at most {n - 1} stages)"
        solves = 0
        while True:  # constraint generation: each round adds at least one row not yet in the LP
            if deadline is not None:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise _time_up(concept, time_limit, where)
                lp.set_time_limit(left)
            out = lp.solve()
            solves += 1
            res.lp_solves += 1
            if out.status == Status.TIME_LIMIT_NO_SOLUTION:
                raise _time_up(concept, time_limit, where)
            if out.status != Status.OPTIMAL:
                raise RegionoptError(f"{concept}: stage LP ended with status {out.status.value!r} ({out.detail})")
            x = out.x[:n]
            t = float(out.x[n])
            if all_rows:
                break
            e = np.subtract(v, subset_sums(x, buf), out=buf)
            cand = np.greater(e, t + tol_abs, out=over)
            cand &= gen
            idx = np.flatnonzero(cand)
            if idx.size == 0:
                if t > -big + tol_abs:
                    break
                idx = np.flatnonzero(gen)  # t at its artificial bound: bring in the largest free excesses
                if idx.size == 0:
                    raise RegionoptError(f"{concept}: stage LP unbounded by its free rows (numerical trouble)")
            if idx.size > k_batch:
                idx = idx[np.argpartition(-e[idx], k_batch)[:k_batch]]
            add(idx.astype(np.int64))
        res.x = x.copy()
        if stop_after_first:
            res.stages.append(_StageLog(t, [], 0, [], rank.rank, res.rows, solves))
            break
        # 1. fix the free coalitions with a positive dual (tight in every optimum)
        rows = np.asarray(row_mask, dtype=np.int64)
        duals = out.row_dual[: rows.size]
        pos = np.flatnonzero(free[rows] & (duals > _DUAL_EPS))
        if pos.size == 0:
            raise RegionoptError(f"{concept}: stage {stage}: no free coalition has a positive dual "
                                 "(numerical trouble)")
        fixed_now = rows[pos]
        for r in pos:
            # e(S) <= t from now on. Together with the other positive-dual rows (a balanced
            # collection) this forces e(S) = t exactly, without writing equalities whose
            # right-hand sides, rounded by the LP, can contradict each other.
            lp.set_coeff(int(r), n, 0.0)
        lp.set_rows_bounds(pos, v[fixed_now] - t, np.full(pos.size, np.inf))
        free[fixed_now] = False
        gen[fixed_now] = False
        before = rank.rank
        rank.add_many(_bits(fixed_now, n))
        at_standalone: list[int] = []
        if imputation:
            col_dual = lp.col_dual()[:n]
            for i in np.flatnonzero((col_dual > _DUAL_EPS) & ~fixed_col):
                lp.set_col_bounds(int(i), float(single[i]), float(single[i]))
                fixed_col[i] = True
                at_standalone.append(int(i))
                rank.add(np.eye(n)[i])
        if rank.rank == before:  # impossible in exact arithmetic (docstring); never loop on it
            raise RegionoptError(f"{concept}: stage {stage} fixed no coalition outside the span of the "
                                 "fixed ones (numerical trouble)")
        # 2. coalitions in the span of the fixed vectors have a constant excess from now on
        determined = _in_span(rank, free, n, rng, buf)
        free[determined] = False
        gen[determined] = False
        in_lp = row_of[determined]
        in_lp = in_lp[in_lp >= 0]
        if in_lp.size:
            lp.set_rows_bounds(in_lp, np.full(in_lp.size, -np.inf), np.full(in_lp.size, np.inf))
        res.stages.append(_StageLog(t, [int(m) for m in fixed_now], int(determined.size), at_standalone,
                                    rank.rank, res.rows, solves))
        if rank.rank >= n and free.any():  # pragma: no cover - _in_span returns every free mask at rank n
            raise RegionoptError(f"{concept}: coalitions left free at full rank (internal error)")
    res.x = res.x * scale
    for st in res.stages:
        st.epsilon *= scale
    res.seconds = time.perf_counter() - t_start
    return res


@dataclass
class KohlbergCheck:
    """Outcome of Kohlberg's criterion for a candidate (pre)nucleolus (docs/enclave.md, "Nucleolus").

    Attributes
    ----------
    holds
        True if every prefix of excess level sets (with the IR-tight
        singletons, for the nucleolus) is balanced up to full rank.
    levels
        One row per excess level: ``excess``, number of ``coalitions`` at that
        level, ``balanced``, cumulative ``rank``, and ``by``: ``"lp"`` (a
        balancedness LP was solved) or ``"span"`` (every coalition of the level
        lies in the span of the balanced collection above it, which keeps the
        collection balanced — no LP needed).
    """

    holds: bool
    levels: pd.DataFrame


def kohlberg_check(
    game: CooperativeGame, x: np.ndarray | pd.Series, *, imputation: bool = True, tol: float = 1e-6,
    max_columns: int = 400_000,
) -> KohlbergCheck:
    """Check Kohlberg's criterion for ``x``.

    ``x`` is the prenucleolus iff for every ``α`` the collection
    ``D(α) = {S : e(S, x) ≥ α}`` is balanced (positive weights ``λ_S`` with
    ``Σ λ_S 1_S = 1_N``). For the nucleolus (over imputations) the
    singletons ``{i}`` with ``x_i = v({i})`` may join with weight ``≥ 0``.
    Levels are checked from the largest excess down until the collection has
    rank ``n`` (further levels are then balanced automatically); a level whose
    coalitions all lie in the span of the (balanced) collection above it is
    balanced for the same reason, so at most ``n`` LPs are solved.
    """
    return _kohlberg(game, x, imputation=imputation, tol=tol, max_columns=max_columns)


def _kohlberg(
    game: CooperativeGame, x: np.ndarray | pd.Series, *, imputation: bool, tol: float, max_columns: int,
    deadline: float | None = None, time_limit: float | None = None, concept: str = "Kohlberg check",
) -> KohlbergCheck:
    n = game.n
    xv = np.asarray(x.loc[list(game.players)] if isinstance(x, pd.Series) else x, dtype=float)
    v = game.values(deadline=deadline, purpose=concept)
    scale = max(1.0, float(np.max(np.abs(v))))
    tol_abs = tol * scale
    if n == 1:
        return KohlbergCheck(True, pd.DataFrame(columns=["excess", "coalitions", "balanced", "rank", "by"]))
    e = v - subset_sums(xv)
    e[0] = e[game.grand] = -np.inf
    b0: list[int] = []
    if imputation:
        b0 = [i for i in range(n) if abs(xv[i] - v[1 << i]) <= tol_abs]
    rank = _Rank(n)  # the collection and the singletons at v({i}): the check stops at rank n
    for i in b0:
        rank.add(np.eye(n)[i])
    span_c = _Rank(n)  # the collection alone
    # One feasibility LP, grown level by level (warm-started from the last basis):
    # Σ λ_S 1_S + Σ_{i in B0} λ_i e_i − μ 1 = 0,  λ_S ≥ 1,  λ_i ≥ 0,  μ ≥ 0.
    lp = HighsLP(np.zeros(1), [0.0], [np.inf])  # μ
    lp.add_rows(-np.ones((n, 1)), np.zeros(n), np.zeros(n))
    if b0:
        lp.add_cols(0.0, 0.0, np.inf, np.eye(n)[:, b0])
    proper = (1 << n) - 2
    k_top = min(proper, 4096)
    order = _top_order(e, k_top)
    pos = 0  # levels are read from `order`, the coalitions by decreasing excess
    n_cols = 0
    rows: list[dict[str, object]] = []
    holds = True
    while rank.rank < n and pos < proper:
        if deadline is not None and time.perf_counter() > deadline:
            raise _time_up(concept, time_limit, "while checking Kohlberg's criterion")
        top = float(e[order[pos]])
        end = pos
        while True:  # the level: every coalition with e >= top - tol
            while end < order.size and e[order[end]] >= top - tol_abs:
                end += 1
            if end < order.size or order.size >= proper:
                break
            k_top = min(proper, 4 * k_top)  # the level may go on past the sorted part: sort more
            order = _top_order(e, k_top)
        level = order[pos:end]
        pos = end
        n_cols += level.size
        if n_cols > max_columns:
            raise RegionoptError("Kohlberg check: too many tied coalitions to verify")
        grew = 0
        for lo_i in range(0, level.size, 65536):
            chunk = _bits(level[lo_i: lo_i + 65536], n)
            grew += span_c.add_many(chunk)
            rank.add_many(chunk)
            lp.add_cols(0.0, 1.0, np.inf, chunk.T)
        if grew == 0 and rows:
            # Every vector of this level lies in the span of the collection so far, which is
            # balanced (weights λ > 0): with 1_T = Σ μ_S 1_S, the weights λ − εμ on the old
            # sets and ε on the new ones are positive for small ε, so the union is balanced too.
            rows.append({"excess": top, "coalitions": int(level.size), "balanced": True, "rank": rank.rank,
                         "by": "span"})
            continue
        if deadline is not None:
            lp.set_time_limit(max(deadline - time.perf_counter(), 0.0))
        out = lp.solve()
        if out.status == Status.TIME_LIMIT_NO_SOLUTION:
            raise _time_up(concept, time_limit, "while checking Kohlberg's criterion")
        ok = out.status == Status.OPTIMAL
        rows.append({"excess": top, "coalitions": int(level.size), "balanced": ok, "rank": rank.rank, "by": "lp"})
        if not ok:
            holds = False
            break
    return KohlbergCheck(holds, pd.DataFrame(rows, columns=["excess", "coalitions", "balanced", "rank", "by"]))


def _top_order(e: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest finite entries of ``e``, largest first."""
    if k >= e.size - 2:
        idx = np.flatnonzero(np.isfinite(e))
    else:
        idx = np.argpartition(-e, k)[:k]
        idx = idx[np.isfinite(e[idx])]
    return idx[np.argsort(-e[idx], kind="stable")].astype(np.int64)


def _check_size(game: CooperativeGame, concept: str) -> None:
    if game.n > MAX_NUCLEOLUS_PLAYERS:
        raise InputError(
            f"{game.n} players: the {concept} is computed exactly from all 2^{game.n} = {1 << game.n:,} coalitions, "
            f"and games above {MAX_NUCLEOLUS_PLAYERS} players are refused (each stage scans every coalition; "
            "minutes and GBs at this size). Use a game with fewer players (e.g. merge partners that play the "
            "same role), or shapley_monte_carlo(game, n_samples=...) for a sampled value",
            table="players", field="players", value=game.n,
        )


def _solve(game: CooperativeGame, imputation: bool, method: str, tol: float, verify: bool,
           time_limit: float | None) -> pd.Series:
    t_start = time.perf_counter()
    concept = "nucleolus" if imputation else "prenucleolus"
    if method not in ("generation", "all_rows"):
        raise InputError("method must be 'generation' or 'all_rows'", table=concept, field="method",
                         value=method)
    if time_limit is not None and not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise InputError("time_limit must be a number of seconds > 0", table=concept, field="time_limit",
                         value=time_limit)
    _check_size(game, concept)
    deadline = None if time_limit is None else t_start + float(time_limit)
    seq = _sequential(game, imputation=imputation, all_rows=method == "all_rows", tol=tol,
                      time_limit=time_limit, deadline=deadline, concept=concept)
    stages = pd.DataFrame(
        [{"stage": k + 1, "epsilon": s.epsilon,
          "fixed": [game.coalition_names(m) for m in s.fixed[:20]] + (["..."] if len(s.fixed) > 20 else []),
          "n_fixed": len(s.fixed), "n_determined": s.determined,
          "at_standalone": [game.players[i] for i in s.players_at_standalone],
          "rank": s.rank, "rows_in_lp": s.rows, "lp_solves": s.solves} for k, s in enumerate(seq.stages)],
        columns=["stage", "epsilon", "fixed", "n_fixed", "n_determined", "at_standalone", "rank",
                 "rows_in_lp", "lp_solves"],
    )
    attrs = {"method": method, "stages": stages, "lp_solves": seq.lp_solves,
             "rows_generated": seq.rows, "all_rows": (1 << game.n) - 2}
    if verify:
        chk = _kohlberg(game, seq.x, imputation=imputation, tol=max(1e-6, 10 * tol), max_columns=400_000,
                        deadline=deadline, time_limit=time_limit, concept=concept)
        if not chk.holds:
            raise RegionoptError(
                f"{concept}: the LP solution failed Kohlberg's criterion (numerical trouble); levels:\n{chk.levels}"
            )
        attrs["kohlberg"] = chk
    attrs["seconds"] = time.perf_counter() - t_start
    return make_allocation(game, seq.x, concept, **attrs)


_COMMON_DOC = """
    Parameters
    ----------
    method
        ``"generation"`` (default; rows added as needed) or ``"all_rows"``
        (the classical sequence with all ``2^n − 2`` rows; a baseline).
    tol
        Relative tolerance on excesses (times ``max |v|``).
    verify
        Run :func:`kohlberg_check` before returning (default; the result is
        in ``attrs["kohlberg"]``).
    time_limit
        Wall-clock limit in seconds for the **whole call**: building the
        coalition values (for games that compute them), every stage LP and the
        Kohlberg check. If the limit is reached — or the estimated time to build
        the values already exceeds it — :class:`~regionopt.errors.RegionoptError`
        is raised (message starting ``"<concept>: time limit"`` or ``"time
        limit"``) and nothing is returned: an unfinished sequence has no
        (pre)nucleolus to give.

    Returns
    -------
    pandas.Series
        ``attrs`` carries ``stages`` (per stage: ``epsilon``, the coalitions
        ``fixed`` with a positive dual, ``n_determined`` coalitions whose excess
        became constant, players fixed ``at_standalone``, the ``rank`` of the
        fixed rows), ``lp_solves``, ``rows_generated``, ``seconds`` and
        ``kohlberg``. There are at most ``n − 1`` stages.

    Raises
    ------
    InputError
        Above :data:`MAX_NUCLEOLUS_PLAYERS` players, or when the coalition
        values would take longer than
        :data:`~regionopt.enclave.game.MAX_BUILD_SECONDS` to compute (the
        message gives the estimate); see docs/enclave.md, "Size limits".
"""


def nucleolus(
    game: CooperativeGame,
    *,
    method: str = "generation",
    tol: float = 1e-7,
    verify: bool = True,
    time_limit: float | None = None,
) -> pd.Series:
    return _solve(game, True, method, tol, verify, time_limit)


nucleolus.__doc__ = """Nucleolus (Schmeidler 1969) over the imputation set ``x_i ≥ v({i})``.

    Sequential LPs with constraint generation; terminates after at most
    ``n − 1`` stages (proof in docs/enclave.md, "Nucleolus").
""" + _COMMON_DOC + """    InfeasibleError
        If the imputation set is empty (``Σ v({i}) > v(N)``).
    RegionoptError
        On the time limit, or if the result fails Kohlberg's criterion.
"""


def prenucleolus(
    game: CooperativeGame, *, method: str = "generation", tol: float = 1e-7, verify: bool = True,
    time_limit: float | None = None,
) -> pd.Series:
    return _solve(game, False, method, tol, verify, time_limit)


prenucleolus.__doc__ = """Prenucleolus: as :func:`nucleolus` over all efficient payoffs (no ``x_i ≥ v({i})``).
""" + _COMMON_DOC + """    RegionoptError
        On the time limit, or if the result fails Kohlberg's criterion.
"""
