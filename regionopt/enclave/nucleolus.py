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
dual are tight in every optimum and are fixed for the next stage. The result
is checked against Kohlberg's (1971) criterion before it is returned.

See docs/enclave.md, "Nucleolus".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InfeasibleError, InputError, RegionoptError
from ._lp import HighsLP, solve_lp
from ._result import make_allocation
from .game import CooperativeGame, subset_sums

__all__ = ["KohlbergCheck", "kohlberg_check", "nucleolus", "prenucleolus"]


def _bits(masks: np.ndarray, n: int) -> np.ndarray:
    return ((masks[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(float)


@dataclass
class _StageLog:
    epsilon: float
    fixed: list[int]
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
    """Incremental rank of a set of vectors (kept as an orthonormal row basis)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.basis = np.zeros((0, n))

    def add_many(self, vecs: np.ndarray) -> int:
        """Add rows; return how much the rank grew."""
        if vecs.size == 0 or self.rank >= self.n:
            return 0
        cand = np.vstack([self.basis, np.atleast_2d(vecs)])
        _u, sv, vt = np.linalg.svd(cand, full_matrices=False)
        r = int(np.sum(sv > 1e-9 * max(1.0, float(sv[0]))))
        grew = r - self.rank
        if grew > 0:
            self.basis = vt[:r]
        return grew

    def add(self, vec: np.ndarray) -> bool:
        return self.add_many(np.atleast_2d(vec)) > 0

    @property
    def rank(self) -> int:
        return int(self.basis.shape[0])


def _sequential(
    game: CooperativeGame,
    *,
    imputation: bool,
    all_rows: bool = False,
    tol: float = 1e-7,
    batch: int | None = None,
    time_limit: float | None = None,
    stop_after_first: bool = False,
) -> _SeqResult:
    t_start = time.perf_counter()
    n = game.n
    v_user = game.values()
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
    deadline = None if time_limit is None else t_start + time_limit
    lp.add_rows(np.concatenate([np.ones(n), [0.0]])[None, :], vN, vN)
    free = np.ones(1 << n, dtype=bool)
    free[0] = free[grand] = False
    in_w = np.zeros(1 << n, dtype=bool)
    row_mask: list[int] = [grand]
    rank = _Rank(n)
    rank.add(np.ones(n))
    fixed_col = np.zeros(n, dtype=bool)
    k_batch = batch or max(2 * n, 20)

    def add(masks: np.ndarray) -> None:
        masks = np.unique(masks)
        masks = masks[~in_w[masks]]
        if masks.size == 0:
            return
        rows = np.hstack([_bits(masks, n), np.ones((masks.size, 1))])
        lp.add_rows(rows, v[masks], np.inf)
        in_w[masks] = True
        row_mask.extend(int(m) for m in masks)
        res.rows += int(masks.size)

    if all_rows:
        masks = np.flatnonzero(free).astype(np.int64)
        bits = _bits(masks, n)
        rr, cc = np.nonzero(np.hstack([bits, np.ones((masks.size, 1))]))
        counts = np.bincount(rr, minlength=masks.size)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        lp.add_rows_csr(starts, cc, np.ones(cc.size), v[masks], np.full(masks.size, np.inf))
        in_w[masks] = True
        row_mask.extend(int(m) for m in masks)
        res.rows += int(masks.size)
        del bits, rr, cc
    else:
        singles = np.array([1 << i for i in range(n)], dtype=np.int64)
        add(np.concatenate([singles, grand ^ singles]))

    for _stage in range(4 * n + 10):
        solves = 0
        while True:
            if deadline is not None:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise RegionoptError(f"nucleolus hit the time limit of {time_limit} s")
                lp.h.setOptionValue("time_limit", float(left))
            out = lp.solve()
            solves += 1
            res.lp_solves += 1
            if out.status == "time_limit":
                raise RegionoptError(f"nucleolus LP hit the time limit of {time_limit} s")
            if out.status != "optimal":
                raise RegionoptError(f"nucleolus stage LP ended with status {out.status!r}")
            x = out.x[:n]
            t = float(out.x[n])
            if all_rows:
                break
            e = v - subset_sums(x)
            cand = free & (e > t + tol_abs)
            cnt = int(cand.sum())
            if cnt == 0 and t > -big + tol_abs:
                break
            if cnt == 0:  # t at its artificial bound: bring in the largest free excesses
                cand = free & ~in_w
                if not cand.any():
                    break
            idx = np.flatnonzero(cand)
            if idx.size > k_batch:
                idx = idx[np.argpartition(-e[idx], k_batch)[:k_batch]]
            add(idx.astype(np.int64))
        duals = out.row_dual
        rows = np.asarray(row_mask, dtype=np.int64)
        is_free_row = free[rows]
        pos = np.flatnonzero(is_free_row & (duals[: rows.size] > 1e-9))
        if pos.size == 0:  # degenerate duals: fix the rows tight at t
            act = out.row_value[: rows.size] - v[rows] + t  # x(S) + t - v(S) slack... recomputed below
            e_rows = v[rows] - subset_sums(x)[rows]
            pos = np.flatnonzero(is_free_row & (np.abs(e_rows - t) <= tol_abs))
            del act
        fixed_now: list[int] = []
        for r in pos:
            m = int(rows[r])
            # e(S) <= t from now on. Together with the other positive-dual rows (a balanced
            # collection) this forces e(S) = t exactly, without writing equalities whose
            # right-hand sides, rounded by the LP, can contradict each other.
            lp.set_coeff(int(r), n, 0.0)
            lp.set_row_bounds(int(r), float(v[m]) - t, np.inf)
            free[m] = False
            fixed_now.append(m)
            rank.add(_bits(np.array([m]), n)[0])
        if imputation:
            col_dual = np.asarray(lp.h.getSolution().col_dual, dtype=float)[:n]
            for i in np.flatnonzero((col_dual > 1e-9) & ~fixed_col):
                lp.h.changeColBounds(int(i), float(single[i]), float(single[i]))
                fixed_col[i] = True
                vec = np.zeros(n)
                vec[i] = 1.0
                rank.add(vec)
        # Coalitions tight at t whose vector lies in the span of what is fixed have a constant
        # excess (= t) from now on: fix them too, or they would stall the next stages.
        if rank.rank < n:
            e_now = v - subset_sums(x)
            tight = np.flatnonzero(free & (np.abs(e_now - t) <= tol_abs)).astype(np.int64)
            if tight.size:
                _u, _s, vt = np.linalg.svd(rank.basis)
                null = vt[rank.rank:].T
                rows_of = {int(m): r for r, m in enumerate(row_mask)}
                for lo_i in range(0, tight.size, 65536):
                    chunk = tight[lo_i: lo_i + 65536]
                    in_span = chunk[np.max(np.abs(_bits(chunk, n) @ null), axis=1) <= 1e-9]
                    free[in_span] = False
                    fixed_now.extend(int(m) for m in in_span)
                    for m in in_span:
                        row_i = rows_of.get(int(m))
                        if row_i is not None:
                            # its excess is fixed by the rows above (and may differ from t
                            # by up to the tolerance): the row is redundant, drop it
                            lp.set_coeff(row_i, n, 0.0)
                            lp.set_row_bounds(row_i, -np.inf, np.inf)
        res.stages.append(_StageLog(t, fixed_now, res.rows, solves))
        res.x = x.copy()
        if stop_after_first or rank.rank >= n or not free.any():
            break
        if not fixed_now and not (imputation and fixed_col.any()):
            raise RegionoptError("nucleolus: no progress in a stage (numerical trouble)")
    else:  # pragma: no cover
        raise RegionoptError("nucleolus: too many stages")
    # final solve so x reflects all fixings
    if not stop_after_first:
        out = lp.solve()
        res.lp_solves += 1
        if out.status == "optimal":
            res.x = out.x[:n].copy()
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
        level, ``balanced``, cumulative ``rank``.
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
    rank ``n`` (further levels are then balanced automatically).
    """
    n = game.n
    xv = np.asarray(x.loc[list(game.players)] if isinstance(x, pd.Series) else x, dtype=float)
    v = game.values()
    scale = max(1.0, float(np.max(np.abs(v))))
    tol_abs = tol * scale
    e = v - subset_sums(xv)
    remaining = np.ones(1 << n, dtype=bool)
    remaining[0] = remaining[game.grand] = False
    b0: list[int] = []
    if imputation:
        b0 = [i for i in range(n) if abs(xv[i] - v[1 << i]) <= tol_abs]
    collection = np.zeros(0, dtype=np.int64)
    rank = _Rank(n)
    for i in b0:
        vec = np.zeros(n)
        vec[i] = 1.0
        rank.add(vec)
    rows = []
    holds = True
    if n == 1:
        return KohlbergCheck(True, pd.DataFrame(columns=["excess", "coalitions", "balanced", "rank"]))
    while remaining.any() and rank.rank < n:
        top = float(np.max(np.where(remaining, e, -np.inf)))
        level = np.flatnonzero(remaining & (e >= top - tol_abs)).astype(np.int64)
        remaining[level] = False
        collection = np.concatenate([collection, level])
        if collection.size > max_columns:
            raise RegionoptError("Kohlberg check: too many tied coalitions to verify")
        for lo_i in range(0, level.size, 65536):
            rank.add_many(_bits(level[lo_i: lo_i + 65536], n))
            if rank.rank >= n:
                break
        # balancedness LP: Σ λ_S 1_S + Σ_{i in B0} λ_i e_i - μ 1 = 0, λ_S >= 1, λ_i >= 0, μ >= 0
        a = np.hstack([_bits(collection, n).T, np.eye(n)[:, b0], -np.ones((n, 1))])
        k = collection.size
        lo = np.concatenate([np.ones(k), np.zeros(len(b0)), [0.0]])
        out = solve_lp(np.zeros(a.shape[1]), a, np.zeros(n), np.zeros(n), lo, np.full(a.shape[1], np.inf))
        ok = out.status == "optimal"
        rows.append({"excess": top, "coalitions": int(level.size), "balanced": ok, "rank": rank.rank})
        if not ok:
            holds = False
            break
    return KohlbergCheck(holds, pd.DataFrame(rows))


def _solve(game: CooperativeGame, imputation: bool, method: str, tol: float, verify: bool,
           time_limit: float | None) -> pd.Series:
    if method not in ("generation", "all_rows"):
        raise InputError("method must be 'generation' or 'all_rows'", table="nucleolus", field="method",
                         value=method)
    seq = _sequential(game, imputation=imputation, all_rows=method == "all_rows", tol=tol,
                      time_limit=time_limit)
    concept = "nucleolus" if imputation else "prenucleolus"
    stages = pd.DataFrame(
        [{"stage": k + 1, "epsilon": s.epsilon,
          "fixed": [game.coalition_names(m) for m in s.fixed[:20]] + (["..."] if len(s.fixed) > 20 else []),
          "n_fixed": len(s.fixed),
          "rows_in_lp": s.rows, "lp_solves": s.solves} for k, s in enumerate(seq.stages)]
    )
    attrs = {"method": method, "stages": stages, "lp_solves": seq.lp_solves,
             "rows_generated": seq.rows, "all_rows": (1 << game.n) - 2, "seconds": seq.seconds}
    if verify:
        chk = kohlberg_check(game, seq.x, imputation=imputation, tol=max(1e-6, 10 * tol))
        if not chk.holds:
            raise RegionoptError(
                f"{concept}: the LP solution failed Kohlberg's criterion (numerical trouble); levels:\n{chk.levels}"
            )
        attrs["kohlberg"] = chk
    return make_allocation(game, seq.x, concept, **attrs)


def nucleolus(
    game: CooperativeGame,
    *,
    method: str = "generation",
    tol: float = 1e-7,
    verify: bool = True,
    time_limit: float | None = None,
) -> pd.Series:
    """Nucleolus (Schmeidler 1969) over the imputation set ``x_i ≥ v({i})``.

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
        Wall-clock limit for the whole sequence of LPs, seconds (raises
        :class:`~regionopt.errors.RegionoptError` when hit).

    Returns
    -------
    pandas.Series
        Named ``"nucleolus"``; ``attrs`` carries ``stages`` (ε per stage and
        the coalitions fixed), ``lp_solves``, ``rows_generated`` and ``kohlberg``.

    Raises
    ------
    InfeasibleError
        If the imputation set is empty (``Σ v({i}) > v(N)``).
    """
    return _solve(game, True, method, tol, verify, time_limit)


def prenucleolus(
    game: CooperativeGame, *, method: str = "generation", tol: float = 1e-7, verify: bool = True,
    time_limit: float | None = None,
) -> pd.Series:
    """Prenucleolus: as :func:`nucleolus` over all efficient payoffs (no ``x_i ≥ v({i})``)."""
    return _solve(game, False, method, tol, verify, time_limit)
