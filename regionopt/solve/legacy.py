"""The adapter for every other solver: Pyomo's ``SolverFactory`` (CBC, GLPK, Gurobi, SCIP...).

Generic option names (time limit, gap, threads) are translated per solver;
duals come from an import ``Suffix`` added for the solve and removed after it,
and are returned keyed by constraint names (:class:`~regionopt.solve.Duals`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable

import pyomo.environ as pyo
from pyomo.opt import TerminationCondition as LegacyTC

from ..errors import SolverUnavailableError
from .types import Duals, SolveOptions, SolveReport, Status, component_key

__all__ = ["OPTION_NAMES", "solve"]

#: Generic option -> the solver's own option name.
OPTION_NAMES: dict[str, dict[str, str]] = {
    "cbc": {"time_limit": "sec", "mip_gap": "ratio", "threads": "threads"},
    "glpk": {"time_limit": "tmlim", "mip_gap": "mipgap"},
    "gurobi": {"time_limit": "TimeLimit", "mip_gap": "MIPGap", "threads": "Threads"},
    "gurobi_direct": {"time_limit": "TimeLimit", "mip_gap": "MIPGap", "threads": "Threads"},
    "cplex": {"time_limit": "timelimit", "mip_gap": "mip_tolerances_mipgap", "threads": "threads"},
    "scip": {"time_limit": "limits/time", "mip_gap": "limits/gap"},
}


def _objective(model: pyo.Block) -> pyo.Objective:
    return next(iter(model.component_data_objects(pyo.Objective, active=True, descend_into=True)))


def _gap(obj: float, bound: float) -> float:
    if not (math.isfinite(obj) and math.isfinite(bound)):
        return math.nan
    return abs(obj - bound) / max(abs(obj), 1e-9)


def solve(model: pyo.Block, opts: SolveOptions, mip: bool) -> SolveReport:
    """Solve ``model`` with ``SolverFactory(opts.solver)`` and load the solution into it."""
    name = opts.solver
    try:
        solver = pyo.SolverFactory(name)
        ok = solver is not None and solver.available(exception_flag=False)
    except Exception:  # pragma: no cover - depends on the machine
        ok = False
    if not ok:
        raise SolverUnavailableError(name)
    names = OPTION_NAMES.get(name, {})
    for key in ("time_limit", "mip_gap", "threads"):
        val = getattr(opts, key)
        if val is not None and key in names:
            solver.options[names[key]] = val if key != "time_limit" or name != "glpk" else math.ceil(val)
    for k, v in opts.options.items():
        solver.options[k] = v
    added_suffix = False
    if not mip and not hasattr(model, "dual"):
        # Pyomo's solver interfaces import duals into a suffix that must be named 'dual'
        model.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        added_suffix = True
    try:
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
        elif tc in (LegacyTC.infeasible, LegacyTC.invalidProblem, LegacyTC.infeasibleOrUnbounded):
            status = Status.INFEASIBLE
        elif tc == LegacyTC.unbounded:
            status = Status.UNBOUNDED
        elif has_sol:
            status = Status.FEASIBLE
        elif tc in (LegacyTC.maxTimeLimit, LegacyTC.maxIterations, LegacyTC.maxEvaluations):
            status = Status.TIME_LIMIT_NO_SOLUTION
        else:
            status = Status.ERROR
        obj = float(pyo.value(_objective(model))) if has_sol else math.nan
        bound = math.nan
        try:
            lb, ub = res.problem.lower_bound, res.problem.upper_bound
            b = ub if _objective(model).sense == pyo.maximize else lb
            if b is not None and math.isfinite(float(b)):
                bound = float(b)
        except Exception:  # pragma: no cover - solver-dependent result fields
            pass
        if has_sol and not mip and status == Status.OPTIMAL:
            bound, gap = obj, 0.0
        else:
            if status == Status.FEASIBLE and math.isfinite(bound) and abs(bound - obj) <= 1e-9 * max(1.0, abs(obj)):
                bound = math.nan  # some solvers (CBC after a time limit) echo the incumbent as the bound
            gap = _gap(obj, bound)
            if has_sol and math.isnan(gap):
                gap = math.inf  # a solution but no proven bound
        duals = None
        if has_sol and not mip and status == Status.OPTIMAL and hasattr(model, "dual"):
            out: dict[str, dict[Hashable, float]] = {}
            for con, d in model.dual.items():
                name, idx = component_key(con)
                out.setdefault(name, {})[idx] = float(d)
            duals = Duals(out)
        return SolveReport(status, obj, bound, gap, secs, name, str(tc), duals)
    finally:
        if added_suffix:
            model.del_component("dual")
