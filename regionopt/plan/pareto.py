"""Efficiency against equity: the augmented ε-constraint method (AUGMECON2).

The two objectives are the plan's welfare f1 (万元, maximised) and an equity
measure f2 of the provinces' gains *before transfers*: each province's
benefit B_p (its projects' and roles' value minus the costs its own regions
bear; market payments between regions and the joint fund's transfers are left
out, since they redistribute afterwards) minus its benefit when every province
plans alone. The measures are linear:

- ``min_province_gain``: f2 = min_p (B_p − B_p^alone), maximised;
- ``per_capita_gain_spread``: f2 = −(max_p − min_p) of (B_p − B_p^alone)/N_p
  (万元 per 10,000 persons), i.e. the spread is minimised;
- ``gini_per_capita_gain``: f2 = −Σ_{p<q} |g_p − g_q| with g the per-capita
  gains (the numerator of the Gini coefficient), minimised; the Gini
  coefficient of each point is reported beside it.

AUGMECON2 (Mavrotas & Florios 2013): the payoff table is computed
lexicographically (max f1, then f2 with f1 fixed; max f2, then f1 with f2
fixed), the range of f2 is cut into ``points`` intervals, and for each grid
value e the model maximises f1 + δ·s/r subject to f2 − s = e, s ≥ 0 (δ = 1e-3,
r the range of f2). The slack term makes every returned point efficient (no
weakly dominated plan), and a slack larger than the step lets the loop skip
the grid points it already covers (the bypass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.common.modeling import unique_component_name

from ..errors import InputError
from ..solve import SolveOptions, solve_model
from .attribution import city_cluster_values

if TYPE_CHECKING:
    from .problem import RegionalPlan

__all__ = ["EQUITY_MEASURES", "ParetoFront", "augmecon2", "province_benefits"]

EQUITY_MEASURES = ("min_province_gain", "per_capita_gain_spread", "gini_per_capita_gain")
DELTA = 1e-3


@dataclass
class ParetoFront:
    """The efficient plans between welfare and an equity measure.

    Attributes
    ----------
    table
        One row per efficient plan: ``welfare_10k_cny``, ``equity`` (the measure,
        in its unit), ``gini`` (for the Gini measure), ``gain_<province>_10k_cny``
        per province (before transfers), ``status``, ``mip_gap``.
    equity
        The measure's name; ``unit`` its unit.
    """

    table: pd.DataFrame
    equity: str
    unit: str

    def plot(self, ax: Any = None) -> Any:
        """Welfare against equity, one marker per efficient plan (needs the ``plot`` extra). Returns the Axes."""
        from ..errors import require

        require("matplotlib", extra="plot", what="Pareto front figures")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter

        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 4.2))
        t = self.table.sort_values("equity")
        ax.plot(t["equity"], t["welfare_10k_cny"] / 1e4, marker="o", color="#1f77b4")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        unit = self.unit.replace("10k_cny", "10k CNY").replace("10k persons", "10,000 persons")
        ax.set_xlabel(f"{self.equity.replace('_', ' ')} ({unit})")
        ax.set_ylabel("welfare of the plan (100 million CNY)")
        ax.set_title("Efficiency–equity front (AUGMECON2): each point an efficient plan")
        ax.grid(alpha=0.3)
        return ax


def province_benefits(plan: RegionalPlan, m: pyo.Block) -> dict[str, Any]:
    """Linear expressions of each province's benefit before transfers (万元), summing to the objective.

    Land: its regions' project value minus the reclamation, transaction and platform costs they bear.
    Clusters: the value of its cities (:func:`~regionopt.plan.attribution.city_cluster_values`).
    """
    inp = plan.inputs
    land, lix = inp.land.inputs, inp.land.index
    lb, cb = m.land, m.clusters
    out: dict[str, Any] = {p: 0.0 for p in lix.provinces}
    prov = lix.province_of
    for j in lix.projects:
        out[prov[land.projects[j].region]] += land.projects[j].value_10k_cny * lb.y[j]
    for (r, k) in lix.tiers:
        for t in lix.periods:
            out[prov[r]] -= land.reserves[(r, k)].cost_10k_cny_per_mu * lb.g[r, k, t]
    for a in lix.arcs:
        for t in lix.periods:
            out[prov[a[1]]] -= lix.arc_cost[a] * lb.x[(*a, t)]
    for key in lix.pool_keys:
        out[prov[key[0]]] -= land.settings.intra_cost_10k_cny_per_unit * lb.pool_out[key]
    for key in lix.buy_keys:
        out[prov[key[0]]] -= lix.charge[key] * lb.plat_buy[key]
    for key in lix.sell_keys:
        out[prov[key[0]]] += lix.payout[key[1]] * lb.plat_sell[key]
    if land.settings.spread_penalty_10k_cny > 0:  # the equity penalty is shared evenly
        pen = land.settings.spread_penalty_10k_cny * (lb.pc_max - lb.pc_min) / max(1, len(lix.provinces))
        for p in lix.provinces:
            out[p] -= pen
    shares = {pair: (e.source_share if e.source_share is not None else 0.5) for pair, e in inp.links.enclaves.items()}
    comps = {"z": cb.z, "w": cb.w, "h": getattr(cb, "h", None), "e": m.e}
    cities = city_cluster_values(plan, lambda name, key: comps[name][key], shares, list(cb.W),
                                 list(cb.PAIRS) if comps["h"] is not None else [])
    for c, v in cities.items():
        out[plan.index.province_of[c]] += v
    return out


def _population(plan: RegionalPlan) -> dict[str, float]:
    land = plan.inputs.land.inputs
    pop: dict[str, float] = {}
    for r, row in land.regions.items():
        if row.population_10k is None:
            raise InputError("per-capita equity needs every region's population", table="regions", row=r,
                             field="population_10k")
        pop[row.province] = pop.get(row.province, 0.0) + row.population_10k
    return pop


def augmecon2(plan: RegionalPlan, equity: str, points: int, options: SolveOptions) -> ParetoFront:
    """Trace the front (see the module docstring)."""
    if equity not in EQUITY_MEASURES:
        raise InputError(f"unknown equity measure; use one of {list(EQUITY_MEASURES)}", table="pareto",
                         field="equity", value=equity)
    if not isinstance(points, int) or points < 1:
        raise InputError("must be a whole number >= 1", table="pareto", field="points", value=points)
    provinces = sorted({plan.index.province_of[c] for c in plan.index.cities})
    # one model: first every province alone (the benefits there are the constants of the gains),
    # then back to the plan's own regime for the front
    m = plan.to_pyomo()
    ben = province_benefits(plan, m)
    plan._apply(m, (False, False, None))
    rep0 = solve_model(m, options)
    if not rep0.status.has_solution:
        raise InputError(f"planning alone has no solution ({rep0.status.value})", table="pareto")
    alone = {p: float(pyo.value(ben[p])) for p in provinces}
    plan._apply(m, plan._default_regime())
    gain = {p: ben[p] - alone[p] for p in provinces}
    unit = "10k_cny"
    f2_name = unique_component_name(m, "equity")
    if equity == "min_province_gain":
        m.add_component(f2_name, pyo.Var(doc="smallest province gain before transfers, 万元"))
        f2v = m.component(f2_name)
        m.add_component(f2_name + "_rows", pyo.Constraint(provinces, rule=lambda m_, p: f2v <= gain[p]))
        f2: Any = f2v
    else:
        pop = _population(plan)
        pc = {p: gain[p] / pop[p] for p in provinces}
        unit = "10k_cny per 10k persons"
        if equity == "per_capita_gain_spread":
            hi, lo = pyo.Var(), pyo.Var()
            m.add_component(f2_name + "_hi", hi)
            m.add_component(f2_name + "_lo", lo)
            m.add_component(f2_name + "_rows_hi", pyo.Constraint(provinces, rule=lambda m_, p: hi >= pc[p]))
            m.add_component(f2_name + "_rows_lo", pyo.Constraint(provinces, rule=lambda m_, p: lo <= pc[p]))
            f2 = -(hi - lo)
        else:
            pairs = [(p, q) for i, p in enumerate(provinces) for q in provinces[i + 1:]]
            d = pyo.Var(pairs, within=pyo.NonNegativeReals)
            m.add_component(f2_name + "_dev", d)
            m.add_component(f2_name + "_pos", pyo.Constraint(pairs, rule=lambda m_, p, q: d[p, q] >= pc[p] - pc[q]))
            m.add_component(f2_name + "_neg", pyo.Constraint(pairs, rule=lambda m_, p, q: d[p, q] >= pc[q] - pc[p]))
            f2 = -sum(d[p, q] for p, q in pairs)
    f2_expr = pyo.Expression(expr=f2)
    m.add_component(f2_name + "_value", f2_expr)
    f1 = m.welfare
    f1.deactivate()

    def solve_max(expr: Any, fix: list[tuple[Any, float]]) -> tuple[Any, float]:
        name = unique_component_name(m, "_stage")
        rows = pyo.ConstraintList()
        m.add_component(name + "_rows", rows)
        for e, v in fix:
            rows.add(e >= v - 1e-7 * max(1.0, abs(v)))
        m.add_component(name, pyo.Objective(expr=expr, sense=pyo.maximize))
        try:
            rep = solve_model(m, options)
            val = float(pyo.value(expr)) if rep.status.has_solution else math.nan
        finally:
            m.del_component(name)
            m.del_component(name + "_rows")
        return rep, val

    _, f1_star = solve_max(f1.expr, [])
    _, f2_at_f1 = solve_max(f2_expr, [(f1.expr, f1_star)])
    _, f2_star = solve_max(f2_expr, [])
    lo_, hi_ = f2_at_f1, f2_star
    rng = hi_ - lo_
    rows: list[dict[str, Any]] = []

    def record(rep: Any) -> None:
        row: dict[str, Any] = {"welfare_10k_cny": float(pyo.value(f1.expr)),
                               "equity": float(pyo.value(f2_expr)) if equity == "min_province_gain"
                               else -float(pyo.value(f2_expr)),
                               "status": rep.status.value, "mip_gap": rep.mip_gap}
        gains = {p: float(pyo.value(gain[p])) for p in provinces}
        for p in provinces:
            row[f"gain_{p}_10k_cny"] = gains[p]
        if equity == "gini_per_capita_gain":
            pop = _population(plan)
            g = np.array([gains[p] / pop[p] for p in provinces])
            mean = float(np.mean(g))
            row["gini"] = (float(np.abs(g[:, None] - g[None, :]).sum()) / (2 * len(g) ** 2 * mean)
                           if mean > 0 else math.nan)
        rows.append(row)

    if not math.isfinite(rng) or rng <= 1e-9 * max(1.0, abs(hi_)):
        # welfare and equity do not conflict: the lexicographic optimum is the one efficient point
        rep, _ = solve_max(f2_expr, [(f1.expr, f1_star)])
        record(rep)
    else:
        s_name = unique_component_name(m, "equity_slack")
        s = pyo.Var(within=pyo.NonNegativeReals, doc="slack of the equity target")
        m.add_component(s_name, s)
        target = pyo.Param(mutable=True, initialize=lo_)
        m.add_component(s_name + "_target", target)
        m.add_component(s_name + "_row", pyo.Constraint(expr=f2_expr - s == target))
        obj = pyo.Objective(expr=f1.expr + DELTA * max(1.0, abs(f1_star)) * s / rng, sense=pyo.maximize)
        m.add_component(s_name + "_objective", obj)
        step = rng / points
        i = 0
        while i <= points:
            target.set_value(lo_ + i * step)
            rep = solve_model(m, options)
            if not rep.status.has_solution:
                break
            record(rep)
            slack = float(pyo.value(s))
            i += 1 + math.floor(slack / step + 1e-9)  # AUGMECON2 bypass
    table = pd.DataFrame(rows)
    if len(table):
        table = table.drop_duplicates(subset=["welfare_10k_cny", "equity"]).reset_index(drop=True)
        table.index.name = "point"
    table.attrs.update(equity=equity, unit=unit, alone_benefit_10k_cny=alone,
                       note="province gains are before transfers (market payments and the joint fund)")
    return ParetoFront(table, equity, unit)
