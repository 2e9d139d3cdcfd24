"""Read a solved land-quota model back into result tables."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import pandas as pd
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap

from .inputs import LandInputs, ledger_need
from .pricing import FARMLAND_LEDGERS, LEDGER_UNITS, LEDGERS

PLATFORM = "PLATFORM"
_EPS = 1e-7
#: A red line binds when its slack is at most this share of the province's baseline
#: farmland (0.08 mu at Anhui's 83 million mu; 1e-6 flagged 83 mu of slack as binding),
#: or when it has a positive shadow price.
_BINDING_TOL = 1e-9
#: Price rents and red-line shares below this (万元, i.e. 0.01 CNY) are solver rounding: shown as 0.
_ROUNDING_10K_CNY = 1e-6


def _val(v: Any) -> float:
    x = pyo.value(v, exception=False)
    return 0.0 if x is None else float(x)


def _dual(duals: ComponentMap | None, comp: Any, idx: Any) -> float:
    if duals is None or comp is None or idx not in comp:
        return math.nan if duals is None else 0.0
    return float(duals.get(comp[idx], 0.0))


def read_tables(m: pyo.ConcreteModel, inp: LandInputs, duals: ComponentMap | None) -> dict[str, Any]:
    """Extract flows, prices, projects, reclamation, farmland and region welfare."""
    st = inp.settings
    T = list(inp.periods)
    R = sorted(inp.regions)
    prov_of = {r: inp.regions[r].province for r in R}
    pool_clear = getattr(m, "pool_clear", None)

    # prices ------------------------------------------------------------------
    lam: dict[tuple[str, str, int], float] = {}
    rows = []
    for r in R:
        p = prov_of[r]
        coef = inp.provinces[p].platform_coefficient
        for led in LEDGERS:
            for t in T:
                price = _dual(duals, m.balance, (r, led, t))
                price = abs(price) if abs(price) > 1e-9 else 0.0
                lam[(r, led, t)] = price
                stat = st.statutory.unit_price(led, coef if coef is not None else math.nan)
                rows.append((r, led, t, price, stat, LEDGER_UNITS[led]))
    prices = pd.DataFrame(
        rows,
        columns=["region", "ledger", "period", "shadow_price_10k_cny_per_unit", "statutory_price_10k_cny_per_unit", "unit"],
    ).set_index(["region", "ledger", "period"])
    if duals is None:
        prices["shadow_price_10k_cny_per_unit"] = math.nan

    def pool_price(p: str, led: str, t: int) -> float:
        return -_dual(duals, pool_clear, (p, led, t)) if pool_clear is not None else math.nan

    red = getattr(m, "red_line_province", None)

    def relief(p: str, t: int) -> float:
        """万元 per area unit that province p gains by importing it across provinces in period t.

        Nonzero only when red lines follow trade: the unit then counts towards
        p's red lines in t and every later period.
        """
        if not st.red_line_follows_trade or red is None:
            return 0.0
        return sum(abs(_dual(duals, red, (p, tt))) for tt in T if tt >= t)

    def crosses_province(s: str, b: str, ch: str) -> bool:
        """Whether a flow counts as cross-province trade for red lines that follow trade."""
        return ch == "platform" or (ch == "bilateral" and prov_of[s] != prov_of[b])

    def clearing_price(a: tuple[str, str, str], t: int) -> float:
        """Market-clearing price of a bilateral arc without a contract price.

        The buyer's marginal value of one unit delivered -- its shadow price,
        plus, when province red lines follow trade, the relief an area unit
        from another province gives its province's red lines in this and later
        periods -- net of the transaction and transport cost the buyer bears
        (never below 0). By complementary slackness this equals the seller's
        marginal value for a flow strictly between its bounds.
        """
        s, b, led = a
        if duals is None:
            return math.nan
        value = lam.get((b, led, t), 0.0)
        if led == "area" and crosses_province(s, b, "bilateral"):
            value += relief(prov_of[b], t)
        return max(0.0, value - m._arc_cost[a])

    # flows -------------------------------------------------------------------
    flows: list[tuple[Any, ...]] = []
    pay_out: dict[str, float] = defaultdict(float)  # money paid by region for purchases
    pay_in: dict[str, float] = defaultdict(float)  # money received for sales
    cost_paid: dict[str, float] = defaultdict(float)  # transaction/transport costs
    if st.bilateral:
        for a in m.A:
            for t in T:
                amt = _val(m.x[a, t])
                if amt <= _EPS:
                    continue
                s, b, led = a
                contract = inp.pairs[a].price_10k_cny_per_unit
                price = contract if contract is not None else clearing_price(a, t)
                flows.append((s, b, led, "bilateral", t, amt, LEDGER_UNITS[led], price, price * amt))
                pay_out[b] += price * amt
                pay_in[s] += price * amt
                cost_paid[b] += m._arc_cost[a] * amt
    if st.within_province:
        for p in sorted(inp.provinces):
            rs = [r for r in R if prov_of[r] == p]
            for led in LEDGERS:
                for t in T:
                    net = {r: _val(m.pool_out[r, led, t]) - _val(m.pool_in[r, led, t]) for r in rs}
                    for r in rs:
                        cost_paid[r] += st.intra_cost_10k_cny_per_unit * _val(m.pool_out[r, led, t])
                    sellers: list[list[Any]] = [[r, v] for r, v in net.items() if v > _EPS]
                    buyers: list[list[Any]] = [[r, -v] for r, v in net.items() if v < -_EPS]
                    if not sellers or not buyers:
                        continue
                    price = pool_price(p, led, t)
                    price = 0.0 if math.isnan(price) else abs(price)
                    i = k = 0
                    while i < len(sellers) and k < len(buyers):
                        q = min(sellers[i][1], buyers[k][1])
                        if q > _EPS:
                            s, b = str(sellers[i][0]), str(buyers[k][0])
                            flows.append((s, b, led, "within_province", t, q, LEDGER_UNITS[led], price, price * q))
                            pay_out[b] += price * q
                            pay_in[s] += price * q
                        sellers[i][1] -= q
                        buyers[k][1] -= q
                        if sellers[i][1] <= _EPS:
                            i += 1
                        if buyers[k][1] <= _EPS:
                            k += 1
    if st.platform:
        for key in m.PS:
            amt = _val(m.plat_sell[key])
            if amt > _EPS:
                r, led, t = key
                price = m._payout[led]
                flows.append((r, PLATFORM, led, "platform", t, amt, LEDGER_UNITS[led], price, price * amt))
                pay_in[r] += price * amt
        for key in m.PB:
            amt = _val(m.plat_buy[key])
            if amt > _EPS:
                r, led, t = key
                price = m._charge[key]
                flows.append((PLATFORM, r, led, "platform", t, amt, LEDGER_UNITS[led], price, price * amt))
                pay_out[r] += price * amt
    flow_df = pd.DataFrame(
        flows,
        columns=["seller", "buyer", "ledger", "channel", "period", "amount", "unit", "price_10k_cny_per_unit", "payment_10k_cny"],
    )
    flow_df["period"] = flow_df["period"].astype("int64")

    # projects ----------------------------------------------------------------
    prow = []
    value_r: dict[str, float] = defaultdict(float)
    for j, pj in sorted(inp.projects.items()):
        share = min(max(_val(m.y[j]), 0.0), 1.0)
        prow.append((j, pj.region, pj.period, pj.land_mu, share, share * pj.land_mu, share * pj.value_10k_cny))
        value_r[pj.region] += share * pj.value_10k_cny
    projects = pd.DataFrame(
        prow, columns=["project", "region", "period", "land_mu", "realised_share", "realised_land_mu", "realised_value_10k_cny"]
    ).set_index("project")

    # reclamation -------------------------------------------------------------
    rrow = []
    recl_r: dict[str, float] = defaultdict(float)
    for (r, tier_id), tier in sorted(inp.reserves.items()):
        for t in T:
            g = _val(m.g[r, tier_id, t])
            if g > _EPS:
                rrow.append((r, tier_id, t, g, g * tier.cost_10k_cny_per_mu))
                recl_r[r] += g * tier.cost_10k_cny_per_mu
    reclamation = pd.DataFrame(rrow, columns=["region", "tier", "period", "reclaimed_mu", "cost_10k_cny"])

    # farmland ----------------------------------------------------------------
    # farmland occupied and area reclaimed per (region, period), mu
    occupied: dict[tuple[str, int], float] = defaultdict(float)
    for j, pj in inp.projects.items():
        occupied[(pj.region, pj.period)] += ledger_need(pj, "area") * _val(m.y[j])
    reclaimed: dict[tuple[str, int], float] = defaultdict(float)
    for (reg, tier_id), tier in inp.reserves.items():
        for t in T:
            reclaimed[(reg, t)] += tier.area_per_mu * _val(m.g[reg, tier_id, t])
    frow = []
    for p in sorted(inp.provinces):
        rs = [r for r in R if prov_of[r] == p]
        prv = inp.provinces[p]
        base = prv.farmland_mu if prv.farmland_mu is not None else sum(inp.regions[r].farmland_mu or 0.0 for r in rs)
        occ = rec = 0.0
        for t in T:
            occ += sum(occupied[(r, t)] for r in rs)
            rec += sum(reclaimed[(r, t)] for r in rs)
            retained = base - occ + rec
            floor = prv.farmland_floor_mu
            eff_floor = floor
            if floor is not None and st.red_line_follows_trade and red is not None and (p, t) in red:
                eff_floor = floor + (retained - base) - _val(red[p, t].body)  # + net cross-province exports
            slack = retained - eff_floor if eff_floor is not None else math.nan
            sp = abs(_dual(duals, red, (p, t))) if red is not None else (math.nan if duals is None else 0.0)
            frow.append((p, t, base, occ, rec, retained, floor if floor is not None else math.nan,
                         eff_floor if eff_floor is not None else math.nan, slack, sp,
                         bool(floor is not None and (slack <= _BINDING_TOL * max(1.0, abs(base)) or sp > 1e-9))))
    farmland = pd.DataFrame(
        frow,
        columns=["province", "period", "baseline_mu", "occupied_mu", "reclaimed_mu", "retained_mu", "floor_mu",
                 "effective_floor_mu", "slack_mu", "shadow_price_10k_cny_per_mu", "binding"],
    ).set_index(["province", "period"])

    # region welfare ----------------------------------------------------------
    # Price rent: what a region gains (+) or loses (-) on its trades against
    # valuing every unit at its own shadow price -- nonzero only for units
    # priced off the margin (statutory platform prices, contract prices, arcs at
    # their bounds). See docs/land.md, "Who gains".
    at_own_price: dict[str, float] = defaultdict(float)  # own-shadow value of net purchases

    def own_value(r: str, other: str, led: str, ch: str, t: int) -> float:
        return lam[(r, led, t)] + (relief(prov_of[r], t) if led == "area" and crosses_province(r, other, ch) else 0.0)

    for s, b, led, ch, t, amt, *_ in flows:
        if b != PLATFORM:
            at_own_price[b] += own_value(b, s, led, ch, t) * amt
        if s != PLATFORM:
            at_own_price[s] -= own_value(s, b, led, ch, t) * amt
    wrow = []
    for r in R:
        w = value_r[r] - recl_r[r] - cost_paid[r] - pay_out[r] + pay_in[r]
        rent = at_own_price[r] - pay_out[r] + pay_in[r] - cost_paid[r] if duals is not None else math.nan
        rent = 0.0 if abs(rent) < _ROUNDING_10K_CNY else rent
        wrow.append((r, prov_of[r], value_r[r], recl_r[r], cost_paid[r], pay_out[r], pay_in[r], w, rent))
    regions = pd.DataFrame(
        wrow,
        columns=["region", "province", "project_value_10k_cny", "reclamation_cost_10k_cny", "transaction_cost_10k_cny",
                 "purchases_10k_cny", "sales_10k_cny", "welfare_10k_cny", "price_rent_10k_cny"],
    ).set_index("region")
    # each region's use of the shared red lines -------------------------------
    # Cumulative farmland change of a region (reclaimed area minus occupied
    # farmland up to t); under red_line_follows_trade its province's red line
    # also counts the area it imports across provinces (bilateral or platform).
    change: dict[tuple[str, int], float] = {}
    for r in R:
        acc = 0.0
        for t in T:
            acc += reclaimed[(r, t)] - occupied[(r, t)]
            change[(r, t)] = acc
    traded: dict[tuple[str, int], float] = defaultdict(float)
    if st.red_line_follows_trade:
        for s, b, led, ch, t, amt, *_ in flows:
            if led != "area" or not crosses_province(s, b, ch):
                continue
            for tt in T:
                if tt >= t:
                    if b != PLATFORM:
                        traded[(b, tt)] += amt
                    if s != PLATFORM:
                        traded[(s, tt)] -= amt
    nat = getattr(m, "red_line_national", None)
    red_duals = {(p, t): abs(_dual(duals, red, (p, t))) for p in inp.provinces for t in T} if red is not None else {}
    nat_duals = {t: abs(_dual(duals, nat, t)) for t in T} if nat is not None else {}

    bank_rows = [(r, led, t, _val(m.bank[r, led, t])) for (r, led, t) in m.BANK if _val(m.bank[r, led, t]) > _EPS]
    banked = pd.DataFrame(bank_rows, columns=["region", "ledger", "period", "banked"])
    return {
        "banked": banked,
        "flows": flow_df,
        "prices": prices,
        "projects": projects,
        "reclamation": reclamation,
        "farmland": farmland,
        "regions": regions,
        "lambda": lam,
        "farmland_change": change,
        "cross_area_imports": traded,
        "red_line_duals": red_duals,
        "national_red_line_duals": nat_duals,
    }


def red_line_share(inp: LandInputs, trade: dict[str, Any], autarky: dict[str, Any]) -> pd.Series:
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
            d = autarky["farmland_change"][(r, t)] - trade["farmland_change"][(r, t)]
            v += trade["red_line_duals"].get((reg.province, t), 0.0) * (d - trade["cross_area_imports"].get((r, t), 0.0))
            v += trade["national_red_line_duals"].get(t, 0.0) * d
        out[r] = 0.0 if abs(v) < _ROUNDING_10K_CNY else v
    return pd.Series(out, dtype=float)


__all__ = ["FARMLAND_LEDGERS", "PLATFORM", "read_tables", "red_line_share"]
