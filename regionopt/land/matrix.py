"""The matrix route: the land LP assembled straight from validated inputs as arrays.

:func:`assemble` builds the same :class:`~regionopt.solve.highs.CompiledModel`
that compiling :meth:`LandQuotaProblem.to_pyomo` gives -- the same columns and
rows in the same order, keyed by the same (component name, index), the same
coefficients, bounds and objective -- without building a Pyomo model. Every
constraint family of :mod:`regionopt.land.model` has its counterpart here,
written with numpy (``np.repeat`` / ``np.concatenate``, no loop per nonzero
where their number grows with the pairs), so assembling a million columns
takes seconds instead of minutes. ``tests/test_land_matrix.py`` compares the
two compiled models row by row on instances of every feature.

What "the same" means, in the details that decide it (they mirror Pyomo):

* a row exists where the Pyomo rule does not return ``Constraint.Skip``; a
  term with a zero coefficient or a fixed variable (the within-province pool of
  a province with one region) is dropped from it, and a row left without terms
  is checked as a constant (``0`` within its bounds) and dropped;
* columns are numbered in order of first appearance: the objective first, then
  the rows in order (what :func:`~regionopt.solve.highs.compile_model` does);
* terms inside a row are in the order Pyomo lists them: as the rule writes
  them, except that a sum of several terms added to a single term comes first
  (:func:`pyomo_order`);
* a row ``a >= b`` with variables on both sides is ``b - a <= 0``; with a
  constant on one side the constant is the bound; per-capita coefficients are
  computed in Pyomo's order (``land / pop`` for a region with one project,
  ``(1 / pop) * land`` for more).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..solve.highs import INF, CompiledModel, Key
from .index import LandIndex
from .inputs import LandInputs
from .pricing import LEDGERS

__all__ = ["LandArrays", "assemble"]

_NL = len(LEDGERS)  # 4 ledgers; farmland ledgers are 1..3 (area, paddy, grain)
_AREA = 1


@dataclass
class LandArrays:
    """The instance as integer-coded arrays (positions in the :class:`LandIndex` lists).

    Regions, provinces, projects, tiers and arcs are numbered by their position
    in ``ix.regions``, ``ix.provinces``, ``ix.projects``, ``ix.tiers`` and
    ``ix.arcs``; ledgers by their position in :data:`LEDGERS`; periods ``1..T``
    by ``0..T-1``.
    """

    nR: int
    nP: int
    nT: int
    prov: np.ndarray  # province of each region
    single: np.ndarray  # region alone in its province (bool)
    # projects
    pr: np.ndarray
    pt: np.ndarray
    need: np.ndarray  # (nJ, 4) units per ledger
    value: np.ndarray
    y_lo: np.ndarray
    land: np.ndarray
    farm: np.ndarray
    # tiers
    kr: np.ndarray
    yields: np.ndarray  # (nK, 4)
    cost: np.ndarray
    potential: np.ndarray
    # arcs
    a_s: np.ndarray
    a_b: np.ndarray
    a_l: np.ndarray
    a_cost: np.ndarray
    a_budget: np.ndarray
    a_lo: np.ndarray
    a_hi: np.ndarray
    # platform purchases: position in ix.buy_keys of (region, farmland ledger - 1, period), -1 if none
    buy_pos: np.ndarray
    charge: np.ndarray  # per buy key

    @classmethod
    def of(cls, inp: LandInputs, ix: LandIndex) -> LandArrays:
        """Code the instance as arrays."""
        R, P, T = ix.regions, ix.provinces, ix.periods
        nR, nT = len(R), len(T)
        r_of = {r: i for i, r in enumerate(R)}
        p_of = {p: i for i, p in enumerate(P)}
        l_of = {led: i for i, led in enumerate(LEDGERS)}
        prov = np.array([p_of[ix.province_of[r]] for r in R], dtype=np.int64)
        single = np.array([ix.province_of[r] in ix.single_region_provinces for r in R], dtype=bool)
        projs = [inp.projects[j] for j in ix.projects]
        binary = inp.settings.binary_projects
        need = np.array([(p.land_mu, p.farmland_mu, p.paddy_mu, p.grain_100kg) for p in projs],
                        dtype=float).reshape(len(projs), _NL)
        lo = [p.min_share or 0.0 for p in projs]
        tiers = [inp.reserves[k] for k in ix.tiers]
        yields = np.array([(t.construction_per_mu, t.area_per_mu, t.paddy_per_mu, t.grain_100kg_per_mu)
                           for t in tiers], dtype=float).reshape(len(tiers), _NL)
        at = ix.arc_table
        buy_pos = np.full((nR, _NL - 1, nT), -1, dtype=np.int64)
        for i, (r, led, t) in enumerate(ix.buy_keys):
            buy_pos[r_of[r], l_of[led] - 1, t - 1] = i
        return cls(
            nR=nR, nP=len(P), nT=nT, prov=prov, single=single,
            pr=np.array([r_of[p.region] for p in projs], dtype=np.int64),
            pt=np.array([p.period - 1 for p in projs], dtype=np.int64),
            need=need, value=np.array([p.value_10k_cny for p in projs], dtype=float),
            y_lo=np.array([1.0 if binary and v > 0 else v for v in lo], dtype=float),
            land=need[:, 0].copy(), farm=need[:, 1].copy(),
            kr=np.array([r_of[k[0]] for k in ix.tiers], dtype=np.int64), yields=yields,
            cost=np.array([t.cost_10k_cny_per_mu for t in tiers], dtype=float),
            potential=np.array([t.potential_mu for t in tiers], dtype=float),
            a_s=at.seller, a_b=at.buyer, a_l=at.ledger, a_cost=at.cost, a_budget=at.budget, a_lo=at.lo, a_hi=at.hi,
            buy_pos=buy_pos, charge=np.array([ix.charge[k] for k in ix.buy_keys], dtype=float),
        )


def pyomo_order(sizes: Sequence[int], signs: Sequence[int]) -> list[int]:
    """The order in which Pyomo lists the chunks of ``0 ± c_0 ± c_1 ± ...`` (chunk positions).

    ``sizes[i]`` is the number of terms of chunk ``i`` (``sum()`` of that many
    terms: 0 is the integer 0, 1 a single term, 2+ a linear expression) and
    ``signs[i]`` is +1 or -1. Pyomo keeps the written order, except that adding
    a linear expression to an expression of a single term lists the linear
    expression first (``m + L`` is stored as ``L + m``). Checked against Pyomo
    by ``tests/test_land_matrix.py``; only the order of first appearance of
    columns depends on it.
    """
    state = "Z"
    order: list[int] = []
    for i, (n, sign) in enumerate(zip(sizes, signs, strict=True)):
        if n == 0:
            continue
        kind = "T" if n == 1 else "L"
        if state == "Z":
            state = kind if sign > 0 or kind == "T" else "N"
            order = [i]
        elif sign > 0:
            if state == "T" and kind == "L":
                order.insert(0, i)
                state = "L"
            else:
                order.append(i)
                state = "L" if state in ("T", "L") else "S"
        else:
            order.append(i)
            state = "L" if state in ("T", "L") and kind == "T" else "S"
    return order


# --------------------------------------------------------------------------- columns


@dataclass
class _Block:
    name: str
    start: int
    size: int
    keys: Callable[[np.ndarray], list[Hashable]]


def _each(f: Callable[[int], Hashable]) -> Callable[[np.ndarray], list[Hashable]]:
    return lambda i: [f(j) for j in i.tolist()]


@dataclass
class _Columns:
    """Canonical column numbering: one contiguous block per variable component."""

    blocks: list[_Block] = field(default_factory=list)
    n: int = 0

    def add(self, name: str, size: int, keys: Callable[[np.ndarray], list[Hashable]]) -> int:
        self.blocks.append(_Block(name, self.n, size, keys))
        self.n += size
        return self.n - size

    def keys(self, canon: np.ndarray, source: tuple[Any, ...] = ()) -> tuple[ColumnKeys, dict[str, np.ndarray]]:
        """(name, index) of canonical columns ``canon``, in that order (made on demand); each component's positions."""
        starts = np.array([b.start for b in self.blocks], dtype=np.int64)
        which = np.searchsorted(starts, canon, side="right") - 1
        groups = {b.name: np.flatnonzero(which == bi) for bi, b in enumerate(self.blocks)}
        return (ColumnKeys(self.blocks, canon, which.astype(np.int16), source),
                {k: v for k, v in groups.items() if v.size})


class ColumnKeys(Sequence[Key]):
    """The (component name, index) keys of an assembled model's columns, made on demand.

    Behaves like the list ``compile_model`` gives (length, indexing, iteration,
    equality with a list) without holding a million key tuples (about 130 MB
    at a million columns): a key is made from the column's component and its
    position in that component when asked for. ``indices(pos)`` makes the
    index parts of many columns at once (what reading a solution needs).
    Pickles as a plain list.
    """

    def __init__(self, blocks: list[_Block], canon: np.ndarray, which: np.ndarray, source: tuple[Any, ...] = ()) -> None:
        self._blocks, self._canon, self._which = blocks, canon, which
        self._source = source  # what the keys are made from (for a quick equality test)

    def _same_source(self, other: ColumnKeys) -> bool:
        """Made the same way from equal data (so equal without making a key)."""
        if not self._source or len(self._source) != len(other._source):
            return False
        if [(b.name, b.start, b.size) for b in self._blocks] != [(b.name, b.start, b.size) for b in other._blocks]:
            return False
        if not (np.array_equal(self._canon, other._canon) and np.array_equal(self._which, other._which)):
            return False
        for a, b in zip(self._source, other._source, strict=True):
            same = np.array_equal(a, b) if isinstance(a, np.ndarray) else a == b
            if not same:
                return False
        return True

    def __len__(self) -> int:
        return len(self._canon)

    def _parts(self, pos: np.ndarray) -> list[tuple[str, Hashable]]:
        pos = np.asarray(pos, dtype=np.int64)
        out: list[tuple[str, Hashable]] = [("", None)] * pos.size
        w = self._which[pos]
        for bi in np.unique(w).tolist():
            b = self._blocks[bi]
            sel = np.flatnonzero(w == bi)
            for p, k in zip(sel.tolist(), b.keys(self._canon[pos[sel]] - b.start), strict=True):
                out[p] = (b.name, k)
        return out

    def indices(self, pos: np.ndarray) -> list[Hashable]:
        """The index parts of the keys of columns ``pos`` (all of one component or not)."""
        pos = np.asarray(pos, dtype=np.int64)
        w = self._which[pos]
        if pos.size and (w == w[0]).all():  # one component: no per-column bookkeeping
            b = self._blocks[int(w[0])]
            return b.keys(self._canon[pos] - b.start)
        return [k for _n, k in self._parts(pos)]

    def __getitem__(self, i: int | slice) -> Any:
        n = len(self)
        if isinstance(i, slice):
            return self._parts(np.arange(n)[i])
        i = operator.index(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("column index out of range")
        return self._parts(np.array([i]))[0]

    def __iter__(self) -> Iterator[Key]:
        n, step = len(self), 1 << 16
        for s in range(0, n, step):
            yield from self._parts(np.arange(s, min(n, s + step)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        if len(other) != len(self):
            return False
        if isinstance(other, ColumnKeys) and self._same_source(other):
            return True
        return all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))

    def __repr__(self) -> str:
        return f"ColumnKeys({len(self)} columns: {', '.join(b.name for b in self._blocks if b.size)})"


# --------------------------------------------------------------------------- rows


@dataclass
class _Family:
    """Candidate rows of one constraint component and their terms (before dropping)."""

    name: str
    keys: list[Hashable]
    lo: np.ndarray
    hi: np.ndarray
    row: np.ndarray  # local row of each term
    col: np.ndarray  # canonical column
    coef: np.ndarray
    order: list[np.ndarray]  # sort keys inside a row, most significant first


def _cat(parts: Sequence[np.ndarray], dtype: type = np.int64) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


class _Terms:
    """Terms of a family collected in parts: row, column, coefficient and sort keys."""

    def __init__(self, nkeys: int) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.coefs: list[np.ndarray] = []
        self.keys: list[list[np.ndarray]] = [[] for _ in range(nkeys)]

    def add(self, row: np.ndarray, col: np.ndarray, coef: np.ndarray | float, *order: np.ndarray | int) -> None:
        row = np.asarray(row, dtype=np.int64)
        n = row.shape[0]
        if n == 0:
            return
        self.rows.append(row)
        self.cols.append(np.broadcast_to(np.asarray(col, dtype=np.int64), (n,)))
        self.coefs.append(np.broadcast_to(np.asarray(coef, dtype=float), (n,)))
        assert len(order) == len(self.keys)
        for k, o in zip(self.keys, order, strict=True):
            k.append(np.broadcast_to(np.asarray(o, dtype=np.int64), (n,)))

    def family(self, name: str, keys: Sequence[Hashable], lo: np.ndarray, hi: np.ndarray) -> _Family:
        return _Family(name, list(keys), np.asarray(lo, dtype=float), np.asarray(hi, dtype=float), _cat(self.rows),
                       _cat(self.cols), _cat(self.coefs, float), [_cat(k) for k in self.keys])


class _Assembler:
    """Builds every family of :mod:`regionopt.land.model` as arrays."""

    def __init__(self, inp: LandInputs, ix: LandIndex, ar: LandArrays) -> None:
        self.inp, self.ix, self.ar = inp, ix, ar
        st = inp.settings
        nR, nT = ar.nR, ar.nT
        T, R, L = ix.periods, ix.regions, LEDGERS
        self.cols = cols = _Columns()
        J, K, A = ix.projects, ix.tiers, ix.arc_table
        r_obj, l_obj, t_arr = np.array(R, dtype=object), np.array(L, dtype=object), np.array(T, dtype=np.int64)

        def xkeys(i: np.ndarray) -> list[Hashable]:
            a, t = np.divmod(i, nT)
            return list(zip(r_obj[A.seller[a]].tolist(), r_obj[A.buyer[a]].tolist(), l_obj[A.ledger[a]].tolist(),
                            t_arr[t].tolist(), strict=True))

        self.y0 = cols.add("y", len(J), _each(lambda i: J[i]))
        self.g0 = cols.add("g", len(K) * nT, _each(lambda i: (*K[i // nT], T[i % nT])))
        self.x0 = cols.add("x", len(A) * nT, xkeys)
        self.pool = st.within_province
        npool = nR * _NL * nT if self.pool else 0

        def rlt(i: int) -> tuple[str, str, int]:
            rl, t = divmod(i, nT)
            r, led = divmod(rl, _NL)
            return (R[r], L[led], T[t])

        self.po0 = cols.add("pool_out", npool, _each(rlt))
        self.pi0 = cols.add("pool_in", npool, _each(rlt))
        self.plat = st.platform
        nsell = nR * (_NL - 1) * nT if self.plat else 0

        def rft(i: int) -> tuple[str, str, int]:
            rf, t = divmod(i, nT)
            r, f = divmod(rf, _NL - 1)
            return (R[r], L[f + 1], T[t])

        self.ps0 = cols.add("plat_sell", nsell, _each(rft))
        buy = ix.buy_keys
        self.pb0 = cols.add("plat_buy", len(buy), _each(lambda i: buy[i]))
        nb = nT - 1
        self.bank = bool(ix.bank_keys)

        def bank_key(i: int) -> tuple[str, str, int]:
            rl, t = divmod(i, nb)
            r, led = divmod(rl, _NL)
            return (R[r], L[led], T[t])

        self.bk0 = cols.add("bank", nR * _NL * nb if self.bank else 0, _each(bank_key))
        self.spread = st.per_capita_spread_cap is not None or st.spread_penalty_10k_cny > 0
        self.pcmax = cols.add("pc_max", 1 if self.spread else 0, _each(lambda i: None))
        self.pcmin = cols.add("pc_min", 1 if self.spread else 0, _each(lambda i: None))
        self.gini_pairs = ([(R[i], R[k]) for i in range(nR) for k in range(i + 1, nR)]
                           if st.gini_cap is not None else [])
        gp = self.gini_pairs
        self.gd0 = cols.add("gini_dev", len(gp), _each(lambda i: gp[i]))
        self.fixed = np.zeros(cols.n, dtype=bool)
        if self.pool and ar.single.any():
            rows = np.repeat(np.flatnonzero(ar.single), _NL * nT) * (_NL * nT) + np.tile(np.arange(_NL * nT), int(ar.single.sum()))
            self.fixed[self.po0 + rows] = True
            self.fixed[self.pi0 + rows] = True
        # frequently used index helpers and structural counts (terms written, zero or not)
        self.tt = np.arange(nT, dtype=np.int64)
        self.rr = np.arange(nR, dtype=np.int64)
        self.n_proj_rt = np.bincount(ar.pr * nT + ar.pt, minlength=nR * nT).reshape(nR, nT)
        self.n_tier_r = np.bincount(ar.kr, minlength=nR)
        self.n_out_arcs = np.bincount(ar.a_s * _NL + ar.a_l, minlength=nR * _NL).reshape(nR, _NL)
        self.n_in_arcs = np.bincount(ar.a_b * _NL + ar.a_l, minlength=nR * _NL).reshape(nR, _NL)

    # ---- column helpers
    def xcol(self, a: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        return self.x0 + a * self.ar.nT + t

    def gcol(self, k: np.ndarray, t: np.ndarray | int) -> np.ndarray:
        return self.g0 + k * self.ar.nT + t

    def rl_t(self, r: np.ndarray, led: np.ndarray | int, t: np.ndarray | int) -> np.ndarray:
        return (r * _NL + led) * self.ar.nT + t

    def ps(self, r: np.ndarray, led: np.ndarray | int, t: np.ndarray | int) -> np.ndarray:
        return self.ps0 + (r * (_NL - 1) + (np.asarray(led) - 1)) * self.ar.nT + t

    # ---- objective (define_welfare), in the order of its terms
    def objective(self) -> tuple[np.ndarray, np.ndarray]:
        ar, ix, st = self.ar, self.ix, self.inp.settings
        nT = ar.nT
        cols: list[np.ndarray] = [self.y0 + np.arange(len(ar.value))]
        coef: list[np.ndarray] = [ar.value]
        nk = len(ar.cost)
        cols.append(self.g0 + np.arange(nk * nT))
        coef.append(-np.repeat(ar.cost, nT))
        na = len(ar.a_cost)
        cols.append(self.x0 + np.arange(na * nT))
        coef.append(-np.repeat(ar.a_cost, nT))
        if ix.pool_keys:
            n = len(ix.pool_keys)
            cols.append(self.po0 + np.arange(n))
            coef.append(np.full(n, -st.intra_cost_10k_cny_per_unit))
        nb = len(ix.buy_keys)
        cols.append(self.pb0 + np.arange(nb))
        coef.append(-ar.charge)
        ns = len(ix.sell_keys)
        cols.append(self.ps0 + np.arange(ns))
        payout = np.array([ix.payout[LEDGERS[f + 1]] for f in range(_NL - 1)], dtype=float)
        coef.append(np.tile(np.repeat(payout, nT), ar.nR) if ns else np.zeros(0))
        pen = st.spread_penalty_10k_cny
        if pen > 0:
            cols.append(np.array([self.pcmax, self.pcmin]))
            coef.append(np.array([-pen, pen]))
        return _cat(cols), _cat(coef, float)

    # ---- families, in the order build() declares them
    def families(self) -> list[_Family]:
        out = [self.reserve_potential()]
        if self.pool:
            out.append(self.pool_clear())
        if self.plat:
            out.append(self.platform_clear())
        out.append(self.balance())
        out.extend(self.red_lines())
        out.append(self.export_cap())
        out.append(self.import_cap())
        out.append(self.budget())
        if self.inp.settings.yibu_dingzhan:
            out.append(self.yibu_dingzhan())
        out.append(self.min_development())
        if self.spread:
            out.extend(self.spread_rows())
        if self.gini_pairs or self.inp.settings.gini_cap is not None:
            out.extend(self.gini_rows())
        return out

    def reserve_potential(self) -> _Family:
        ar, nT = self.ar, self.ar.nT
        nk = len(ar.kr)
        tm = _Terms(1)
        k = np.repeat(np.arange(nk), nT)
        t = np.tile(self.tt, nk)
        tm.add(k, self.gcol(k, t), 1.0, t)
        return tm.family("reserve_potential", list(self.ix.tiers), np.full(nk, -INF), ar.potential)

    def pool_clear(self) -> _Family:
        ar, ix, nT = self.ar, self.ix, self.ar.nT
        nP = ar.nP
        # rows (p, led, t); a province of one region has no row (its pool is fixed at 0)
        tm = _Terms(2)
        r = np.repeat(self.rr, _NL * nT)
        led = np.tile(np.repeat(np.arange(_NL), nT), ar.nR)
        t = np.tile(self.tt, ar.nR * _NL)
        row = (ar.prov[r] * _NL + led) * nT + t
        keep = ~ar.single[r]
        cidx = self.rl_t(r, led, t)
        tm.add(row[keep], self.po0 + cidx[keep], 1.0, 0, r[keep])
        tm.add(row[keep], self.pi0 + cidx[keep], -1.0, 1, r[keep])
        keys = [(p, led_, t_) for p in ix.provinces for led_ in LEDGERS for t_ in ix.periods]
        n = nP * _NL * nT
        return tm.family("pool_clear", keys, np.zeros(n), np.zeros(n))

    def platform_clear(self) -> _Family:
        ar, ix, nT = self.ar, self.ix, self.ar.nT
        tm = _Terms(2)
        for f in range(1, _NL):
            for t in range(nT):
                row = f * nT + t
                tm.add(np.full(ar.nR, row), self.ps(self.rr, f, t), 1.0, 0, self.rr)
                pos = ar.buy_pos[:, f - 1, t]
                b = np.flatnonzero(pos >= 0)
                tm.add(np.full(b.size, row), self.pb0 + pos[b], -1.0, 1, b)
        keys = [(led, t_) for led in LEDGERS for t_ in ix.periods]
        n = _NL * nT
        return tm.family("platform_clear", keys, np.zeros(n), np.zeros(n))

    def balance(self) -> _Family:
        ar, ix, nT = self.ar, self.ix, self.ar.nT
        nR = ar.nR
        tm = _Terms(2)  # (group, position inside the group)
        nJ, nK, nA = len(ar.pr), len(ar.kr), len(ar.a_s)
        # Use + Out: Pyomo lists Out first when Use is one project and Out two or more terms
        n_out = self.n_out_arcs + (1 if self.pool else 0)
        if self.plat:
            n_out[:, 1:] += 1
        n_use = self.n_proj_rt  # (nR, nT)
        swap = (n_use[:, None, :] == 1) & (n_out[:, :, None] >= 2)  # (nR, nL, nT)
        # 0 use (4 when swapped)
        j = np.repeat(np.arange(nJ), _NL)
        led = np.tile(np.arange(_NL), nJ)
        grp = np.where(swap[ar.pr[j], led, ar.pt[j]], 4, 0)
        tm.add(self.rl_t(ar.pr[j], led, ar.pt[j]), self.y0 + j, ar.need.reshape(-1), grp, j)
        # 1 bilateral outflows, 6 inflows
        a = np.repeat(np.arange(nA), nT)
        t = np.tile(self.tt, nA)
        xc = self.xcol(a, t)
        tm.add(self.rl_t(ar.a_s[a], ar.a_l[a], t), xc, 1.0, 1, a)
        tm.add(self.rl_t(ar.a_b[a], ar.a_l[a], t), xc, -1.0, 6, a)
        allr = np.arange(nR * _NL * nT)
        if self.pool:  # 2 pool supply, 7 pool purchase
            tm.add(allr, self.po0 + allr, 1.0, 2, 0)
            tm.add(allr, self.pi0 + allr, -1.0, 7, 0)
        if self.plat:  # 3 platform sale, 8 platform purchase
            r = np.repeat(self.rr, (_NL - 1) * nT)
            f = np.tile(np.repeat(np.arange(1, _NL), nT), nR)
            tf = np.tile(self.tt, nR * (_NL - 1))
            tm.add(self.rl_t(r, f, tf), self.ps(r, f, tf), 1.0, 3, 0)
            pos = ar.buy_pos[r, f - 1, tf]
            b = pos >= 0
            tm.add(self.rl_t(r[b], f[b], tf[b]), self.pb0 + pos[b], -1.0, 8, 0)
        # 5 generation
        k = np.repeat(np.arange(nK), nT * _NL)
        tk = np.tile(np.repeat(self.tt, _NL), nK)
        lk = np.tile(np.arange(_NL), nK * nT)
        tm.add(self.rl_t(ar.kr[k], lk, tk), self.gcol(k, tk), -ar.yields[k, lk], 5, k)
        if self.bank:  # 9 banked after t, 10 banked after t - 1
            nb = nT - 1
            idx = np.arange(nR * _NL * nb)
            rl, tb = np.divmod(idx, nb)
            tm.add(rl * nT + tb, self.bk0 + idx, 1.0, 9, 0)
            tm.add(rl * nT + tb + 1, self.bk0 + idx, -1.0, 10, 0)
        keys = [(r_, led_, t_) for r_ in ix.regions for led_ in LEDGERS for t_ in ix.periods]
        alloc = self.inp.allocations
        hi = np.array([alloc.get(k_, 0.0) for k_ in keys], dtype=float)
        return tm.family("balance", keys, np.full(len(keys), -INF), hi)

    # farmland change of regions up to a period: -farmland * y (projects), +area * g (tiers)
    def _farmland_change(self, tm: _Terms, row_of_region: np.ndarray, t_upto: int, *lead: int) -> None:
        """Add the farmland-change terms of every region ``r`` with ``row_of_region[r] >= 0``.

        :func:`regionopt.land.model.farmland_change` writes, per region and period
        up to ``t_upto``, ``e -= projects`` then ``e += tiers``; the chunks are
        ranked per row by :func:`pyomo_order`. Sort keys: (*lead, chunk rank, position).
        """
        ar = self.ar
        nT = ar.nT
        regs = np.flatnonzero(row_of_region >= 0)
        rank = np.zeros((ar.nR, nT, 2), dtype=np.int64)
        rows = row_of_region[regs]
        for row in np.unique(rows).tolist():
            rs = regs[rows == row]
            sizes: list[int] = []
            for r in rs.tolist():
                for t in range(t_upto + 1):
                    sizes += [int(self.n_proj_rt[r, t]), int(self.n_tier_r[r])]
            order = pyomo_order(sizes, [-1, 1] * (len(sizes) // 2))
            chunk_rank = np.zeros(len(sizes), dtype=np.int64)
            chunk_rank[order] = np.arange(len(order))
            rank[rs, : t_upto + 1] = chunk_rank.reshape(rs.size, t_upto + 1, 2)
        j = np.flatnonzero((row_of_region[ar.pr] >= 0) & (ar.pt <= t_upto))
        tm.add(row_of_region[ar.pr[j]], self.y0 + j, -ar.farm[j], *lead, rank[ar.pr[j], ar.pt[j], 0], j)
        k = np.flatnonzero(row_of_region[ar.kr] >= 0)
        kk = np.repeat(k, t_upto + 1)
        tk = np.tile(np.arange(t_upto + 1), k.size)
        tm.add(row_of_region[ar.kr[kk]], self.gcol(kk, tk), ar.yields[kk, _AREA], *lead, rank[ar.kr[kk], tk, 1], kk)

    def red_lines(self) -> list[_Family]:
        ar, ix, inp = self.ar, self.ix, self.inp
        st = inp.settings
        nT, nR = ar.nT, ar.nR
        out: list[_Family] = []
        # province: rows (p, t) with a floor
        floors = [inp.provinces[p].farmland_floor_mu for p in ix.provinces]
        cand = [(pi, t) for pi, fl in enumerate(floors) if fl is not None for t in range(nT)]
        tm = _Terms(4)  # (section, chunk rank or arc / region, period, kind or position)
        row_of = {c: i for i, c in enumerate(cand)}
        cross = np.zeros(0, dtype=np.int64)
        if st.red_line_follows_trade and len(ar.a_s):
            cross = np.flatnonzero((ar.a_l == _AREA) & (ar.prov[ar.a_s] != ar.prov[ar.a_b]))
        for (pi, t), row in row_of.items():
            reg_row = np.where(ar.prov == pi, row, -1)
            self._farmland_change(tm, reg_row, t, 0, 0)
            if not st.red_line_follows_trade:
                continue
            for side, coef in ((ar.a_s, -1.0), (ar.a_b, 1.0)):
                a = cross[ar.prov[side[cross]] == pi]
                aa = np.repeat(a, t + 1)
                ta = np.tile(np.arange(t + 1), a.size)
                tm.add(np.full(aa.size, row), self.xcol(aa, ta), coef, 1, aa, ta, 0)
            if st.platform:
                rs = np.flatnonzero(ar.prov == pi)
                rr_ = np.repeat(rs, t + 1)
                tr = np.tile(np.arange(t + 1), rs.size)
                tm.add(np.full(rr_.size, row), self.ps(rr_, _AREA, tr), -1.0, 2, rr_, tr, 0)
                pos = ar.buy_pos[rr_, _AREA - 1, tr]
                b = pos >= 0
                tm.add(np.full(int(b.sum()), row), self.pb0 + pos[b], 1.0, 2, rr_[b], tr[b], 1)
        keys = [(ix.provinces[pi], ix.periods[t]) for pi, t in cand]
        lo = np.array([float(floors[pi] or 0.0) - ix.farmland_base(inp, ix.provinces[pi]) for pi, _t in cand],
                      dtype=float)
        out.append(tm.family("red_line_province", keys, lo, np.full(len(cand), INF)))
        # region: rows (r, t) with a floor
        regs = [inp.regions[r] for r in ix.regions]
        cand_r = [(ri, t) for ri, rg in enumerate(regs) if rg.farmland_floor_mu is not None for t in range(nT)]
        tm = _Terms(2)
        floored = np.array(sorted({ri for ri, _t in cand_r}), dtype=np.int64)
        for t in range(nT):
            reg_row = np.full(nR, -1, dtype=np.int64)
            reg_row[floored] = np.arange(floored.size) * nT + t
            self._farmland_change(tm, reg_row, t)
        keys_r: list[Hashable] = [(ix.regions[ri], ix.periods[t]) for ri, t in cand_r]
        lo_r = np.array([float(regs[ri].farmland_floor_mu or 0.0) - (regs[ri].farmland_mu or 0.0)
                         for ri, _t in cand_r], dtype=float)
        out.append(tm.family("red_line_region", keys_r, lo_r, np.full(len(cand_r), INF)))
        if st.national_floor_mu is not None:
            total = sum(ix.farmland_base(inp, p) for p in ix.provinces)
            tm = _Terms(2)
            for t in range(nT):
                self._farmland_change(tm, np.full(nR, t, dtype=np.int64), t)
            out.append(tm.family("red_line_national", list(ix.periods),
                                 np.full(nT, st.national_floor_mu - total), np.full(nT, INF)))
        return out

    def _outflow(self, tm: _Terms, row_of: np.ndarray, t: int, lead: int) -> None:
        """Terms of Out[r, led, t] for rows ``row_of[r, led] >= 0``; keys (lead, t, group, position)."""
        ar = self.ar
        a = np.flatnonzero(row_of[ar.a_s, ar.a_l] >= 0)
        tm.add(row_of[ar.a_s[a], ar.a_l[a]], self.xcol(a, t), 1.0, lead, t, 0, a)
        r, led = np.nonzero(row_of >= 0)
        if self.pool:
            tm.add(row_of[r, led], self.po0 + self.rl_t(r, led, t), 1.0, lead, t, 1, 0)
        if self.plat:
            m = led >= 1
            tm.add(row_of[r[m], led[m]], self.ps(r[m], led[m], t), 1.0, lead, t, 2, 0)

    def _inflow(self, tm: _Terms, row_of: np.ndarray, t: int, *lead: int) -> None:
        """Terms of In[r, led, t] for rows ``row_of[r, led] >= 0``; keys (*lead, group, position)."""
        ar = self.ar
        a = np.flatnonzero(row_of[ar.a_b, ar.a_l] >= 0)
        tm.add(row_of[ar.a_b[a], ar.a_l[a]], self.xcol(a, t), 1.0, *lead, 0, a)
        r, led = np.nonzero(row_of >= 0)
        if self.pool:
            tm.add(row_of[r, led], self.pi0 + self.rl_t(r, led, t), 1.0, *lead, 1, 0)
        if self.plat:
            m = led >= 1
            pos = ar.buy_pos[r[m], led[m] - 1, t]
            b = pos >= 0
            tm.add(row_of[r[m][b], led[m][b]], self.pb0 + pos[b], 1.0, *lead, 2, 0)

    def export_cap(self) -> _Family:
        ar, ix = self.ar, self.ix
        caps = self.inp.export_caps
        r_of = {r: i for i, r in enumerate(ix.regions)}
        cand = [(r, led) for r in ix.regions for led in LEDGERS if (r, led) in caps]
        row_of = np.full((ar.nR, _NL), -1, dtype=np.int64)
        for i, (r, led) in enumerate(cand):
            row_of[r_of[r], LEDGERS.index(led)] = i
        tm = _Terms(4)
        for t in range(ar.nT):
            self._outflow(tm, row_of, t, 0)
        hi = np.array([caps[c] for c in cand], dtype=float)
        return tm.family("export_cap", list(cand), np.full(len(cand), -INF), hi)

    def import_cap(self) -> _Family:
        ar, ix, inp = self.ar, self.ix, self.inp
        nT = ar.nT
        beta = np.array([np.nan if inp.regions[r].import_share_cap is None else inp.regions[r].import_share_cap
                         for r in ix.regions], dtype=float)
        capped = np.flatnonzero(~np.isnan(beta))
        n = capped.size * _NL * nT
        # candidate rows (r, led, t) of the capped regions, in that order
        row_of = np.full((ar.nR, _NL, nT), -1, dtype=np.int64)
        row_of[capped] = np.arange(n).reshape(capped.size, _NL, nT)
        tm = _Terms(2)
        for t in range(nT):
            self._inflow(tm, row_of[:, :, t], t)
            j = np.flatnonzero((ar.pt == t) & ~np.isnan(beta[ar.pr]))
            for li in range(_NL):  # - beta * use
                tm.add(row_of[ar.pr[j], li, t], self.y0 + j, -(beta[ar.pr[j]] * ar.need[j, li]), 3, j)
        keys: list[Hashable] = [(ix.regions[ri], LEDGERS[li], ix.periods[t])
                                for ri in capped.tolist() for li in range(_NL) for t in range(nT)]
        return tm.family("import_cap", keys, np.full(n, -INF), np.zeros(n))

    def budget(self) -> _Family:
        ar, ix, inp = self.ar, self.ix, self.inp
        nT = ar.nT
        buds = [inp.regions[r].budget_10k_cny for r in ix.regions]
        cand = [ri for ri, b in enumerate(buds) if b is not None]
        row_of = np.full(ar.nR, -1, dtype=np.int64)
        row_of[cand] = np.arange(len(cand))
        # chunks per row, in the rule's order: for t, for ledger: arcs into r, then the platform purchase
        rank = np.zeros((ar.nR, nT, _NL, 2), dtype=np.int64)
        for ri in cand:
            sizes = [int(n) for t in range(nT) for li in range(_NL)
                     for n in (self.n_in_arcs[ri, li], int(self.plat and li > 0 and ar.buy_pos[ri, li - 1, t] >= 0))]
            order = pyomo_order(sizes, [1] * len(sizes))
            cr = np.zeros(len(sizes), dtype=np.int64)
            cr[order] = np.arange(len(order))
            rank[ri] = cr.reshape(nT, _NL, 2)
        tm = _Terms(2)  # (chunk rank, arc)
        a = np.flatnonzero(row_of[ar.a_b] >= 0)
        r = np.array(cand, dtype=np.int64)
        for t in range(nT):
            tm.add(row_of[ar.a_b[a]], self.xcol(a, t), ar.a_budget[a], rank[ar.a_b[a], t, ar.a_l[a], 0], a)
            if self.plat and r.size:
                for f in range(1, _NL):
                    pos = ar.buy_pos[r, f - 1, t]
                    b = pos >= 0
                    tm.add(row_of[r[b]], self.pb0 + pos[b], ar.charge[pos[b]], rank[r[b], t, f, 1], 0)
        keys: list[Hashable] = [ix.regions[ri] for ri in cand]
        hi = np.array([buds[ri] for ri in cand], dtype=float)
        return tm.family("budget", keys, np.full(len(cand), -INF), hi)

    def yibu_dingzhan(self) -> _Family:
        ar, ix, inp = self.ar, self.ix, self.inp
        nT = ar.nT
        tm = _Terms(3)  # (chunk rank, region, position)
        keys: list[Hashable] = []
        hi: list[float] = []
        row = 0
        for pi, p in enumerate(ix.provinces):
            jp = np.flatnonzero(ar.prov[ar.pr] == pi)
            kp = np.flatnonzero(ar.prov[ar.kr] == pi)
            for t in range(nT):
                occ = jp[ar.pt[jp] == t]
                if not occ.size:
                    continue
                if t == 0:
                    prior = inp.provinces[p].prior_added_mu
                    if prior is None:
                        continue
                    tm.add(np.full(occ.size, row), self.y0 + occ, ar.farm[occ], 0, ar.pr[occ], occ)
                    hi.append(prior)
                else:  # occupied(t) - added(t - 1) + occupied(t - 1) <= 0
                    prev = jp[ar.pt[jp] == t - 1]
                    order = pyomo_order([occ.size, kp.size, prev.size], [1, -1, 1])
                    rank = {c: i for i, c in enumerate(order)}
                    tm.add(np.full(occ.size, row), self.y0 + occ, ar.farm[occ], rank.get(0, 0), ar.pr[occ], occ)
                    tm.add(np.full(kp.size, row), self.gcol(kp, t - 1), -ar.yields[kp, _AREA], rank.get(1, 0),
                           ar.kr[kp], kp)
                    tm.add(np.full(prev.size, row), self.y0 + prev, ar.farm[prev], rank.get(2, 0), ar.pr[prev], prev)
                    hi.append(0.0)
                keys.append((p, ix.periods[t]))
                row += 1
        return tm.family("yibu_dingzhan", keys, np.full(len(keys), -INF), np.array(hi, dtype=float))

    def min_development(self) -> _Family:
        ar, ix, inp = self.ar, self.ix, self.inp
        tm = _Terms(1)
        keys: list[Hashable] = []
        lo: list[float] = []
        for r in ix.regions:
            a = inp.regions[r].min_demand_share
            js = ix.projects_of.get(r, [])
            total = sum(inp.projects[j].land_mu for j in js)
            if not a or total <= 0:
                continue
            jj = np.array([self._jpos[j] for j in js], dtype=np.int64)
            tm.add(np.full(jj.size, len(keys)), self.y0 + jj, ar.land[jj], 0)
            keys.append(r)
            lo.append(a * total)
        return tm.family("min_development", keys, np.array(lo, dtype=float), np.full(len(keys), INF))

    @cached_property
    def _jpos(self) -> dict[str, int]:
        return {j: i for i, j in enumerate(self.ix.projects)}

    # per-capita land q[r] = sum(land * y) / population, coefficients in Pyomo's arithmetic
    def _q(self, r: str, mult: float = 1.0) -> tuple[list[int], list[float]]:
        """Columns and coefficients of ``mult * q[r]`` (empty for a region without projects)."""
        js = self.ix.projects_of.get(r, [])
        pop = self.inp.regions[r].population_10k or 1.0
        land = [self.inp.projects[j].land_mu for j in js]
        cols = [self.y0 + self._jpos[j] for j in js]
        if len(js) == 1:  # a monomial: Pyomo divides its coefficient
            return cols, [mult * (land[0] / pop)]
        m = mult / pop
        return cols, [m * v for v in land]

    def spread_rows(self) -> list[_Family]:
        ix, st = self.ix, self.inp.settings
        up, low = _RowList(), _RowList()
        for r in ix.regions:
            qc, qv = self._q(r)
            if qc:  # q <= pc_max  ->  q - pc_max <= 0 ; q >= pc_min  ->  pc_min - q <= 0
                up.add(r, [*qc, self.pcmax], [*qv, -1.0], -INF, 0.0)
                nc, nv = self._q(r, -1.0)
                low.add(r, [self.pcmin, *nc], [1.0, *nv], -INF, 0.0)
            else:  # 0 <= pc_max ; pc_min <= 0
                up.add(r, [self.pcmax], [1.0], 0.0, INF)
                low.add(r, [self.pcmin], [1.0], -INF, 0.0)
        out = [up.family("spread_upper"), low.family("spread_lower")]
        if st.per_capita_spread_cap is not None:
            cap = _RowList()
            cap.add(None, [self.pcmax, self.pcmin], [1.0, -1.0], -INF, st.per_capita_spread_cap)
            out.append(cap.family("spread_cap"))
        return out

    def gini_rows(self) -> list[_Family]:
        st = self.inp.settings
        assert st.gini_cap is not None
        R = self.ix.regions
        pos_, neg_ = _RowList(), _RowList()
        for i, (r, s) in enumerate(self.gini_pairs):
            d = self.gd0 + i
            for rows, a, b in ((pos_, r, s), (neg_, s, r)):
                ac, av = self._q(a)
                bc, bv = self._q(b, -1.0)
                if ac or bc:  # dev >= q_a - q_b  ->  q_a - q_b - dev <= 0
                    rows.add((r, s), ac + bc + [d], av + bv + [-1.0], -INF, 0.0)
                else:  # dev >= 0
                    rows.add((r, s), [d], [1.0], 0.0, INF)
        out = [pos_.family("gini_abs_pos"), neg_.family("gini_abs_neg")]
        nc = len(R) * st.gini_cap
        qc: list[int] = []
        qv: list[float] = []
        for r in R:
            c, v = self._q(r, -nc) if self.gini_pairs else self._q(r, nc)
            qc += c
            qv += v
        cap = _RowList()
        devs = [self.gd0 + i for i in range(len(self.gini_pairs))]
        if devs and qc:
            cap.add(None, devs + qc, [1.0] * len(devs) + qv, -INF, 0.0)
        elif devs:
            cap.add(None, devs, [1.0] * len(devs), -INF, 0.0)
        elif qc:
            cap.add(None, qc, qv, 0.0, INF)
        out.append(cap.family("gini_cap"))
        return out


class _RowList:
    """Rows of a small family written one by one (terms in order)."""

    def __init__(self) -> None:
        self.keys: list[Hashable] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.row: list[int] = []
        self.col: list[int] = []
        self.coef: list[float] = []

    def add(self, key: Hashable, cols: list[int], coefs: list[float], lo: float, hi: float) -> None:
        i = len(self.keys)
        self.keys.append(key)
        self.lo.append(lo)
        self.hi.append(hi)
        self.row.extend([i] * len(cols))
        self.col.extend(cols)
        self.coef.extend(coefs)

    def family(self, name: str) -> _Family:
        n = len(self.row)
        return _Family(name, self.keys, np.array(self.lo, dtype=float), np.array(self.hi, dtype=float),
                       np.array(self.row, dtype=np.int64), np.array(self.col, dtype=np.int64),
                       np.array(self.coef, dtype=float), [np.arange(n, dtype=np.int64)])


def assemble(inp: LandInputs, ix: LandIndex | None = None) -> CompiledModel:
    """The land model as a :class:`~regionopt.solve.highs.CompiledModel`, straight from validated inputs.

    The same model, keys and order as ``compile_model(problem.to_pyomo())``
    (module docstring), built with numpy.
    """
    ix = ix or LandIndex.of(inp)
    ar = LandArrays.of(inp, ix)
    asm = _Assembler(inp, ix, ar)
    fixed = asm.fixed
    obj_col, obj_coef = asm.objective()
    keep = (obj_coef != 0) & ~fixed[obj_col]
    obj_col, obj_coef = obj_col[keep], obj_coef[keep]

    row_keys: list[Key] = []
    lo_parts: list[np.ndarray] = []
    hi_parts: list[np.ndarray] = []
    cnt_parts: list[np.ndarray] = []
    col_parts: list[np.ndarray] = []
    val_parts: list[np.ndarray] = []
    bad: list[Key] = []
    for fam in asm.families():
        n = len(fam.keys)
        if fam.row.size:
            order = np.lexsort([*fam.order[::-1], fam.row])
            row, col, coef = fam.row[order], fam.col[order], fam.coef[order]
        else:
            row, col, coef = fam.row, fam.col, fam.coef
        present = np.bincount(row, minlength=n) > 0  # rows the Pyomo rule does not skip
        eff = (coef != 0) & ~fixed[col]
        row, col, coef = row[eff], col[eff], coef[eff]
        counts = np.bincount(row, minlength=n)
        const = present & (counts == 0)
        if const.any():  # rows left without a variable: 0 must lie within the bounds
            for i in np.flatnonzero(const).tolist():
                lo_, hi_ = float(fam.lo[i]), float(fam.hi[i])
                if lo_ > 1e-9 or hi_ < -1e-9:
                    bad.append((fam.name, fam.keys[i]))
        rows = np.flatnonzero(counts > 0)
        row_keys.extend((fam.name, fam.keys[i]) for i in rows.tolist())
        lo_parts.append(fam.lo[rows])
        hi_parts.append(fam.hi[rows])
        cnt_parts.append(counts[rows])
        col_parts.append(col)
        val_parts.append(coef)
    counts = _cat(cnt_parts)
    canon = _cat(col_parts)
    value = _cat(val_parts, float)
    start = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    # columns in order of first appearance: objective, then rows
    seq = np.concatenate([obj_col, canon])
    order = np.argsort(seq, kind="stable")  # (sort-based: numpy's hashed unique is slower here)
    srt = seq[order]
    first = np.ones(srt.size, dtype=bool)
    first[1:] = srt[1:] != srt[:-1]
    used = seq[np.sort(order[first])]
    new_of = np.full(asm.cols.n, -1, dtype=np.int64)
    new_of[used] = np.arange(used.size)
    ncol = used.size
    c = np.zeros(ncol)
    np.add.at(c, new_of[obj_col], obj_coef)
    col_lo, col_hi, integ = _col_bounds(asm, ar, used)
    at = ix.arc_table
    source = (ix.regions, list(LEDGERS), ix.periods, ix.projects, ix.tiers, ix.buy_keys, asm.gini_pairs,
              at.seller, at.buyer, at.ledger)
    col_keys, groups = asm.cols.keys(used, source)
    cm = CompiledModel(
        col_keys, row_keys, start.astype(np.int32), new_of[canon].astype(np.int32), value,
        _cat(lo_parts, float), _cat(hi_parts, float), col_lo, col_hi, integ, c, 0.0, True,
        infeasible_constants=bad,
    )
    cm.__dict__["_groups"] = groups  # column positions of each variable (read by LiveModel.solution)
    return cm


def _col_bounds(asm: _Assembler, ar: LandArrays, used: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = asm.cols.n
    lo = np.zeros(n)
    hi = np.full(n, INF)
    integ = np.zeros(n, dtype=bool)
    nJ = len(ar.y_lo)
    lo[asm.y0:asm.y0 + nJ] = ar.y_lo
    hi[asm.y0:asm.y0 + nJ] = 1.0
    integ[asm.y0:asm.y0 + nJ] = asm.inp.settings.binary_projects
    nT = ar.nT
    lo[asm.x0:asm.x0 + len(ar.a_lo) * nT] = np.repeat(ar.a_lo, nT)
    hi[asm.x0:asm.x0 + len(ar.a_hi) * nT] = np.repeat(ar.a_hi, nT)
    return lo[used], hi[used], integ[used]

