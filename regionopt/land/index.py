"""Index sets and derived prices of the land model, computed once from validated inputs.

Shared by the constraint families (:mod:`regionopt.land.model`) and the result
tables (:mod:`regionopt.land.readback`), so that both read the same keys and
prices and neither needs the other. Plain Python data: picklable.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from .inputs import LandInputs
from .pricing import FARMLAND_LEDGERS, LEDGERS

__all__ = ["Arc", "Key", "LandIndex"]

#: A bilateral arc (seller, buyer, ledger).
Arc = tuple[str, str, str]
#: A (region, ledger, period) key.
Key = tuple[str, str, int]


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
    arcs, out_arcs, in_arcs
        Allowed bilateral arcs (empty when the channel is closed); by (seller,
        ledger) and by (buyer, ledger).
    pool_keys, sell_keys, buy_keys, bank_keys
        Keys of the within-province pool, platform sales and purchases, and banking.
    charge, payout
        Statutory charge per purchase key and platform payout per farmland ledger, 万元/unit.
    arc_cost
        Transaction plus transport cost of one unit on an arc, 万元/unit.
    budget_price
        Price at which one unit on an arc counts against the buyer's budget, 万元/unit.
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
    arcs: list[Arc]
    out_arcs: dict[tuple[str, str], list[Arc]]
    in_arcs: dict[tuple[str, str], list[Arc]]
    pool_keys: list[Key]
    single_region_provinces: frozenset[str]
    sell_keys: list[Key]
    buy_keys: list[Key]
    buy_set: frozenset[Key]
    bank_keys: list[Key]
    bank_set: frozenset[Key]
    charge: dict[Key, float]
    payout: dict[str, float]
    arc_cost: dict[Arc, float]
    budget_price: dict[Arc, float]

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
        A = sorted(inp.pairs) if st.bilateral else []
        out_arcs: dict[tuple[str, str], list[Arc]] = defaultdict(list)
        in_arcs: dict[tuple[str, str], list[Arc]] = defaultdict(list)
        for a in A:
            out_arcs[(a[0], a[2])].append(a)
            in_arcs[(a[1], a[2])].append(a)
        pool = [(r, led, t) for r in R for led in LEDGERS for t in T] if st.within_province else []
        single = frozenset(p for p in P if len(regions_in[p]) < 2)
        coef = {p: inp.provinces[p].platform_coefficient for p in P}
        sell = [(r, led, t) for r in R for led in FARMLAND_LEDGERS for t in T] if st.platform else []
        buy = [k for k in sell if coef[prov_of[k[0]]] is not None]
        Tlast = T[-1]
        bank = [(r, led, t) for r in R for led in LEDGERS for t in T if t < Tlast] if st.banking else []
        charge = {k: st.statutory.unit_price(k[1], coef[prov_of[k[0]]] or 0.0) for k in buy}
        payout = {led: st.statutory.unit_price(led, st.platform_payout_coefficient) for led in FARMLAND_LEDGERS}
        tc = st.transport_cost_10k_cny_per_unit_km
        arc_cost = {a: inp.pairs[a].cost_10k_cny_per_unit + tc * inp.distances_km.get((a[0], a[1]), 0.0) for a in A}

        def budget_price(a: Arc) -> float:
            """Contract price, else the statutory unit price of the buyer's province, else 0."""
            pr = inp.pairs[a]
            if pr.price_10k_cny_per_unit is not None:
                return pr.price_10k_cny_per_unit
            c = coef[prov_of[a[1]]]
            v = st.statutory.unit_price(a[2], c if c is not None else math.nan)
            return 0.0 if math.isnan(v) else v

        return cls(
            regions=R, provinces=P, periods=T, projects=J, tiers=K,
            province_of=prov_of, regions_in=dict(regions_in),
            projects_at=dict(projects_at), projects_of=dict(projects_of), tiers_of=dict(tiers_of),
            arcs=A, out_arcs=dict(out_arcs), in_arcs=dict(in_arcs),
            pool_keys=pool, single_region_provinces=single,
            sell_keys=sell, buy_keys=buy, buy_set=frozenset(buy),
            bank_keys=bank, bank_set=frozenset(bank),
            charge=charge, payout=payout, arc_cost=arc_cost, budget_price={a: budget_price(a) for a in A},
        )

    def farmland_base(self, inp: LandInputs, p: str) -> float:
        """Baseline farmland of province ``p``, mu (the province's, else the sum of its regions')."""
        pr = inp.provinces[p]
        if pr.farmland_mu is not None:
            return pr.farmland_mu
        return sum(inp.regions[r].farmland_mu or 0.0 for r in self.regions_in.get(p, []))
