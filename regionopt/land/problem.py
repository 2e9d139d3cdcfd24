"""The land-quota problem: constructors, model, solve."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.common.modeling import unique_component_name

from ..contract import Problem, make_settings
from ..errors import InputError
from ..io.excel import TableSpec
from ..solve import (
    Solution,
    Solved,
    SolveOptions,
    SolveReport,
    Status,
    diagnose_infeasibility,
    extract_solution,
    solve_checked,
    solve_model,
)
from ..solve.core import HIGHS_NAMES
from ..solve.highs import CompiledModel, LiveModel, compile_model
from ..solve.pipeline import solve_live
from .index import LandIndex
from .inputs import TABLES, LandInputs, LandSettings, build_inputs, check_settings
from .matrix import assemble
from .model import build
from .readback import LandTables, read_tables, red_line_share
from .results import LandQuotaResult
from .roundtrips import drop_round_trips

__all__ = ["LandQuotaProblem"]


class LandQuotaProblem(Problem):
    r"""Cross-province land-quota allocation and trading (土地指标跨省域调剂).

    Regions hold construction-land quota and supplementary-farmland indicators
    in three ledgers (面积 area, 水田 paddy, 产能 grain capacity). Projects use
    them; reclamation tiers create them at a cost; indicators move through
    within-province adjustment (a provincial pool), bilateral trade on allowed
    pairs, and the national coordination platform at the statutory price.
    The plan maximises regional welfare

    .. math::

        \max \sum_j v_j y_j - \sum_{r,k,t} c_{rk} g_{rkt}
        - \sum_{a,t} c_a x_{at} - c^{intra} \sum o_{r\ell t}
        - \sum \pi^{buy}_{r\ell} b_{r\ell t} + \sum \pi^{pay}_\ell s_{r\ell t}

    subject to, per region, ledger and period, the quota balance (dual = the
    region's quota price), reclamation potentials, pool and platform clearing,
    farmland red lines (province, region, national), export caps, purchase-share
    caps, buyer budgets, the minimum development guarantee, per-capita spread
    and Gini caps, banking and 以补定占 in multi-period runs. The full
    formulation, with these component names, is on ``docs/land.md``; each
    constraint family is one ``define_*`` function of :mod:`regionopt.land.model`.

    Build it with :meth:`from_frames` or :meth:`from_excel`; the worked Delta
    instance is :func:`regionopt.land.delta_example`.
    """

    settings_class = LandSettings
    objective_name = "welfare"
    objective_doc = "regional welfare (minus the optional equity penalty), 万元"
    what = "the land-quota plan"
    block_name = "land"
    #: The model's input tables (Excel template, docs).
    tables: ClassVar[dict[str, TableSpec]] = TABLES
    _solve_keywords = ("autarky", "route")

    def __init__(self, inputs: LandInputs) -> None:
        self.inputs = inputs
        self._index: LandIndex | None = None

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frames(  # type: ignore[override]
        cls,
        regions: pd.DataFrame,
        projects: pd.DataFrame,
        *,
        provinces: pd.DataFrame | None = None,
        allocations: pd.DataFrame | None = None,
        reserves: pd.DataFrame | None = None,
        pairs: pd.DataFrame | None = None,
        export_caps: pd.DataFrame | None = None,
        distances_km: pd.DataFrame | None = None,
        settings: LandSettings | Mapping[str, Any] | None = None,
    ) -> LandQuotaProblem:
        """Validate the input tables and create the problem.

        Parameters
        ----------
        regions
            Indexed by region code; columns of :class:`~regionopt.land.inputs.RegionRow`.
        projects
            Indexed by project id; columns of :class:`~regionopt.land.inputs.ProjectRow`.
        provinces, allocations, reserves, pairs, export_caps
            Optional tables (see docs/land.md for every column and unit).
        distances_km
            Square table region x region, km (for the per-km transport cost).
        settings
            :class:`LandSettings` or a dict of its fields.

        Raises
        ------
        InputError
            Naming the table, row and field of bad data.
        """
        inp = build_inputs(
            regions=regions, projects=projects, provinces=provinces, allocations=allocations,
            reserves=reserves, pairs=pairs, export_caps=export_caps, distances_km=distances_km,
            settings=settings,
        )
        return cls(inp)

    # ------------------------------------------------------------------ variants
    def with_settings(self, **changes: Any) -> LandQuotaProblem:
        """A copy of the problem with some settings changed.

        The new settings are checked against the data exactly as
        :meth:`from_frames` checks them (e.g. per-capita rules need every
        region's population), so a rule is never built on missing data.

        Raises
        ------
        InputError
            Naming table, row and field of the first problem.
        """
        new = make_settings(LandSettings, self.settings, **changes)
        inp = dataclasses.replace(self.inputs, settings=new)
        check_settings(inp)
        return LandQuotaProblem(inp)

    def autarky(self) -> LandQuotaProblem:
        """The same problem with every trading channel closed."""
        return LandQuotaProblem(dataclasses.replace(self.inputs, settings=self.settings.autarky()))

    def to_frames(self) -> dict[str, Any]:
        """The input tables and settings as ``from_frames`` keywords (DataFrames; see :mod:`.frames`).

        ``LandQuotaProblem.from_frames(**p.to_frames())`` builds the same model as ``p``.
        """
        from .frames import land_frames

        return land_frames(self.inputs)

    @property
    def index(self) -> LandIndex:
        """Sets, keys and unit prices of this instance (computed once)."""
        if self._index is None:
            self._index = LandIndex.of(self.inputs)
        return self._index

    def __getstate__(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "_index": None}

    def _size_text(self) -> str:
        inp = self.inputs
        return (f"{len(inp.regions)} regions in {len(inp.provinces)} provinces, {len(inp.projects)} projects, "
                f"{len(inp.pairs)} arcs, periods {len(inp.periods)}")

    # ------------------------------------------------------------------ model
    def build(self, block: pyo.Block) -> Any:
        """Add the land model's sets, variables and constraint families to ``block``; return welfare (万元)."""
        return build(block, self.inputs, self.index)

    def compile(self) -> CompiledModel:
        """The land LP as arrays, assembled straight from the validated tables (the matrix route).

        The same model as ``compile_model(self.to_pyomo())`` -- same columns and
        rows in the same order, keyed by (component name, index), same
        coefficients and bounds -- built with numpy, without Pyomo
        (:func:`regionopt.land.matrix.assemble`). Feed it to
        :class:`~regionopt.solve.highs.LiveModel`; read a solution back with
        :func:`regionopt.land.readback.read_tables`.
        """
        return assemble(self.inputs, self.index)

    # ------------------------------------------------------------------ solve
    def solve(self, options: SolveOptions | Mapping[str, Any] | None = None, **overrides: Any) -> LandQuotaResult:
        """Solve the plan (and, by default, the autarky benchmark).

        Parameters
        ----------
        options
            A :class:`~regionopt.SolveOptions`, or a mapping of solver-specific
            options (for HiGHS, names are checked).
        **overrides
            ``solver`` (``"highs"`` default or any Pyomo solver name),
            ``time_limit`` (s; on hitting it the incumbent is returned with
            status ``FEASIBLE`` and its gap, or, with none yet, a result with
            status ``TIME_LIMIT_NO_SOLUTION``, empty tables and a note),
            ``mip_gap`` (binary projects), ``threads``, ``tee``,
            ``autarky`` (default True: also solve the no-trade problem, for gains
            from trade; with HiGHS on the same live model, trade columns fixed at
            0 and warm-started), and ``route``: ``"matrix"`` (the LP assembled
            from the tables as arrays, :meth:`compile`), ``"pyomo"`` (built with
            :meth:`to_pyomo` and compiled; the only route for solvers other than
            HiGHS) or ``"auto"`` (default: matrix with HiGHS, else pyomo). Both
            routes hand HiGHS the identical LP.

        Raises
        ------
        InfeasibleError
            Naming the conflicting rules (IIS for the LP, elastic relaxation
            for binary projects).
        RegionoptError
            If the solver failed or reports the plan unbounded.
        InputError
            For an unknown route, or the matrix route with a solver other than HiGHS.
        """
        return super().solve(options, **overrides)

    def _route(self, route: str, options: SolveOptions) -> str:
        highs = options.solver in HIGHS_NAMES
        if route not in ROUTES:
            raise InputError(f"unknown route {route!r}; expected one of {list(ROUTES)}", table="solve options",
                             field="route", value=route)
        if route == "auto":
            return "matrix" if highs else "pyomo"
        if route == "matrix" and not highs:
            raise InputError(f"the matrix route is solved by HiGHS; use route='pyomo' for solver {options.solver!r}",
                             table="solve options", field="route", value=route)
        return route

    def _diagnose(self, model: pyo.Block | None, options: SolveOptions) -> tuple[str, list[Any]]:
        """Why the plan is infeasible: the diagnosis of the Pyomo model (built here if the route had none)."""
        m = model if model is not None else self.to_pyomo()
        diag = dataclasses.replace(options, solver="highs", options={}, tee=False)
        return diagnose_infeasibility(m, self.inputs.label, options=diag, bendable_bound=_user_bound)

    def _solve(self, options: SolveOptions, autarky: bool = True,  # type: ignore[override]
               route: str = "auto") -> LandQuotaResult:
        chosen = self._route(route, options)
        if chosen == "pyomo" and options.solver not in HIGHS_NAMES:
            return self._solve_pyomo(options, autarky)
        clock = _Clock()
        with clock("build"):
            model = self.to_pyomo() if chosen == "pyomo" else None
            cm = compile_model(model) if model is not None else self.compile()
        with clock("load"):
            live = LiveModel(cm, log=options.tee)
        with clock("solve"):
            solved = solve_live(live, options, what=self.what, diagnose=lambda: self._diagnose(model, options),
                                prices=True)
        if solved.solution is None:
            return _no_solution_result(self, solved.report)
        rep, notes = solved.report, list(solved.notes)
        with clock("round_trips"):
            sol, needs_lp = drop_round_trips(self.inputs, self.index, solved.solution)
            if needs_lp and rep.duals is not None:
                sol = _least_platform_purchases(live, self.index, sol) or sol
        with clock("read_back"):
            tables = read_tables(self.inputs, self.index, sol)
        aut_rep: SolveReport | None = None
        aut_tables: LandTables | None = None
        if autarky:
            with clock("autarky"):
                live.restore_integers()
                live.set_col_bounds(cm.positions(*_TRADE), 0.0, 0.0)
                live.clear_basis()  # presolve drops the fixed trade columns: faster than a warm start (docs/land.md)
                aut_rep = solve_model(live, options)
                if aut_rep.status.has_solution:
                    aut = self.autarky()
                    aut_tables = read_tables(aut.inputs, aut.index, live.solution())
        with clock("read_back"):
            res = self._result(rep, sol, notes, tables, autarky, aut_rep, aut_tables)
        res.timings = clock.phases
        return res

    def _solve_pyomo(self, options: SolveOptions, autarky: bool) -> LandQuotaResult:
        """The Pyomo route with any solver: the model built once; autarky fixes its trade variables at 0."""
        m = self.to_pyomo()
        solved = solve_checked(m, options, what=self.what, label=self.inputs.label, prices=True,
                               bendable_bound=_user_bound)
        if solved.solution is None:
            return _no_solution_result(self, solved.report)
        rep, notes = solved.report, list(solved.notes)
        sol, needs_lp = drop_round_trips(self.inputs, self.index, solved.solution)
        if needs_lp:
            rep, sol = _drop_idle_platform_loops(solved, self.index, options)
        tables = read_tables(self.inputs, self.index, sol)
        aut_rep: SolveReport | None = None
        aut_tables: LandTables | None = None
        if autarky:
            fixed = [v for name in _TRADE if m.component(name) is not None
                     for v in m.component(name).values() if not v.fixed]
            for v in fixed:
                v.fix(0)
            try:
                aut_rep = solve_model(m, options)
                if aut_rep.status.has_solution:
                    aut = self.autarky()
                    aut_tables = read_tables(aut.inputs, aut.index, extract_solution(m))
            finally:
                for v in fixed:
                    v.unfix()
        return self._result(rep, sol, notes, tables, autarky, aut_rep, aut_tables)

    def _result(self, rep: SolveReport, sol: Solution, notes: list[str], tables: LandTables, autarky: bool,
                aut_rep: SolveReport | None, at: LandTables | None) -> LandQuotaResult:
        """The result of a solved plan, with the autarky benchmark's welfare, gains and red-line shares."""
        penalty = 0.0
        if self.settings.spread_penalty_10k_cny > 0:
            penalty = self.settings.spread_penalty_10k_cny * (sol.value("pc_max") - sol.value("pc_min"))
            notes.append(f"objective includes an equity penalty of {penalty:,.2f} 万元 (welfare excludes it)")
        regions = tables.regions
        aut_w = math.nan
        if autarky and aut_rep is not None:
            if at is not None:
                aut_w = float(at.regions["welfare_10k_cny"].sum())
                regions["autarky_welfare_10k_cny"] = at.regions["welfare_10k_cny"]
                if rep.duals is not None:
                    regions["red_line_share_10k_cny"] = red_line_share(self.inputs, tables, at)
                if aut_rep.status != Status.OPTIMAL:
                    notes.append(f"autarky (no trade) stopped {aut_rep.status.value} with gap {aut_rep.mip_gap:.2%}: "
                                 "its welfare may be below the best autarky plan, so gains from trade may be "
                                 "overstated")
            else:
                notes.append(f"autarky (no trade) is {aut_rep.status.value}: gains from trade are not defined")
                regions["autarky_welfare_10k_cny"] = math.nan
        else:
            regions["autarky_welfare_10k_cny"] = math.nan
        regions["gain_10k_cny"] = regions["welfare_10k_cny"] - regions["autarky_welfare_10k_cny"]
        if "red_line_share_10k_cny" not in regions:
            regions["red_line_share_10k_cny"] = math.nan
        if autarky and rep.status != Status.OPTIMAL:
            notes.append(f"the trade plan stopped {rep.status.value} with gap {rep.mip_gap:.2%}: gains from trade "
                         "may be understated (even negative)")
        notes.extend(_losing_regions_note(regions, rep.objective, lumpy=self.settings.binary_projects))
        gains = regions.groupby("province")[
            ["welfare_10k_cny", "autarky_welfare_10k_cny", "gain_10k_cny", "price_rent_10k_cny",
             "red_line_share_10k_cny"]
        ].sum(min_count=1)
        names = {p: (self.inputs.provinces[p].name or p) for p in gains.index}
        gains.insert(0, "name", pd.Series(names))
        nm = self.inputs.names()  # English and Chinese names beside every code
        return LandQuotaResult(
            status=rep.status, objective=rep.objective, mip_gap=rep.mip_gap, report=rep, notes=notes,
            flows=nm.beside(tables.flows, "seller", "buyer"), prices=nm.first(tables.prices, "region"),
            projects=nm.beside(tables.projects, "region"), reclamation=nm.beside(tables.reclamation, "region"),
            farmland=nm.first(tables.farmland, "province"), welfare=rep.objective + penalty, autarky_welfare=aut_w,
            regions=nm.beside(nm.first(regions), "province"), gains=nm.first(gains),
            banked=nm.beside(tables.banked, "region"), autarky_report=aut_rep,
        )


class _Clock:
    """Wall-clock seconds per phase of a solve (:attr:`LandQuotaResult.timings`)."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t0


#: Routes of :meth:`LandQuotaProblem.solve`.
ROUTES = ("auto", "matrix", "pyomo")
#: Variables of the trading channels (fixed at 0 for the autarky benchmark).
_TRADE = ("x", "pool_out", "pool_in", "plat_sell", "plat_buy")


def _least_platform_purchases(live: LiveModel, ix: LandIndex, sol: Solution) -> Solution | None:
    """Among the optimal plans, one with the least platform purchases (a warm re-solve on the live model).

    :meth:`~regionopt.solve.highs.LiveModel.optimize_on_optimal_face` with
    the objective ``sum of platform purchases``: no dense objective row, the
    model restored afterwards. Only run when
    :func:`~regionopt.land.roundtrips.drop_round_trips` finds a round trip it
    cannot remove in closed form. ``None`` if the re-solve does not reach
    optimality.
    """
    cost = np.zeros(len(live.cm.col_keys))
    cost[live.cm.positions("plat_buy")] = 1.0
    return live.optimize_on_optimal_face(cost, minimize=True, duals=sol.duals)


def _user_bound(v: Any) -> bool:
    """Variable bounds that are rules a user set: contracted flows (pairs) and committed projects."""
    name = v.parent_component().local_name
    return name == "x" or (name == "y" and (v.lb or 0.0) > 0)


def _losing_regions_note(regions: pd.DataFrame, welfare: float, *, lumpy: bool = False) -> list[str]:
    """A note naming the regions the plan leaves worse off than autarky, and why.

    The plan maximises the regions' total welfare, so it may ask one region to
    trade at a price that is not its own marginal value: a statutory platform
    price, a contract price, an arc at its bound (``price_rent_10k_cny``), or
    give up red-line room to other regions (``red_line_share_10k_cny``). In an
    LP plan where no other shared rule binds (以补定占, equity caps), a region's
    gain is at least the sum of the two (Lagrangian decomposition).
    """
    gain = regions["gain_10k_cny"]
    tol = 1e-6 * max(1.0, abs(welfare))
    losers = gain.index[gain < -tol]
    if len(losers) == 0:
        return []
    parts = [
        f"{r} ({gain[r]:,.0f}; price rent {regions.at[r, 'price_rent_10k_cny']:,.0f}; "
        f"red-line share {regions.at[r, 'red_line_share_10k_cny']:,.0f})"
        for r in losers[:10]
    ]
    more = f" and {len(losers) - 10} more" if len(losers) > 10 else ""
    return [
        f"{len(losers)} region(s) are worse off than in autarky (gain; price rent; red-line share, 万元): "
        f"{', '.join(parts)}{more}. The plan maximises total welfare: such a region trades some units at a price "
        "off its own shadow price (statutory platform price, contract price, an arc at its bound) or gives up "
        "red-line room to others"
        + (", or its all-or-nothing projects differ from autarky's (binary projects: prices cannot fully explain "
           "a loss)" if lumpy else "")
        + f". The total gain, {gain.sum():,.0f} 万元, covers side payments that would leave none of them worse off."
    ]


def _drop_idle_platform_loops(solved: Solved, ix: LandIndex, opts: SolveOptions) -> tuple[SolveReport, Solution]:
    """Remove zero-cost round trips through the national platform from a solved plan.

    Where a buyer province's statutory charge equals the platform payout
    (coefficient = ``platform_payout_coefficient``, e.g. 1.0 = 1.0), selling to
    the platform and buying back costs nothing in the objective, so the LP may
    return any amount of such round trips: one region "buys" quota it does not
    use at the statutory charge and another is paid for it, which distorts the
    per-region welfare although total welfare is unchanged. Among the optimal
    plans, this re-solve picks one with the least platform purchases (welfare
    held at its optimum). The duals of the first solve stay valid: in an LP any
    optimal primal and any optimal dual solution are complementary.

    The Pyomo route's fallback (solvers other than HiGHS), run only when
    :func:`~regionopt.land.roundtrips.drop_round_trips` finds a round trip it
    cannot remove in closed form; HiGHS routes re-solve warm on the live model
    (:func:`_least_platform_purchases`).
    """
    rep, sol, m = solved.report, solved.solution, solved.model
    assert sol is not None and not isinstance(m, LiveModel)
    if not ix.buy_keys or rep.duals is None:
        return rep, sol
    buy = sol.var("plat_buy")
    loops = [k for k in ix.buy_keys if abs(ix.charge[k] - ix.payout[k[1]]) <= 1e-12 and buy.get(k, 0.0) > 1e-9]
    if not loops:
        return rep, sol
    obj = m.welfare
    w = float(pyo.value(obj))
    keep = unique_component_name(m, "_keep_optimum")
    least = unique_component_name(m, "_least_platform")
    m.add_component(keep, pyo.Constraint(expr=obj.expr >= w))
    m.add_component(least, pyo.Objective(expr=sum(m.plat_buy[k] for k in m.PB), sense=pyo.minimize))
    obj.deactivate()
    try:
        sec = solve_model(m, dataclasses.replace(opts, mip_gap=None))
    finally:
        m.del_component(least)
        m.del_component(keep)
        obj.activate()
    if not sec.status.has_solution:
        return rep, sol
    return dataclasses.replace(rep, objective=float(pyo.value(obj))), extract_solution(m, rep.duals)


def _no_solution_result(problem: LandQuotaProblem, rep: SolveReport) -> LandQuotaResult:
    empty = pd.DataFrame()
    return LandQuotaResult(
        status=rep.status, objective=math.nan, mip_gap=math.nan, report=rep,
        notes=[f"no solution: solver status {rep.status.value} ({rep.termination})"],
        flows=empty, prices=empty, projects=empty, reclamation=empty, farmland=empty, welfare=math.nan,
        autarky_welfare=math.nan, regions=empty, gains=empty,
    )


__all__ += ["LandTables"]
