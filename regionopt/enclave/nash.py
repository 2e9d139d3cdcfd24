"""Weighted Nash bargaining solved with HiGHS by adaptive tangent cuts.

Maximise ``Σ_i w_i log(x_i − d_i)`` over efficient allocations ``x(N) = v(N)``
with ``x ≥ d`` (``d`` = disagreement point), optionally inside the core and
within per-partner floors and caps (Nash 1950; weights as in Kalai 1977).
HiGHS has no logarithm: each ``log`` is replaced by a variable ``u_i`` bounded
above by tangent lines ``u_i ≤ log a + (s_i − a)/a`` (``s_i`` the partner's
share of the surplus). Cuts are added where the LP point overestimates the
logarithm, until the LP's upper bound and the true objective at its point
differ by at most the stated tolerance — never a fixed grid. Core rows are
generated the same way. See docs/enclave.md, "Nash bargaining".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InfeasibleError, InputError, RegionoptError
from ..solve import Status
from ._lp import HighsLP
from ._result import as_vector, make_allocation
from .game import CooperativeGame, subset_sums

__all__ = ["nash_bargaining"]


def _per_player(game: CooperativeGame, given: Any, table: str, default: float) -> np.ndarray:
    if given is None:
        return np.full(game.n, default)
    if isinstance(given, (int, float)):
        return np.full(game.n, float(given))
    ser = pd.Series(given, dtype=float)
    ser.index = [str(i) for i in ser.index]
    unknown = [p for p in ser.index if p not in game.players]
    if unknown:
        raise InputError("unknown player", table=table, row=unknown[0], field="player")
    return ser.reindex(list(game.players)).fillna(default).to_numpy(dtype=float)


def nash_bargaining(
    game: CooperativeGame,
    disagreement: pd.Series | Mapping[str, float] | None = None,
    weights: pd.Series | Mapping[str, float] | None = None,
    *,
    core: bool = False,
    floors: pd.Series | Mapping[str, float] | None = None,
    caps: pd.Series | Mapping[str, float] | None = None,
    tol: float = 1e-9,
    max_rounds: int = 500,
) -> pd.Series:
    """Weighted Nash bargaining solution.

    .. math:: \\max \\sum_i w_i \\log(x_i - d_i) \\; \\text{s.t.} \\; x(N) = v(N),\\; x \\ge d

    Parameters
    ----------
    game
        The game (``v(N)`` is the pie; core rows use all ``v(S)``).
    disagreement
        ``d_i`` per partner (万元); default ``v({i})``.
    weights
        Bargaining weights ``w_i > 0``; default all 1 (symmetric Nash).
    core
        Also require ``x(S) ≥ v(S)`` for every coalition (rows generated as
        needed).
    floors, caps
        Optional per-partner bounds on ``x_i`` (万元).
    tol
        Stated tolerance: the returned point's objective is within ``tol`` of
        the optimum (upper bound from the cut LP minus the true objective).
        By strong concavity this bounds the distance to the exact solution:
        ``|x − x*|₂ ≤ (v(N) − Σd) · sqrt(2 · gap / min_i w_i)``, reported as
        ``attrs["x_error_bound"]`` (万元).

    Returns
    -------
    pandas.Series
        Named ``"nash"``; ``attrs``: ``objective_gap``, ``x_error_bound``, ``cuts``, ``rounds``,
        ``disagreement``, ``weights``, ``no_gain``. ``no_gain`` lists the partners whom
        the constraints (the core, or a cap at ``d_i``) allow no gain over ``d_i`` at all:
        ``log(x_i − d_i)`` is ``−inf`` for them everywhere, so they get ``d_i`` and the
        product is taken over the others (docs/enclave.md, "Nash bargaining").

    Raises
    ------
    InfeasibleError
        If ``v(N)`` is below ``Σ d_i`` or the bounds / core leave nothing.
    """
    n = game.n
    d = (as_vector(game, disagreement, "disagreement") if disagreement is not None
         else game.singleton_values().to_numpy())
    w = _per_player(game, weights, "weights", 1.0)
    if np.any(~np.isfinite(w)) or np.any(w <= 0):
        i = int(np.flatnonzero(~np.isfinite(w) | (w <= 0))[0])
        raise InputError("weight must be > 0", table="weights", row=game.players[i], field="weight", value=w[i])
    vN = game.grand_value
    surplus = vN - float(d.sum())
    scale = max(1.0, abs(vN))
    if surplus < -1e-9 * scale:
        raise InfeasibleError(f"no agreement beats disagreement: v(N) = {vN:.6g} < Σ d = {d.sum():.6g}")
    if surplus <= 1e-12 * scale:
        return make_allocation(game, d, "nash", objective_gap=0.0, cuts=0, rounds=0,
                               disagreement=pd.Series(d, index=list(game.players)), weights=w.tolist())
    lo_x = _per_player(game, floors, "floors", -np.inf)
    hi_x = _per_player(game, caps, "caps", np.inf)
    s_lo = np.maximum(0.0, (lo_x - d) / surplus)
    s_hi = np.minimum(1.0, (hi_x - d) / surplus)
    if np.any(s_lo > s_hi + 1e-12) or s_lo.sum() > 1 + 1e-12 or s_hi.sum() < 1 - 1e-12:
        raise InfeasibleError("floors and caps leave no allocation that beats the disagreement point")
    u_min = -60.0
    # columns: s_0..s_{n-1}, u_0..u_{n-1}
    lp = HighsLP(np.concatenate([np.zeros(n), w]), np.concatenate([s_lo, np.full(n, u_min)]),
                 np.concatenate([s_hi, np.full(n, np.inf)]), maximize=True)
    lp.set_option("primal_feasibility_tolerance", 1e-10)
    lp.set_option("dual_feasibility_tolerance", 1e-10)
    lp.add_rows(np.concatenate([np.ones(n), np.zeros(n)])[None, :], 1.0, 1.0)
    cuts = 0

    # Smallest tangent point per partner so far. An LP point with s_i near 0 used to get a
    # tangent at max(s_i, 1e-15), i.e. a coefficient 1/a of up to 1e15, and HiGHS then gave up
    # (model status "Unknown"): cuts now step down towards 0 by at most a factor 10 per round,
    # which keeps the coefficients as small as the optimum allows.
    a_min = np.full(n, np.inf)

    def tangent(i: int, a: float, step: bool = True) -> None:
        nonlocal cuts
        a = max(a, 1e-12, a_min[i] / 10.0 if step else 0.0)
        a_min[i] = min(a_min[i], a)
        row = np.zeros(2 * n)
        row[n + i] = 1.0
        row[i] = -1.0 / a
        lp.add_rows(row[None, :], -np.inf, math.log(a) - 1.0)
        cuts += 1

    start = np.clip(w / w.sum(), s_lo, s_hi)
    for i in range(n):
        for a in {float(start[i]), 1.0, 1e-3}:
            tangent(i, a, step=False)
    in_rows = np.zeros(1 << n, dtype=bool) if core else None
    v_all = game.values(purpose="Nash bargaining inside the core") if core else None
    cost = np.concatenate([np.zeros(n), w])
    no_gain = np.zeros(n, dtype=bool)  # partners whom the feasible set pins at d_i
    checked = np.zeros(n, dtype=bool)

    def add_core_rows(x: np.ndarray) -> bool:
        """Add the most violated core rows at ``x``; True if any."""
        if not core:
            return False
        assert v_all is not None and in_rows is not None
        e = v_all - subset_sums(x)
        e[0] = e[game.grand] = -np.inf
        viol = np.flatnonzero((e > 1e-9 * scale) & ~in_rows)
        if viol.size == 0:
            return False
        top = viol[np.argsort(-e[viol])][: max(2 * n, 20)]
        bits = ((top[:, None] >> np.arange(n)) & 1).astype(float)
        rhs = (v_all[top] - bits @ d) / surplus
        lp.add_rows(np.hstack([bits, np.zeros((top.size, n))]), rhs, np.inf)
        in_rows[top] = True
        return True

    def solve() -> np.ndarray:
        out = lp.solve()
        if out.status == Status.INFEASIBLE:
            raise InfeasibleError("the core (with the floors and caps) has no allocation above the "
                                  "disagreement point")
        if out.status != Status.OPTIMAL:
            raise RegionoptError(f"Nash LP ended with status {out.status.value!r} ({out.detail})")
        return out.x

    def largest_share(i: int) -> float:
        """max s_i over the feasible set (core rows generated as needed), on the same LP."""
        lp.set_costs(np.eye(2 * n)[i])
        try:
            while True:
                sol = solve()
                if not add_core_rows(d + surplus * sol[:n]):
                    return float(sol[i])
        finally:
            lp.set_costs(cost)

    gap = math.inf
    rounds = 0
    s = start
    for rounds in range(1, max_rounds + 1):  # noqa: B007
        lp_x = solve()
        objective = float(cost @ lp_x)
        s = lp_x[:n]
        u = lp_x[n:]
        added = add_core_rows(d + surplus * s)
        if not added:
            # A partner at s_i = 0 may be one the core (or its cap) pins at d_i: then log(x_i − d_i)
            # is −inf on the whole feasible set. Such partners keep d_i and drop out of the product.
            for j in np.flatnonzero((s <= 1e-9) & ~checked & ~no_gain):
                checked[j] = True
                if largest_share(int(j)) <= 1e-9:
                    no_gain[j] = True
                    lp.set_col_bounds(int(j), 0.0, 0.0)
                    lp.set_col_bounds(n + int(j), u_min, u_min)  # satisfies every tangent row
                    cost[n + j] = 0.0
                    lp.set_costs(cost)
                    added = True
            if no_gain.all():  # pragma: no cover - Σ s = 1 leaves someone a share
                raise RegionoptError("Nash bargaining: no partner can gain (numerical trouble)")
            if added:
                continue
        true_obj = float(np.sum(w[~no_gain] * np.log(np.maximum(s[~no_gain], 1e-300))))
        gap = float(objective - true_obj)
        if not added and gap <= tol:
            break
        for j in np.flatnonzero(~no_gain):
            if u[j] - math.log(max(s[j], 1e-300)) > tol / (2 * n * w[j]):
                tangent(int(j), float(s[j]))
                added = True
        if not added:
            break
    else:
        raise RegionoptError(f"Nash bargaining did not reach tolerance {tol} in {max_rounds} rounds (gap {gap:.3g})")
    w_min = float(w[~no_gain].min())
    return make_allocation(
        game, d + surplus * s / s.sum(), "nash", objective_gap=max(gap, 0.0),
        x_error_bound=surplus * math.sqrt(2 * max(gap, 0.0) / w_min), cuts=cuts, rounds=rounds,
        tolerance=tol, core_constrained=core,
        no_gain=[game.players[i] for i in np.flatnonzero(no_gain)],
        disagreement=pd.Series(d, index=list(game.players), name="disagreement"),
        weights=pd.Series(w, index=list(game.players), name="weight"),
    )
