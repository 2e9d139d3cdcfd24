"""Read a solved land-quota plan back into result tables (one function per table).

Every function reads the validated inputs, the index and a
:class:`~regionopt.solve.Solution` (values and duals by component name and
index) -- never the Pyomo model -- so that any route to the optimum (the Pyomo
model, or arrays passed straight to HiGHS) gives the same tables.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..solve import Solution
from .index import LandIndex
from .inputs import LandInputs, ledger_need
from .pricing import FARMLAND_LEDGERS, LEDGER_UNITS, LEDGERS

__all__ = ["PLATFORM", "LandTables", "read_tables", "red_line_share"]

PLATFORM = "PLATFORM"
_EPS = 1e-7
#: A red line binds when its slack is at most this share of the province's baseline
#: farmland (0.08 mu at Anhui's 83 million mu; 1e-6 flagged 83 mu of slack as binding),
#: or when it has a positive shadow price.
_BINDING_TOL = 1e-9
#: Price rents and red-line shares below this (万元, i.e. 0.01 CNY) are solver rounding: shown as 0.
_ROUNDING_10K_CNY = 1e-6

FlowRow = tuple[str, str, str, str, int, float, str, float, float]


@dataclass
class LandTables:
    """The tables read back from one solved plan, and the by-products the gains need.

    Attributes
    ----------
    flows, prices, projects, reclamation, farmland, regions, banked
        See :class:`~regionopt.land.LandQuotaResult`.
    lam
        Quota price per (region, ledger, period), 万元/unit.
    farmland_change
        Cumulative farmland change of a region up to a period, mu.
    cross_area_imports
        Cumulative area a region imports across provinces (under ``red_line_follows_trade``), mu.
    red_line_duals, national_red_line_duals
        Shadow prices of the red lines, 万元/亩.
    """

    flows: pd.DataFrame
    prices: pd.DataFrame
    projects: pd.DataFrame
    reclamation: pd.DataFrame
    farmland: pd.DataFrame
    regions: pd.DataFrame
    banked: pd.DataFrame
    lam: dict[tuple[str, str, int], float] = field(default_factory=dict)
    farmland_change: dict[tuple[str, int], float] = field(default_factory=dict)
    cross_area_imports: dict[tuple[str, int], float] = field(default_factory=dict)
    red_line_duals: dict[tuple[str, int], float] = field(default_factory=dict)
    national_red_line_duals: dict[int, float] = field(default_factory=dict)


def _crosses_province(ix: LandIndex, s: str, b: str, ch: str) -> bool:
    """Whether a flow counts as cross-province trade for red lines that follow trade."""
    return ch == "platform" or (ch == "bilateral" and ix.province_of[s] != ix.province_of[b])


def _relief(inp: LandInputs, ix: LandIndex, sol: Solution, p: str, t: int) -> float:
    """万元 per area unit that province p gains by importing it across provinces in period t.

    Nonzero only when red lines follow trade: the unit then counts towards
    p's red lines in t and every later period.
    """
    if not inp.settings.red_line_follows_trade:
        return 0.0
    return sum(abs(sol.dual("red_line_province", (p, tt), 0.0)) for tt in ix.periods if tt >= t)


def read_prices(inp: LandInputs, ix: LandIndex, sol: Solution) -> tuple[pd.DataFrame, dict[tuple[str, str, int], float]]:
    """Shadow price of every (region, ledger, period) beside the statutory price; and the price map."""
    st = inp.settings
    lam: dict[tuple[str, str, int], float] = {}
    rows = []
    for r in ix.regions:
        coef = inp.provinces[ix.province_of[r]].platform_coefficient
        for led in LEDGERS:
            for t in ix.periods:
                price = sol.dual("balance", (r, led, t))
                price = abs(price) if abs(price) > 1e-9 else 0.0
                lam[(r, led, t)] = price
                stat = st.statutory.unit_price(led, coef if coef is not None else math.nan)
                rows.append((r, led, t, price, stat, LEDGER_UNITS[led]))
    prices = pd.DataFrame(
        rows, columns=["region", "ledger", "period", "shadow_price_10k_cny_per_unit",
                       "statutory_price_10k_cny_per_unit", "unit"],
    ).set_index(["region", "ledger", "period"])
    if sol.duals is None:
        prices["shadow_price_10k_cny_per_unit"] = math.nan
    return prices, lam


def bilateral_flows(ix: LandIndex, sol: Solution) -> list[tuple[tuple[tuple[str, str, str], int], float, int]]:
    """Bilateral flows above rounding: ((arc, period), amount, position of the arc in ``ix.arc_table``).

    In arc order, then period (the order of ``ix.arcs``), read from the
    solution's nonzero entries only.
    """
    x = [((k[:3], k[3]), v) for k, v in sol.nonzero("x", _EPS).items() if v > _EPS]  # type: ignore[index]
    if not x:
        return []
    pos = ix.arc_table.positions([k[0] for k, _v in x])
    order = np.lexsort((np.array([k[1] for k, _v in x]), pos))
    return [(x[i][0], x[i][1], int(pos[i])) for i in order.tolist()]


def read_flows(inp: LandInputs, ix: LandIndex, sol: Solution, lam: dict[tuple[str, str, int], float]) -> list[FlowRow]:
    """Every flow with its price: bilateral, within-province (one valid matching), platform."""
    st = inp.settings
    flows: list[FlowRow] = []

    def clearing_price(a: tuple[str, str, str], t: int, cost: float) -> float:
        """The buyer's marginal value of one delivered unit net of its cost (never below 0).

        With red lines that follow trade, an area unit from another province also
        relieves the buyer province's red lines in this and later periods. By
        complementary slackness this equals the seller's marginal value for a flow
        strictly between its bounds.
        """
        s, b, led = a
        if sol.duals is None:
            return math.nan
        value = lam.get((b, led, t), 0.0)
        if led == "area" and _crosses_province(ix, s, b, "bilateral"):
            value += _relief(inp, ix, sol, ix.province_of[b], t)
        return max(0.0, value - cost)

    table = ix.arc_table
    for (a, t), amt, pos in bilateral_flows(ix, sol):
        s, b, led = a
        contract = float(table.price[pos])
        price = contract if not math.isnan(contract) else clearing_price(a, t, float(table.cost[pos]))
        flows.append((s, b, led, "bilateral", t, amt, LEDGER_UNITS[led], price, price * amt))
    if st.within_province:
        po, pi = sol.var("pool_out"), sol.var("pool_in")
        for p in ix.provinces:
            rs = ix.regions_in.get(p, [])
            for led in LEDGERS:
                for t in ix.periods:
                    net = {r: po.get((r, led, t), 0.0) - pi.get((r, led, t), 0.0) for r in rs}
                    sellers: list[list[object]] = [[r, v] for r, v in net.items() if v > _EPS]
                    buyers: list[list[object]] = [[r, -v] for r, v in net.items() if v < -_EPS]
                    if not sellers or not buyers:
                        continue
                    price = -sol.dual("pool_clear", (p, led, t))
                    price = 0.0 if math.isnan(price) else abs(price)
                    i = k = 0
                    while i < len(sellers) and k < len(buyers):
                        q = min(float(sellers[i][1]), float(buyers[k][1]))  # type: ignore[arg-type]
                        if q > _EPS:
                            flows.append((str(sellers[i][0]), str(buyers[k][0]), led, "within_province", t, q,
                                          LEDGER_UNITS[led], price, price * q))
                        sellers[i][1] = float(sellers[i][1]) - q  # type: ignore[arg-type]
                        buyers[k][1] = float(buyers[k][1]) - q  # type: ignore[arg-type]
                        if float(sellers[i][1]) <= _EPS:  # type: ignore[arg-type]
                            i += 1
                        if float(buyers[k][1]) <= _EPS:  # type: ignore[arg-type]
                            k += 1
    if st.platform:
        sell, buy = sol.var("plat_sell"), sol.var("plat_buy")
        for key in ix.sell_keys:
            amt = sell.get(key, 0.0)
            if amt > _EPS:
                r, led, t = key
                price = ix.payout[led]
                flows.append((r, PLATFORM, led, "platform", t, amt, LEDGER_UNITS[led], price, price * amt))
        for key in ix.buy_keys:
            amt = buy.get(key, 0.0)
            if amt > _EPS:
                r, led, t = key
                price = ix.charge[key]
                flows.append((PLATFORM, r, led, "platform", t, amt, LEDGER_UNITS[led], price, price * amt))
    return flows


def flows_frame(flows: list[FlowRow]) -> pd.DataFrame:
    """The flows as a table (``seller, buyer, ledger, channel, period, amount, unit, price, payment``)."""
    df = pd.DataFrame(flows, columns=["seller", "buyer", "ledger", "channel", "period", "amount", "unit",
                                      "price_10k_cny_per_unit", "payment_10k_cny"])
    df["period"] = df["period"].astype("int64")
    return df


def read_projects(inp: LandInputs, ix: LandIndex, sol: Solution) -> pd.DataFrame:
    """Realised share, land and value of every project."""
    y = sol.var("y")
    rows = []
    for j in ix.projects:
        pj = inp.projects[j]
        share = min(max(y.get(j, 0.0), 0.0), 1.0)
        rows.append((j, pj.region, pj.period, pj.land_mu, share, share * pj.land_mu, share * pj.value_10k_cny))
    return pd.DataFrame(rows, columns=["project", "region", "period", "land_mu", "realised_share",
                                       "realised_land_mu", "realised_value_10k_cny"]).set_index("project")


def read_reclamation(inp: LandInputs, ix: LandIndex, sol: Solution) -> pd.DataFrame:
    """Land reclaimed per tier and period, with its cost."""
    g = sol.var("g")
    rows = []
    for (r, tier_id) in ix.tiers:
        tier = inp.reserves[(r, tier_id)]
        for t in ix.periods:
            v = g.get((r, tier_id, t), 0.0)
            if v > _EPS:
                rows.append((r, tier_id, t, v, v * tier.cost_10k_cny_per_mu))
    return pd.DataFrame(rows, columns=["region", "tier", "period", "reclaimed_mu", "cost_10k_cny"])


def _occupied_reclaimed(inp: LandInputs, ix: LandIndex, sol: Solution
                        ) -> tuple[dict[tuple[str, int], float], dict[tuple[str, int], float]]:
    """Farmland occupied (by projects and linked activities) and area reclaimed, per (region, period), mu."""
    y, g = sol.var("y"), sol.var("g")
    occupied: dict[tuple[str, int], float] = defaultdict(float)
    for j, pj in inp.projects.items():
        occupied[(pj.region, pj.period)] += ledger_need(pj, "area") * y.get(j, 0.0)
    for key, v in sol.var("external_farmland").items():  # occupation by a linked model's activities
        occupied[key] += v  # type: ignore[index]
    reclaimed: dict[tuple[str, int], float] = defaultdict(float)
    for (reg, tier_id), tier in inp.reserves.items():
        for t in ix.periods:
            reclaimed[(reg, t)] += tier.area_per_mu * g.get((reg, tier_id, t), 0.0)
    return occupied, reclaimed


def _cross_area_imports(inp: LandInputs, ix: LandIndex, flows: list[FlowRow]) -> dict[tuple[str, int], float]:
    """Cumulative area each region imports across provinces up to each period (exports negative)."""
    traded: dict[tuple[str, int], float] = defaultdict(float)
    for s, b, led, ch, t, amt, *_ in flows:
        if led != "area" or not _crosses_province(ix, s, b, ch):
            continue
        for tt in ix.periods:
            if tt >= t:
                if b != PLATFORM:
                    traded[(b, tt)] += amt
                if s != PLATFORM:
                    traded[(s, tt)] -= amt
    return traded


def read_farmland(inp: LandInputs, ix: LandIndex, sol: Solution, occupied: dict[tuple[str, int], float],
                  reclaimed: dict[tuple[str, int], float], traded: dict[tuple[str, int], float]) -> pd.DataFrame:
    """Farmland of every province and period against its red line (and the effective one)."""
    st = inp.settings
    rows = []
    for p in ix.provinces:
        rs = ix.regions_in.get(p, [])
        prv = inp.provinces[p]
        base = ix.farmland_base(inp, p)
        occ = rec = 0.0
        for t in ix.periods:
            occ += sum(occupied[(r, t)] for r in rs)
            rec += sum(reclaimed[(r, t)] for r in rs)
            retained = base - occ + rec
            floor = prv.farmland_floor_mu
            eff_floor = floor
            if floor is not None and st.red_line_follows_trade:
                eff_floor = floor - sum(traded.get((r, t), 0.0) for r in rs)  # + net cross-province exports
            slack = retained - eff_floor if eff_floor is not None else math.nan
            sp = abs(sol.dual("red_line_province", (p, t)))
            rows.append((p, t, base, occ, rec, retained, floor if floor is not None else math.nan,
                         eff_floor if eff_floor is not None else math.nan, slack, sp,
                         bool(floor is not None and (slack <= _BINDING_TOL * max(1.0, abs(base)) or sp > 1e-9))))
    return pd.DataFrame(rows, columns=[
        "province", "period", "baseline_mu", "occupied_mu", "reclaimed_mu", "retained_mu", "floor_mu",
        "effective_floor_mu", "slack_mu", "shadow_price_10k_cny_per_mu", "binding",
    ]).set_index(["province", "period"])


def read_regions(inp: LandInputs, ix: LandIndex, sol: Solution, flows: list[FlowRow],
                 lam: dict[tuple[str, str, int], float], projects: pd.DataFrame,
                 reclamation: pd.DataFrame) -> pd.DataFrame:
    """Welfare of every region with trade, and its price rent (docs/land.md, "Who gains").

    Price rent: what a region gains (+) or loses (-) on its trades against
    valuing every unit at its own shadow price -- nonzero only for units priced
    off the margin (statutory platform prices, contract prices, arcs at their bounds).
    """
    st = inp.settings
    pay_out: dict[str, float] = defaultdict(float)
    pay_in: dict[str, float] = defaultdict(float)
    cost_paid: dict[str, float] = defaultdict(float)
    at_own_price: dict[str, float] = defaultdict(float)
    po = sol.var("pool_out")
    for r, led, t in ix.pool_keys:
        cost_paid[r] += st.intra_cost_10k_cny_per_unit * po.get((r, led, t), 0.0)
    cost = ix.arc_table.cost
    for (a, _t), amt, pos in bilateral_flows(ix, sol):
        cost_paid[a[1]] += float(cost[pos]) * amt

    def own_value(r: str, other: str, led: str, ch: str, t: int) -> float:
        extra = _relief(inp, ix, sol, ix.province_of[r], t) if led == "area" and _crosses_province(ix, r, other, ch) else 0.0
        return lam[(r, led, t)] + extra

    for s, b, led, ch, t, amt, _unit, _price, payment in flows:
        if b != PLATFORM:
            pay_out[b] += payment
            at_own_price[b] += own_value(b, s, led, ch, t) * amt
        if s != PLATFORM:
            pay_in[s] += payment
            at_own_price[s] -= own_value(s, b, led, ch, t) * amt
    value_r = projects.groupby("region")["realised_value_10k_cny"].sum().to_dict() if len(projects) else {}
    recl_r = reclamation.groupby("region")["cost_10k_cny"].sum().to_dict() if len(reclamation) else {}
    rows = []
    for r in ix.regions:
        v, c = float(value_r.get(r, 0.0)), float(recl_r.get(r, 0.0))
        w = v - c - cost_paid[r] - pay_out[r] + pay_in[r]
        rent = at_own_price[r] - pay_out[r] + pay_in[r] - cost_paid[r] if sol.duals is not None else math.nan
        rent = 0.0 if abs(rent) < _ROUNDING_10K_CNY else rent
        rows.append((r, ix.province_of[r], v, c, cost_paid[r], pay_out[r], pay_in[r], w, rent))
    return pd.DataFrame(rows, columns=[
        "region", "province", "project_value_10k_cny", "reclamation_cost_10k_cny", "transaction_cost_10k_cny",
        "purchases_10k_cny", "sales_10k_cny", "welfare_10k_cny", "price_rent_10k_cny",
    ]).set_index("region")


def read_banked(ix: LandIndex, sol: Solution) -> pd.DataFrame:
    """Quota carried from period t to t+1."""
    bank = sol.var("bank")
    rows = [(r, led, t, bank.get((r, led, t), 0.0)) for (r, led, t) in ix.bank_keys
            if bank.get((r, led, t), 0.0) > _EPS]
    return pd.DataFrame(rows, columns=["region", "ledger", "period", "banked"])


def read_tables(inp: LandInputs, ix: LandIndex, sol: Solution) -> LandTables:
    """Every result table of a solved plan (``sol`` scoped to the land block)."""
    prices, lam = read_prices(inp, ix, sol)
    flows = read_flows(inp, ix, sol, lam)
    projects = read_projects(inp, ix, sol)
    reclamation = read_reclamation(inp, ix, sol)
    occupied, reclaimed = _occupied_reclaimed(inp, ix, sol)
    traded = _cross_area_imports(inp, ix, flows)
    farmland = read_farmland(inp, ix, sol, occupied, reclaimed, traded)
    regions = read_regions(inp, ix, sol, flows, lam, projects, reclamation)
    change: dict[tuple[str, int], float] = {}
    for r in ix.regions:
        acc = 0.0
        for t in ix.periods:
            acc += reclaimed[(r, t)] - occupied[(r, t)]
            change[(r, t)] = acc
    red_duals = {(p, t): abs(sol.dual("red_line_province", (p, t), 0.0)) for p in ix.provinces for t in ix.periods}
    nat_duals = {t: abs(sol.dual("red_line_national", t, 0.0)) for t in ix.periods}
    return LandTables(
        flows=flows_frame(flows), prices=prices, projects=projects, reclamation=reclamation, farmland=farmland,
        regions=regions, banked=read_banked(ix, sol), lam=lam, farmland_change=change,
        cross_area_imports=dict(traded) if inp.settings.red_line_follows_trade else {},
        red_line_duals=red_duals, national_red_line_duals=nat_duals,
    )


def red_line_share(inp: LandInputs, trade: LandTables, autarky: LandTables) -> pd.Series:
    """Value of the shared red-line room each region takes with trade, against autarky, 万元.

    ``sum_t mu_{p(r),t} (c^A_{r,t} - c_{r,t}) + sum_t mu^nat_t (c^A_{r,t} - c_{r,t})``
    with ``c`` a region's cumulative farmland change (reclaimed area minus
    occupied farmland, mu; under ``red_line_follows_trade`` plus, for its
    province's red line, the area it imports across provinces) and ``mu`` the
    red lines' shadow prices in the trade plan (万元/亩). Positive: the region
    occupies more of its province's (or the nation's) red-line room than in
    autarky; negative: it gives room up. With no other shared rule binding,
    ``gain >= price rent + red-line share`` for every region of an LP plan
    (Lagrangian decomposition; docs/land.md, "Who gains").
    """
    out = {}
    for r, reg in inp.regions.items():
        v = 0.0
        for t in inp.periods:
            d = autarky.farmland_change[(r, t)] - trade.farmland_change[(r, t)]
            v += trade.red_line_duals.get((reg.province, t), 0.0) * (d - trade.cross_area_imports.get((r, t), 0.0))
            v += trade.national_red_line_duals.get(t, 0.0) * d
        out[r] = 0.0 if abs(v) < _ROUNDING_10K_CNY else v
    return pd.Series(out, dtype=float)


__all__ += ["FARMLAND_LEDGERS"]
