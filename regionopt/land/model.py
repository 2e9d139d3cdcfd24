"""Build the land-quota LP/MIP as a Pyomo model (formulation: docs/land.md).

Component names here are the names used on the formulation page.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pyomo.environ as pyo

from .inputs import LandInputs, ledger_need, reserve_yield
from .pricing import FARMLAND_LEDGERS, LEDGERS

__all__ = ["build_model"]


def build_model(inp: LandInputs) -> pyo.ConcreteModel:
    """Assemble the Pyomo model for validated inputs.

    Parameters
    ----------
    inp
        Validated :class:`~regionopt.land.inputs.LandInputs`.

    Returns
    -------
    pyomo.environ.ConcreteModel
        Variables ``y, g, x, pool_out, pool_in, plat_sell, plat_buy, bank`` and
        the named constraint families listed in docs/land.md; the objective
        ``welfare`` in 万元.
    """
    st = inp.settings
    m = pyo.ConcreteModel(name="land_quota")
    R = sorted(inp.regions)
    P = sorted(inp.provinces)
    T = list(inp.periods)
    Tlast = T[-1]
    prov_of = {r: inp.regions[r].province for r in R}
    regions_in: dict[str, list[str]] = defaultdict(list)
    for r in R:
        regions_in[prov_of[r]].append(r)

    m.R = pyo.Set(initialize=R, ordered=True, doc="regions")
    m.P = pyo.Set(initialize=P, ordered=True, doc="provinces")
    m.L = pyo.Set(initialize=list(LEDGERS), ordered=True, doc="ledgers")
    m.T = pyo.Set(initialize=T, ordered=True, doc="periods")

    # ---------------------------------------------------------------- projects
    J = sorted(inp.projects)
    proj = inp.projects
    m.J = pyo.Set(initialize=J, ordered=True, doc="projects")
    dom = pyo.Binary if st.binary_projects else pyo.UnitInterval

    def _y_bounds(_m: pyo.ConcreteModel, j: str) -> tuple[float, float]:
        lo = proj[j].min_share or 0.0
        return (lo, 1.0)

    m.y = pyo.Var(m.J, within=dom, bounds=_y_bounds, doc="realisation of project {0}")
    if st.binary_projects:
        for j in J:
            if (proj[j].min_share or 0.0) > 0:
                m.y[j].setlb(1.0)
    projects_at: dict[tuple[str, int], list[str]] = defaultdict(list)
    for j in J:
        projects_at[(proj[j].region, proj[j].period)].append(j)

    # ---------------------------------------------------------------- reclamation
    K = sorted(inp.reserves)
    m.K = pyo.Set(initialize=K, dimen=2, ordered=True, doc="reserve tiers (region, tier)")
    m.g = pyo.Var(m.K, m.T, within=pyo.NonNegativeReals, doc="reclamation in {0} tier {1}, period {2}")
    tiers_of: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for k in K:
        tiers_of[k[0]].append(k)

    def _potential(m_: pyo.ConcreteModel, r: str, k: str) -> Any:
        return sum(m_.g[r, k, t] for t in T) <= inp.reserves[(r, k)].potential_mu

    m.reserve_potential = pyo.Constraint(m.K, rule=_potential, doc="reclamation potential of {0}, tier {1}")

    # ---------------------------------------------------------------- channels
    A = sorted(inp.pairs) if st.bilateral else []
    m.A = pyo.Set(initialize=A, dimen=3, ordered=True, doc="allowed bilateral arcs (seller, buyer, ledger)")

    def _x_bounds(_m: pyo.ConcreteModel, s: str, b: str, led: str, t: int) -> tuple[float, float | None]:
        pr = inp.pairs[(s, b, led)]
        return (pr.min_amount, pr.max_amount)

    m.x = pyo.Var(m.A, m.T, within=pyo.NonNegativeReals, bounds=_x_bounds, doc="bilateral flow {0} -> {1} of {2}, period {3}")
    out_arcs: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    in_arcs: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for a in A:
        out_arcs[(a[0], a[2])].append(a)
        in_arcs[(a[1], a[2])].append(a)

    pool_keys = [(r, led, t) for r in R for led in LEDGERS for t in T] if st.within_province else []
    m.POOL = pyo.Set(initialize=pool_keys, dimen=3, ordered=True)
    m.pool_out = pyo.Var(m.POOL, within=pyo.NonNegativeReals, doc="within-province supply of {1} by {0}, period {2}")
    m.pool_in = pyo.Var(m.POOL, within=pyo.NonNegativeReals, doc="within-province purchase of {1} by {0}, period {2}")

    if st.within_province:

        def _pool_clear(m_: pyo.ConcreteModel, p: str, led: str, t: int) -> Any:
            rs = regions_in[p]
            if len(rs) < 2:
                return pyo.Constraint.Skip
            return sum(m_.pool_out[r, led, t] for r in rs) == sum(m_.pool_in[r, led, t] for r in rs)

        m.pool_clear = pyo.Constraint(m.P, m.L, m.T, rule=_pool_clear, doc="within-province adjustment of {1} in {0} clears, period {2}")
        for r in R:
            if len(regions_in[prov_of[r]]) < 2:
                for led in LEDGERS:
                    for t in T:
                        m.pool_out[r, led, t].fix(0)
                        m.pool_in[r, led, t].fix(0)

    coef = {p: inp.provinces[p].platform_coefficient for p in P}
    sell_keys = [(r, led, t) for r in R for led in FARMLAND_LEDGERS for t in T] if st.platform else []
    buy_keys = [k for k in sell_keys if coef[prov_of[k[0]]] is not None]
    m.PS = pyo.Set(initialize=sell_keys, dimen=3, ordered=True)
    m.PB = pyo.Set(initialize=buy_keys, dimen=3, ordered=True)
    m.plat_sell = pyo.Var(m.PS, within=pyo.NonNegativeReals, doc="sale of {1} by {0} to the national platform, period {2}")
    m.plat_buy = pyo.Var(m.PB, within=pyo.NonNegativeReals, doc="purchase of {1} by {0} from the national platform, period {2}")
    buy_set = set(buy_keys)
    charge = {k: st.statutory.unit_price(k[1], coef[prov_of[k[0]]] or 0.0) for k in buy_keys}
    payout = {led: st.statutory.unit_price(led, st.platform_payout_coefficient) for led in FARMLAND_LEDGERS}
    if st.platform:

        def _plat_clear(m_: pyo.ConcreteModel, led: str, t: int) -> Any:
            if led not in FARMLAND_LEDGERS:
                return pyo.Constraint.Skip
            return sum(m_.plat_sell[r, led, t] for r in R) == sum(
                m_.plat_buy[r, led, t] for r in R if (r, led, t) in buy_set
            )

        m.platform_clear = pyo.Constraint(m.L, m.T, rule=_plat_clear, doc="national platform clears for {0}, period {1}")

    bank_keys = [(r, led, t) for r in R for led in LEDGERS for t in T if t < Tlast] if st.banking else []
    m.BANK = pyo.Set(initialize=bank_keys, dimen=3, ordered=True)
    m.bank = pyo.Var(m.BANK, within=pyo.NonNegativeReals, doc="quota of {1} banked by {0} after period {2}")
    bank_set = set(bank_keys)

    # ---------------------------------------------------------------- balances
    def inflow(m_: pyo.ConcreteModel, r: str, led: str, t: int) -> Any:
        e = sum(m_.x[a, t] for a in in_arcs.get((r, led), []))
        if st.within_province:
            e += m_.pool_in[r, led, t]
        if (r, led, t) in buy_set:
            e += m_.plat_buy[r, led, t]
        return e

    def outflow(m_: pyo.ConcreteModel, r: str, led: str, t: int) -> Any:
        e = sum(m_.x[a, t] for a in out_arcs.get((r, led), []))
        if st.within_province:
            e += m_.pool_out[r, led, t]
        if st.platform and led in FARMLAND_LEDGERS:
            e += m_.plat_sell[r, led, t]
        return e

    def use(m_: pyo.ConcreteModel, r: str, led: str, t: int) -> Any:
        return sum(ledger_need(proj[j], led) * m_.y[j] for j in projects_at.get((r, t), []))

    def gen(m_: pyo.ConcreteModel, r: str, led: str, t: int) -> Any:
        return sum(reserve_yield(inp.reserves[k], led) * m_.g[k[0], k[1], t] for k in tiers_of.get(r, []))

    def _balance(m_: pyo.ConcreteModel, r: str, led: str, t: int) -> Any:
        body = use(m_, r, led, t) + outflow(m_, r, led, t) - gen(m_, r, led, t) - inflow(m_, r, led, t)
        if (r, led, t) in bank_set:
            body += m_.bank[r, led, t]
        if t > 1 and (r, led, t - 1) in bank_set:
            body -= m_.bank[r, led, t - 1]
        if isinstance(body, (int, float)):
            return pyo.Constraint.Skip
        return body <= inp.allocations.get((r, led, t), 0.0)

    m.balance = pyo.Constraint(m.R, m.L, m.T, rule=_balance, doc="quota balance of {1} in {0}, period {2}")

    # ---------------------------------------------------------------- red lines
    def farmland_change(m_: pyo.ConcreteModel, regions: list[str], t_upto: int) -> Any:
        e = 0
        for r in regions:
            for t in T:
                if t > t_upto:
                    continue
                e -= sum(proj[j].farmland_mu * m_.y[j] for j in projects_at.get((r, t), []))
                e += sum(inp.reserves[k].area_per_mu * m_.g[k[0], k[1], t] for k in tiers_of.get(r, []))
        return e

    def net_cross_exports(m_: pyo.ConcreteModel, p: str, t_upto: int) -> Any:
        e = 0
        for a in A:
            if a[2] != "area":
                continue
            ps, pb = prov_of[a[0]], prov_of[a[1]]
            if ps == pb:
                continue
            for t in T:
                if t > t_upto:
                    continue
                if ps == p:
                    e += m_.x[a, t]
                elif pb == p:
                    e -= m_.x[a, t]
        if st.platform:
            for r in regions_in[p]:
                for t in T:
                    if t <= t_upto:
                        e += m_.plat_sell[r, "area", t]
                        if (r, "area", t) in buy_set:
                            e -= m_.plat_buy[r, "area", t]
        return e

    def farmland_base(p: str) -> float:
        pr = inp.provinces[p]
        if pr.farmland_mu is not None:
            return pr.farmland_mu
        return sum(inp.regions[r].farmland_mu or 0.0 for r in regions_in[p])

    def _red_prov(m_: pyo.ConcreteModel, p: str, t: int) -> Any:
        floor = inp.provinces[p].farmland_floor_mu
        if floor is None:
            return pyo.Constraint.Skip
        lhs = farmland_change(m_, regions_in[p], t)
        if st.red_line_follows_trade:
            lhs -= net_cross_exports(m_, p, t)
        if isinstance(lhs, (int, float)):
            return pyo.Constraint.Skip
        return lhs >= floor - farmland_base(p)

    m.red_line_province = pyo.Constraint(m.P, m.T, rule=_red_prov, doc="farmland red line of province {0}, period {1}")

    def _red_region(m_: pyo.ConcreteModel, r: str, t: int) -> Any:
        rr = inp.regions[r]
        if rr.farmland_floor_mu is None:
            return pyo.Constraint.Skip
        lhs = farmland_change(m_, [r], t)
        if isinstance(lhs, (int, float)):
            return pyo.Constraint.Skip
        return lhs >= rr.farmland_floor_mu - (rr.farmland_mu or 0.0)

    m.red_line_region = pyo.Constraint(m.R, m.T, rule=_red_region, doc="farmland red line of region {0}, period {1}")

    if st.national_floor_mu is not None:
        total_base = sum(farmland_base(p) for p in P)

        def _red_nat(m_: pyo.ConcreteModel, t: int) -> Any:
            lhs = farmland_change(m_, R, t)
            if isinstance(lhs, (int, float)):
                return pyo.Constraint.Skip
            return lhs >= st.national_floor_mu - total_base  # type: ignore[operator]

        m.red_line_national = pyo.Constraint(m.T, rule=_red_nat, doc="national farmland red line, period {0}")

    # ---------------------------------------------------------------- channel rules
    caps = inp.export_caps

    def _export_cap(m_: pyo.ConcreteModel, r: str, led: str) -> Any:
        if (r, led) not in caps:
            return pyo.Constraint.Skip
        e = sum(outflow(m_, r, led, t) for t in T)
        if isinstance(e, (int, float)):
            return pyo.Constraint.Skip
        return e <= caps[(r, led)]

    m.export_cap = pyo.Constraint(m.R, m.L, rule=_export_cap, doc="export cap of {1} for seller {0}")

    def _import_cap(m_: pyo.ConcreteModel, r: str, led: str, t: int) -> Any:
        beta = inp.regions[r].import_share_cap
        if beta is None:
            return pyo.Constraint.Skip
        e = inflow(m_, r, led, t) - beta * use(m_, r, led, t)
        if isinstance(e, (int, float)):
            return pyo.Constraint.Skip
        return e <= 0

    m.import_cap = pyo.Constraint(m.R, m.L, m.T, rule=_import_cap, doc="purchase-share cap of {1} for buyer {0}, period {2}")

    def budget_price(a: tuple[str, str, str]) -> float:
        """Price at which a purchase counts against a budget: contract, else statutory, else 0."""
        pr = inp.pairs[a]
        if pr.price_10k_cny_per_unit is not None:
            return pr.price_10k_cny_per_unit
        c = coef[prov_of[a[1]]]
        v = st.statutory.unit_price(a[2], c if c is not None else float("nan"))
        return 0.0 if v != v else v

    m._budget_price = {a: budget_price(a) for a in A}
    m._charge = charge
    m._payout = payout

    def _budget(m_: pyo.ConcreteModel, r: str) -> Any:
        bud = inp.regions[r].budget_10k_cny
        if bud is None:
            return pyo.Constraint.Skip
        e = 0
        for t in T:
            for led in LEDGERS:
                e += sum(m_._budget_price[a] * m_.x[a, t] for a in in_arcs.get((r, led), []))
                if (r, led, t) in buy_set:
                    e += charge[(r, led, t)] * m_.plat_buy[r, led, t]
        if isinstance(e, (int, float)):
            return pyo.Constraint.Skip
        return e <= bud

    m.budget = pyo.Constraint(m.R, rule=_budget, doc="purchase budget of buyer {0}")

    # ---------------------------------------------------------------- 以补定占
    if st.yibu_dingzhan:

        def _ybdz(m_: pyo.ConcreteModel, p: str, t: int) -> Any:
            occ = sum(proj[j].farmland_mu * m_.y[j] for r in regions_in[p] for j in projects_at.get((r, t), []))
            if isinstance(occ, (int, float)):
                return pyo.Constraint.Skip
            if t == 1:
                prior = inp.provinces[p].prior_added_mu
                if prior is None:
                    return pyo.Constraint.Skip
                return occ <= prior
            added = sum(
                inp.reserves[k].area_per_mu * m_.g[k[0], k[1], t - 1] for r in regions_in[p] for k in tiers_of.get(r, [])
            )
            occ_prev = sum(
                proj[j].farmland_mu * m_.y[j] for r in regions_in[p] for j in projects_at.get((r, t - 1), [])
            )
            return occ - added + occ_prev <= 0

        m.yibu_dingzhan = pyo.Constraint(
            m.P, m.T, rule=_ybdz,
            doc="以补定占: farmland occupied in {0}, period {1}, within the net farmland increase of the period before",
        )

    # ---------------------------------------------------------------- equity
    land_of: dict[str, list[str]] = defaultdict(list)
    for j in J:
        land_of[proj[j].region].append(j)

    def _min_demand(m_: pyo.ConcreteModel, r: str) -> Any:
        a = inp.regions[r].min_demand_share
        total = sum(proj[j].land_mu for j in land_of.get(r, []))
        if not a or total <= 0:
            return pyo.Constraint.Skip
        return sum(proj[j].land_mu * m_.y[j] for j in land_of[r]) >= a * total

    m.min_development = pyo.Constraint(m.R, rule=_min_demand, doc="minimum development guarantee of {0}")

    def per_capita(m_: pyo.ConcreteModel, r: str) -> Any:
        pop = inp.regions[r].population_10k or 1.0
        return sum(proj[j].land_mu * m_.y[j] for j in land_of.get(r, [])) / pop

    if st.per_capita_spread_cap is not None or st.spread_penalty_10k_cny > 0:
        m.pc_max = pyo.Var(within=pyo.NonNegativeReals, doc="highest realised land per capita")
        m.pc_min = pyo.Var(within=pyo.NonNegativeReals, doc="lowest realised land per capita")
        m.spread_upper = pyo.Constraint(m.R, rule=lambda m_, r: per_capita(m_, r) <= m_.pc_max, doc="per-capita land of {0} below the maximum")
        m.spread_lower = pyo.Constraint(m.R, rule=lambda m_, r: per_capita(m_, r) >= m_.pc_min, doc="per-capita land of {0} above the minimum")
    if st.per_capita_spread_cap is not None:
        m.spread_cap = pyo.Constraint(expr=m.pc_max - m.pc_min <= st.per_capita_spread_cap, doc="cap on the spread of per-capita realised land")

    if st.gini_cap is not None:
        pairs_rs = [(R[i], R[k]) for i in range(len(R)) for k in range(i + 1, len(R))]
        m.GP = pyo.Set(initialize=pairs_rs, dimen=2, ordered=True)
        m.gini_dev = pyo.Var(m.GP, within=pyo.NonNegativeReals, doc="|per-capita land of {0} - of {1}|")
        m.gini_abs_pos = pyo.Constraint(m.GP, rule=lambda m_, r, s: m_.gini_dev[r, s] >= per_capita(m_, r) - per_capita(m_, s))
        m.gini_abs_neg = pyo.Constraint(m.GP, rule=lambda m_, r, s: m_.gini_dev[r, s] >= per_capita(m_, s) - per_capita(m_, r))
        n = len(R)
        m.gini_cap = pyo.Constraint(
            expr=sum(m.gini_dev[r, s] for r, s in pairs_rs) <= n * st.gini_cap * sum(per_capita(m, r) for r in R),
            doc="Gini cap on per-capita realised land",
        )

    # ---------------------------------------------------------------- objective
    dist = inp.distances_km
    tc = st.transport_cost_10k_cny_per_unit_km

    def arc_cost(a: tuple[str, str, str]) -> float:
        return inp.pairs[a].cost_10k_cny_per_unit + tc * dist.get((a[0], a[1]), 0.0)

    m._arc_cost = {a: arc_cost(a) for a in A}
    value = sum(proj[j].value_10k_cny * m.y[j] for j in J)
    recl = sum(inp.reserves[k].cost_10k_cny_per_mu * m.g[k[0], k[1], t] for k in K for t in T)
    trade = sum(m._arc_cost[a] * m.x[a, t] for a in A for t in T)
    intra = st.intra_cost_10k_cny_per_unit * sum(m.pool_out[k] for k in pool_keys) if pool_keys else 0
    plat = sum(charge[k] * m.plat_buy[k] for k in buy_keys) - sum(payout[k[1]] * m.plat_sell[k] for k in sell_keys)
    penalty = st.spread_penalty_10k_cny * (m.pc_max - m.pc_min) if st.spread_penalty_10k_cny > 0 else 0
    m.welfare = pyo.Objective(expr=value - recl - trade - intra - plat - penalty, sense=pyo.maximize, doc="regional welfare (minus the optional equity penalty), 万元")
    return m
