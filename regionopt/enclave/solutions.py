"""Value-type solution concepts: proportional, Shapley (exact and Monte Carlo), Banzhaf.

All functions take a :class:`~regionopt.enclave.CooperativeGame` and return a
pandas Series indexed by player name, summing to ``v(N)``. Formulas:
docs/enclave.md, "Solution concepts".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ._result import make_allocation
from .game import CooperativeGame, popcounts

__all__ = ["banzhaf", "proportional", "shapley", "shapley_monte_carlo"]


def proportional(game: CooperativeGame, weights: pd.Series | Mapping[str, float]) -> pd.Series:
    """Split ``v(N)`` proportionally to non-negative weights: ``x_i = w_i / Σw · v(N)``.

    Parameters
    ----------
    game
        The game (only ``v(N)`` is used).
    weights
        Weight per player (e.g. land in mu, capital in 万元), all players given.
    """
    w = pd.Series(weights, dtype=float)
    w.index = [str(i) for i in w.index]
    for p in game.players:
        if p not in w.index:
            raise InputError("no weight given", table="weights", row=p, field="weight")
    w = w.loc[list(game.players)]
    for lab, val in w.items():
        if not np.isfinite(val) or val < 0:
            raise InputError("weight must be finite and >= 0", table="weights", row=lab, field="weight", value=val)
    total = float(w.sum())
    if total <= 0:
        raise InputError("weights sum to 0", table="weights", field="weight")
    return make_allocation(game, w.to_numpy() / total * game.grand_value, "proportional",
                           weights=w.to_dict())


def _marginals(v: np.ndarray, n: int, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks S without i (as a reshaped view) and ``v(S ∪ i) - v(S)``."""
    v3 = v.reshape(1 << (n - 1 - i), 2, 1 << i)
    return v3[:, 0, :], v3[:, 1, :] - v3[:, 0, :]


def shapley(game: CooperativeGame, method: str = "exact", **kw: Any) -> pd.Series:
    """Shapley value (Shapley 1953).

    ``φ_i = Σ_{S ⊆ N∖i} |S|! (n-|S|-1)! / n! · (v(S ∪ i) − v(S))``, computed
    exactly over all ``2^n`` coalitions with vectorized bit tricks
    (``method="exact"``), or estimated by permutation sampling
    (``method="monte_carlo"``, see :func:`shapley_monte_carlo`).

    Returns
    -------
    pandas.Series
        Named ``"shapley"``; ``attrs["axioms"]`` lists efficiency, symmetry,
        null player and additivity (the characterising axioms).
    """
    if method == "monte_carlo":
        return shapley_monte_carlo(game, **kw)
    if method != "exact":
        raise InputError("method must be 'exact' or 'monte_carlo'", table="shapley", field="method", value=method)
    n = game.n
    v = game.values(purpose="the exact Shapley value")
    size = popcounts(n)
    f = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    # φ_i = Σ_{T∋i} v(T) f(|T|-1) − Σ_{T∌i} v(T) f(|T|): two weighted tables, then one strided
    # sum per player over the half of the masks that contain i (no per-player temporaries).
    a = v * f[np.maximum(size - 1, 0)]
    b = v * f[np.minimum(size, n - 1)]
    b[-1] = 0.0  # T = N never lacks a player
    b_total = float(b.sum())
    phi = np.empty(n)
    for i in range(n):
        a_in = float(a.reshape(1 << (n - 1 - i), 2, 1 << i)[:, 1, :].sum())
        b_in = float(b.reshape(1 << (n - 1 - i), 2, 1 << i)[:, 1, :].sum())
        phi[i] = a_in - (b_total - b_in)
    return make_allocation(game, phi, "shapley", method="exact",
                           axioms=("efficiency", "symmetry", "null player", "additivity"))


def shapley_monte_carlo(
    game: CooperativeGame,
    n_samples: int = 2000,
    *,
    seed: int = 0,
    confidence: float = 0.95,
    marginal_range: tuple[float, float] | None = None,
) -> pd.Series:
    """Shapley value estimated from ``n_samples`` random player orders.

    Each sampled order gives every player its marginal contribution; the mean
    over orders is an unbiased estimate of ``φ_i`` and the estimates always sum
    to ``v(N)`` (each order's contributions do). The stated bound is the
    normal-approximation (CLT) half-width ``z_{(1+c)/2} · s_i / √m`` at
    confidence ``c``, per player, in ``attrs["half_width"]`` (a Series).
    Orders are sampled antithetically (each order and its reverse) to reduce
    variance; ``m`` counts orders and the bound uses the ``m / 2`` pairs. With a
    single pair (``n_samples <= 2``) the spread cannot be estimated and the
    half-width is ``inf``. The CLT bound is an approximation: when a player's
    marginal contribution is rarely non-zero (pivotal players of voting games)
    small samples can show no spread at all; use many samples there.

    Parameters
    ----------
    n_samples
        Number of orders ``m`` (rounded up to even).
    seed
        Seed of :func:`numpy.random.default_rng` (reproducible).
    confidence
        Confidence level of the stated bound.
    marginal_range
        ``(lo, hi)``, the game's unit: a range known to contain every marginal
        contribution ``v(S ∪ i) − v(S)`` (e.g. ``(0, v(N))`` for a monotone game
        with ``v >= 0``, such as a linear production game with non-negative
        prices). Then ``attrs["half_width_guaranteed"]`` holds the Hoeffding
        half-width ``(hi − lo) √(ln(2/(1−c)) / (2 m'))``, which holds at
        confidence ``c`` per player whatever the distribution (``m'`` pairs).
        A sampled contribution outside the range raises :class:`InputError`.
    """
    if n_samples < 2:
        raise InputError("need at least 2 samples", table="shapley", field="n_samples", value=n_samples)
    if not 0 < confidence < 1:
        raise InputError("must be in (0, 1)", table="shapley", field="confidence", value=confidence)
    if marginal_range is not None:
        lo, hi = (float(v) for v in marginal_range)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise InputError("must be (lo, hi) with finite lo < hi", table="shapley", field="marginal_range",
                             value=marginal_range)
    n = game.n
    rng = np.random.default_rng(seed)
    half = (n_samples + 1) // 2
    perms = np.array([rng.permutation(n) for _ in range(half)], dtype=np.int64).reshape(half, n)
    perms = np.concatenate([perms, perms[:, ::-1]])
    m = perms.shape[0]
    bits = np.left_shift(np.int64(1), perms)
    prefix = np.cumsum(bits, axis=1)
    before = prefix - bits
    vals_after = game.values_at(prefix)
    vals_before = game.values_at(before)
    marg = vals_after - vals_before
    if marginal_range is not None:
        tol = 1e-9 * max(1.0, abs(lo), abs(hi))
        out = np.flatnonzero((marg < lo - tol) | (marg > hi + tol))
        if out.size:
            r, j = divmod(int(out[0]), n)
            raise InputError(f"a sampled marginal contribution ({float(marg.flat[out[0]]):.6g}) lies outside "
                             "marginal_range", table="shapley", row=game.players[int(perms[r, j])],
                             field="marginal_range", value=marginal_range)
    contrib = np.zeros((m, n))
    np.put_along_axis(contrib, perms, marg, axis=1)
    # pair antithetic samples so that the CLT bound uses independent pairs
    pairs = 0.5 * (contrib[:half] + contrib[half:])
    est = pairs.mean(axis=0)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    if half > 1:
        hw = z * pairs.std(axis=0, ddof=1) / math.sqrt(half)
    else:  # one antithetic pair: no spread to estimate, so no finite bound can be stated
        hw = np.full(n, np.inf)
    extra: dict[str, object] = {}
    if marginal_range is not None:
        hg = (hi - lo) * math.sqrt(math.log(2.0 / (1.0 - confidence)) / (2.0 * half))
        extra["half_width_guaranteed"] = pd.Series(np.full(n, hg), index=list(game.players),
                                                   name=f"half_width_guaranteed_{game.unit}")
    return make_allocation(
        game, est, "shapley", method="monte_carlo", n_samples=int(m), seed=seed,
        confidence=confidence,
        half_width=pd.Series(hw, index=list(game.players), name=f"half_width_{game.unit}"),
        **extra,
    )


def banzhaf(game: CooperativeGame, normalized: bool = True) -> pd.Series:
    """Banzhaf value: ``β_i = 2^{-(n-1)} Σ_{S ⊆ N∖i} (v(S ∪ i) − v(S))``.

    The raw Banzhaf value is not efficient; with ``normalized=True``
    (default) it is rescaled to sum to ``v(N)``: ``x_i = β_i / Σβ · v(N)``.
    The raw values are kept in ``attrs["raw"]``.
    """
    n = game.n
    v = game.values(purpose="the Banzhaf value")
    raw = np.array([float(_marginals(v, n, i)[1].sum()) for i in range(n)]) / float(1 << (n - 1))
    total = raw.sum()
    if not normalized:
        x = raw
    elif abs(total) > 1e-12:
        x = raw / total * game.grand_value
    else:
        if abs(game.grand_value) > 1e-12:
            raise InputError("Banzhaf values sum to 0: cannot normalise to v(N)", table="banzhaf")
        x = raw
    return make_allocation(game, x, "banzhaf", normalized=normalized,
                           raw=pd.Series(raw, index=list(game.players), name="banzhaf_raw"))
