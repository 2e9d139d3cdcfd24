"""Transferable-utility cooperative games over named players.

A game is a list of player names and a characteristic function ``v`` that gives
every coalition ``S`` (a subset of players) the value it can secure on its own,
in 万元 (10k CNY) unless stated otherwise. Internally coalitions are bitmasks
(bit ``i`` = player ``i``); everything the user sees uses names.

See docs/enclave.md, section "Games".
"""

from __future__ import annotations

import decimal
import math
import numbers
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import InputError, RegionoptError

__all__ = ["Coalition", "CooperativeGame", "TableEstimate", "popcounts", "subset_sums"]

#: A coalition as the user writes it: an iterable of player names, or a bitmask.
Coalition = Iterable[Hashable] | int

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

#: Largest number of players for which the full table of 2^n values is built
#: (2^26 values = 512 MiB; the exact methods need a few working copies of it).
MAX_TABLE_PLAYERS = 26

#: Exact methods refuse a game whose missing coalition values are estimated to take longer than
#: this to compute, seconds (estimate: number of values still to compute × the measured time per
#: value; docs/enclave.md, "Size limits").
MAX_BUILD_SECONDS = 60.0

#: Coalitions timed to estimate the cost of one value (at most; stops after ``_SAMPLE_SECONDS``).
_SAMPLE_VALUES = 32
_SAMPLE_SECONDS = 0.05
#: Values computed between two looks at the clock while the table is built under a deadline.
_BUILD_CHECK = 16


def popcounts(n: int) -> IntArray:
    """Number of players in each coalition mask ``0 .. 2^n - 1``."""
    return np.bitwise_count(np.arange(1 << n, dtype=np.int64)).astype(np.int64)


def subset_sums(x: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``x(S) = sum_{i in S} x_i`` for every mask ``S`` (doubling, O(2^n)).

    ``out`` (length ``2^n``) is filled and returned when given, to reuse a buffer.
    """
    xs = np.asarray(x, dtype=float).reshape(-1)
    size = 1 << xs.size
    if out is None:
        out = np.empty(size)
    out[0] = 0.0
    half = 1
    for xi in xs:
        np.add(out[:half], xi, out=out[half: 2 * half])
        half *= 2
    return out


def _label(v: Hashable) -> str:
    return str(v)


def _number(val: Any, coalition: Any) -> float:
    """A coalition value as a float, or an :class:`InputError` naming the coalition and the value.

    Accepts real numbers (Python, numpy, ``Decimal``; booleans count as 0 and 1); text
    (even ``"3.5"``), ``None`` and other objects are refused rather than converted.
    """
    if not isinstance(val, (numbers.Real, decimal.Decimal, np.bool_)):
        if val is None:
            what = "is missing (None)"
        elif isinstance(val, (str, bytes)):
            what = f"is text {val!r}, not a number"
        else:
            what = f"is a {type(val).__name__}, not a number"
        raise InputError(f"value {what}", table="characteristic function", row=coalition, field="value",
                         value=val)
    return float(val)


def _fmt_seconds(sec: float) -> str:
    if not math.isfinite(sec):
        return "unknown"
    if sec < 120:
        return f"{sec:.3g} s"
    if sec < 7200:
        return f"{sec / 60:.3g} min"
    return f"{sec / 3600:.3g} h"


class TableEstimate:
    """Estimated work to build a game's table of ``2^n`` values (see :meth:`CooperativeGame.table_estimate`).

    Attributes
    ----------
    coalitions
        ``2^n``.
    missing
        Values not yet computed (0 for a tabulated game).
    seconds_per_value
        Measured mean time to compute one value, seconds (0 if nothing is missing).
    sampled
        Number of values timed for the measurement.
    seconds
        ``missing × seconds_per_value``.
    """

    def __init__(self, coalitions: int, missing: int, seconds_per_value: float, sampled: int) -> None:
        self.coalitions = coalitions
        self.missing = missing
        self.seconds_per_value = seconds_per_value
        self.sampled = sampled
        self.seconds = missing * seconds_per_value

    def describe(self) -> str:
        if self.missing == 0:
            return f"all {self.coalitions:,} coalition values are already known"
        return (f"{self.missing:,} coalition values still to compute at about "
                f"{self.seconds_per_value * 1e6:.3g} µs each (measured on {self.sampled}), "
                f"about {_fmt_seconds(self.seconds)}")

    def __repr__(self) -> str:
        return f"TableEstimate({self.describe()})"


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
        self._timed: list[float] = []  # seconds per freshly computed value (table_estimate)
        self._func = func
        self._table: FloatArray | None = None
        self._lock = threading.RLock()
        if self.n > 62:
            raise InputError("at most 62 players are supported", table="players")
        if values is not None:
            arr = self._float_array(values)
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

    def _float_array(self, values: Any) -> FloatArray:
        """``values`` as a flat float array; a non-numeric entry raises naming its coalition."""
        try:
            raw = np.asarray(values)
        except ValueError as exc:  # ragged nesting
            raise InputError(f"coalition values must be a flat list or array of 2^{self.n} numbers ({exc})",
                             table="characteristic function") from None
        if raw.dtype.kind in "fiub":
            return np.asarray(raw, dtype=float).reshape(-1)
        # text or mixed: look at the values as given (numpy would have turned 1.0 into "1.0")
        flat = (raw if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)).reshape(-1)
        out = np.empty(flat.size)
        for m, val in enumerate(flat):
            out[m] = _number(val, self.coalition_names(m) if m < (1 << self.n) else m)
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_array(cls, players: Sequence[Hashable], values: Any, **kw: Any) -> CooperativeGame:
        """Game from an array of ``2^n`` values indexed by bitmask.

        Raises
        ------
        InputError
            On a wrong length, a value that is not a finite number (naming the
            coalition and the value) or ``v(∅) != 0``.
        """
        return cls(players, values, **kw)

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
            On a missing or repeated coalition, an unknown player, a value that
            is not a finite number (text, ``None``, NaN...; the error names the
            coalition and the value) or ``v(∅) != 0``.
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
            val = _number(table[raw], raw)
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
            members = tuple(names[i] for i in range(len(names)) if (mask >> i) & 1)
            return _number(func(frozenset(members)), members)

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
            got = self._compute(m)
            self._cache[m] = got
        return got

    def _compute(self, m: int) -> float:
        """``v`` at mask ``m`` from the callable, checked (not cached)."""
        if m == 0:
            return 0.0
        assert self._func is not None
        raw = self._func(m)
        got = float(raw) if isinstance(raw, (float, int, np.floating, np.integer)) else _number(
            raw, self.coalition_names(m))
        if not math.isfinite(got):
            raise InputError("value must be finite", table="characteristic function",
                             row=self.coalition_names(m), field="value", value=got)
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

    def table_estimate(self) -> TableEstimate:
        """Estimate the work to compute all ``2^n`` values before doing it.

        For a game whose values are computed on demand (a callable, or one LP per
        coalition for a :class:`~regionopt.enclave.LinearProductionGame`), up to 32
        coalitions (at most about 0.05 s of work) are evaluated and timed; their values are
        kept. The estimate is the number of values still missing times the mean time per
        value. A tabulated game needs no work.
        """
        total = 1 << self.n
        if self._table is not None:
            return TableEstimate(total, 0, 0.0, 0)
        # timings are kept across calls (a refused call's sample still counts; cached values
        # cost nothing to look up, so only fresh evaluations are timed)
        timed = self._timed
        rng = np.random.default_rng(12345 + len(timed))
        t_start = time.perf_counter()
        tries = 0
        while len(timed) < _SAMPLE_VALUES and len(self._cache) < total - 1 and tries < 4 * _SAMPLE_VALUES:
            tries += 1
            m = int(rng.integers(1, total))
            if m in self._cache:
                continue
            t0 = time.perf_counter()
            self._eval(m)
            timed.append(time.perf_counter() - t0)
            if time.perf_counter() - t_start > _SAMPLE_SECONDS:
                break
        missing = max(total - 1 - len(self._cache), 0)
        if not timed:
            per = 0.0
        else:
            per = float(np.mean(timed[1:])) if len(timed) > 1 else timed[0]  # the first call warms up
        return TableEstimate(total, missing, per, len(timed))

    def values(self, *, deadline: float | None = None, max_seconds: float | None = None,
               purpose: str = "this exact method") -> FloatArray:
        """All ``2^n`` values indexed by bitmask (computed once for callable games).

        Before computing anything, the work is estimated (:meth:`table_estimate`) and the
        call refuses if it is too large, rather than running for minutes.

        Parameters
        ----------
        deadline
            ``time.perf_counter()`` value by which the table must be ready (the caller's
            time limit); if the estimate already exceeds it, or the clock passes it while
            building, :class:`~regionopt.errors.RegionoptError` is raised and no table is
            stored (values computed so far stay cached).
        max_seconds
            Largest estimated build time accepted, seconds (default
            :data:`MAX_BUILD_SECONDS`).
        purpose
            What needs the table, for the error message.

        Raises
        ------
        InputError
            More than :data:`MAX_TABLE_PLAYERS` players, or an estimated build time above
            ``max_seconds``; the message gives the estimate and points to
            :func:`~regionopt.enclave.shapley_monte_carlo`.
        RegionoptError
            When ``deadline`` cannot be met.
        """
        if self._table is not None:
            return self._table
        with self._lock:  # one thread builds the table; the others wait and reuse it
            if self._table is not None:
                return self._table
            n = self.n
            hint = ("use shapley_monte_carlo(game, n_samples=...) (it evaluates about "
                    "n × n_samples coalitions), or a game with fewer players (e.g. merge partners "
                    "that play the same role)")
            if n > MAX_TABLE_PLAYERS:
                raise InputError(
                    f"{n} players: {purpose} needs all 2^{n} = {1 << n:,} coalition values, more than the "
                    f"{MAX_TABLE_PLAYERS}-player limit of the exact methods; {hint}",
                    table="players", field="players", value=n,
                )
            est = self.table_estimate()
            limit = MAX_BUILD_SECONDS if max_seconds is None else float(max_seconds)
            if est.seconds > limit:
                raise InputError(
                    f"{n} players: {purpose} needs all 2^{n} = {1 << n:,} coalition values; "
                    f"{est.describe()}, above the limit of {_fmt_seconds(limit)} "
                    f"(regionopt.enclave.game.MAX_BUILD_SECONDS); {hint}",
                    table="players", field="players", value=n,
                )
            if deadline is not None and time.perf_counter() + est.seconds > deadline:
                raise RegionoptError(
                    f"time limit: {purpose} cannot finish in time; building the 2^{n} coalition values "
                    f"alone needs {est.describe()}; nothing was returned. Raise time_limit or {hint}"
                )
            out = np.empty(1 << n)
            cache = self._cache
            for m in range(1 << n):  # straight into the table, not through the cache
                if deadline is not None and not m % _BUILD_CHECK and time.perf_counter() > deadline:
                    raise RegionoptError(
                        f"time limit: reached while building the 2^{n} coalition values for {purpose} "
                        f"({m:,} of {1 << n:,} done); nothing was returned. Raise time_limit or {hint}"
                    )
                got = cache.get(m)
                out[m] = got if got is not None else self._compute(m)
            self._table = out
            self._cache.clear()
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
