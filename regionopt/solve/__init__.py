"""The shared solve layer: options, status, solver dispatch, diagnosis, one solve path.

Every optimisation model in regionopt builds a Pyomo model and hands it to
:func:`solve_checked` (solve -> diagnose -> raise or return), which calls
:func:`solve_model`. HiGHS (highspy, no executable, works offline) is the
default and is driven directly (:mod:`regionopt.solve.highs`: the model is
compiled to arrays, nothing captures the process's output, solves from several
threads are safe); any other solver name is passed to Pyomo's ``SolverFactory``
(:mod:`regionopt.solve.legacy`: ``"cbc"``, ``"glpk"``, ``"gurobi"`` ...).

When a model is infeasible, :func:`diagnose_infeasibility` explains why in the
user's words (:mod:`regionopt.solve.diagnosis`).

Modules: :mod:`~regionopt.solve.types` (options, status, report, solution),
:mod:`~regionopt.solve.highs`, :mod:`~regionopt.solve.legacy`,
:mod:`~regionopt.solve.diagnosis`, :mod:`~regionopt.solve.core`,
:mod:`~regionopt.solve.pipeline`.
"""

from __future__ import annotations

from .core import (
    extract_solution,
    is_mip,
    raise_solver_failure,
    resolve_with_integers_fixed,
    solve_model,
)
from .diagnosis import describe_bound, describe_constraint, diagnose_infeasibility, raise_infeasible
from .pipeline import Solved, solve_checked, solve_live
from .types import Duals, Solution, SolveOptions, SolveReport, Status

__all__ = [
    "Duals",
    "Solution",
    "SolveOptions",
    "SolveReport",
    "Solved",
    "Status",
    "describe_bound",
    "describe_constraint",
    "diagnose_infeasibility",
    "extract_solution",
    "is_mip",
    "raise_infeasible",
    "raise_solver_failure",
    "resolve_with_integers_fixed",
    "solve_checked",
    "solve_live",
    "solve_model",
]
