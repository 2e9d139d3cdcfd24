"""The land-quota LP/MIP as constraint families on a Pyomo block (formulation: docs/land.md).

Each ``define_*`` function adds one family -- named like its section on the
formulation page, with the formula in its docstring -- to the block it is
given. :func:`build` is the flat list of calls (PyPSA's ``create_model``
shape): to add a rule, write one ``define_*`` function, add it to that list and
to docs/land.md (docs/architecture.md, "Adding a rule").

Notation (docs/land.md): ``Use``, ``Gen``, ``In``, ``Out`` are a region's use by
realised projects, generation by reclamation, and in/outflows through the open
channels, per ledger and period.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import pyomo.environ as pyo

from .index import LandIndex
from .inputs import LandInputs, ledger_need, reserve_yield
from .pricing import FARMLAND_LEDGERS, LEDGERS

__all__ = [
    "build",
    "define_balance",
    "define_banking",
    "define_bilateral",
    "define_budget",
    "define_export_cap",
    "define_external",
    "define_gini",
    "define_import_cap",
    "define_min_development",
    "define_platform",
    "define_pool",
    "define_projects",
    "define_reclamation",
    "define_red_lines",
    "define_sets",
    "define_spread",
    "define_welfare",
    "define_yibu_dingzhan",
]

#: A Pyomo block (typed loosely: its components are added at run time).
Block: TypeAlias = Any


def _const(e: Any) -> bool:
    return isinstance(e, (int, float))


# --------------------------------------------------------------------------- sets and variables


def define_sets(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    """Sets ``R`` (regions), ``P`` (provinces), ``L`` (ledgers), ``T`` (periods)."""
    b.R = pyo.Set(initialize=ix.regions, ordered=True, doc="regions")
    b.P = pyo.Set(initialize=ix.provinces, ordered=True, doc="provinces")
    b.L = pyo.Set(initialize=list(LEDGERS), ordered=True, doc="ledgers")
    b.T = pyo.Set(initialize=ix.periods, ordered=True, doc="periods")


def define_projects(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""Projects ``J`` and their realisation ``y[j]`` in \([\underline y_j, 1]\) (or binary).

    With ``binary_projects``, a ``min_share`` above 0 forces \(y_j = 1\).
    """
    proj = inp.projects
    binary = inp.settings.binary_projects
    b.J = pyo.Set(initialize=ix.projects, ordered=True, doc="projects")

    def bounds(_b: Block, j: str) -> tuple[float, float]:
        lo = proj[j].min_share or 0.0
        return (1.0 if binary and lo > 0 else lo, 1.0)

    b.y = pyo.Var(b.J, within=pyo.Binary if binary else pyo.UnitInterval, bounds=bounds,
                  doc="realisation of project {0}")


def define_reclamation(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""Reserve tiers ``K``, reclamation ``g[r,k,t] >= 0`` and ``reserve_potential``.

    \(\sum_t g_{rkt} \le \bar g_{rk}\) (mu) for every tier \((r,k)\).
    """
    T = ix.periods
    b.K = pyo.Set(initialize=ix.tiers, dimen=2, ordered=True, doc="reserve tiers (region, tier)")
    b.g = pyo.Var(b.K, b.T, within=pyo.NonNegativeReals, doc="reclamation in {0} tier {1}, period {2}")
    b.reserve_potential = pyo.Constraint(
        b.K, rule=lambda b_, r, k: sum(b_.g[r, k, t] for t in T) <= inp.reserves[(r, k)].potential_mu,
        doc="reclamation potential of {0}, tier {1}")


def define_bilateral(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""Allowed arcs ``A`` and bilateral flows ``x[s,b,ℓ,t]`` in \([\underline x_a, \bar x_a]\)."""
    b.A = pyo.Set(initialize=ix.arcs, dimen=3, ordered=True, doc="allowed bilateral arcs (seller, buyer, ledger)")

    def bounds(_b: Block, s: str, buyer: str, led: str, t: int) -> tuple[float, float | None]:
        pr = inp.pairs[(s, buyer, led)]
        return (pr.min_amount, pr.max_amount)

    b.x = pyo.Var(b.A, b.T, within=pyo.NonNegativeReals, bounds=bounds,
                  doc="bilateral flow {0} -> {1} of {2}, period {3}")


def define_pool(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""Within-province adjustment ``pool_out``, ``pool_in`` and ``pool_clear``.

    \(\sum_{r\in R_p} o_{r\ell t} = \sum_{r\in R_p} i_{r\ell t}\) for provinces of two
    or more regions; a region alone in its province has both fixed at 0.
    """
    b.POOL = pyo.Set(initialize=ix.pool_keys, dimen=3, ordered=True)
    b.pool_out = pyo.Var(b.POOL, within=pyo.NonNegativeReals, doc="within-province supply of {1} by {0}, period {2}")
    b.pool_in = pyo.Var(b.POOL, within=pyo.NonNegativeReals, doc="within-province purchase of {1} by {0}, period {2}")
    if not inp.settings.within_province:
        return

    def clear(b_: Block, p: str, led: str, t: int) -> Any:
        rs = ix.regions_in[p]
        if p in ix.single_region_provinces:
            return pyo.Constraint.Skip
        return sum(b_.pool_out[r, led, t] for r in rs) == sum(b_.pool_in[r, led, t] for r in rs)

    b.pool_clear = pyo.Constraint(b.P, b.L, b.T, rule=clear,
                                  doc="within-province adjustment of {1} in {0} clears, period {2}")
    for r in ix.regions:
        if ix.province_of[r] in ix.single_region_provinces:
            for led in LEDGERS:
                for t in ix.periods:
                    b.pool_out[r, led, t].fix(0)
                    b.pool_in[r, led, t].fix(0)


def define_platform(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""National coordination ``plat_sell``, ``plat_buy`` and ``platform_clear``.

    \(\sum_r s_{r\ell t} = \sum_{r:(r,\ell,t)\in PB} b_{r\ell t}\) per farmland ledger and period.
    """
    b.PS = pyo.Set(initialize=ix.sell_keys, dimen=3, ordered=True)
    b.PB = pyo.Set(initialize=ix.buy_keys, dimen=3, ordered=True)
    b.plat_sell = pyo.Var(b.PS, within=pyo.NonNegativeReals, doc="sale of {1} by {0} to the national platform, period {2}")
    b.plat_buy = pyo.Var(b.PB, within=pyo.NonNegativeReals,
                         doc="purchase of {1} by {0} from the national platform, period {2}")
    if not inp.settings.platform:
        return

    def clear(b_: Block, led: str, t: int) -> Any:
        if led not in FARMLAND_LEDGERS:
            return pyo.Constraint.Skip
        return sum(b_.plat_sell[r, led, t] for r in ix.regions) == sum(
            b_.plat_buy[r, led, t] for r in ix.regions if (r, led, t) in ix.buy_set)

    b.platform_clear = pyo.Constraint(b.L, b.T, rule=clear, doc="national platform clears for {0}, period {1}")


def define_banking(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    """Banking ``bank[r,ℓ,t] >= 0``: quota carried from period t to t+1 (multi-period runs)."""
    b.BANK = pyo.Set(initialize=ix.bank_keys, dimen=3, ordered=True)
    b.bank = pyo.Var(b.BANK, within=pyo.NonNegativeReals, doc="quota of {1} banked by {0} after period {2}")


# --------------------------------------------------------------------------- shorthands


def inflow(b: Block, inp: LandInputs, ix: LandIndex, r: str, led: str, t: int) -> Any:
    """``In[r,ℓ,t]``: bilateral inflows, pool purchase and platform purchase."""
    e: Any = sum(b.x[a, t] for a in ix.in_arcs.get((r, led), []))
    if inp.settings.within_province:
        e += b.pool_in[r, led, t]
    if (r, led, t) in ix.buy_set:
        e += b.plat_buy[r, led, t]
    return e


def outflow(b: Block, inp: LandInputs, ix: LandIndex, r: str, led: str, t: int) -> Any:
    """``Out[r,ℓ,t]``: bilateral outflows, pool supply and platform sale."""
    e: Any = sum(b.x[a, t] for a in ix.out_arcs.get((r, led), []))
    if inp.settings.within_province:
        e += b.pool_out[r, led, t]
    if inp.settings.platform and led in FARMLAND_LEDGERS:
        e += b.plat_sell[r, led, t]
    return e


def use(b: Block, inp: LandInputs, ix: LandIndex, r: str, led: str, t: int) -> Any:
    """``Use[r,ℓ,t]``: units of the ledger used by the realised projects of r in t."""
    return sum(ledger_need(inp.projects[j], led) * b.y[j] for j in ix.projects_at.get((r, t), []))


def generation(b: Block, inp: LandInputs, ix: LandIndex, r: str, led: str, t: int) -> Any:
    """``Gen[r,ℓ,t]``: units of the ledger created by reclamation in r in t."""
    return sum(reserve_yield(inp.reserves[k], led) * b.g[k[0], k[1], t] for k in ix.tiers_of.get(r, []))


def farmland_change(b: Block, inp: LandInputs, ix: LandIndex, regions: list[str], t_upto: int) -> Any:
    """Farmland reclaimed minus farmland occupied in ``regions`` up to period ``t_upto``, mu.

    With linked activities (``external_farmland``), their occupation counts too.
    """
    ext = getattr(b, "external_farmland", None)
    e: Any = 0
    for r in regions:
        for t in ix.periods:
            if t > t_upto:
                continue
            e -= sum(inp.projects[j].farmland_mu * b.y[j] for j in ix.projects_at.get((r, t), []))
            e += sum(inp.reserves[k].area_per_mu * b.g[k[0], k[1], t] for k in ix.tiers_of.get(r, []))
            if ext is not None:
                e -= ext[r, t]
    return e


def net_cross_exports(b: Block, inp: LandInputs, ix: LandIndex, p: str, t_upto: int) -> Any:
    """Farmland area province ``p`` exports across its border (net) up to ``t_upto``, mu."""
    e: Any = 0
    for a in ix.arcs:
        if a[2] != "area":
            continue
        ps, pb = ix.province_of[a[0]], ix.province_of[a[1]]
        if ps == pb:
            continue
        for t in ix.periods:
            if t > t_upto:
                continue
            if ps == p:
                e += b.x[a, t]
            elif pb == p:
                e -= b.x[a, t]
    if inp.settings.platform:
        for r in ix.regions_in.get(p, []):
            for t in ix.periods:
                if t <= t_upto:
                    e += b.plat_sell[r, "area", t]
                    if (r, "area", t) in ix.buy_set:
                        e -= b.plat_buy[r, "area", t]
    return e


def per_capita(b: Block, inp: LandInputs, ix: LandIndex, r: str) -> Any:
    """``q[r]``: realised project land per capita, mu per 10,000 persons (all periods)."""
    pop = inp.regions[r].population_10k or 1.0
    return sum(inp.projects[j].land_mu * b.y[j] for j in ix.projects_of.get(r, [])) / pop


# --------------------------------------------------------------------------- constraint families


def define_external(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    """``external_use[r,ℓ,t]``, ``external_farmland[r,t]`` (≥ 0): quota used and farmland occupied by the
    activities of a linked model (the cluster roles of the integrated plan), set by its linking rows.

    Built only when the land block is part of a larger model: they enter ``balance``,
    the red lines and 以补定占 like the use and occupation of a project.
    """
    b.external_use = pyo.Var(b.R, b.L, b.T, within=pyo.NonNegativeReals,
                             doc="quota of {1} used in {0} by linked activities, period {2}")
    b.external_farmland = pyo.Var(b.R, b.T, within=pyo.NonNegativeReals,
                                  doc="farmland occupied in {0} by linked activities, period {1}, mu")


def define_balance(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""``balance[r,ℓ,t]``: a region uses at most what it holds (dual = its quota price).

    \(\mathrm{Use} + \mathrm{Out} - \mathrm{Gen} - \mathrm{In} + h_{r\ell t} - h_{r\ell,t-1}
    \le \alpha_{r\ell t}\) (the allocation), with banking terms where banking is on (and the
    use of linked activities, ``external_use``, in an integrated plan).
    """
    ext = getattr(b, "external_use", None)

    def rule(b_: Block, r: str, led: str, t: int) -> Any:
        body = (use(b_, inp, ix, r, led, t) + outflow(b_, inp, ix, r, led, t)
                - generation(b_, inp, ix, r, led, t) - inflow(b_, inp, ix, r, led, t))
        if ext is not None:
            body += ext[r, led, t]
        if (r, led, t) in ix.bank_set:
            body += b_.bank[r, led, t]
        if t > 1 and (r, led, t - 1) in ix.bank_set:
            body -= b_.bank[r, led, t - 1]
        if _const(body):
            return pyo.Constraint.Skip
        return body <= inp.allocations.get((r, led, t), 0.0)

    b.balance = pyo.Constraint(b.R, b.L, b.T, rule=rule, doc="quota balance of {1} in {0}, period {2}")


def define_red_lines(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""Farmland red lines ``red_line_province``, ``red_line_region``, ``red_line_national``.

    Retained farmland stays at or above the floor in every period:
    \(F^0_p + \Delta_p(t) \,[-\, X_p(t)] \ge \underline F_p\), with \(\Delta\) the
    cumulative farmland change and \(X_p\) the net cross-province export of area
    (only with ``red_line_follows_trade``); the same per region and nationally.
    """
    st = inp.settings

    def province(b_: Block, p: str, t: int) -> Any:
        floor = inp.provinces[p].farmland_floor_mu
        if floor is None:
            return pyo.Constraint.Skip
        lhs = farmland_change(b_, inp, ix, ix.regions_in.get(p, []), t)
        if st.red_line_follows_trade:
            lhs -= net_cross_exports(b_, inp, ix, p, t)
        if _const(lhs):
            return pyo.Constraint.Skip
        return lhs >= floor - ix.farmland_base(inp, p)

    b.red_line_province = pyo.Constraint(b.P, b.T, rule=province, doc="farmland red line of province {0}, period {1}")

    def region(b_: Block, r: str, t: int) -> Any:
        rr = inp.regions[r]
        if rr.farmland_floor_mu is None:
            return pyo.Constraint.Skip
        lhs = farmland_change(b_, inp, ix, [r], t)
        if _const(lhs):
            return pyo.Constraint.Skip
        return lhs >= rr.farmland_floor_mu - (rr.farmland_mu or 0.0)

    b.red_line_region = pyo.Constraint(b.R, b.T, rule=region, doc="farmland red line of region {0}, period {1}")
    if st.national_floor_mu is None:
        return
    floor = st.national_floor_mu
    total_base = sum(ix.farmland_base(inp, p) for p in ix.provinces)

    def national(b_: Block, t: int) -> Any:
        lhs = farmland_change(b_, inp, ix, ix.regions, t)
        if _const(lhs):
            return pyo.Constraint.Skip
        return lhs >= floor - total_base

    b.red_line_national = pyo.Constraint(b.T, rule=national, doc="national farmland red line, period {0}")


def define_export_cap(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""``export_cap[r,ℓ]``: \(\sum_t \mathrm{Out}_{r\ell t} \le \bar E_{r\ell}\) over the horizon."""
    caps = inp.export_caps

    def rule(b_: Block, r: str, led: str) -> Any:
        if (r, led) not in caps:
            return pyo.Constraint.Skip
        e = sum(outflow(b_, inp, ix, r, led, t) for t in ix.periods)
        if _const(e):
            return pyo.Constraint.Skip
        return e <= caps[(r, led)]

    b.export_cap = pyo.Constraint(b.R, b.L, rule=rule, doc="export cap of {1} for seller {0}")


def define_import_cap(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""``import_cap[r,ℓ,t]``: \(\mathrm{In}_{r\ell t} \le \beta_r\,\mathrm{Use}_{r\ell t}\)."""

    def rule(b_: Block, r: str, led: str, t: int) -> Any:
        beta = inp.regions[r].import_share_cap
        if beta is None:
            return pyo.Constraint.Skip
        e = inflow(b_, inp, ix, r, led, t) - beta * use(b_, inp, ix, r, led, t)
        if _const(e):
            return pyo.Constraint.Skip
        return e <= 0

    b.import_cap = pyo.Constraint(b.R, b.L, b.T, rule=rule, doc="purchase-share cap of {1} for buyer {0}, period {2}")


def define_budget(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""``budget[r]``: purchases at their charged price stay within the buyer's budget, 万元.

    \(\sum_{t,\ell}\big(\sum_{a\to r} \pi^{bud}_a x_{at} + \pi^{buy}_{r\ell} b_{r\ell t}\big) \le B_r\).
    """

    def rule(b_: Block, r: str) -> Any:
        bud = inp.regions[r].budget_10k_cny
        if bud is None:
            return pyo.Constraint.Skip
        e: Any = 0
        for t in ix.periods:
            for led in LEDGERS:
                e += sum(ix.budget_price[a] * b_.x[a, t] for a in ix.in_arcs.get((r, led), []))
                if (r, led, t) in ix.buy_set:
                    e += ix.charge[(r, led, t)] * b_.plat_buy[r, led, t]
        if _const(e):
            return pyo.Constraint.Skip
        return e <= bud

    b.budget = pyo.Constraint(b.R, rule=rule, doc="purchase budget of buyer {0}")


def define_yibu_dingzhan(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""``yibu_dingzhan[p,t]`` (以补定占): farmland occupied in t is at most the net increase of t-1.

    \(O_{p,t} \le G_{p,t-1} - O_{p,t-1}\) for \(t > 1\); \(O_{p,1} \le\) ``prior_added_mu``.
    """
    if not inp.settings.yibu_dingzhan:
        return

    ext = getattr(b, "external_farmland", None)

    def occupied(b_: Block, p: str, t: int) -> Any:
        e = sum(inp.projects[j].farmland_mu * b_.y[j] for r in ix.regions_in.get(p, [])
                for j in ix.projects_at.get((r, t), []))
        if ext is not None:
            e += sum(ext[r, t] for r in ix.regions_in.get(p, []))
        return e

    def rule(b_: Block, p: str, t: int) -> Any:
        occ = occupied(b_, p, t)
        if _const(occ):
            return pyo.Constraint.Skip
        if t == 1:
            prior = inp.provinces[p].prior_added_mu
            if prior is None:
                return pyo.Constraint.Skip
            return occ <= prior
        added = sum(inp.reserves[k].area_per_mu * b_.g[k[0], k[1], t - 1]
                    for r in ix.regions_in.get(p, []) for k in ix.tiers_of.get(r, []))
        return occ - added + occupied(b_, p, t - 1) <= 0

    b.yibu_dingzhan = pyo.Constraint(
        b.P, b.T, rule=rule,
        doc="以补定占: farmland occupied in {0}, period {1}, within the net farmland increase of the period before")


def define_min_development(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""``min_development[r]``: \(\sum_{j\in J_r} n_j y_j \ge a_r \sum_{j\in J_r} n_j\) (land, mu)."""

    def rule(b_: Block, r: str) -> Any:
        a = inp.regions[r].min_demand_share
        js = ix.projects_of.get(r, [])
        total = sum(inp.projects[j].land_mu for j in js)
        if not a or total <= 0:
            return pyo.Constraint.Skip
        return sum(inp.projects[j].land_mu * b_.y[j] for j in js) >= a * total

    b.min_development = pyo.Constraint(b.R, rule=rule, doc="minimum development guarantee of {0}")


def define_spread(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""``pc_max``, ``pc_min``, ``spread_upper``, ``spread_lower``, ``spread_cap``.

    \(q^{\min} \le q_r \le q^{\max}\) for every region and, with a cap,
    \(q^{\max} - q^{\min} \le \bar\sigma\) (mu per 10,000 persons). Built when a cap
    or the equity penalty is set.
    """
    st = inp.settings
    if st.per_capita_spread_cap is None and st.spread_penalty_10k_cny <= 0:
        return
    b.pc_max = pyo.Var(within=pyo.NonNegativeReals, doc="highest realised land per capita")
    b.pc_min = pyo.Var(within=pyo.NonNegativeReals, doc="lowest realised land per capita")
    b.spread_upper = pyo.Constraint(b.R, rule=lambda b_, r: per_capita(b_, inp, ix, r) <= b_.pc_max,
                                    doc="per-capita land of {0} below the maximum")
    b.spread_lower = pyo.Constraint(b.R, rule=lambda b_, r: per_capita(b_, inp, ix, r) >= b_.pc_min,
                                    doc="per-capita land of {0} above the minimum")
    if st.per_capita_spread_cap is not None:
        b.spread_cap = pyo.Constraint(expr=b.pc_max - b.pc_min <= st.per_capita_spread_cap,
                                      doc="cap on the spread of per-capita realised land")


def define_gini(b: Block, inp: LandInputs, ix: LandIndex) -> None:
    r"""``gini_dev``, ``gini_abs_pos``, ``gini_abs_neg``, ``gini_cap`` (only for a Gini cap; O(n²) rows).

    \(\sum_{r<s} |q_r - q_s| \le n\,G\,\sum_r q_r\), the absolute values linearised by ``gini_dev``.
    """
    cap = inp.settings.gini_cap
    if cap is None:
        return
    R = ix.regions
    pairs = [(R[i], R[k]) for i in range(len(R)) for k in range(i + 1, len(R))]
    b.GP = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    b.gini_dev = pyo.Var(b.GP, within=pyo.NonNegativeReals, doc="|per-capita land of {0} - of {1}|")
    q = {r: per_capita(b, inp, ix, r) for r in R}
    b.gini_abs_pos = pyo.Constraint(b.GP, rule=lambda b_, r, s: b_.gini_dev[r, s] >= q[r] - q[s])
    b.gini_abs_neg = pyo.Constraint(b.GP, rule=lambda b_, r, s: b_.gini_dev[r, s] >= q[s] - q[r])
    b.gini_cap = pyo.Constraint(expr=sum(b.gini_dev[r, s] for r, s in pairs) <= len(R) * cap * sum(q.values()),
                                doc="Gini cap on per-capita realised land")


# --------------------------------------------------------------------------- objective


def define_welfare(b: Block, inp: LandInputs, ix: LandIndex) -> Any:
    r"""Objective terms, each an Expression in 万元; returns the welfare to maximise.

    ``project_value`` \(\sum_j v_j y_j\); ``reclamation_cost`` \(\sum c_{rk} g_{rkt}\);
    ``trade_cost`` \(\sum_a c_a x_{at}\); ``intra_cost`` \(c^{intra}\sum o_{r\ell t}\);
    ``platform_cost`` \(\sum \pi^{buy} b - \sum \pi^{pay} s\); ``equity_penalty``
    (optional). Welfare = value − the four costs − the penalty.
    """
    st = inp.settings
    b.project_value = pyo.Expression(expr=sum(inp.projects[j].value_10k_cny * b.y[j] for j in ix.projects),
                                     doc="value of realised projects, 万元")
    b.reclamation_cost = pyo.Expression(
        expr=sum(inp.reserves[k].cost_10k_cny_per_mu * b.g[k[0], k[1], t] for k in ix.tiers for t in ix.periods),
        doc="reclamation cost, 万元")
    b.trade_cost = pyo.Expression(expr=sum(ix.arc_cost[a] * b.x[a, t] for a in ix.arcs for t in ix.periods),
                                  doc="transaction and transport cost of bilateral trade, 万元")
    b.intra_cost = pyo.Expression(
        expr=st.intra_cost_10k_cny_per_unit * sum(b.pool_out[k] for k in ix.pool_keys) if ix.pool_keys else 0.0,
        doc="transaction cost of within-province adjustment, 万元")
    b.platform_cost = pyo.Expression(
        expr=sum(ix.charge[k] * b.plat_buy[k] for k in ix.buy_keys)
        - sum(ix.payout[k[1]] * b.plat_sell[k] for k in ix.sell_keys),
        doc="statutory charges paid to the national platform minus payouts received, 万元")
    b.equity_penalty = pyo.Expression(
        expr=st.spread_penalty_10k_cny * (b.pc_max - b.pc_min) if st.spread_penalty_10k_cny > 0 else 0.0,
        doc="optional equity penalty on the per-capita spread, 万元")
    return (b.project_value - b.reclamation_cost - b.trade_cost - b.intra_cost - b.platform_cost
            - b.equity_penalty)


def build(b: Block, inp: LandInputs, ix: LandIndex | None = None, *, external: bool = False) -> Any:
    """Add every family of the land model to ``b``; return the welfare expression (万元).

    The order is the formulation page's: sets and variables, the quota balance,
    red lines, channel rules, 以补定占, equity rules, objective terms. With
    ``external``, the block also gets ``external_use`` and ``external_farmland``
    for a linked model's activities (docs/plan.md).
    """
    ix = ix or LandIndex.of(inp)
    define_sets(b, inp, ix)
    if external:
        define_external(b, inp, ix)
    define_projects(b, inp, ix)
    define_reclamation(b, inp, ix)
    define_bilateral(b, inp, ix)
    define_pool(b, inp, ix)
    define_platform(b, inp, ix)
    define_banking(b, inp, ix)
    define_balance(b, inp, ix)
    define_red_lines(b, inp, ix)
    define_export_cap(b, inp, ix)
    define_import_cap(b, inp, ix)
    define_budget(b, inp, ix)
    define_yibu_dingzhan(b, inp, ix)
    define_min_development(b, inp, ix)
    define_spread(b, inp, ix)
    define_gini(b, inp, ix)
    return define_welfare(b, inp, ix)
