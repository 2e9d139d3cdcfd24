"""Core membership and the least core.

The core is ``{x : x(N) = v(N), x(S) ≥ v(S) for all S}``: no coalition can do
better on its own. :func:`core_check` says whether an allocation is in it and,
if not, which coalitions would block it and by how much (their excess
``e(S, x) = v(S) − x(S) > 0``). :func:`least_core` finds the smallest ``ε``
such that ``x(S) ≥ v(S) − ε`` can hold for all coalitions (Maschler, Peleg and
Shapley 1979). See docs/enclave.md, "Core".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._result import as_vector, make_allocation
from .game import CooperativeGame, popcounts, subset_sums
from .nucleolus import _check_size, _sequential

__all__ = ["CoreCheck", "LeastCore", "core_check", "least_core"]


@dataclass
class CoreCheck:
    """Result of :func:`core_check` (formulation: docs/enclave.md, "Core and least core").

    Attributes
    ----------
    in_core
        True if efficient and no coalition has a positive excess (within tolerance).
    blocking
        Blocking coalitions, largest excess first: ``coalition`` (tuple of
        names), ``value`` ``v(S)``, ``payoff`` ``x(S)``, ``excess`` ``v(S) − x(S)``
        (in the game's unit). At most ``max_rows`` rows; ``n_blocking`` counts all.
    individually_rational
        Per player: ``x_i ≥ v({i})``.
    max_excess
        Largest excess over proper non-empty coalitions (≤ 0 in the core).
    efficiency_gap
        ``x(N) − v(N)``.
    n_blocking
        Number of blocking coalitions.
    """

    in_core: bool
    blocking: pd.DataFrame
    individually_rational: pd.Series
    max_excess: float
    efficiency_gap: float
    n_blocking: int

    def summary(self) -> str:
        if self.in_core:
            return f"in the core (largest excess {self.max_excess:.4g})"
        worst = self.blocking.iloc[0] if len(self.blocking) else None
        who = " + ".join(worst["coalition"]) if worst is not None else "-"
        return (f"NOT in the core: {self.n_blocking} blocking coalition(s); worst {who} "
                f"with excess {self.max_excess:.4g}")


def core_check(
    game: CooperativeGame,
    allocation: Any,
    *,
    tol: float = 1e-6,
    max_rows: int = 50,
) -> CoreCheck:
    """Check core membership of an allocation.

    Parameters
    ----------
    game
        The game.
    allocation
        Payoff per player (Series by name, dict, or array in player order), in
        the game's unit.
    tol
        Tolerance relative to ``max(1, max |v|)``.
    max_rows
        Maximum number of blocking coalitions listed.
    """
    x = as_vector(game, allocation)
    v = game.values(purpose="core_check")
    scale = max(1.0, float(np.max(np.abs(v))))
    tol_abs = tol * scale
    payoff = subset_sums(x)
    e = v - payoff
    e[0] = -np.inf
    gap = float(payoff[game.grand] - v[game.grand])
    e[game.grand] = -np.inf
    blocking_masks = np.flatnonzero(e > tol_abs)
    order = blocking_masks[np.argsort(-e[blocking_masks], kind="stable")][:max_rows]
    sizes = popcounts(game.n)
    blocking = pd.DataFrame(
        {
            "coalition": [game.coalition_names(int(m)) for m in order],
            "size": sizes[order].astype(int),
            f"value_{game.unit}": v[order],
            f"payoff_{game.unit}": payoff[order],
            f"excess_{game.unit}": e[order],
        }
    )
    blocking = blocking.rename(columns={f"value_{game.unit}": "value", f"payoff_{game.unit}": "payoff",
                                        f"excess_{game.unit}": "excess"})
    blocking.attrs["unit"] = game.unit
    single = np.array([v[1 << i] for i in range(game.n)])
    ir = pd.Series(x >= single - tol_abs, index=pd.Index(list(game.players), name="player"),
                   name="individually_rational")
    max_e = float(np.max(e)) if game.n > 1 else 0.0
    in_core = abs(gap) <= tol_abs and blocking_masks.size == 0
    return CoreCheck(bool(in_core), blocking.reset_index(drop=True), ir, max_e, gap, int(blocking_masks.size))


@dataclass
class LeastCore:
    """Result of :func:`least_core` (formulation: docs/enclave.md, "Core and least core").

    Attributes
    ----------
    epsilon
        ``ε* = min_x max_S e(S, x)`` in the game's unit; the core is non-empty
        iff ``ε* ≤ 0``.
    allocation
        One point of the least core (the first-stage LP optimum), a Series
        named ``"least_core"``.
    """

    epsilon: float
    allocation: pd.Series

    @property
    def core_is_empty(self) -> bool:
        return self.epsilon > 1e-9 * max(1.0, abs(float(self.allocation.sum())))

    def contains(self, game: CooperativeGame, allocation: Any, tol: float = 1e-6) -> bool:
        """True if ``allocation`` is efficient and has all excesses ``≤ ε*``."""
        x = as_vector(game, allocation)
        v = game.values()
        scale = max(1.0, float(np.max(np.abs(v))))
        e = v - subset_sums(x)
        e[0] = e[game.grand] = -np.inf
        return bool(abs(x.sum() - v[game.grand]) <= tol * scale and np.max(e) <= self.epsilon + tol * scale)


def least_core(game: CooperativeGame, *, imputation: bool = False, tol: float = 1e-7) -> LeastCore:
    """Least core: ``min ε  s.t.  x(N) = v(N),  x(S) ≥ v(S) − ε  for all ∅ ≠ S ≠ N``.

    Solved by constraint generation (the first stage of :func:`nucleolus`).
    With ``imputation=True`` the constraints ``x_i ≥ v({i})`` are added (then
    the nucleolus lies in it; without, the prenucleolus does).

    Raises
    ------
    InputError
        Above :data:`~regionopt.enclave.nucleolus.MAX_NUCLEOLUS_PLAYERS` players, or when
        the coalition values would take too long to compute (docs/enclave.md, "Size limits").
    """
    _check_size(game, "least core")
    seq = _sequential(game, imputation=imputation, tol=tol, stop_after_first=True, concept="least core")
    eps = seq.stages[0].epsilon if seq.stages else 0.0
    alloc = make_allocation(game, seq.x, "least_core", epsilon=eps, imputation=imputation)
    return LeastCore(float(eps), alloc)
