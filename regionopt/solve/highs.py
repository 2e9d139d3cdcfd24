"""The HiGHS adapter: a Pyomo model compiled to arrays, solved by highspy directly.

Why not Pyomo's own HiGHS interface: it captures the process-wide standard
output around every solve (so two solves in two threads break each other) and
translates the model one constraint at a time. Here the model is compiled once
to a row-wise sparse matrix with Pyomo's public ``generate_standard_repn`` (no
SciPy needed), handed to ``highspy.Highs.passModel`` in one call, solved with the log off unless asked for (nothing
is captured), and read back by position. Every use of a private or
version-dependent highspy/Pyomo attribute in regionopt lives in this module
(see ``tests/test_solve_adapters.py``, pinned to the supported versions).

Thread safety: each solve owns its ``highspy.Highs`` object. HiGHS's task
scheduler is process-wide; a solve that asks for a thread count resets it, so
such solves wait until no other solve runs (:class:`_SchedulerGate`).
"""

from __future__ import annotations

import difflib
import math
import os
import threading
import time
from collections.abc import Callable, Collection, Hashable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.repn.standard_repn import generate_standard_repn

from ..errors import Conflict, InputError
from .types import Duals, Solution, SolveOptions, SolveReport, Status

__all__ = ["CompiledModel", "LiveModel", "Progress", "check_highs_options", "compile_model", "iis", "new_highs",
           "progress", "solve"]

INF = float(highspy.kHighsInf)

# --------------------------------------------------------------------------- construction

_BANNER_LOCK = threading.Lock()
_banner_done = False


def _base_class() -> Any:
    """highspy's compiled ``_Highs`` class (the public ``highspy.Highs`` derives from it), or None."""
    return next((c for c in highspy.Highs.__mro__[1:] if c.__name__ == "_Highs"), None)


def new_highs(*, log: bool = False, callbacks: bool = False) -> Any:
    """A HiGHS object with its log off (``log=False``) and no banner.

    The public ``highspy.Highs()`` registers its Python callback hook in its
    constructor, and HiGHS prints its banner ("Running HiGHS ...") at that
    moment, before any option can be set. Without a log and without callbacks
    this adapter builds the compiled ``_Highs`` base class (every method the
    solve layer uses, no callback hook) and switches the output off first.
    With a log or callbacks (progress lines) the public class is used; its
    first construction in a process then runs with standard output redirected
    at the file-descriptor level (once, under a lock), so the banner never shows.
    This is the one place that touches a private highspy name; if a future
    highspy drops the base class, the public class is used
    (``tests/test_solve_adapters.py`` pins it).
    """
    global _banner_done
    base = None if (log or callbacks) else _base_class()
    if base is not None:
        h = base()
        h.setOptionValue("output_flag", False)
        return h
    if not _banner_done:
        with _BANNER_LOCK:
            if not _banner_done:
                with _quiet_fd(1):
                    h = highspy.Highs()
                _banner_done = True
                h.setOptionValue("output_flag", bool(log))
                return h
    h = highspy.Highs()
    h.setOptionValue("output_flag", bool(log))
    return h


@contextmanager
def _quiet_fd(fd: int) -> Iterator[None]:
    try:
        saved = os.dup(fd)
    except OSError:  # pragma: no cover - no such descriptor (embedded interpreters)
        yield
        return
    try:
        import sys

        try:
            sys.stdout.flush()
        except Exception:  # pragma: no cover
            pass
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
    finally:
        os.close(saved)


class _SchedulerGate:
    """Readers-writer gate: solves run side by side; a scheduler reset runs alone."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._running = 0
        self._resetting = False
        self.threads: int | None = None

    @contextmanager
    def solve(self, threads: int | None) -> Iterator[None]:
        reset = threads is not None and threads != self.threads
        with self._cond:
            if reset:
                while self._running or self._resetting:
                    self._cond.wait()
                self._resetting = True
            else:
                while self._resetting:
                    self._cond.wait()
                self._running += 1
        try:
            if reset:
                fn = getattr(highspy.Highs, "resetGlobalScheduler", None)
                if fn is not None:
                    try:
                        fn(True)
                    except TypeError:  # pragma: no cover - signature differs across versions
                        fn()
                self.threads = threads
            yield
        finally:
            with self._cond:
                if reset:
                    self._resetting = False
                else:
                    self._running -= 1
                self._cond.notify_all()


_GATE = _SchedulerGate()

# --------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class Progress:
    """A progress report of a running HiGHS solve (see :func:`progress`).

    Attributes
    ----------
    elapsed
        Seconds since the solve started.
    mip
        Whether the model has integer variables (``incumbent``, ``bound`` and
        ``gap`` are only known for MIPs, NaN otherwise).
    incumbent, bound
        Objective of the best plan found so far and the best bound (the
        objective's own sense); NaN until known.
    gap
        Relative gap between them (HiGHS's ``mip_gap``); NaN until known.
    done
        True for the last report, sent when the solve returns.
    """

    elapsed: float
    mip: bool
    incumbent: float = math.nan
    bound: float = math.nan
    gap: float = math.nan
    done: bool = False


_PROGRESS: ContextVar[tuple[Callable[[Progress], None], float] | None] = ContextVar("regionopt_highs_progress",
                                                                                   default=None)


@contextmanager
def progress(callback: Callable[[Progress], None], interval: float = 0.5) -> Iterator[None]:
    """Report the progress of every HiGHS solve started in this context (this thread).

    ``callback`` receives a :class:`Progress` every ``interval`` seconds while a
    solve runs, and once more with ``done=True`` when it returns. It is called
    from a helper thread that only reads numbers stored by HiGHS's MIP
    callbacks (interrupt checks, improving solutions, log lines; they run in
    the solving thread and store the bounds they carry): the ``Highs`` object
    is never touched from another thread. Used by the command line for its
    live line.
    """
    token = _PROGRESS.set((callback, float(interval)))
    try:
        yield
    finally:
        _PROGRESS.reset(token)


@contextmanager
def _reporting(h: highspy.Highs, callback: Callable[[Progress], None], interval: float, mip: bool
               ) -> Iterator[None]:
    state = {"incumbent": math.nan, "bound": math.nan, "gap": math.nan}
    t0 = time.perf_counter()

    def on_mip(e: Any) -> None:  # runs in the solving thread: store numbers only
        d = e.data_out
        for key, attr in (("incumbent", "mip_primal_bound"), ("bound", "mip_dual_bound"), ("gap", "mip_gap")):
            v = float(getattr(d, attr, math.nan))
            if math.isfinite(v) and abs(v) < 1e30:  # an event without this number keeps the last one
                state[key] = v

    def report(done: bool = False) -> None:
        callback(Progress(time.perf_counter() - t0, mip, state["incumbent"], state["bound"], state["gap"], done))

    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(interval):
            report()

    events = []
    if mip and hasattr(h, "cbMipInterrupt"):  # interrupt checks, improving solutions and log lines carry the bounds
        for name in ("cbMipInterrupt", "cbMipImprovingSolution", "cbMipLogging"):
            try:
                getattr(h, name).subscribe(on_mip)
                events.append(name)
            except Exception:  # pragma: no cover - a highspy without this callback: fewer updates
                pass
    th = threading.Thread(target=tick, name="regionopt-progress", daemon=True)
    th.start()
    try:
        yield
    finally:
        stop.set()
        th.join()
        for name in events:
            getattr(h, name).unsubscribe(on_mip)
        report(done=True)


def _progress_context(h: highspy.Highs, mip: bool) -> AbstractContextManager[None]:
    hook = _PROGRESS.get()
    if hook is None:
        return nullcontext()
    return _reporting(h, hook[0], hook[1], mip)

# --------------------------------------------------------------------------- options


def _option_names() -> list[str]:
    return sorted(n for n in dir(highspy.HighsOptions) if not n.startswith("_"))


def check_highs_options(h: highspy.Highs, options: dict[str, Any]) -> None:
    """Set ``options`` on ``h``; an unknown name or a bad value is an :class:`InputError`.

    The message suggests the nearest option name (``time_limt`` -> ``time_limit``).
    """
    for name, value in options.items():
        status, _ = h.getOptionValue(str(name))
        if status != highspy.HighsStatus.kOk:
            near = difflib.get_close_matches(str(name), _option_names(), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise InputError(f"HiGHS has no option {name!r}{hint}", table="solve options", field="options",
                             value=name)
        if h.setOptionValue(str(name), value) != highspy.HighsStatus.kOk:
            raise InputError(f"HiGHS rejects the value {value!r} for option {name!r}", table="solve options",
                             field="options", value=value)


# --------------------------------------------------------------------------- compile


Key = tuple[str, Hashable]


@dataclass
class CompiledModel:
    """A linear model as arrays, with the names of its rows and columns.

    The constraint matrix is row-wise (CSR: ``start``, ``index``, ``value``); row
    ``i`` is ``row_lo[i] <= A[i] x <= row_hi[i]`` and is constraint
    ``row_keys[i]`` = (component name, index); column ``j`` is variable
    ``col_keys[j]``. Objective: ``c x + offset``, maximised if ``maximize``.

    Built from a Pyomo model by :func:`compile_model` (then ``columns`` and
    ``rows`` hold the Pyomo objects, fixed variables are constants and a ranged
    constraint is one row, and ``infeasible_constants`` lists constraints that
    reduce to an impossible constant such as ``0 >= 1``), or straight from
    validated tables by a model's matrix route (``columns``/``rows`` empty). Both
    feed :class:`LiveModel`, which solves it and reads the solution back by names.
    """

    col_keys: Sequence[Key]
    row_keys: list[Key]
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integrality: np.ndarray
    c: np.ndarray
    offset: float
    maximize: bool
    columns: list[Any] = field(default_factory=list)
    rows: list[Any] = field(default_factory=list)
    infeasible_constants: list[Any] = field(default_factory=list)

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.any())

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns)."""
        return len(self.row_keys), len(self.col_keys)

    def positions(self, *names: str) -> np.ndarray:
        """Positions of the columns of the variable components ``names``, sorted."""
        groups = _groups(self)
        parts = [groups[n] for n in names if n in groups]
        return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def same_structure(self, other: CompiledModel) -> bool:
        """Same rows, columns, sparsity pattern, integrality and sense: only numbers differ."""
        return (self.col_keys == other.col_keys and self.row_keys == other.row_keys
                and self.maximize == other.maximize
                and np.array_equal(self.start, other.start) and np.array_equal(self.index, other.index)
                and np.array_equal(self.integrality, other.integrality))


def _keys(objs: list[Any]) -> list[Key]:
    names: dict[int, str] = {}
    out: list[Key] = []
    for o in objs:
        comp = o.parent_component()
        name = names.get(id(comp))
        if name is None:
            name = names[id(comp)] = comp.getname(fully_qualified=True)
        out.append((name, o.index()))
    return out


def _bound(x: Any) -> float | None:
    return None if x is None else float(pyo.value(x))


def compile_model(model: pyo.Block) -> CompiledModel:
    """Compile the active linear part of ``model`` (one active objective) to arrays.

    Uses Pyomo's public ``generate_standard_repn`` on each row (fixed variables
    become constants). Raises :class:`InputError` for a nonlinear row.
    """
    col_of: dict[int, int] = {}
    cols: list[Any] = []

    def col(v: Any) -> int:
        j = col_of.get(id(v))
        if j is None:
            j = col_of[id(v)] = len(cols)
            cols.append(v)
        return j

    objs = list(model.component_data_objects(pyo.Objective, active=True, descend_into=True))
    if len(objs) != 1:
        raise InputError(f"model must have exactly one active objective, found {len(objs)}", table="model")
    obj = objs[0]
    rep = generate_standard_repn(obj.expr, compute_values=True, quadratic=False)
    if rep.nonlinear_expr is not None or rep.quadratic_vars:
        raise InputError(f"objective {obj.name} is not linear", table="model")
    obj_terms = [(col(v), float(a)) for v, a in zip(rep.linear_vars, rep.linear_coefs, strict=True)]
    offset = float(pyo.value(rep.constant))
    rows: list[Any] = []
    starts = [0]
    index: list[int] = []
    value: list[float] = []
    lo: list[float] = []
    hi: list[float] = []
    bad: list[Any] = []
    for con in model.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        lb, ub = _bound(con.lower), _bound(con.upper)
        if lb is None and ub is None:
            continue
        rep = generate_standard_repn(con.body, compute_values=True, quadratic=False)
        if rep.nonlinear_expr is not None or rep.quadratic_vars:
            raise InputError(f"constraint {con.name} is not linear", table="model")
        const = float(pyo.value(rep.constant))
        if not rep.linear_vars:
            tol = 1e-9 * max(1.0, abs(const))
            if (lb is not None and const < lb - tol) or (ub is not None and const > ub + tol):
                bad.append(con)
            continue
        rows.append(con)
        for v, a in zip(rep.linear_vars, rep.linear_coefs, strict=True):
            index.append(col(v))
            value.append(float(a))
        starts.append(len(index))
        lo.append(-INF if lb is None else lb - const)
        hi.append(INF if ub is None else ub - const)
    c = np.zeros(len(cols))
    for j, a in obj_terms:
        c[j] += a
    col_lo = np.array([(-INF if v.lb is None else float(v.lb)) for v in cols], dtype=float)
    col_hi = np.array([(INF if v.ub is None else float(v.ub)) for v in cols], dtype=float)
    integ = np.array([bool(v.is_integer() or v.is_binary()) for v in cols], dtype=bool)
    return CompiledModel(
        _keys(cols), _keys(rows), np.asarray(starts, dtype=np.int32), np.asarray(index, dtype=np.int32),
        np.asarray(value, dtype=float), np.asarray(lo, dtype=float), np.asarray(hi, dtype=float),
        col_lo, col_hi, integ, c, offset, obj.sense == pyo.maximize, cols, rows, bad,
    )


def load_into_highs(h: highspy.Highs, cm: CompiledModel, *, relax: bool = False) -> None:
    """Pass the compiled model to ``h`` (integrality dropped if ``relax``)."""
    lp = highspy.HighsLp()
    lp.num_col_ = len(cm.col_keys)
    lp.num_row_ = len(cm.row_keys)
    lp.col_cost_ = cm.c
    lp.col_lower_ = cm.col_lo
    lp.col_upper_ = cm.col_hi
    lp.row_lower_ = cm.row_lo
    lp.row_upper_ = cm.row_hi
    lp.offset_ = cm.offset
    lp.sense_ = highspy.ObjSense.kMaximize if cm.maximize else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = cm.start
    lp.a_matrix_.index_ = cm.index
    lp.a_matrix_.value_ = cm.value
    if cm.is_mip and not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger if f else highspy.HighsVarType.kContinuous
                           for f in cm.integrality]
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:  # pragma: no cover - malformed arrays
        raise InputError("HiGHS rejected the model (passModel)", table="model")


# --------------------------------------------------------------------------- solve


def _gap(obj: float, bound: float) -> float:
    if not (math.isfinite(obj) and math.isfinite(bound)):
        return math.nan
    return abs(obj - bound) / max(abs(obj), 1e-9)


def _primal_feasible(h: highspy.Highs) -> bool:
    return int(h.getInfo().primal_solution_status) == int(highspy.SolutionStatus.kSolutionStatusFeasible)


def _infeasible_not_unbounded(h: highspy.Highs, cm: CompiledModel) -> bool:
    """Decide 'infeasible or unbounded' by solving the feasibility problem (zero objective), then restore."""
    n = len(cm.col_keys)
    idx = np.arange(n, dtype=np.int32)
    h.changeColsCost(n, idx, np.zeros(n))
    presolve = h.getOptionValue("presolve")[1]
    h.setOptionValue("presolve", "off")
    h.run()
    infeasible = h.getModelStatus() != highspy.HighsModelStatus.kOptimal
    h.changeColsCost(n, idx, cm.c)
    h.setOptionValue("presolve", presolve)
    return bool(infeasible)


def _by_name(keys: Sequence[Key], values: list[float]) -> dict[str, dict[Hashable, float]]:
    out: dict[str, dict[Hashable, float]] = {}
    for (name, idx), v in zip(keys, values, strict=True):
        d = out.get(name)
        if d is None:
            d = out[name] = {}
        d[idx] = v
    return out


def _groups(cm: CompiledModel) -> dict[str, np.ndarray]:
    """Column positions of each variable component (computed once per compiled model)."""
    g = cm.__dict__.get("_groups")
    if g is None:
        pos: dict[str, list[int]] = {}
        for i, (name, _idx) in enumerate(cm.col_keys):
            lst = pos.get(name)
            if lst is None:
                lst = pos[name] = []
            lst.append(i)
        g = {k: np.asarray(v, dtype=np.int64) for k, v in pos.items()}
        cm.__dict__["_groups"] = g
    return g


class _ColumnValues(Mapping[str, dict[Hashable, float]]):
    """Variable values by component name, each component's dict made on first use."""

    def __init__(self, cm: CompiledModel, x: np.ndarray, names: Collection[str] | None = None) -> None:
        self._keys = cm.col_keys
        self._x = x
        groups = _groups(cm)
        self._groups = groups if names is None else {k: v for k, v in groups.items() if k in names}
        self._made: dict[str, dict[Hashable, float]] = {}

    def __getitem__(self, name: str) -> dict[Hashable, float]:
        d = self._made.get(name)
        if d is None:
            pos = self._groups[name]
            d = self._made[name] = dict(zip(self._indices(pos), self._x[pos].tolist(), strict=True))
        return d

    def __iter__(self) -> Iterator[str]:
        return iter(self._groups)

    def __len__(self) -> int:
        return len(self._groups)

    def nonzero(self, name: str, tol: float) -> dict[Hashable, float]:
        pos = self._groups.get(name)
        if pos is None:
            return {}
        sel = pos[np.abs(self._x[pos]) > tol]
        return dict(zip(self._indices(sel), self._x[sel].tolist(), strict=True))

    def _indices(self, pos: np.ndarray) -> list[Hashable]:
        fast = getattr(self._keys, "indices", None)  # keys made on demand (the land matrix route)
        if fast is not None:
            return list(fast(pos))
        keys = self._keys
        return [keys[i][1] for i in pos.tolist()]

    def __reduce__(self) -> tuple[Any, ...]:  # pickles as a plain dict
        return (dict, ({k: self[k] for k in self},))


class LiveModel:
    """A compiled model passed to HiGHS once and re-solved after in-place changes.

    The solver object is kept, so a re-solve after :meth:`update` (new bounds,
    costs or coefficients on the same structure) starts from the previous
    basis. Solutions come back keyed by names (:class:`~regionopt.solve.Solution`).

    Parameters
    ----------
    cm
        The compiled model.
    log
        Show HiGHS's log.
    """

    def __init__(self, cm: CompiledModel, *, log: bool = False) -> None:
        self.cm = cm
        # the public class (with its callback hook) only when a progress line is listening
        self.h = new_highs(log=log, callbacks=_PROGRESS.get() is not None)
        load_into_highs(self.h, cm)
        self._saved_integers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def solve(self, opts: SolveOptions) -> tuple[SolveReport, Solution | None]:
        """Solve (warm after an update); the solution is ``None`` without a plan."""
        rep = run(self.h, self.cm, opts)
        if not rep.status.has_solution:
            return rep, None
        x = np.asarray(self.h.getSolution().col_value, dtype=float).tolist()
        return rep, Solution(_by_name(self.cm.col_keys, x), rep.duals)

    def col_values(self) -> np.ndarray:
        """Primal values of the last solve, in column order."""
        return np.asarray(self.h.getSolution().col_value, dtype=float)

    def run(self, opts: SolveOptions) -> SolveReport:
        """Solve (warm after a change) and return the report only; read the plan with :meth:`solution`.

        A model whose rows reduce to an impossible constant is reported
        infeasible without calling HiGHS (as :func:`solve` does).
        """
        if self.cm.infeasible_constants:
            names = ", ".join(_row_name(c) for c in self.cm.infeasible_constants[:3])
            return SolveReport(Status.INFEASIBLE, math.nan, math.nan, math.nan, 0.0, "highs",
                               f"constant row(s) violated: {names}")
        return run(self.h, self.cm, opts)

    def solution(self, duals: Duals | None = None, names: Collection[str] | None = None) -> Solution:
        """Values of the last solve by names (and ``duals``, e.g. a report's).

        Each variable component's dict is made on first use; ``names`` keeps
        only those components.
        """
        return Solution(_ColumnValues(self.cm, self.col_values(), names), duals)

    def set_col_bounds(self, cols: np.ndarray, lo: np.ndarray | float, hi: np.ndarray | float) -> None:
        """Change the bounds of columns ``cols`` in the live model (the basis is kept) and in :attr:`cm`."""
        cols = np.asarray(cols, dtype=np.int32)
        if not cols.size:
            return
        lo = np.broadcast_to(np.asarray(lo, dtype=float), cols.shape).copy()
        hi = np.broadcast_to(np.asarray(hi, dtype=float), cols.shape).copy()
        self.h.changeColsBounds(int(cols.size), cols, lo, hi)
        self.cm.col_lo = self.cm.col_lo.copy()
        self.cm.col_hi = self.cm.col_hi.copy()
        self.cm.col_lo[cols] = lo
        self.cm.col_hi[cols] = hi

    def clear_basis(self) -> None:
        """Forget the last solution and basis: the next solve starts cold (with presolve).

        After many columns are fixed (e.g. every trade column of a plan, for its
        autarky benchmark), presolve removes them at once and a cold solve of
        what is left is faster than pivoting them out of the old basis.
        """
        self.h.clearSolver()

    def optimize_on_optimal_face(self, cost: np.ndarray, *, minimize: bool = True,
                                 duals: Duals | None = None) -> Solution | None:
        """Among the optimal solutions of the last (LP) solve, one best for a second objective ``cost``.

        The optimal solutions are the feasible points complementary to the
        optimal duals of that solve: every column with a nonzero reduced cost
        stays at its bound and every row with a nonzero dual stays at its
        bound (both beyond HiGHS's dual feasibility tolerance, 1e-7). Those
        columns and rows are fixed in the live model, the objective replaced by
        ``cost`` and the model re-solved from the optimal basis -- no dense
        objective row; then bounds and costs are restored. Returns the plan
        (with ``duals``), or ``None`` if the re-solve does not reach optimality.
        """
        cm, h = self.cm, self.h
        n = len(cm.col_keys)
        got = h.getSolution()
        x = np.asarray(got.col_value, dtype=float)
        ax = np.asarray(got.row_value, dtype=float)
        tol = 1e-7
        cols = np.flatnonzero(np.abs(np.asarray(got.col_dual, dtype=float)) > tol).astype(np.int32)
        rows = np.flatnonzero(np.abs(np.asarray(got.row_dual, dtype=float)) > tol).astype(np.int32)
        at = np.where(np.abs(ax[rows] - cm.row_lo[rows]) <= np.abs(ax[rows] - cm.row_hi[rows]), cm.row_lo[rows],
                      cm.row_hi[rows])
        sign = 1.0 if minimize != cm.maximize else -1.0  # the model keeps its sense
        idx = np.arange(n, dtype=np.int32)
        h.changeColsBounds(int(cols.size), cols, x[cols], x[cols])
        h.changeRowsBounds(int(rows.size), rows, at, at)
        h.changeColsCost(n, idx, sign * np.asarray(cost, dtype=float))
        try:
            h.run()
            ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            return self.solution(duals) if ok else None  # read before the model is restored
        finally:
            h.changeColsCost(n, idx, cm.c)
            h.changeColsBounds(int(cols.size), cols, cm.col_lo[cols], cm.col_hi[cols])
            h.changeRowsBounds(int(rows.size), rows, cm.row_lo[rows], cm.row_hi[rows])

    def set_integrality(self, cols: np.ndarray, integer: bool) -> None:
        """Make columns ``cols`` integer or continuous, in the live model and in :attr:`cm`."""
        cols = np.asarray(cols, dtype=np.int32)
        if not cols.size:
            return
        kind = highspy.HighsVarType.kInteger if integer else highspy.HighsVarType.kContinuous
        self.h.changeColsIntegrality(int(cols.size), cols, np.full(int(cols.size), int(kind), dtype=np.uint8))
        self.cm.integrality = self.cm.integrality.copy()
        self.cm.integrality[cols] = integer

    def resolve_with_integers_fixed(self, report: SolveReport, opts: SolveOptions) -> SolveReport:
        """Prices for a solved MIP: fix the integer columns at their (rounded) values and solve the LP.

        The live-model counterpart of :func:`regionopt.solve.resolve_with_integers_fixed`:
        the report keeps the MIP's status, bound and time, with the LP's
        objective, the gap recomputed against the MIP bound and the LP's duals.
        The model is left as that LP; :meth:`restore_integers` undoes it. If
        the LP does not solve, ``report`` is returned (the model restored).
        """
        ints = np.flatnonzero(self.cm.integrality)
        x = np.round(self.col_values()[ints])
        self._saved_integers = (ints, self.cm.col_lo[ints].copy(), self.cm.col_hi[ints].copy())
        self.set_col_bounds(ints, x, x)
        self.set_integrality(ints, False)
        lp = run(self.h, self.cm, replace(opts, mip_gap=None))
        if not lp.status.has_solution:
            self.restore_integers()
            return report
        gap = _gap(lp.objective, report.bound) if math.isfinite(report.bound) else report.mip_gap
        status = report.status
        if status == Status.FEASIBLE and opts.mip_gap is not None and gap <= opts.mip_gap + 1e-12:
            status = Status.OPTIMAL
        return SolveReport(status, lp.objective, report.bound, gap, report.solve_seconds, report.solver,
                           report.termination, lp.duals)

    def restore_integers(self) -> None:
        """Undo :meth:`resolve_with_integers_fixed` (integrality and bounds back)."""
        saved = self._saved_integers
        if saved is None:
            return
        ints, lo, hi = saved
        self.set_integrality(ints, True)
        self.set_col_bounds(ints, lo, hi)
        self._saved_integers = None

    def update(self, new: CompiledModel) -> bool:
        """Push the numbers of ``new`` into the live model; False if its structure differs (rebuild then).

        Only changed entries are sent: column costs and bounds, row bounds and
        matrix coefficients (same sparsity pattern), and the objective offset.
        """
        old = self.cm
        if not old.same_structure(new):
            return False
        h = self.h
        ch = np.flatnonzero(old.c != new.c)
        if ch.size:
            h.changeColsCost(int(ch.size), ch.astype(np.int32), new.c[ch])
        ch = np.flatnonzero((old.col_lo != new.col_lo) | (old.col_hi != new.col_hi))
        if ch.size:
            h.changeColsBounds(int(ch.size), ch.astype(np.int32), new.col_lo[ch], new.col_hi[ch])
        ch = np.flatnonzero((old.row_lo != new.row_lo) | (old.row_hi != new.row_hi))
        if ch.size:
            h.changeRowsBounds(int(ch.size), ch.astype(np.int32), new.row_lo[ch], new.row_hi[ch])
        ch = np.flatnonzero(old.value != new.value)
        if ch.size:
            rows = np.searchsorted(old.start, ch, side="right") - 1
            for r, k in zip(rows.tolist(), ch.tolist(), strict=True):
                h.changeCoeff(int(r), int(old.index[k]), float(new.value[k]))
        if old.offset != new.offset:
            h.changeObjectiveOffset(float(new.offset))
        self.cm = new
        return True


def _row_name(c: Any) -> str:
    """A row for messages: a Pyomo constraint's name, or a (component, index) key."""
    if hasattr(c, "name") and not isinstance(c, tuple):
        return str(c.name)
    name, idx = c
    return f"{name}[{idx}]" if idx is not None else str(name)


def run(h: highspy.Highs, cm: CompiledModel, opts: SolveOptions) -> SolveReport:
    """Solve the model already passed to ``h``; the report's duals are keyed by constraint names."""
    mip = cm.is_mip
    # HiGHS's run clock adds up over the runs of one Highs object: a re-solve of a live model
    # gets its limit on top of the time already spent
    h.setOptionValue("time_limit", h.getRunTime() + float(opts.time_limit) if opts.time_limit is not None else INF)
    if opts.mip_gap is not None:
        h.setOptionValue("mip_rel_gap", float(opts.mip_gap))
    if opts.threads is not None:
        h.setOptionValue("threads", int(opts.threads))
    check_highs_options(h, dict(opts.options))
    with _GATE.solve(opts.threads), _progress_context(h, mip):
        t0 = time.perf_counter()
        h.run()
        secs = time.perf_counter() - t0
    ms = h.getModelStatus()
    MS = highspy.HighsModelStatus
    if ms == MS.kModelEmpty:
        # no variable and no row (e.g. a cluster model without candidates): the empty plan is the only one,
        # worth the objective's constant; HiGHS reports it as "Empty" with no solution
        return SolveReport(Status.OPTIMAL, float(cm.offset), float(cm.offset), 0.0, secs, "highs", "empty model",
                           None if mip else Duals({}))
    has_sol = _primal_feasible(h) and ms not in (MS.kInfeasible, MS.kUnbounded, MS.kUnboundedOrInfeasible)
    if ms == MS.kOptimal and has_sol:
        status = Status.OPTIMAL
    elif ms == MS.kInfeasible:
        status = Status.INFEASIBLE
    elif ms == MS.kUnboundedOrInfeasible:
        status = Status.INFEASIBLE if _infeasible_not_unbounded(h, cm) else Status.UNBOUNDED
        has_sol = False
    elif ms == MS.kUnbounded:
        status = Status.UNBOUNDED
    elif has_sol:
        status = Status.FEASIBLE
    elif ms in (MS.kTimeLimit, MS.kIterationLimit, MS.kSolutionLimit, MS.kInterrupt, MS.kObjectiveBound,
                MS.kObjectiveTarget):
        status = Status.TIME_LIMIT_NO_SOLUTION
    else:
        status = Status.ERROR
    obj = bound = math.nan
    duals: Duals | None = None
    if has_sol:
        info = h.getInfo()
        obj = float(info.objective_function_value)
        if mip:
            b = float(info.mip_dual_bound)
            bound = b if math.isfinite(b) and abs(b) < 1e30 else math.nan
        elif status == Status.OPTIMAL:
            bound = obj
        if not mip and status == Status.OPTIMAL and int(info.dual_solution_status) == int(
                highspy.SolutionStatus.kSolutionStatusFeasible):
            row_dual = np.asarray(h.getSolution().row_dual, dtype=float).tolist()
            duals = Duals(_by_name(cm.row_keys, row_dual))
    gap = 0.0 if (has_sol and not mip and status == Status.OPTIMAL) else _gap(obj, bound)
    if has_sol and mip and math.isnan(gap):
        gap = math.inf  # a solution but no proven bound yet
    if mip and status == Status.FEASIBLE and opts.mip_gap is not None and gap <= opts.mip_gap + 1e-12:
        status = Status.OPTIMAL
    return SolveReport(status, obj, bound, gap, secs, "highs", h.modelStatusToString(ms), duals)


def solve(model: pyo.Block, opts: SolveOptions) -> SolveReport:
    """Compile, solve with HiGHS and load the solution into ``model``."""
    cm = compile_model(model)
    if cm.infeasible_constants:
        names = ", ".join(c.name for c in cm.infeasible_constants[:3])
        return SolveReport(Status.INFEASIBLE, math.nan, math.nan, math.nan, 0.0, "highs",
                           f"constant row(s) violated: {names}")
    live = LiveModel(cm, log=opts.tee)
    rep = run(live.h, cm, opts)
    if rep.status.has_solution:
        for v, val in zip(cm.columns, live.col_values().tolist(), strict=True):
            v.set_value(val, skip_validation=True)
    return rep


# --------------------------------------------------------------------------- IIS

Labeler = Callable[[Hashable], str]


def iis(model: pyo.Block, describe_row: Callable[[Any], str], describe_bound: Callable[[Any, str], str],
        ) -> list[Conflict]:
    """Irreducible infeasible subsystem from HiGHS, mapped back to the model's rules.

    Rows come first, in model order; variable bounds after them (trivial
    non-negativity bounds last).
    """
    cm = compile_model(model)
    if cm.infeasible_constants:  # rows with no variable left that cannot hold: they are the conflict
        return [Conflict(describe_row(c), c.parent_component().name, c.index()) for c in cm.infeasible_constants]
    h = new_highs()
    load_into_highs(h, cm, relax=True)
    strategy = getattr(highspy, "IisStrategy", None)
    h.setOptionValue("iis_strategy", int(strategy.kIisStrategyIrreducible) if strategy is not None else 4)
    _st, found = h.getIis()
    if not found.valid_ or (not found.row_index_ and not found.col_index_):
        return []
    sides = {2: "lower", 3: "upper", 4: "both"}
    out: list[Conflict] = []
    for r, b in zip(found.row_index_, found.row_bound_, strict=False):
        if int(b) not in sides:
            continue
        con = cm.rows[r]
        out.append(Conflict(describe_row(con), con.parent_component().name, con.index(), sides[int(b)]))
    bounds: list[tuple[bool, Conflict]] = []
    for ci, b in zip(found.col_index_, found.col_bound_, strict=False):
        if int(b) not in sides:
            continue
        v = cm.columns[ci]
        side = sides[int(b)]
        if side == "both":
            side = "upper" if v.ub is not None else "lower"
        trivial = side == "lower" and v.lb is not None and float(v.lb) == 0.0
        bounds.append((trivial, Conflict(describe_bound(v, side), v.parent_component().name, v.index(), side)))
    bounds.sort(key=lambda tc: tc[0])
    return out + [c for _, c in bounds]


def pinned_versions() -> dict[str, str]:
    """Versions this adapter was written and tested against (see the adapter test)."""
    from importlib.metadata import version

    return {"highspy": version("highspy"), "pyomo": version("pyomo")}
