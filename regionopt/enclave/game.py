"""Transferable-utility cooperative games over named players.

A game is a list of player names and a characteristic function ``v`` that gives
every coalition ``S`` (a subset of players) the value it can secure on its own,
in 万元 (10k CNY) unless stated otherwise. Internally coalitions are bitmasks
(bit ``i`` = player ``i``); everything the user sees uses names.

See docs/enclave.md, section "Games".
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import InputError

__all__ = ["Coalition", "CooperativeGame", "popcounts", "subset_sums"]

#: A coalition as the user writes it: an iterable of player names, or a bitmask.
Coalition = Iterable[Hashable] | int

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Largest number of players for which the full table of 2^n values is built.
MAX_TABLE_PLAYERS = 26


def popcounts(n: int) -> IntArray:
    """Number of players in each coalition mask ``0 .. 2^n - 1``."""
    return np.bitwise_count(np.arange(1 << n, dtype=np.int64)).astype(np.int64)


def subset_sums(x: FloatArray) -> FloatArray:
    """``x(S) = sum_{i in S} x_i`` for every mask ``S`` (doubling, O(2^n))."""
    out = np.zeros(1, dtype=float)
    for xi in np.asarray(x, dtype=float):
        out = np.concatenate([out, out + xi])
    return out


def _label(v: Hashable) -> str:
    return str(v)


class CooperativeGame:
    """A TU cooperative game ``(N, v)`` with named players.

    The characteristic function ``v: 2^N -> R`` (value of each coalition, 万元
    unless stated) comes from a table (:meth:`from_dict`, :meth:`from_series`,
    :meth:`from_array`) or from a callable (:meth:`from_callable`); subclasses
    such as :class:`~regionopt.enclave.LinearProductionGame` compute it.
    ``v(∅) = 0`` always. Formulation: docs/enclave.md, "Games".

    Parameters
    ----------
    players
        Unique player names (shown in every result).
    values
        Optional array of ``2^n`` values indexed by bitmask (bit ``i`` =
        ``players[i]``).
    func
        Optional callable ``mask -> value`` used when ``values`` is not given
        (results are cached).
    name
        A label for reports.
    unit
        Unit of the values, for labels (default ``"10k_cny"``).
    """

    def __init__(
        self,
        players: Sequence[Hashable],
        values: FloatArray | None = None,
        *,
        func: Callable[[int], float] | None = None,
        name: str = "game",
        unit: str = "10k_cny",
    ) -> None:
        names = [_label(p) for p in players]
        if len(names) == 0:
            raise InputError("a game needs at least one player", table="players")
        seen: set[str] = set()
        for p in names:
            if p in seen:
                raise InputError("duplicate player name", table="players", row=p, field="player")
            seen.add(p)
        self.players: tuple[str, ...] = tuple(names)
        self.n = len(names)
        self.name = name
        self.unit = unit
        self._index = {p: i for i, p in enumerate(self.players)}
        self._cache: dict[int, float] = {}
        self._func = func
        self._table: FloatArray | None = None
        if values is not None:
            arr = np.asarray(values, dtype=float).reshape(-1)
            if arr.size != (1 << self.n):
                raise InputError(
                    f"expected {1 << self.n} coalition values for {self.n} players, got {arr.size}",
                    table="characteristic function",
                )
            bad = np.flatnonzero(~np.isfinite(arr))
            if bad.size:
                raise InputError(
                    "value must be finite", table="characteristic function",
                    row=self.coalition_names(int(bad[0])), field="value", value=arr[bad[0]],
                )
            if abs(arr[0]) > 1e-12:
                raise InputError("v(empty coalition) must be 0", table="characteristic function",
                                 row=(), field="value", value=arr[0])
            self._table = arr.copy()
        elif func is None:
            raise InputError("give either a table of values or a callable", table="characteristic function")
        if self.n > 62:
            raise InputError("at most 62 players are supported", table="players")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_array(cls, players: Sequence[Hashable], values: Any, **kw: Any) -> CooperativeGame:
        """Game from an array of ``2^n`` values indexed by bitmask."""
        return cls(players, np.asarray(values, dtype=float), **kw)

    @classmethod
    def from_dict(
        cls,
        table: Mapping[Any, float],
        players: Sequence[Hashable] | None = None,
        **kw: Any,
    ) -> CooperativeGame:
        """Game from ``{("A", "B"): 10.0, ("A",): 4.0, ...}``.

        Keys are tuples (or frozensets) of player names; a bare name means the
        singleton. Every non-empty coalition must be present; ``()`` may be
        omitted, and if present must be 0.

        Raises
        ------
        InputError
            On a missing or repeated coalition, an unknown player, a non-finite
            value or ``v(∅) != 0``.
        """
        keys = [cls._key(k) for k in table]
        if players is None:
            order: list[str] = []
            for k in keys:
                for p in k:
                    if p not in order:
                        order.append(p)
            players = order
        names = [_label(p) for p in players]
        index = {p: i for i, p in enumerate(names)}
        if len(index) != len(names):
            dup = next(p for p in names if names.count(p) > 1)
            raise InputError("duplicate player name", table="players", row=dup, field="player")
        n = len(names)
        vals = np.full(1 << n, np.nan)
        vals[0] = 0.0
        for raw, k in zip(table, keys, strict=True):
            mask = 0
            for p in k:
                if p not in index:
                    raise InputError(f"unknown player {p!r}", table="characteristic function",
                                     row=raw, field="coalition", value=p)
                mask |= 1 << index[p]
            try:
                val = float(table[raw])
            except (TypeError, ValueError):
                val = float("nan")  # text or None: refused just below, naming the coalition
            if not np.isfinite(val):
                raise InputError("value must be a finite number", table="characteristic function",
                                 row=raw, field="value", value=table[raw])
            if mask != 0 and not np.isnan(vals[mask]):
                raise InputError("coalition given twice (players in another order?)",
                                 table="characteristic function", row=raw, field="coalition")
            if mask == 0 and abs(val) > 1e-12:
                raise InputError("v(empty coalition) must be 0", table="characteristic function",
                                 row=raw, field="value", value=val)
            vals[mask] = val
        missing = np.flatnonzero(np.isnan(vals))
        if missing.size:
            miss = [tuple(names[i] for i in range(n) if (int(m) >> i) & 1) for m in missing[:5]]
            raise InputError(
                f"{missing.size} coalition(s) missing, e.g. {miss}; give every coalition or a callable",
                table="characteristic function", row=miss[0], field="value",
            )
        return cls(names, vals, **kw)

    @classmethod
    def from_series(cls, series: pd.Series, players: Sequence[Hashable] | None = None,
                    **kw: Any) -> CooperativeGame:
        """Game from a Series indexed by coalitions (tuples, frozensets, or ``"A+B"`` strings)."""
        if not isinstance(series, pd.Series):
            raise InputError(f"expected a pandas Series, got {type(series).__name__}",
                             table="characteristic function")
        table: dict[Any, float] = {}
        for k, v in series.items():
            key = tuple(s for s in k.split("+") if s) if isinstance(k, str) else k
            table[key] = v
        kw.setdefault("name", str(series.name) if series.name is not None else "game")
        return cls.from_dict(table, players, **kw)

    @classmethod
    def from_callable(cls, players: Sequence[Hashable], func: Callable[[frozenset[str]], float],
                      **kw: Any) -> CooperativeGame:
        """Game whose value of coalition ``S`` is ``func(frozenset of names)`` (cached).

        ``func(frozenset())`` must be 0.
        """
        names = [_label(p) for p in players]

        def by_mask(mask: int) -> float:
            return float(func(frozenset(names[i] for i in range(len(names)) if (mask >> i) & 1)))

        game = cls(names, func=by_mask, **kw)
        v0 = by_mask(0)
        if abs(v0) > 1e-12:
            raise InputError("v(empty coalition) must be 0", table="characteristic function",
                             row=(), field="value", value=v0)
        return game

    @staticmethod
    def _key(k: Any) -> tuple[str, ...]:
        if isinstance(k, str):
            return (k,)
        if isinstance(k, (tuple, list, frozenset, set)):
            return tuple(_label(p) for p in k)
        return (_label(k),)

    # ------------------------------------------------------------------ coalitions
    @property
    def grand(self) -> int:
        """Bitmask of the grand coalition N."""
        return (1 << self.n) - 1

    def mask(self, coalition: Coalition) -> int:
        """Bitmask of a coalition given by names (or already a mask)."""
        if isinstance(coalition, (int, np.integer)):
            m = int(coalition)
            if m < 0 or m > self.grand:
                raise InputError("coalition mask out of range", table="coalition", value=m)
            return m
        items = [coalition] if isinstance(coalition, str) else list(coalition)
        m = 0
        for p in items:
            name = _label(p)
            if name not in self._index:
                raise InputError(f"unknown player {name!r}; players are {list(self.players)}",
                                 table="coalition", row=name, field="player", value=name)
            m |= 1 << self._index[name]
        return m

    def coalition_names(self, mask: int) -> tuple[str, ...]:
        """Player names in a coalition mask, in player order."""
        return tuple(p for i, p in enumerate(self.players) if (int(mask) >> i) & 1)

    # ------------------------------------------------------------------ values
    def value(self, coalition: Coalition) -> float:
        """``v(S)`` for a coalition given by names or mask."""
        m = self.mask(coalition)
        if self._table is not None:
            return float(self._table[m])
        return self._eval(m)

    def _eval(self, m: int) -> float:
        if m == 0:
            return 0.0
        got = self._cache.get(m)
        if got is None:
            assert self._func is not None
            got = float(self._func(m))
            if not np.isfinite(got):
                raise InputError("value must be finite", table="characteristic function",
                                 row=self.coalition_names(m), field="value", value=got)
            self._cache[m] = got
        return got

    def values_at(self, masks: Iterable[int] | IntArray) -> FloatArray:
        """``v`` at an array of masks (vectorized when the table is materialised)."""
        arr = np.asarray(masks, dtype=np.int64)
        if self._table is not None:
            return self._table[arr]
        return np.array([self._eval(int(m)) for m in arr.reshape(-1)], dtype=float).reshape(arr.shape)

    @property
    def is_tabulated(self) -> bool:
        return self._table is not None

    def values(self) -> FloatArray:
        """All ``2^n`` values indexed by bitmask (computed once for callable games)."""
        if self._table is None:
            if self.n > MAX_TABLE_PLAYERS:
                raise InputError(
                    f"{self.n} players: the full table of 2^{self.n} values is too large; "
                    "use a sampling method (e.g. shapley(..., method='monte_carlo'))",
                    table="players",
                )
            self._table = self.values_at(np.arange(1 << self.n, dtype=np.int64))
        return self._table

    @property
    def grand_value(self) -> float:
        """``v(N)``."""
        return self.value(self.grand)

    def singleton_values(self) -> pd.Series:
        """``v({i})`` per player: what each can secure alone."""
        return pd.Series([self.value(1 << i) for i in range(self.n)], index=list(self.players),
                         name=f"standalone_{self.unit}")

    def to_series(self) -> pd.Series:
        """All values as a Series indexed by coalition name tuples."""
        vals = self.values()
        idx = [self.coalition_names(m) for m in range(1 << self.n)]
        return pd.Series(vals, index=pd.Index(idx, tupleize_cols=False, name="coalition"),
                         name=f"value_{self.unit}")

    def excesses(self, x: FloatArray) -> FloatArray:
        """Excess ``e(S, x) = v(S) - x(S)`` for every mask."""
        return self.values() - subset_sums(np.asarray(x, dtype=float))

    # ------------------------------------------------------------------ algebra / properties
    def __add__(self, other: CooperativeGame) -> CooperativeGame:
        if not isinstance(other, CooperativeGame) or other.players != self.players:
            raise InputError("games must have the same players in the same order", table="players")
        return CooperativeGame(self.players, self.values() + other.values(),
                               name=f"{self.name}+{other.name}", unit=self.unit)

    def scaled(self, factor: float) -> CooperativeGame:
        """The game ``factor * v``."""
        return CooperativeGame(self.players, self.values() * float(factor), name=self.name, unit=self.unit)

    def is_superadditive(self, tol: float = 1e-9) -> bool:
        """``v(S ∪ T) >= v(S) + v(T)`` for disjoint S, T (O(3^n); for small games)."""
        v = self.values()
        for s in range(1, 1 << self.n):
            rest = self.grand ^ s
            t = rest
            while t:
                if t > s and v[s | t] < v[s] + v[t] - tol:
                    return False
                t = (t - 1) & rest
        return True

    def is_convex(self, tol: float = 1e-9) -> bool:
        """Supermodular: marginal contributions grow with the coalition."""
        v = self.values()
        masks = np.arange(1 << self.n, dtype=np.int64)
        for i in range(self.n):
            bi = 1 << i
            without = masks[(masks & bi) == 0]
            marg = v[without | bi] - v[without]
            for j in range(self.n):
                if j == i:
                    continue
                bj = 1 << j
                sel = (without & bj) == 0
                s = without[sel]
                if np.any(v[s | bi | bj] - v[s | bj] < marg[sel] - tol):
                    return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, players={list(self.players)})"
