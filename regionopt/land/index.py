"""Index sets and derived prices of the land model, computed once from validated inputs.

Shared by the constraint families (:mod:`regionopt.land.model`) and the result
tables (:mod:`regionopt.land.readback`), so that both read the same keys and
prices and neither needs the other. Plain Python data: picklable.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .inputs import LandInputs, PairTable
from .pricing import FARMLAND_LEDGERS, LEDGERS

__all__ = ["Arc", "ArcTable", "Key", "LandIndex"]

#: A bilateral arc (seller, buyer, ledger).
Arc = tuple[str, str, str]
#: A (region, ledger, period) key.
Key = tuple[str, str, int]


@dataclass(frozen=True)
class ArcTable:
    """The allowed arcs, sorted by (seller, buyer, ledger), as arrays.

    Attributes
    ----------
    regions
        Region codes (``seller``/``buyer`` index into it), sorted.
    seller, buyer, ledger
        Per arc: positions in ``regions`` and in :data:`LEDGERS`.
    cost
        Transaction plus transport cost of one unit, 万元/unit.
    budget
        Price at which one unit counts against the buyer's budget, 万元/unit.
    price
        Contract price, 万元/unit (NaN: none).
    lo, hi
        Contracted minimum and cap of the flow per period (``hi`` inf: none).
    """

    regions: list[str]
    seller: np.ndarray
    buyer: np.ndarray
    ledger: np.ndarray
    cost: np.ndarray
    budget: np.ndarray
    price: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    def __len__(self) -> int:
        return len(self.seller)

    def key(self, i: int) -> Arc:
        """Arc ``i`` as (seller, buyer, ledger)."""
        return (self.regions[self.seller[i]], self.regions[self.buyer[i]], LEDGERS[self.ledger[i]])

    def keys(self) -> list[Arc]:
        """Every arc as (seller, buyer, ledger), in order."""
        R, L = self.regions, LEDGERS
        return [(R[s], R[b], L[led]) for s, b, led in
                zip(self.seller.tolist(), self.buyer.tolist(), self.ledger.tolist(), strict=True)]

    def positions(self, arcs: list[Arc]) -> np.ndarray:
        """Positions of ``arcs`` (each must be an allowed arc) in the table."""
        if not arcs:
            return np.zeros(0, dtype=np.int64)
        r_of = {r: i for i, r in enumerate(self.regions)}
        q = _code_of(np.array([r_of[a[0]] for a in arcs]), np.array([r_of[a[1]] for a in arcs]),
                     np.array([_LEDGER_RANK[a[2]] for a in arcs]), len(self.regions))
        return np.searchsorted(self._codes, q)

    @cached_property
    def _codes(self) -> np.ndarray:
        return _code_of(self.seller, self.buyer, _ALPHA[self.ledger], len(self.regions))

    @classmethod
    def of(cls, inp: LandInputs, regions: list[str], province_of: dict[str, str]) -> ArcTable:
        """The allowed arcs of ``inp`` (bilateral channel open), sorted, with their costs and prices."""
        st = inp.settings
        table = PairTable.from_rows(inp.pairs)
        ridx = pd.Index(regions)
        s = ridx.get_indexer(table.row_seller)[table.row]  # an arc's seller and buyer are its row's
        b = ridx.get_indexer(table.row_buyer)[table.row]
        led = table.ledger_index
        order = np.lexsort((_ALPHA[led], b, s))
        s, b, led, row = s[order].astype(np.int32), b[order].astype(np.int32), led[order].astype(np.int8), \
            table.row[order]
        tc = st.transport_cost_10k_cny_per_unit_km
        dist = inp.distances_km
        km_row = np.array([dist.get((a, c), 0.0) for a, c in zip(table.row_seller, table.row_buyer, strict=True)],
                          dtype=float)
        cost = table.cost[row] + tc * km_row[row]
        price = table.price[row]
        # budget price: the contract price, else the statutory unit price of the buyer's province, else 0
        provs = sorted(inp.provinces)
        p_of = {p: i for i, p in enumerate(provs)}
        unit = np.zeros((len(provs), len(LEDGERS)))
        for i, p in enumerate(provs):
            c = inp.provinces[p].platform_coefficient
            for j, ledger in enumerate(LEDGERS):
                v = st.statutory.unit_price(ledger, c if c is not None else math.nan)
                unit[i, j] = 0.0 if math.isnan(v) else v
        bprov = np.array([p_of[province_of[r]] for r in regions], dtype=np.int64)[b] if len(b) else b
        budget = np.where(np.isnan(price), unit[bprov, led] if len(b) else price, price)
        mx = table.max_amount[row]
        return cls(regions, s, b, led, cost, budget, price, np.maximum(0.0, table.min_amount[row]),
                   np.where(np.isnan(mx), np.inf, mx))

    @classmethod
    def empty(cls, regions: list[str]) -> ArcTable:
        z = np.zeros(0, dtype=np.int64)
        f = np.zeros(0)
        return cls(regions, z, z, z, f, f, f, f, f)


#: Alphabetical rank of each ledger (arcs sort by the ledger's name).
_LEDGER_RANK = {led: i for i, led in enumerate(sorted(LEDGERS))}
_ALPHA = np.array([_LEDGER_RANK[led] for led in LEDGERS], dtype=np.int64)


def _code_of(s: np.ndarray, b: np.ndarray, alpha: np.ndarray, n: int) -> np.ndarray:
    return (s.astype(np.int64) * n + b) * len(LEDGERS) + alpha


@dataclass(frozen=True)
class LandIndex:
    """Sets, keys and unit prices of one land-quota instance.

    Attributes
    ----------
    regions, provinces, periods, projects, tiers
        Ordered sets (codes as the user gave them).
    province_of, regions_in
        Region -> province; province -> its regions.
    projects_at, tiers_of, projects_of
        (region, period) -> projects; region -> its reserve tiers; region -> its projects.
    arc_table
        The allowed bilateral arcs as arrays (:class:`ArcTable`; empty when
        the channel is closed). ``arcs``, ``out_arcs``, ``in_arcs``,
        ``arc_cost`` and ``budget_price`` give them as lists and dicts
        (made on first use: the Pyomo route and small instances).
    pool_keys, sell_keys, buy_keys, bank_keys
        Keys of the within-province pool, platform sales and purchases, and banking.
    charge, payout
        Statutory charge per purchase key and platform payout per farmland ledger, 万元/unit.
    """

    regions: list[str]
    provinces: list[str]
    periods: list[int]
    projects: list[str]
    tiers: list[tuple[str, str]]
    province_of: dict[str, str]
    regions_in: dict[str, list[str]]
    projects_at: dict[tuple[str, int], list[str]]
    projects_of: dict[str, list[str]]
    tiers_of: dict[str, list[tuple[str, str]]]
    arc_table: ArcTable
    pool_keys: list[Key]
    single_region_provinces: frozenset[str]
    sell_keys: list[Key]
    buy_keys: list[Key]
    buy_set: frozenset[Key]
    bank_keys: list[Key]
    bank_set: frozenset[Key]
    charge: dict[Key, float]
    payout: dict[str, float]

    @cached_property
    def arcs(self) -> list[Arc]:
        """Allowed arcs (seller, buyer, ledger), sorted."""
        return self.arc_table.keys()

    @cached_property
    def out_arcs(self) -> dict[tuple[str, str], list[Arc]]:
        """(seller, ledger) -> its arcs."""
        out: dict[tuple[str, str], list[Arc]] = defaultdict(list)
        for a in self.arcs:
            out[(a[0], a[2])].append(a)
        return dict(out)

    @cached_property
    def in_arcs(self) -> dict[tuple[str, str], list[Arc]]:
        """(buyer, ledger) -> its arcs."""
        out: dict[tuple[str, str], list[Arc]] = defaultdict(list)
        for a in self.arcs:
            out[(a[1], a[2])].append(a)
        return dict(out)

    @cached_property
    def arc_cost(self) -> dict[Arc, float]:
        """Transaction plus transport cost of one unit on an arc, 万元/unit."""
        return dict(zip(self.arcs, self.arc_table.cost.tolist(), strict=True))

    @cached_property
    def budget_price(self) -> dict[Arc, float]:
        """Price at which one unit on an arc counts against the buyer's budget, 万元/unit."""
        return dict(zip(self.arcs, self.arc_table.budget.tolist(), strict=True))

    @classmethod
    def of(cls, inp: LandInputs) -> LandIndex:
        """Compute the index of validated inputs ``inp``."""
        st = inp.settings
        R = sorted(inp.regions)
        P = sorted(inp.provinces)
        T = list(inp.periods)
        prov_of = {r: inp.regions[r].province for r in R}
        regions_in: dict[str, list[str]] = defaultdict(list)
        for r in R:
            regions_in[prov_of[r]].append(r)
        J = sorted(inp.projects)
        projects_at: dict[tuple[str, int], list[str]] = defaultdict(list)
        projects_of: dict[str, list[str]] = defaultdict(list)
        for j in J:
            pj = inp.projects[j]
            projects_at[(pj.region, pj.period)].append(j)
            projects_of[pj.region].append(j)
        K = sorted(inp.reserves)
        tiers_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for k in K:
            tiers_of[k[0]].append(k)
        arcs = ArcTable.of(inp, R, prov_of) if st.bilateral and len(inp.pairs) else ArcTable.empty(R)
        pool = [(r, led, t) for r in R for led in LEDGERS for t in T] if st.within_province else []
        single = frozenset(p for p in P if len(regions_in[p]) < 2)
        coef = {p: inp.provinces[p].platform_coefficient for p in P}
        sell = [(r, led, t) for r in R for led in FARMLAND_LEDGERS for t in T] if st.platform else []
        buy = [k for k in sell if coef[prov_of[k[0]]] is not None]
        Tlast = T[-1]
        bank = [(r, led, t) for r in R for led in LEDGERS for t in T if t < Tlast] if st.banking else []
        charge = {k: st.statutory.unit_price(k[1], coef[prov_of[k[0]]] or 0.0) for k in buy}
        payout = {led: st.statutory.unit_price(led, st.platform_payout_coefficient) for led in FARMLAND_LEDGERS}
        return cls(
            regions=R, provinces=P, periods=T, projects=J, tiers=K,
            province_of=prov_of, regions_in=dict(regions_in),
            projects_at=dict(projects_at), projects_of=dict(projects_of), tiers_of=dict(tiers_of),
            arc_table=arcs, pool_keys=pool, single_region_provinces=single,
            sell_keys=sell, buy_keys=buy, buy_set=frozenset(buy),
            bank_keys=bank, bank_set=frozenset(bank),
            charge=charge, payout=payout,
        )

    def farmland_base(self, inp: LandInputs, p: str) -> float:
        """Baseline farmland of province ``p``, mu (the province's, else the sum of its regions')."""
        pr = inp.provinces[p]
        if pr.farmland_mu is not None:
            return pr.farmland_mu
        return sum(inp.regions[r].farmland_mu or 0.0 for r in self.regions_in.get(p, []))
