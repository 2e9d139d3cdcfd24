"""Allocation results: a pandas Series indexed by player, named after the concept."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .game import CooperativeGame


def make_allocation(game: CooperativeGame, x: Any, concept: str, **attrs: Any) -> pd.Series:
    """Wrap payoffs ``x`` (player order) as a Series; guarantees go to ``attrs``.

    ``attrs`` always carries ``concept``, ``game``, ``unit`` and
    ``efficiency_gap`` (``sum x - v(N)``, in the game's unit).
    """
    arr = np.asarray(x, dtype=float).reshape(-1)
    s = pd.Series(arr, index=pd.Index(list(game.players), name="player"), name=concept)
    s.attrs.update(
        concept=concept,
        game=game.name,
        unit=game.unit,
        efficiency_gap=float(arr.sum() - game.grand_value),
    )
    s.attrs.update(attrs)
    return s


def as_vector(game: CooperativeGame, allocation: Any, table: str = "allocation") -> np.ndarray:
    """Allocation (Series by player name, mapping, or array in player order) as an array."""
    from ..errors import InputError

    if isinstance(allocation, pd.Series) or isinstance(allocation, dict):
        ser = pd.Series(allocation, dtype=float)
        ser.index = [str(i) for i in ser.index]
        missing = [p for p in game.players if p not in ser.index]
        if missing:
            raise InputError("no payoff for player", table=table, row=missing[0], field="payoff")
        extra = [p for p in ser.index if p not in game.players]
        if extra:
            raise InputError(f"unknown player; players are {list(game.players)}", table=table,
                             row=extra[0], field="player")
        arr = ser.loc[list(game.players)].to_numpy(dtype=float)
    else:
        arr = np.asarray(allocation, dtype=float).reshape(-1)
        if arr.size != game.n:
            raise InputError(f"expected {game.n} payoffs, got {arr.size}", table=table)
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InputError("payoff must be finite", table=table, row=game.players[int(bad[0])],
                         field="payoff", value=arr[bad[0]])
    return arr
