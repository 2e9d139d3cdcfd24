"""One solve path for every model: solve -> diagnose -> raise or return.

The rule, the same in every model:

- a plan (optimal, or feasible at a limit) comes back with its status and gap;
- a time limit with no plan comes back as a result whose status says so
  (``TIME_LIMIT_NO_SOLUTION``), never as an exception;
- an infeasible plan raises :class:`~regionopt.InfeasibleError` naming the
  rules that conflict (IIS for LPs, elastic relaxation for MIPs);
- a solver error or an unbounded model raises :class:`~regionopt.RegionoptError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pyomo.environ as pyo

from ..errors import InfeasibleError
from .core import (
    extract_solution,
    is_mip,
    raise_solver_failure,
    resolve_with_integers_fixed,
    solve_model,
)
from .diagnosis import Bendable, BendableBound, Labeler, Weight, diagnose_infeasibility
from .highs import LiveModel
from .types import Solution, SolveOptions, SolveReport, Status

__all__ = ["Solved", "solve_checked", "solve_live"]

#: Explains an infeasible model: (method, conflicts), e.g. by diagnosing the Pyomo model of the same problem.
Diagnose = Callable[[], tuple[str, list[Any]]]


@dataclass
class Solved:
    """What :func:`solve_checked` returns.

    Attributes
    ----------
    report
        The :class:`SolveReport` (status, objective, bound, gap, time, duals).
    solution
        Values and duals by names; ``None`` when no plan was found.
    model
        The Pyomo model holding the plan (the LP with integers fixed when
        prices were asked of a MIP), or the :class:`~regionopt.solve.highs.LiveModel`
        of :func:`solve_live`.
    notes
        Plain-language notes about how the plan and its prices were obtained.
    """

    report: SolveReport
    solution: Solution | None
    model: pyo.Block | LiveModel
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        return self.report.status


def solve_checked(
    model: pyo.Block,
    options: SolveOptions,
    *,
    what: str,
    label: Labeler | None = None,
    prices: bool = False,
    bendable: Bendable | None = None,
    weight: Weight | None = None,
    bendable_bound: BendableBound | None = None,
) -> Solved:
    """Solve ``model``, diagnose and raise if it is infeasible, otherwise return the plan.

    Parameters
    ----------
    model
        The Pyomo model (one active objective).
    options
        Solver and limits.
    what
        The plan's name in messages (``"the land-quota plan"``).
    label
        User wording of index entries, for the diagnosis.
    prices
        For a MIP, re-solve the LP with the integer decisions fixed so that the
        plan comes with prices (duals).
    bendable, weight, bendable_bound
        Passed to the elastic diagnosis (see
        :func:`~regionopt.solve.diagnose_infeasibility`).

    Raises
    ------
    InfeasibleError
        Naming the rules that conflict.
    RegionoptError
        On a solver error or an unbounded model.
    """
    rep = solve_model(model, options)
    if rep.status == Status.INFEASIBLE:
        diag_opts = replace(options, solver="highs", options={}, tee=False)
        method, conflicts = diagnose_infeasibility(model, label, options=diag_opts, bendable=bendable,
                                                   weight=weight, bendable_bound=bendable_bound)
        raise InfeasibleError(f"{what}: the rules cannot all hold", conflicts, method)
    raise_solver_failure(rep, what)
    if not rep.status.has_solution:
        return Solved(rep, None, model, [f"no solution: solver status {rep.status.value} ({rep.termination})"])
    notes: list[str] = []
    if prices and rep.duals is None and is_mip(model):
        model, rep = resolve_with_integers_fixed(model, rep, options)
        if rep.duals is not None:
            notes.append("prices are duals of the LP with the integer decisions fixed at the MIP solution")
    elif prices and rep.duals is None:
        notes.append(f"the LP stopped {rep.status.value} before optimality: prices are not available (NaN)")
    return Solved(rep, extract_solution(model, rep.duals), model, notes)


def solve_live(
    live: LiveModel,
    options: SolveOptions,
    *,
    what: str,
    diagnose: Diagnose,
    prices: bool = False,
) -> Solved:
    """:func:`solve_checked` for a compiled model held by HiGHS (a problem's matrix route).

    The same rule: a plan comes back with its status and gap; a time limit
    without a plan is a result; an infeasible model raises
    :class:`~regionopt.InfeasibleError` with the conflicts ``diagnose()``
    returns (e.g. the IIS of the problem's Pyomo model, built only then); a
    solver error or an unbounded model raises. With ``prices``, a MIP's
    integer columns are fixed in the live model and the LP re-solved for duals
    (:meth:`LiveModel.resolve_with_integers_fixed`; the model stays that LP).
    """
    rep = solve_model(live, options)
    if rep.status == Status.INFEASIBLE:
        method, conflicts = diagnose()
        raise InfeasibleError(f"{what}: the rules cannot all hold", conflicts, method)
    raise_solver_failure(rep, what)
    if not rep.status.has_solution:
        return Solved(rep, None, live, [f"no solution: solver status {rep.status.value} ({rep.termination})"])
    notes: list[str] = []
    if prices and rep.duals is None and live.cm.is_mip:
        plan = live.solution()
        rep = live.resolve_with_integers_fixed(rep, options)
        if rep.duals is None:  # the LP did not solve: keep the MIP's plan
            return Solved(rep, plan, live, notes)
        notes.append("prices are duals of the LP with the integer decisions fixed at the MIP solution")
    elif prices and rep.duals is None:
        notes.append(f"the LP stopped {rep.status.value} before optimality: prices are not available (NaN)")
    return Solved(rep, live.solution(rep.duals), live, notes)
