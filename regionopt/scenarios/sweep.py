"""Sweeps: a base problem and its scenarios, run anywhere, stored as they finish, resumed after a crash."""

from __future__ import annotations

import itertools
import math
import os
import pickle
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..contract import Problem
from ..errors import InputError, RegionoptError, require
from ..solve import SolveOptions
from ..solve.types import OPTION_FIELDS
from .edits import Edit
from .progress import Progress
from .runner import BatchOutcome, Item, Payload, run_batch
from .scenario import (
    ProblemFactory,
    Scenario,
    axes_for,
    base_fingerprint,
    fmt_value,
    scenario_id,
)
from .store import ParquetStore, expand

__all__ = ["Sweep", "SweepIncomplete"]


class SweepIncomplete(RegionoptError):
    """A sweep stopped before every scenario was recorded.

    Raised after everything that finished was written: run the sweep again
    with the same store to run only what is missing.

    Attributes
    ----------
    missing
        Names of the scenarios not recorded yet.
    failed
        Name of the scenario whose failure stopped the sweep (``errors="raise"``), else ``None``.
    cause
        The exception that stopped it (a worker that died, a failed scenario's error text).
    """

    def __init__(self, message: str, missing: Sequence[str], failed: str | None = None, cause: Any = None) -> None:
        self.missing = list(missing)
        self.failed = failed
        self.cause = cause
        super().__init__(message)


def _is_dask_client(x: Any) -> bool:
    return type(x).__module__.split(".")[0] == "distributed" and hasattr(x, "submit") and hasattr(x, "nthreads")


def _structure_key(s: Scenario) -> tuple[str, ...]:
    """Scenarios that set switches (booleans, text, empty values) the same way run next to each other."""
    return tuple(f"{e.table}.{e.column}={e.value!r}" for e in s.edits
                 if e.op == "=" and not (isinstance(e.value, (int, float)) and not isinstance(e.value, bool)))


class Sweep:
    """A base problem and its scenarios.

    Build one with :meth:`grid`, :meth:`sample`, :meth:`from_frame` or
    :meth:`one_at_a_time`, or from :class:`Scenario` objects. Every scenario
    is validated when the sweep is created (its edits applied and the tables
    checked by the model's own ``from_frames``), so a bad edit is an
    :class:`~regionopt.InputError` before anything runs.

    Parameters
    ----------
    base
        Any :class:`~regionopt.contract.Problem` (land quotas, cluster roles ...).
    scenarios
        :class:`Scenario` objects (or dicts of their fields).
    frames
        The base problem's ``from_frames`` keywords; default ``base.to_frames()``
        (needed to edit tables).

    Attributes
    ----------
    fingerprint
        Hash of the base problem (class, tables, settings).
    ids
        One id per scenario: a hash of the fingerprint and the scenario's edits.
        The store keys records by it, so a rerun finds what is already done.
    """

    def __init__(self, base: Problem, scenarios: Iterable[Scenario | Mapping[str, Any]], *,
                 frames: Mapping[str, Any] | None = None) -> None:
        if not isinstance(base, Problem):
            raise InputError(f"the base must be a regionopt problem, got {type(base).__name__}", table="scenarios",
                             field="base")
        self.base = base
        self.scenarios: list[Scenario] = [s if isinstance(s, Scenario) else Scenario(**s) for s in scenarios]
        if not self.scenarios:
            raise InputError("a sweep needs at least one scenario", table="scenarios")
        seen: dict[str, int] = {}
        for i, s in enumerate(self.scenarios):
            if s.name in seen:
                raise InputError(f"duplicate scenario name {s.name!r} (scenarios {seen[s.name]} and {i})",
                                 table="scenarios", row=s.name, field="name")
            seen[s.name] = i
        if frames is None and hasattr(base, "to_frames"):
            frames = base.to_frames()
        self._frames = dict(frames) if frames is not None else None
        self.fingerprint = base_fingerprint(base, self._frames)
        self.ids = [scenario_id(self.fingerprint, s.edits) for s in self.scenarios]
        first: dict[str, str] = {}
        for sid, s in zip(self.ids, self.scenarios, strict=True):
            if sid in first:
                raise InputError(f"scenarios {first[sid]!r} and {s.name!r} make the same edits", table="scenarios",
                                 row=s.name, field="edits")
            first[sid] = s.name
        self._factory = ProblemFactory(base, self._frames)
        for s in self.scenarios:  # validate every scenario before anything runs
            self._factory.problem(s)
        self._store: Path | None = None
        self._memory: dict[str, dict[str, Any]] = {}
        self._memory_tables: dict[str, dict[str, pd.DataFrame]] = {}

    # ------------------------------------------------------------------ constructors
    @classmethod
    def grid(cls, base: Problem, axes: Mapping[Any, Any] | Sequence[tuple[Any, Any]] | None = None, /, *,
             frames: Mapping[str, Any] | None = None, **levers: Any) -> Sweep:
        """Every combination of the values given per lever, setting or edit template.

        Parameters
        ----------
        base
            The base problem.
        axes
            ``{key: values}`` (or ``[(key, values), ...]``) with keys as in ``levers``
            and also edit templates ``(table, row, column, op)`` or
            ``"table[row].column op"`` strings.
        **levers
            ``name=values``: a named lever of the model (``red_line_scale``,
            ``statutory_price_scale`` ...; see :data:`~regionopt.scenarios.LEVERS`),
            with a list of values (every row) or ``{row: values}`` (one axis per
            row: ``red_line_scale={"340000": [1.0, 1.001]}``); or a setting
            (``platform=[True, False]``; nested ``statutory__base_10k_cny_per_mu``).

        Returns
        -------
        Sweep
            Scenarios in the order of ``itertools.product`` over the axes, named
            ``"axis=value, ..."``; parameters are the axis values.
        """
        items = list(axes.items()) if isinstance(axes, Mapping) else list(axes or [])
        items += list(levers.items())
        if not items:
            raise InputError("a grid needs at least one lever or setting", table="scenarios")
        dims = [ax for key, vals in items for ax in axes_for(base, key, vals)]
        names = [ax.name for ax, _ in dims]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise InputError(f"parameter {sorted(dup)[0]!r} is given twice", table="scenarios", field=sorted(dup)[0])
        scen = []
        for combo in itertools.product(*[vals for _, vals in dims]):
            edits = [e for (ax, _), v in zip(dims, combo, strict=True) for e in ax.make(v)]
            params = {ax.name: v for (ax, _), v in zip(dims, combo, strict=True)}
            name = ", ".join(f"{k}={fmt_value(v)}" for k, v in params.items())
            scen.append(Scenario(name, tuple(edits), params))
        return cls(base, scen, frames=frames)

    @classmethod
    def sample(cls, base: Problem, ranges: Mapping[Any, Any], n: int, *, method: str = "lhs", seed: int = 0,
               frames: Mapping[str, Any] | None = None) -> Sweep:
        """``n`` scenarios sampled in a box of lever or setting ranges.

        Parameters
        ----------
        base
            The base problem.
        ranges
            ``{key: (low, high)}`` or, for a lever per row, ``{lever: {row: (low, high)}}``;
            keys as in :meth:`grid`.
        n
            Number of scenarios.
        method
            ``"lhs"`` (Latin hypercube), ``"sobol"`` (scrambled Sobol; best with
            ``n`` a power of two) or ``"random"`` (uniform), from
            ``scipy.stats.qmc`` (the ``scenarios`` extra).
        seed
            Seed of the sampler: the same seed gives the same scenarios.
        """
        require("scipy.stats", extra="scenarios", what="sampling scenarios (Latin hypercube, Sobol)")
        from scipy.stats import qmc

        if not isinstance(n, (int, np.integer)) or n < 1:
            raise InputError("n must be a whole number >= 1", table="scenarios", field="n", value=n)
        dims: list[tuple[Any, float, float]] = []
        for key, rng in ranges.items():
            per_row = isinstance(rng, Mapping)
            for row, lohi in (rng.items() if per_row else [(None, rng)]):
                if not (isinstance(lohi, Sequence) and len(lohi) == 2 and all(
                        isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in lohi)
                        and lohi[0] <= lohi[1]):
                    raise InputError(f"a range is (low, high) with low <= high, got {lohi!r}", table="scenarios",
                                     field=str(key) if row is None else f"{key}[{row}]", value=lohi)
                axes = axes_for(base, key, {row: [lohi[0]]} if per_row else [lohi[0]])
                dims.append((axes[0][0], float(lohi[0]), float(lohi[1])))
        d = len(dims)
        if method == "lhs":
            u = _qmc(qmc.LatinHypercube, d, seed).random(n)
        elif method == "sobol":
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # n not a power of two: balance is lost, still valid
                u = _qmc(qmc.Sobol, d, seed).random(n)
        elif method == "random":
            u = np.random.default_rng(seed).random((n, d))
        else:
            raise InputError(f"unknown sampling method {method!r}; expected 'lhs', 'sobol' or 'random'",
                             table="scenarios", field="method", value=method)
        lo = np.array([x[1] for x in dims])
        hi = np.array([x[2] for x in dims])
        pts = lo + u * (hi - lo)
        width = len(str(n))
        scen = []
        for i, p in enumerate(pts):
            vals = [float(v) for v in p]
            edits = [e for (ax, _, _), v in zip(dims, vals, strict=True) for e in ax.make(v)]
            scen.append(Scenario(f"sample-{i + 1:0{width}d}", tuple(edits),
                                 {ax.name: v for (ax, _, _), v in zip(dims, vals, strict=True)}))
        return cls(base, scen, frames=frames)

    @classmethod
    def from_frame(cls, base: Problem, table: pd.DataFrame, *, frames: Mapping[str, Any] | None = None) -> Sweep:
        """One scenario per row of ``table``; each column is a lever (``"red_line_scale[340000]"``),
        a setting or an edit template (``"provinces[340000].farmland_floor_mu*"``).

        An empty cell leaves that parameter as in the base problem. Row names:
        the index if it is not a plain 0..n-1 range, else ``row-1``, ``row-2`` ...
        """
        if not isinstance(table, pd.DataFrame) or table.empty:
            raise InputError("expected a DataFrame with one row per scenario", table="scenarios")
        axes = {}
        for col in table.columns:
            found = axes_for(base, str(col), [0])
            if len(found) != 1:
                raise InputError(f"column {col!r} names several parameters", table="scenarios", field=str(col))
            axes[col] = found[0][0]
        plain = isinstance(table.index, pd.RangeIndex) and table.index.name is None
        width = len(str(len(table)))
        scen = []
        for i, (label, row) in enumerate(table.iterrows()):
            edits: list[Edit] = []
            params: dict[str, Any] = {}
            for col, ax in axes.items():
                v = row[col]
                if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                    continue
                edits += ax.make(v)
                params[ax.name] = v
            name = f"row-{i + 1:0{width}d}" if plain else str(label)
            scen.append(Scenario(name, tuple(edits), params))
        return cls(base, scen, frames=frames)

    @classmethod
    def one_at_a_time(cls, base: Problem, ranges: Mapping[Any, Any], *,
                      frames: Mapping[str, Any] | None = None) -> Sweep:
        """The base scenario and, for each parameter, one scenario at its low and one at its high value.

        Parameters
        ----------
        ranges
            ``{key: (low, high)}`` (keys as in :meth:`grid`; a lever per row as
            ``{lever: {row: (low, high)}}``). The other parameters stay as in the base.

        Returns
        -------
        Sweep
            Scenarios ``"base"``, ``"<param>=low"``, ``"<param>=high"``; their
            parameters ``oat_param``, ``oat_level`` (``base``/``low``/``high``) and the
            value feed :func:`~regionopt.scenarios.tornado`.
        """
        scen = [Scenario("base", (), {"oat_param": "", "oat_level": "base"})]
        for key, rng in ranges.items():
            per_row = isinstance(rng, Mapping)
            for row, lohi in (rng.items() if per_row else [(None, rng)]):
                if not (isinstance(lohi, Sequence) and len(lohi) == 2):
                    raise InputError(f"a range is (low, high), got {lohi!r}", table="scenarios", field=str(key),
                                     value=lohi)
                for level, v in zip(("low", "high"), lohi, strict=True):
                    ax = axes_for(base, key, {row: [v]} if per_row else [v])[0][0]
                    scen.append(Scenario(f"{ax.name}={level}", tuple(ax.make(v)),
                                         {"oat_param": ax.name, "oat_level": level, "oat_value": v}))
        return cls(base, scen, frames=frames)

    # ------------------------------------------------------------------ inspection
    def __len__(self) -> int:
        return len(self.scenarios)

    def __repr__(self) -> str:
        params = list(dict.fromkeys(k for s in self.scenarios for k in s.params))
        shown = ", ".join(params[:6]) + (" ..." if len(params) > 6 else "")
        return f"Sweep({len(self)} scenarios of {self.base!r}; parameters: {shown})"

    def to_frame(self) -> pd.DataFrame:
        """The scenarios: id, name, parameters and edits (one row each)."""
        rows = [{"scenario_id": sid, "name": s.name, **dict(s.params), "edits": "; ".join(str(e) for e in s.edits)}
                for sid, s in zip(self.ids, self.scenarios, strict=True)]
        return pd.DataFrame(rows)

    def problem(self, name: str) -> Problem:
        """The problem of the scenario called ``name`` (to inspect or solve it alone)."""
        for s in self.scenarios:
            if s.name == name:
                return self._factory.problem(s)
        raise InputError(f"no scenario named {name!r}", table="scenarios", row=name, field="name")

    # ------------------------------------------------------------------ run
    def run(self, executor: Any = None, store: str | Path | None = None,
            extract: Callable[[Any], Any] | None = None, *, options: SolveOptions | Mapping[str, Any] | None = None,
            fast: bool = True, progress: bool | None = None, batch_size: int | None = None,
            errors: str = "record", retry_failed: bool = False, diagnose: bool = True,
            **overrides: Any) -> pd.DataFrame:
        """Run every scenario not yet recorded; return :meth:`results`.

        Parameters
        ----------
        executor
            ``None`` (this process), any ``concurrent.futures.Executor``
            (``ProcessPoolExecutor``: ``extract`` must then be a module-level
            function), or a Dask ``distributed.Client`` (local or remote cluster).
        store
            A folder: each batch is written as it finishes (Parquet, see
            :mod:`~regionopt.scenarios.store`); running again with the same
            folder runs only the scenarios it does not hold. ``None``: results
            are kept in memory only.
        extract
            ``extract(result) -> dict | DataFrame | None``, called in the worker
            for each solved scenario with a :class:`~regionopt.scenarios.ScenarioResult`
            (attributes of the model's result, e.g. ``result.welfare`` or
            ``result.regions``, are read through it). Numbers, text and booleans
            become columns of :meth:`results`; DataFrames become tables
            (``results("name")``).
        options
            :class:`~regionopt.SolveOptions` or a mapping of solver options.
        fast
            Solve through the compiled model kept live in HiGHS (re-solved warm
            when only numbers change); ``False``: the model's own ``solve``
            (also used for non-HiGHS solvers and model keywords such as land's
            ``autarky=True``).
        progress
            Progress bar (done, failed, rate, time left); ``None``: if tqdm is installed.
        batch_size
            Scenarios per task; default up to 25, at least four batches per worker.
            A batch is written to the store when it finishes.
        errors
            ``"record"`` (default): a failed scenario is recorded with its error
            and the sweep goes on; ``"raise"``: record it, stop, raise
            :class:`SweepIncomplete`.
        retry_failed
            Also run again the scenarios recorded as failed (not the infeasible ones).
        diagnose
            Explain each infeasible scenario (the conflicting rules, as
            ``problem.solve()`` does; an IIS can take seconds on larger models).
            ``False``: record it as infeasible without a diagnosis.
        **overrides
            ``time_limit``, ``mip_gap``, ``threads``, ``solver``, ``tee`` and the
            model's own solve keywords (land: ``autarky``).

        Raises
        ------
        SweepIncomplete
            When a worker died or ``errors="raise"`` stopped the sweep; all that
            finished is recorded, and rerunning with the same store resumes.
        """
        if errors not in ("record", "raise"):
            raise InputError("errors must be 'record' or 'raise'", table="scenarios", field="errors", value=errors)
        model_kw = {k: overrides.pop(k) for k in list(overrides) if k in type(self.base)._solve_keywords}
        unknown = [k for k in overrides if k not in OPTION_FIELDS]
        if unknown:
            raise InputError(f"unknown run keyword {unknown[0]!r}", table="scenarios", field=unknown[0])
        opts = SolveOptions.make(options, **overrides)
        payload = Payload(self.base, self._frames, self.fingerprint, opts, model_kw, fast, extract,
                          stop_on_error=errors == "raise", diagnose=diagnose)
        if extract is not None and isinstance(executor, ProcessPoolExecutor):
            try:
                pickle.dumps(extract)
            except Exception as exc:  # any pickling failure means the same to the user
                raise InputError(f"a process pool sends extract to its workers by pickle, and it cannot be "
                                 f"pickled ({type(exc).__name__}: {exc}); define it at module level (not a lambda "
                                 "or a local function), or use a Dask client, which pickles by value",
                                 table="scenarios", field="extract") from None
        st: ParquetStore | None = None
        if store is not None:
            st = ParquetStore(store, problem=type(self.base).__name__, fingerprint=self.fingerprint)
            self._store = st.path
            done = st.done()
        else:
            self._store = None
            done = {k: r["status"] for k, r in self._memory.items()}
        todo = [i for i, sid in enumerate(self.ids)
                if sid not in done or (retry_failed and done[sid] == "failed")]
        todo.sort(key=lambda i: _structure_key(self.scenarios[i]))
        workers = self._workers(executor)
        if batch_size is None:
            batch_size = max(1, min(25, math.ceil(len(todo) / (4 * workers)))) if todo else 1
        elif not isinstance(batch_size, int) or batch_size < 1:
            raise InputError("batch_size must be a whole number >= 1", table="scenarios", field="batch_size",
                             value=batch_size)
        batches = [[Item(self.ids[i], self.scenarios[i]) for i in todo[k:k + batch_size]]
                   for k in range(0, len(todo), batch_size)]
        bar = Progress(len(todo), progress, initial=len(self.ids) - len(todo))
        state: dict[str, Any] = {"stopped": None, "crashed": []}

        def handle(out: BatchOutcome) -> None:
            if st is not None:
                st.write(out.records, {k: [f for _, f in v] for k, v in out.tables.items()})
            else:
                for r in out.records:
                    self._memory[r["scenario_id"]] = r
                    for tab in self._memory_tables.values():  # a scenario run again replaces its rows
                        tab.pop(r["scenario_id"], None)
                for name, frames in out.tables.items():
                    tab = self._memory_tables.setdefault(name, {})
                    for sid, f in frames:
                        tab[sid] = f
            bar.update(len(out.records), sum(r["status"] == "failed" for r in out.records))
            if out.stopped and state["stopped"] is None:
                state["stopped"] = next(r for r in out.records if r["status"] == "failed")

        try:
            if not batches:
                pass
            elif executor is None:
                for b in batches:
                    handle(run_batch(payload, b))
                    if state["stopped"] is not None:
                        break
            elif _is_dask_client(executor):
                self._run_dask(executor, payload, batches, handle, state)
            else:
                self._run_futures(executor, payload, batches, handle, state)
        finally:
            bar.close()
        if state["stopped"] is not None or state["crashed"]:
            missing = self.missing(st.path if st is not None else None)
            if state["stopped"] is not None:
                r = state["stopped"]
                raise SweepIncomplete(
                    f"scenario {r['name']!r} failed at {r['stage'] or 'run'}: {r['error_type']}: "
                    f"{r['error'].splitlines()[0] if r['error'] else ''}; the sweep stopped with {len(missing)} "
                    "scenario(s) not run. Everything that finished is recorded: run again with the same store to "
                    "resume (retry_failed=True also runs the failed one again).",
                    missing, failed=r["name"], cause=r["error"])
            cause = state["crashed"][0]
            raise SweepIncomplete(
                f"{len(state['crashed'])} batch(es) did not come back ({type(cause).__name__}: {cause}); "
                f"{len(missing)} scenario(s) are not recorded. Everything that finished is recorded: run again with "
                "the same store to resume.", missing, cause=cause)
        return self.results()

    @staticmethod
    def _workers(executor: Any) -> int:
        if executor is None:
            return 1
        if _is_dask_client(executor):
            try:
                return max(1, int(sum(executor.nthreads().values())))
            except Exception:
                return 2
        return max(1, int(getattr(executor, "_max_workers", None) or os.cpu_count() or 1))

    @staticmethod
    def _run_futures(executor: Any, payload: Payload, batches: list[list[Item]],
                     handle: Callable[[BatchOutcome], None], state: dict[str, Any]) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait

        pending = {executor.submit(run_batch, payload, b) for b in batches}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in finished:
                    try:
                        out = f.result()
                    except Exception as exc:
                        state["crashed"].append(exc)
                        continue
                    handle(out)
                if state["stopped"] is not None:
                    for f in pending:
                        f.cancel()
                    pending = {f for f in pending if not f.cancelled()}  # running ones finish and are recorded
        finally:
            for f in pending:
                f.cancel()

    @staticmethod
    def _run_dask(client: Any, payload: Payload, batches: list[list[Item]],
                  handle: Callable[[BatchOutcome], None], state: dict[str, Any]) -> None:
        from distributed import as_completed

        futures = [client.submit(run_batch, payload, b, pure=False) for b in batches]
        ac = as_completed(futures)
        try:
            for f in ac:
                try:
                    out = f.result()
                except Exception as exc:
                    state["crashed"].append(exc)
                    continue
                handle(out)
                if state["stopped"] is not None:
                    client.cancel([g for g in futures if not g.done()])
                    break
        finally:
            client.cancel([g for g in futures if not g.done()])

    # ------------------------------------------------------------------ results
    def _records(self, store: str | Path | None) -> tuple[pd.DataFrame, ParquetStore | None]:
        path = Path(store) if store is not None else self._store
        if path is not None:
            st = ParquetStore(path, problem=type(self.base).__name__, fingerprint=self.fingerprint)
            recs = st.records()
        else:
            st = None
            from .runner import RESERVED

            recs = pd.DataFrame(list(self._memory.values()), columns=list(RESERVED))
        pos = {sid: i for i, sid in enumerate(self.ids)}
        recs = recs[recs["scenario_id"].isin(pos)]
        recs = recs.assign(_pos=recs["scenario_id"].map(pos)).sort_values("_pos").drop(columns="_pos")
        return recs.reset_index(drop=True), st

    def results(self, table: str | None = None, *, store: str | Path | None = None) -> pd.DataFrame:
        """The recorded outcomes of this sweep's scenarios, as tidy tables.

        Parameters
        ----------
        table
            ``None``: one row per recorded scenario -- ``scenario_id``, ``name``,
            the parameters, ``status`` (``optimal``, ``infeasible``, ``failed`` ...),
            ``objective``, ``mip_gap``, ``route`` (``update``: warm re-solve of the
            live model; ``build``: a new live model; ``full``: the model's own
            solve), the seconds of each stage, ``stage``/``error_type``/``error``/
            ``diagnosis`` for failures, and the scalar outputs of ``extract``.
            A name: that extracted table, one block of rows per scenario, with
            ``scenario_id``, ``scenario`` (its name) and the parameters in front
            (a parameter named like a column of the table is left out).
        store
            Read this store folder (default: the store of the last :meth:`run`,
            else the results kept in memory).
        """
        recs, st = self._records(store)
        tidy = expand(recs)
        if table is None:
            return tidy
        params = list(dict.fromkeys(k for s in self.scenarios for k in s.params))
        if st is not None:
            tab = st.table(table, recs)
        else:
            if table not in self._memory_tables:
                raise InputError(f"no table {table!r} was extracted; tables: {sorted(self._memory_tables)}",
                                 table="scenarios", field="table", value=table)
            frames = [self._memory_tables[table][sid] for sid in recs["scenario_id"]
                      if sid in self._memory_tables[table]]
            tab = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["scenario_id"])
        keep = [p for p in params if p in tidy.columns and p not in tab.columns and p != "scenario"]
        front = tidy[["scenario_id", "name", *keep]].rename(columns={"name": "scenario"})
        if "scenario" in tab.columns:
            front = front.drop(columns="scenario")
        return front.merge(tab, on="scenario_id", how="inner")

    def missing(self, store: str | Path | None = None) -> list[str]:
        """Names of the scenarios that have no record yet (in ``store``, or the last run's)."""
        recs, _ = self._records(store)
        have = set(recs["scenario_id"])
        return [s.name for sid, s in zip(self.ids, self.scenarios, strict=True) if sid not in have]


def _qmc(engine: Any, d: int, seed: int) -> Any:
    try:
        return engine(d, rng=np.random.default_rng(seed))
    except TypeError:  # scipy < 1.15 names it seed
        return engine(d, seed=seed)
