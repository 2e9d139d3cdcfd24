"""Solve a Pyomo model with the chosen solver; read its solution back by names."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import replace

import pyomo.environ as pyo

from ..errors import InputError, RegionoptError
from . import highs, legacy
from .types import Duals, Solution, SolveOptions, SolveReport, Status

__all__ = [
    "extract_solution",
    "is_mip",
    "raise_solver_failure",
    "resolve_with_integers_fixed",
    "solve_model",
]

#: Solver names served by the direct HiGHS adapter.
HIGHS_NAMES = ("highs", "appsi_highs")


def is_mip(model: pyo.Block) -> bool:
    """True if any active variable of ``model`` is integer or binary and not fixed."""
    for v in model.component_data_objects(pyo.Var, active=True, descend_into=True):
        if not v.fixed and (v.is_integer() or v.is_binary()):
            return True
    return False


def _gap(obj: float, bound: float) -> float:
    if not (math.isfinite(obj) and math.isfinite(bound)):
        return math.nan
    return abs(obj - bound) / max(abs(obj), 1e-9)


def solve_model(model: pyo.Block | highs.LiveModel, options: SolveOptions | None = None) -> SolveReport:
    """Solve a Pyomo model with the chosen solver and load the solution into it.

    Parameters
    ----------
    model
        A Pyomo model (or block) with one active objective, or a
        :class:`~regionopt.solve.highs.LiveModel` (a compiled model held by
        HiGHS: solved warm in place; read its plan with ``model.solution()``).
    options
        :class:`SolveOptions`; HiGHS defaults when ``None``.

    Returns
    -------
    SolveReport
        Status, objective, bound, gap, time and (for LPs solved to optimality)
        duals keyed by constraint names.

    Raises
    ------
    SolverUnavailableError
        If the solver is not installed.
    InputError
        For an unknown HiGHS option name or value (with the nearest name).

    Notes
    -----
    Integer variables the user fixed leave an LP: fixed variables are constants
    for every solver here, so such a model is priced like an LP.
    """
    opts = options or SolveOptions()
    if isinstance(model, highs.LiveModel):  # a compiled model held by HiGHS (a problem's matrix route)
        if opts.solver not in HIGHS_NAMES:
            raise InputError(f"a compiled model is solved by HiGHS, not {opts.solver!r}", table="solve options",
                             field="solver", value=opts.solver)
        return model.run(opts)
    if opts.solver in HIGHS_NAMES:
        return highs.solve(model, opts)
    mip = is_mip(model)
    # Legacy writers still send a fixed integer's integrality: relax the domain for the solve.
    fixed_int = [] if mip else [v for v in model.component_data_objects(pyo.Var, active=True, descend_into=True)
                                if v.fixed and (v.is_integer() or v.is_binary())]
    domains = [v.domain for v in fixed_int]
    try:
        for v in fixed_int:
            v.domain = pyo.Reals
        return legacy.solve(model, opts, mip)
    finally:
        for v, dom in zip(fixed_int, domains, strict=True):
            v.domain = dom


def extract_solution(model: pyo.Block, duals: Duals | None = None) -> Solution:
    """The values of every variable of ``model`` (and ``duals``) keyed by component names.

    Names are fully qualified from ``model`` down (``"land.x"`` for a variable of
    block ``land``); use :meth:`Solution.within` to read one block.
    """
    values: dict[str, dict[Hashable, float]] = {}
    names: dict[int, str] = {}
    for v in model.component_data_objects(pyo.Var, active=True, descend_into=True):
        val = v.value
        if val is None:
            continue
        comp = v.parent_component()
        name = names.get(id(comp))
        if name is None:
            name = names[id(comp)] = comp.getname(fully_qualified=True, relative_to=model)
        values.setdefault(name, {})[v.index()] = float(val)
    return Solution(values, duals)


def resolve_with_integers_fixed(
    model: pyo.Block, report: SolveReport, options: SolveOptions | None = None
) -> tuple[pyo.Block, SolveReport]:
    """Prices for a solved MIP: re-solve the LP with the integer decisions fixed.

    The model is cloned, every integer variable is fixed at its (rounded) value,
    and the remaining LP is solved. Its solution is the MIP plan with the best
    continuous decisions for those integer decisions (the same as the MIP's at a
    proven optimum; possibly better after a time limit), and its duals price the
    constraints given those decisions.

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
    for v in lp.component_data_objects(pyo.Var, active=True, descend_into=True):
        if v.is_integer() or v.is_binary():
            v.fix(round(pyo.value(v)))
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


def raise_solver_failure(report: SolveReport, what: str) -> None:
    """Raise :class:`RegionoptError` if the solver failed or found the model unbounded.

    The shared answer of every model to the statuses that leave neither a plan
    nor a diagnosis (``ERROR``, ``UNBOUNDED``); ``INFEASIBLE`` is diagnosed by the
    caller, and ``TIME_LIMIT_NO_SOLUTION`` becomes a flagged result.
    """
    if report.status in (Status.ERROR, Status.UNBOUNDED):
        raise RegionoptError(f"{what}: no solution ({report.status.value}, {report.termination})")
