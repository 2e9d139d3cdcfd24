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
        ``disagreement``, ``weights``.

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
    lp.h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    lp.h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    lp.add_rows(np.concatenate([np.ones(n), np.zeros(n)])[None, :], 1.0, 1.0)
    cuts = 0

    def tangent(i: int, a: float) -> None:
        nonlocal cuts
        a = max(a, 1e-15)
        row = np.zeros(2 * n)
        row[n + i] = 1.0
        row[i] = -1.0 / a
        lp.add_rows(row[None, :], -np.inf, math.log(a) - 1.0)
        cuts += 1

    start = np.clip(w / w.sum(), s_lo, s_hi)
    for i in range(n):
        for a in {float(start[i]), 1.0, 1e-3}:
            tangent(i, a)
    in_rows = np.zeros(1 << n, dtype=bool) if core else None
    v_all = game.values() if core else None
    gap = math.inf
    rounds = 0
    s = start
    for rounds in range(1, max_rounds + 1):  # noqa: B007
        out = lp.solve()
        if out.status == "infeasible":
            raise InfeasibleError("the core (with the floors and caps) has no allocation above the "
                                  "disagreement point")
        if out.status != "optimal":
            raise RegionoptError(f"Nash LP ended with status {out.status!r}")
        s = out.x[:n]
        u = out.x[n:]
        x = d + surplus * s
        added = False
        if core:
            assert v_all is not None and in_rows is not None
            e = v_all - subset_sums(x)
            e[0] = e[game.grand] = -np.inf
            viol = np.flatnonzero((e > 1e-9 * scale) & ~in_rows)
            if viol.size:
                top = viol[np.argsort(-e[viol])][: max(2 * n, 20)]
                bits = ((top[:, None] >> np.arange(n)) & 1).astype(float)
                rhs = (v_all[top] - bits @ d) / surplus
                lp.add_rows(np.hstack([bits, np.zeros((top.size, n))]), rhs, np.inf)
                in_rows[top] = True
                added = True
        true_obj = float(np.sum(w * np.log(np.maximum(s, 1e-300))))
        gap = float(out.objective - true_obj)
        if not added and gap <= tol:
            break
        for i in range(n):
            if u[i] - math.log(max(s[i], 1e-300)) > tol / (2 * n * w[i]):
                tangent(i, float(s[i]))
                added = True
        if not added:
            break
    else:
        raise RegionoptError(f"Nash bargaining did not reach tolerance {tol} in {max_rounds} rounds (gap {gap:.3g})")
    return make_allocation(
        game, d + surplus * s / s.sum(), "nash", objective_gap=max(gap, 0.0),
        x_error_bound=surplus * math.sqrt(2 * max(gap, 0.0) / float(w.min())), cuts=cuts, rounds=rounds,
        tolerance=tol, core_constrained=core,
        disagreement=pd.Series(d, index=list(game.players), name="disagreement"),
        weights=pd.Series(w, index=list(game.players), name="weight"),
    )
