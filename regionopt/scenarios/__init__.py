"""Scenarios at scale: sweeps of a base problem, fast re-solves, any executor, a store that loses nothing.

A planner never runs one plan. A :class:`Sweep` is a base problem (land
quotas, cluster roles, any :class:`~regionopt.contract.Problem`) and its
scenarios -- a grid, a sample or a table of parameter values, each scenario a
list of edits of the problem's settings and input tables
(:mod:`~regionopt.scenarios.edits`). :meth:`Sweep.run` runs them in this
process, on a process pool or on a Dask cluster; each worker keeps the model
live in HiGHS and re-solves it warm when a scenario changes only numbers.
Every outcome (plans, infeasible plans with their diagnosis, errors) is written
to a Parquet store as its batch finishes, and a sweep that was stopped resumes
where it stopped. :func:`two_stage` solves a two-stage stochastic land plan
and reports the value of the stochastic solution and of perfect information.

Docs: ``docs/scenarios.md``. Optional extra: ``pip install "regionopt[scenarios]"``
(dask[distributed], pyarrow, tqdm, scipy).
"""

from __future__ import annotations

from .edits import OPS, Edit
from .figures import response, scatter, tornado
from .runner import ScenarioResult
from .scenario import LEVERS, Lever, Scenario, levers_for
from .stochastic import StochasticResult, land_first_stage, two_stage
from .store import ParquetStore
from .sweep import Sweep, SweepIncomplete

__all__ = [
    "LEVERS",
    "OPS",
    "Edit",
    "Lever",
    "ParquetStore",
    "Scenario",
    "ScenarioResult",
    "StochasticResult",
    "Sweep",
    "SweepIncomplete",
    "land_first_stage",
    "levers_for",
    "response",
    "scatter",
    "tornado",
    "two_stage",
]
