"""What a worker does with a batch of scenarios (in-process, process pool or Dask worker).

Each worker process keeps, per sweep, the scenario problems' validated tables
and up to four live HiGHS models (:class:`~regionopt.solve.highs.LiveModel`).
A scenario whose compiled model has the structure of a live one (same rows,
columns and sparsity: only numbers differ) is pushed into it with
``LiveModel.update`` and re-solved warm from the previous basis; any other
is passed to a new live model (a rebuild). The worker then reads the
solution back with the model's reader (:mod:`.readers`) and calls the user's
``extract``. Every outcome -- a plan, an infeasible plan with its diagnosis,
an error at any stage -- becomes one record; nothing is dropped.
"""

from __future__ import annotations

import json
import math
import os
import socket
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..contract import Problem
from ..errors import InfeasibleError, InputError, RegionoptError
from ..solve import Solved, SolveOptions, SolveReport, Status
from ..solve.core import HIGHS_NAMES
from ..solve.highs import CompiledModel, LiveModel
from ..solve.pipeline import solve_live
from .readers import Reader, reader_for
from .scenario import ProblemFactory, Scenario

__all__ = ["RESERVED", "BatchOutcome", "Payload", "ScenarioResult", "run_batch"]

#: Columns of a scenario record (outputs of ``extract`` may not use these names).
RESERVED: tuple[str, ...] = (
    "scenario_id", "name", "params", "edits", "status", "objective", "mip_gap", "route", "seconds_build",
    "seconds_compile", "seconds_solve", "seconds_extract", "seconds_total", "stage", "error_type", "error",
    "diagnosis", "outputs", "worker", "finished_at", "batch",
)

_LIVE_PER_SWEEP = 4


@dataclass
class Payload:
    """Everything a worker needs that is the same for every batch of a sweep (sent once per batch,
    or scattered once to Dask workers)."""

    base: Problem
    frames: dict[str, Any] | None
    fingerprint: str
    options: SolveOptions
    model_keywords: dict[str, Any] = field(default_factory=dict)
    fast: bool = True
    extract: Callable[[Any], Any] | None = None
    stop_on_error: bool = False
    diagnose: bool = True


@dataclass
class Item:
    """One scenario of a batch."""

    scenario_id: str
    scenario: Scenario


@dataclass
class BatchOutcome:
    """The records (one per scenario run) and extracted tables of a batch."""

    records: list[dict[str, Any]]
    tables: dict[str, list[tuple[str, pd.DataFrame]]]  # name -> [(scenario id, rows)]
    stopped: bool = False


class ScenarioResult:
    """What ``extract`` receives: the scenario, the solve's numbers and, on demand, the model's result.

    Attributes not found here are looked up on :attr:`result` (the model's own
    result, e.g. a :class:`~regionopt.LandQuotaResult`, built on first use), so
    ``extract=lambda r: {"welfare": r.welfare}`` works as with ``problem.solve()``.
    Reading only :attr:`objective` or :attr:`solution` skips the readback.

    Attributes
    ----------
    scenario
        The :class:`~regionopt.scenarios.Scenario`.
    problem
        The scenario's problem.
    report
        The :class:`~regionopt.SolveReport`.
    solution
        Values and duals by name (``None`` when the model's own solve was used).
    """

    def __init__(self, scenario: Scenario, problem: Problem, report: SolveReport, solution: Any,
                 reader: Reader | None, options: SolveOptions, result: Any = None, *,
                 live: LiveModel | None = None, solved: Solved | None = None,
                 keywords: Mapping[str, Any] | None = None) -> None:
        self.scenario = scenario
        self.problem = problem
        self.report = report
        self.solution = solution
        self._reader = reader
        self._options = options
        self._result = result
        self._live = live
        self._solved = solved
        self._keywords = dict(keywords or {})
        self._closed = False

    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def params(self) -> Mapping[str, Any]:
        return self.scenario.params

    @property
    def status(self) -> Status:
        return self.report.status

    @property
    def objective(self) -> float:
        return float(self._result.objective if self._result is not None else self.report.objective)

    @property
    def mip_gap(self) -> float:
        return float(self._result.mip_gap if self._result is not None else self.report.mip_gap)

    @property
    def result(self) -> Any:
        """The model's result (read back on first use, inside ``extract``)."""
        if self._result is None:
            if self._closed:
                raise RuntimeError("read the scenario's result inside extract: the worker's live model has "
                                   "moved on to the next scenario")
            assert self._reader is not None and self._live is not None and self._solved is not None
            self._result = self._reader.read(self.problem, self._live, self._solved, self._options,
                                             **self._keywords)
        return self._result

    def close(self) -> None:
        """Called after ``extract``: put the live model back as the scenario's model (integers, bounds)."""
        self._closed = True
        if self._live is not None:
            self._live.restore_integers()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.result, name)

    def __repr__(self) -> str:
        return f"ScenarioResult({self.name!r}: {self.status.value}, objective {self.objective:,.6g})"


# --------------------------------------------------------------------------- worker state


class _SweepState:
    def __init__(self, payload: Payload) -> None:
        self.factory = ProblemFactory(payload.base, payload.frames)
        self.lives: list[LiveModel] = []

    def live(self, cm: CompiledModel) -> tuple[LiveModel, str]:
        for i, lm in enumerate(self.lives):
            if lm.cm.shape == cm.shape and lm.update(cm):
                self.lives.insert(0, self.lives.pop(i))
                return lm, "update"
        lm = LiveModel(cm)
        self.lives.insert(0, lm)
        del self.lives[_LIVE_PER_SWEEP:]
        return lm, "build"

    def rebuild(self, cm: CompiledModel) -> LiveModel:
        lm = LiveModel(cm)
        self.lives.insert(0, lm)
        del self.lives[_LIVE_PER_SWEEP:]
        return lm


_LOCAL = threading.local()


def _state(payload: Payload) -> _SweepState:
    cache: OrderedDict[str, _SweepState] | None = getattr(_LOCAL, "cache", None)
    if cache is None:
        cache = _LOCAL.cache = OrderedDict()
    key = f"{payload.fingerprint}|{payload.options!r}"
    st = cache.get(key)
    if st is None:
        st = cache[key] = _SweepState(payload)
        while len(cache) > 2:
            cache.popitem(last=False)
    else:
        cache.move_to_end(key)
    return st


def clear_worker_cache() -> None:
    """Forget the live models and tables this thread keeps (tests, memory)."""
    _LOCAL.cache = OrderedDict()


# --------------------------------------------------------------------------- one scenario


def _json(v: Any) -> str:
    def default(o: Any) -> Any:
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, (set, frozenset, tuple)):
            return list(o)
        return str(o)

    return json.dumps(v, default=default, allow_nan=True)


def _scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    raise TypeError(f"extract returned a {type(v).__name__}; expected numbers, text, booleans or DataFrames")


def collect(value: Any) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Split what ``extract`` returned into scalar outputs and named tables."""
    if value is None:
        return {}, {}
    if isinstance(value, pd.DataFrame):
        return {}, {"extract": value}
    if isinstance(value, pd.Series):
        return {str(k): _scalar(v) for k, v in value.items()}, {}
    if not isinstance(value, Mapping):
        raise TypeError(f"extract must return a dict, a DataFrame or None, got {type(value).__name__}")
    outputs: dict[str, Any] = {}
    tables: dict[str, pd.DataFrame] = {}
    for k, v in value.items():
        k = str(k)
        if isinstance(v, pd.DataFrame):
            tables[k] = v
        elif isinstance(v, pd.Series):
            tables[k] = v.to_frame()
        else:
            try:
                outputs[k] = _scalar(v)
            except TypeError as exc:
                raise TypeError(f"extract returned {k!r}: {exc}") from None
    clash = [k for k in outputs if k in RESERVED]
    if clash:
        raise ValueError(f"extract output {clash[0]!r} has the name of a record column; rename it "
                         f"(reserved: {', '.join(RESERVED)})")
    return outputs, tables


def prepare_table(df: pd.DataFrame, scenario_id: str) -> pd.DataFrame:
    """An extracted table with its index as columns and the scenario id first."""
    out = df
    if not (isinstance(df.index, pd.RangeIndex) and df.index.name is None):
        out = df.reset_index()
    out = out.copy()
    out.columns = [str(c) for c in out.columns]
    if "scenario_id" in out.columns:
        raise ValueError("an extracted table may not have a column named 'scenario_id'")
    out.insert(0, "scenario_id", scenario_id)
    return out


def _diagnosis(exc: InfeasibleError) -> str:
    if not exc.conflicts:
        return ""
    return _json({"method": exc.method, "conflicts": [
        {"rule": c.rule, "component": c.component, "index": repr(c.index), "side": c.side,
         "violation": c.violation} for c in exc.conflicts]})


def run_one(state: _SweepState, payload: Payload, item: Item) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Run one scenario; return its record and its extracted tables (never raises an Exception)."""
    sc = item.scenario
    rec: dict[str, Any] = {
        "scenario_id": item.scenario_id, "name": sc.name, "params": _json(dict(sc.params)),
        "edits": _json([e.as_json() for e in sc.edits]), "status": "", "objective": math.nan,
        "mip_gap": math.nan, "route": "", "seconds_build": math.nan, "seconds_compile": math.nan,
        "seconds_solve": math.nan, "seconds_extract": math.nan, "seconds_total": math.nan, "stage": "",
        "error_type": "", "error": "", "diagnosis": "", "outputs": "{}",
        "worker": f"{socket.gethostname()}:{os.getpid()}", "finished_at": "", "batch": "",
    }
    tables: dict[str, pd.DataFrame] = {}
    opts = payload.options
    t0 = time.perf_counter()
    stage = "build"
    try:
        prob = state.factory.problem(sc)
        t1 = time.perf_counter()
        rec["seconds_build"] = t1 - t0
        reader = reader_for(prob) if payload.fast and opts.solver in HIGHS_NAMES else None
        if reader is not None and not set(payload.model_keywords) <= set(reader.keywords):
            reader = None  # a keyword only the model's own solve knows
        if reader is None:
            stage = "solve"
            res = prob.solve(opts, **payload.model_keywords)
            rec["seconds_solve"] = time.perf_counter() - t1
            rec["route"] = "full"
            outcome = ScenarioResult(sc, prob, res.report, None, None, opts, result=res)
        else:
            stage = "compile"
            cm = prob.compile()
            t2 = time.perf_counter()
            rec["seconds_compile"] = t2 - t1
            stage = "solve"
            live, route = state.live(cm)

            def diagnose(prob: Problem = prob, reader: Reader = reader) -> tuple[str, list[Any]]:
                if not payload.diagnose:
                    raise InfeasibleError(f"{prob.what}: the rules cannot all hold (not diagnosed: "
                                          "diagnose=False; solve this scenario alone to see why)")
                try:  # the model's own solve explains it (e.g. the IIS of its Pyomo model)
                    prob.solve(opts, **dict(reader.full_keywords))
                except InfeasibleError as exc:
                    return exc.method, exc.conflicts
                return "", []

            try:
                solved = solve_live(live, opts, what=prob.what, diagnose=diagnose, prices=reader.prices)
            except InfeasibleError:
                raise
            except RegionoptError:
                if route != "update":
                    raise
                live, route = state.rebuild(cm), "build"  # numerical trouble after a warm start: start cold
                solved = solve_live(live, opts, what=prob.what, diagnose=diagnose, prices=reader.prices)
            rec["route"] = route
            outcome = ScenarioResult(sc, prob, solved.report, solved.solution, reader, opts, live=live,
                                     solved=solved, keywords=payload.model_keywords)
            rec["seconds_solve"] = time.perf_counter() - t2
        rec["status"] = outcome.status.value
        t3 = time.perf_counter()
        try:
            if outcome.status.has_solution:
                rec["objective"] = outcome.objective
                rec["mip_gap"] = outcome.mip_gap
                stage = "extract"
                if payload.extract is not None:
                    outputs, tables = collect(payload.extract(outcome))
                    rec["outputs"] = _json(outputs)
        finally:
            outcome.close()
        rec["seconds_extract"] = time.perf_counter() - t3
        stage = ""
    except InfeasibleError as exc:
        rec.update(status=Status.INFEASIBLE.value, error_type="InfeasibleError", error=str(exc),
                   diagnosis=_diagnosis(exc), stage=stage)
        tables = {}
    except Exception as exc:
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
        rec.update(status="failed", error_type=type(exc).__name__,
                   error=f"{exc}\n{''.join(tb[-3:])}".strip(), stage=stage)
        tables = {}
    rec["stage"] = stage
    rec["seconds_total"] = time.perf_counter() - t0
    rec["finished_at"] = pd.Timestamp.now(tz="UTC").isoformat()
    return rec, {k: prepare_table(v, item.scenario_id) for k, v in tables.items()}


def run_batch(payload: Payload, items: list[Item]) -> BatchOutcome:
    """Run a batch of scenarios in this worker (the function sent to executors).

    With ``payload.stop_on_error``, the batch stops at the first failed
    scenario (recorded) and says so.
    """
    state = _state(payload)
    records: list[dict[str, Any]] = []
    tables: dict[str, list[tuple[str, pd.DataFrame]]] = {}
    for item in items:
        rec, tabs = run_one(state, payload, item)
        records.append(rec)
        for k, v in tabs.items():
            tables.setdefault(k, []).append((item.scenario_id, v))
        if payload.stop_on_error and rec["status"] == "failed":
            return BatchOutcome(records, tables, stopped=True)
    return BatchOutcome(records, tables)


def check_extract_name(name: str) -> None:
    if name in RESERVED:
        raise InputError(f"{name!r} is a record column", table="scenarios", field=name)
