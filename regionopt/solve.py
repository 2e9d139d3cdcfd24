"""The shared solve layer: options, status, solver dispatch and diagnosis.

Every optimisation model in regionopt builds a Pyomo ``ConcreteModel`` and hands
it to :func:`solve_model`. HiGHS (through Pyomo's direct ``highs`` interface on
highspy; no executable, works offline) is the default; any other solver name is
passed to Pyomo's ``SolverFactory`` (``"cbc"``, ``"glpk"``, ``"gurobi"`` ...).

When a model is infeasible, :func:`diagnose_infeasibility` explains why in the
user's words: for LPs solved with HiGHS an irreducible infeasible subsystem (IIS,
``Highs.getIis``); otherwise an *elastic* relaxation that adds a non-negative
slack to every rule and minimises their sum, reporting which rules must bend and
by how much.

Constraint wording comes from the component's ``doc`` string, formatted with the
index labelled through a user-name map (see :func:`describe_constraint`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData
from pyomo.opt import TerminationCondition as LegacyTC

from .errors import Conflict, InfeasibleError, InputError, RegionoptError, SolverUnavailableError

__all__ = [
    "SolveOptions",
    "SolveReport",
    "Status",
    "describe_constraint",
    "diagnose_infeasibility",
    "is_mip",
    "raise_infeasible",
    "raise_solver_failure",
    "resolve_with_integers_fixed",
    "solve_model",
]


class Status(StrEnum):
    """Outcome of a solve, as a planner needs to read it."""

    OPTIMAL = "optimal"
    """Proven optimal (for MIPs: within the requested gap)."""
    FEASIBLE = "feasible"
    """A feasible plan with a positive gap (e.g. stopped at the time limit)."""
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


@dataclass(frozen=True)
class SolveOptions:
    """Solver choice and limits, passed as plain keywords to every ``solve``.

    Parameters
    ----------
    solver
        ``"highs"`` (default, highspy) or any Pyomo ``SolverFactory`` name.
    time_limit
        Wall-clock limit in seconds; on hitting it the incumbent is returned
        with status ``FEASIBLE`` and its gap.
    mip_gap
        Relative MIP gap at which to stop (e.g. ``1e-3`` for 0.1 %).
    threads
        Number of solver threads.
    options
        Extra solver-specific options, passed through unchanged.
    tee
        Print the solver log.
    """

    solver: str = "highs"
    time_limit: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    tee: bool = False

    def __post_init__(self) -> None:
        if self.time_limit is not None and not self.time_limit > 0:
            raise InputError("must be > 0 seconds", table="solve options", field="time_limit", value=self.time_limit)
        if self.mip_gap is not None and not (0 <= self.mip_gap < 1):
            raise InputError("must be in [0, 1)", table="solve options", field="mip_gap", value=self.mip_gap)
        if self.threads is not None and self.threads < 1:
            raise InputError("must be >= 1", table="solve options", field="threads", value=self.threads)


@dataclass
class SolveReport:
    """What came back from the solver.

    Attributes
    ----------
    status
        :class:`Status`.
    objective
        Objective value of the loaded solution (``nan`` if none).
    bound
        Best proven bound (``nan`` if unknown).
    mip_gap
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)``; 0 for a
        solved LP, ``nan`` without a solution.
    solve_seconds
        Wall-clock time spent in the solver call, in seconds.
    solver
        Solver name.
    termination
        The solver's own termination text.
    duals
        Constraint -> dual value (``d objective / d right-hand side``) for LPs,
        or ``None``.
    """

    status: Status
    objective: float
    bound: float
    mip_gap: float
    solve_seconds: float
    solver: str
    termination: str
    duals: ComponentMap | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "objective": self.objective,
            "bound": self.bound,
            "mip_gap": self.mip_gap,
            "solve_seconds": self.solve_seconds,
            "solver": self.solver,
            "termination": self.termination,
        }


def is_mip(model: pyo.ConcreteModel) -> bool:
    """True if any active variable of ``model`` is integer or binary and not fixed."""
    for v in model.component_data_objects(pyo.Var, active=True, descend_into=True):
        if not v.fixed and (v.is_integer() or v.is_binary()):
            return True
    return False


def _gap(obj: float, bound: float) -> float:
    if not (math.isfinite(obj) and math.isfinite(bound)):
        return math.nan
    return abs(obj - bound) / max(abs(obj), 1e-9)


def _solve_highs(model: pyo.ConcreteModel, opts: SolveOptions, mip: bool) -> SolveReport:
    from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
    from pyomo.contrib.solver.solvers.highs import Highs

    opt = Highs()
    if not opt.available():
        raise SolverUnavailableError("highs")
    solver_options = dict(opts.options)
    if opts.threads is not None:
        # HiGHS fixes its thread pool at the first solve of the process; a later
        # solve asking for another size fails unless the scheduler is reset.
        import highspy

        reset = getattr(highspy.Highs, "resetThreadScheduler", None) or getattr(highspy.Highs, "resetGlobalScheduler", None)
        if reset is not None:
            try:
                reset(True)
            except TypeError:  # pragma: no cover - signature differs across versions
                reset()
    t0 = time.perf_counter()
    res = opt.solve(
        model,
        tee=opts.tee,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        time_limit=opts.time_limit,
        rel_gap=opts.mip_gap,
        threads=opts.threads,
        solver_options=solver_options,
    )
    secs = time.perf_counter() - t0
    tc = res.termination_condition
    has_sol = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    if tc == TerminationCondition.convergenceCriteriaSatisfied and has_sol:
        status = Status.OPTIMAL
    elif tc in (TerminationCondition.provenInfeasible, TerminationCondition.locallyInfeasible):
        status = Status.INFEASIBLE
    elif tc == TerminationCondition.infeasibleOrUnbounded:
        status = Status.INFEASIBLE if _highs_primal_infeasible(model) else Status.UNBOUNDED
    elif tc == TerminationCondition.unbounded:
        status = Status.UNBOUNDED
    elif has_sol:
        status = Status.FEASIBLE
    elif tc in (TerminationCondition.maxTimeLimit, TerminationCondition.iterationLimit):
        status = Status.TIME_LIMIT_NO_SOLUTION
    else:
        status = Status.ERROR
    obj = bound = math.nan
    duals = None
    if has_sol:
        res.solution_loader.load_vars()
        obj = float(pyo.value(_active_objective(model)))
        bound = res.objective_bound if res.objective_bound is not None else math.nan
        bound = float(bound) if bound is not None and math.isfinite(bound) else (obj if not mip else math.nan)
        if mip and not math.isfinite(bound):
            try:  # HiGHS keeps the dual bound when stopped by a limit
                info = opt._solver_model.getInfo()
                b = float(info.mip_dual_bound)
                bound = b if math.isfinite(b) and abs(b) < 1e30 else math.nan
            except Exception:  # pragma: no cover - depends on highspy version
                pass
        if not mip and status == Status.OPTIMAL:
            duals = res.solution_loader.get_duals()
    gap = 0.0 if (has_sol and not mip and status == Status.OPTIMAL) else _gap(obj, bound)
    if has_sol and mip and math.isnan(gap):
        gap = math.inf  # a solution but no proven bound yet
    if mip and status == Status.FEASIBLE and opts.mip_gap is not None and gap <= opts.mip_gap + 1e-12:
        status = Status.OPTIMAL
    return SolveReport(status, obj, bound, gap, secs, "highs", str(tc.name), duals)


def _highs_primal_infeasible(model: pyo.ConcreteModel) -> bool:
    """Decide infeasible-or-unbounded by solving the feasibility problem."""
    from pyomo.contrib.solver.common.results import TerminationCondition
    from pyomo.contrib.solver.solvers.highs import Highs

    obj = _active_objective(model)
    obj.deactivate()
    model._regionopt_feas_obj = pyo.Objective(expr=0.0)
    try:
        res = Highs().solve(model, load_solutions=False, raise_exception_on_nonoptimal_result=False)
        return bool(res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied)
    finally:
        model.del_component(model._regionopt_feas_obj)
        obj.activate()


def _active_objective(model: pyo.ConcreteModel) -> Any:
    objs = list(model.component_data_objects(pyo.Objective, active=True))
    if len(objs) != 1:
        raise InputError(f"model must have exactly one active objective, found {len(objs)}", table="model")
    return objs[0]


_LEGACY_OPTION_NAMES: dict[str, dict[str, str]] = {
    "cbc": {"time_limit": "sec", "mip_gap": "ratio", "threads": "threads"},
    "glpk": {"time_limit": "tmlim", "mip_gap": "mipgap"},
    "gurobi": {"time_limit": "TimeLimit", "mip_gap": "MIPGap", "threads": "Threads"},
    "gurobi_direct": {"time_limit": "TimeLimit", "mip_gap": "MIPGap", "threads": "Threads"},
    "cplex": {"time_limit": "timelimit", "mip_gap": "mip_tolerances_mipgap", "threads": "threads"},
    "scip": {"time_limit": "limits/time", "mip_gap": "limits/gap"},
}


def _solve_legacy(model: pyo.ConcreteModel, opts: SolveOptions, mip: bool) -> SolveReport:
    name = opts.solver
    try:
        solver = pyo.SolverFactory(name)
        ok = solver is not None and solver.available(exception_flag=False)
    except Exception:  # pragma: no cover - depends on the machine
        ok = False
    if not ok:
        raise SolverUnavailableError(name)
    names = _LEGACY_OPTION_NAMES.get(name, {})
    for key in ("time_limit", "mip_gap", "threads"):
        val = getattr(opts, key)
        if val is not None and key in names:
            solver.options[names[key]] = val if key != "time_limit" or name != "glpk" else math.ceil(val)
    for k, v in opts.options.items():
        solver.options[k] = v
    if not mip and not hasattr(model, "dual"):
        model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    t0 = time.perf_counter()
    res = solver.solve(model, tee=opts.tee, load_solutions=False)
    secs = time.perf_counter() - t0
    tc = res.solver.termination_condition
    n_sol = len(res.solution) if hasattr(res, "solution") else 0
    has_sol = n_sol > 0 and tc not in (LegacyTC.infeasible, LegacyTC.unbounded, LegacyTC.infeasibleOrUnbounded)
    if has_sol:
        model.solutions.load_from(res)
    if tc == LegacyTC.optimal and has_sol:
        status = Status.OPTIMAL
    elif tc in (LegacyTC.infeasible, LegacyTC.invalidProblem):
        status = Status.INFEASIBLE
    elif tc == LegacyTC.unbounded:
        status = Status.UNBOUNDED
    elif tc == LegacyTC.infeasibleOrUnbounded:
        status = Status.INFEASIBLE
    elif has_sol:
        status = Status.FEASIBLE
    elif tc in (LegacyTC.maxTimeLimit, LegacyTC.maxIterations, LegacyTC.maxEvaluations):
        status = Status.TIME_LIMIT_NO_SOLUTION
    else:
        status = Status.ERROR
    obj = float(pyo.value(_active_objective(model))) if has_sol else math.nan
    bound = math.nan
    try:
        lb, ub = res.problem.lower_bound, res.problem.upper_bound
        sense_max = _active_objective(model).sense == pyo.maximize
        b = ub if sense_max else lb
        if b is not None and math.isfinite(float(b)):
            bound = float(b)
    except Exception:  # pragma: no cover
        pass
    if has_sol and not mip and status == Status.OPTIMAL:
        bound, gap = obj, 0.0
    else:
        if status == Status.FEASIBLE and math.isfinite(bound) and abs(bound - obj) <= 1e-9 * max(1.0, abs(obj)):
            # some solvers (CBC after a time limit) echo the incumbent as the bound
            bound = math.nan
        gap = _gap(obj, bound)
        if has_sol and math.isnan(gap):
            gap = math.inf  # a solution but no proven bound
    duals = None
    if has_sol and not mip and hasattr(model, "dual"):
        duals = ComponentMap((c, float(model.dual[c])) for c in model.dual)
    return SolveReport(status, obj, bound, gap, secs, name, str(tc), duals)


def solve_model(model: pyo.ConcreteModel, options: SolveOptions | None = None) -> SolveReport:
    """Solve a Pyomo model with the chosen solver and load the solution into it.

    Parameters
    ----------
    model
        A Pyomo ``ConcreteModel`` with one active objective.
    options
        :class:`SolveOptions`; HiGHS defaults when ``None``.

    Returns
    -------
    SolveReport
        Status, objective, bound, gap, time and (for LPs) duals.

    Raises
    ------
    SolverUnavailableError
        If the solver is not installed.
    """
    opts = options or SolveOptions()
    mip = is_mip(model)
    # Integer variables the user fixed leave an LP; a solver that still receives
    # their integrality solves a MIP and returns no duals. Relax their domain for
    # the solve (their values are fixed) and put it back afterwards.
    fixed_int = [] if mip else [v for v in model.component_data_objects(pyo.Var, active=True, descend_into=True)
                                if v.fixed and (v.is_integer() or v.is_binary())]
    domains = [v.domain for v in fixed_int]
    try:
        for v in fixed_int:
            v.domain = pyo.Reals
        if opts.solver in ("highs", "appsi_highs"):
            return _solve_highs(model, opts, mip)
        return _solve_legacy(model, opts, mip)
    finally:
        for v, dom in zip(fixed_int, domains, strict=True):
            v.domain = dom


def resolve_with_integers_fixed(
    model: pyo.ConcreteModel, report: SolveReport, options: SolveOptions | None = None
) -> tuple[pyo.ConcreteModel, SolveReport]:
    """Prices for a solved MIP: re-solve the LP with the integer decisions fixed.

    The model is cloned, every integer variable is fixed at its (rounded) value,
    and the remaining LP is solved. Its solution is the
    MIP plan with the best continuous decisions for those integer decisions (the
    same as the MIP's at a proven optimum; possibly better after a time limit),
    and its duals price the constraints given those decisions.

    Returns
    -------
    (the fixed LP model, a report)
        The report keeps the MIP's status, bound and time, with the LP's
        objective, the gap recomputed against the MIP bound, and the LP's duals.
        Read the plan from the returned model so that quantities, prices and
        the objective belong to one solution. If the LP does not solve, the
        input model and report are returned unchanged.
    """
    lp = model.clone()
    for v in lp.component_data_objects(pyo.Var, active=True):
        if v.is_integer() or v.is_binary():
            v.fix(round(pyo.value(v)))  # solve_model prices an LP with fixed integers as an LP
    opts = replace(options or SolveOptions(), mip_gap=None)
    lp_rep = solve_model(lp, opts)
    if not lp_rep.status.has_solution:
        return model, report
    gap = _gap(lp_rep.objective, report.bound) if math.isfinite(report.bound) else report.mip_gap
    status = report.status
    target = options.mip_gap if options is not None else None
    if status == Status.FEASIBLE and target is not None and gap <= target + 1e-12:
        status = Status.OPTIMAL
    return lp, replace(report, status=status, objective=lp_rep.objective, mip_gap=gap, duals=lp_rep.duals)


# --------------------------------------------------------------------------- diagnosis

Labeler = Callable[[Hashable], str]


def _describe(data: Any, label: Labeler | None) -> str:
    """Format the parent component's ``doc`` with the (labelled) index entries."""
    comp = data.parent_component()
    idx = data.index()
    parts: tuple[Any, ...] = idx if isinstance(idx, tuple) else (() if idx is None else (idx,))
    lab = label or str
    shown = [lab(p) for p in parts]
    if comp.doc:
        try:
            return str(comp.doc).format(*shown)
        except (IndexError, KeyError):
            pass
    return f"{comp.name}[{', '.join(shown)}]" if shown else comp.name


def describe_constraint(con: ConstraintData, label: Labeler | None = None) -> str:
    """Word a constraint row the way the user knows it.

    The parent component's ``doc`` is a format string whose ``{0}``, ``{1}``...
    fields receive the index entries passed through ``label`` (which turns a
    region code into ``"Hefei (340100)"``, say). Without a doc the component
    name and index are used.
    """
    return _describe(con, label)


def _describe_var_bound(v: VarData, side: str, label: Labeler | None) -> str:
    bound = v.lb if side == "lower" else v.ub
    return f"bound: {_describe(v, label)} {'>=' if side == 'lower' else '<='} {bound:g}"


def _iis_highs(model: pyo.ConcreteModel, label: Labeler | None) -> list[Conflict]:
    """Irreducible infeasible subsystem from HiGHS, mapped back to the model's rules."""
    import highspy
    from pyomo.contrib.solver.solvers.highs import Highs

    opt = Highs()
    opt.set_instance(model)
    h = opt._solver_model
    h.setOptionValue("output_flag", False)
    strategy = getattr(highspy, "IisStrategy", None)
    h.setOptionValue("iis_strategy", int(strategy.kIisStrategyIrreducible) if strategy is not None else 4)
    _st, iis = h.getIis()
    if not iis.valid_ or (not iis.row_index_ and not iis.col_index_):
        return []
    sides = {2: "lower", 3: "upper", 4: "both"}
    out: list[Conflict] = []
    row_map = opt._solver_con_to_pyomo_con_map
    for r, b in zip(iis.row_index_, iis.row_bound_, strict=False):
        if int(b) not in sides:
            continue
        con = row_map[r]
        out.append(Conflict(describe_constraint(con, label), con.parent_component().name, con.index(), sides[int(b)]))
    col_vars = {i: opt._vars[vid][0] for vid, i in opt._pyomo_var_to_solver_var_map.items()}
    for c, b in zip(iis.col_index_, iis.col_bound_, strict=False):
        v = col_vars.get(c)
        if v is None or int(b) not in sides:
            continue
        side = sides[int(b)]
        if side == "both":
            side = "upper" if v.ub is not None else "lower"
        out.append(Conflict(_describe_var_bound(v, side, label), v.parent_component().name, v.index(), side))
    return out


Bendable = Callable[[ConstraintData], bool]
Weight = Callable[[ConstraintData], float]


def _elastic(
    model: pyo.ConcreteModel,
    label: Labeler | None,
    options: SolveOptions | None,
    tol: float,
    bendable: Bendable | None = None,
    weight: Weight | None = None,
) -> list[Conflict]:
    """Relax the bendable constraints with slacks and minimise the weighted total violation.

    Each rule that may bend gets non-negative slacks on its bounds; the
    objective is ``sum(weight(c) * (slack_lo + slack_up))`` (weight 1 by default:
    rules are in their own units, so the diagnosis is scale-dependent by design).
    Rules for which ``bendable`` is False (structural rows such as variable
    links) keep no slack.
    """
    m = model.clone()
    for o in m.component_data_objects(pyo.Objective, active=True):
        o.deactivate()
    cons = list(m.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    orig = list(model.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    may_bend = [bendable(c) if bendable is not None else True for c in orig]
    weights = [float(weight(c)) if weight is not None else 1.0 for c in orig]
    m._el_idx = pyo.RangeSet(0, len(cons) - 1) if cons else pyo.Set(initialize=[])
    m._el_lo = pyo.Var(m._el_idx, within=pyo.NonNegativeReals)
    m._el_up = pyo.Var(m._el_idx, within=pyo.NonNegativeReals)
    m._el_cons = pyo.ConstraintList()
    for i, c in enumerate(cons):
        if not may_bend[i]:
            m._el_lo[i].fix(0)
            m._el_up[i].fix(0)
            continue
        body = c.body
        if c.has_lb():
            m._el_cons.add(body + m._el_lo[i] >= pyo.value(c.lower))
        else:
            m._el_lo[i].fix(0)
        if c.has_ub():
            m._el_cons.add(body - m._el_up[i] <= pyo.value(c.upper))
        else:
            m._el_up[i].fix(0)
        c.deactivate()
    m._el_obj = pyo.Objective(expr=sum(weights[i] * (m._el_lo[i] + m._el_up[i]) for i in range(len(cons)) if may_bend[i]))
    rep = solve_model(m, options or SolveOptions())
    if not rep.status.has_solution:
        return []
    out: list[Conflict] = []
    for i, c in enumerate(orig):
        lo = pyo.value(m._el_lo[i]) or 0.0
        up = pyo.value(m._el_up[i]) or 0.0
        if lo > tol or up > tol:
            side = "lower" if lo > up else "upper"
            out.append(
                Conflict(describe_constraint(c, label), c.parent_component().name, c.index(), side, max(lo, up))
            )
    out.sort(key=lambda k: -(k.violation or 0.0))
    return out


def diagnose_infeasibility(
    model: pyo.ConcreteModel,
    label: Labeler | None = None,
    *,
    options: SolveOptions | None = None,
    method: str = "auto",
    tol: float = 1e-6,
    bendable: Bendable | None = None,
    weight: Weight | None = None,
) -> tuple[str, list[Conflict]]:
    """Explain why ``model`` is infeasible.

    Parameters
    ----------
    model
        The infeasible Pyomo model (left unchanged).
    label
        Turns an index entry (region code...) into the user's wording.
    options
        Solver options for the elastic relaxation.
    method
        ``"iis"`` (LPs, HiGHS), ``"elastic"``, or ``"auto"`` (IIS for LPs,
        elastic for MIPs or if no IIS is found).
    tol
        Violations below this are not reported.
    bendable
        Elastic only: which rules may bend (default: all). Structural rows that
        only link variables should not.
    weight
        Elastic only: cost per unit of bending a rule (default 1).

    Returns
    -------
    (method used, conflicts)
    """
    if method in ("auto", "iis") and not is_mip(model):
        try:
            found = _iis_highs(model, label)
        except Exception:  # pragma: no cover - IIS support varies by highspy version
            found = []
        if found or method == "iis":
            return "iis", found
    return "elastic", _elastic(model, label, options, tol, bendable, weight)


def raise_infeasible(model: pyo.ConcreteModel, what: str, label: Labeler | None = None,
                     options: SolveOptions | None = None) -> None:
    """Diagnose and raise :class:`InfeasibleError` for ``model``."""
    method, conflicts = diagnose_infeasibility(model, label, options=options)
    raise InfeasibleError(f"{what}: the rules cannot all hold", conflicts, method)


def raise_solver_failure(report: SolveReport, what: str) -> None:
    """Raise :class:`RegionoptError` if the solver failed or found the model unbounded.

    The shared answer of every model to the statuses that leave neither a plan
    nor a diagnosis (``ERROR``, ``UNBOUNDED``); ``INFEASIBLE`` is diagnosed by the
    caller, and ``TIME_LIMIT_NO_SOLUTION`` becomes a flagged result.
    """
    if report.status in (Status.ERROR, Status.UNBOUNDED):
        raise RegionoptError(f"{what}: no solution ({report.status.value}, {report.termination})")
