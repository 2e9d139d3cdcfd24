"""A thin numpy -> highspy LP helper for the many small LPs of the game layer.

Pyomo's per-model overhead dominates when thousands of tiny LPs are solved (one
per coalition, one per constraint-generation round of the nucleolus). This
helper assembles the LP from numpy arrays and talks to ``highspy`` directly,
keeping one HiGHS object alive so that added rows (cuts) and changed bounds are
re-solved from the previous basis.

Statuses are the shared :class:`regionopt.solve.Status`. Row duals follow
HiGHS: ``d objective / d row bound``.

Threads: every :class:`HighsLP` owns its HiGHS object and HiGHS releases the
GIL while it solves, so LPs in different threads run independently; one
:class:`HighsLP` must not be used by two threads at once (callers that share
one, such as :class:`~regionopt.enclave.LinearProductionGame`, hold a lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..solve import Status

INF = float(highspy.kHighsInf)

FloatArray = NDArray[np.float64]

_MS = highspy.HighsModelStatus


def new_highs() -> Any:
    """A silent HiGHS object for the game layer's LPs (see :func:`regionopt.solve.highs.new_highs`)."""
    from ..solve.highs import new_highs as _new

    return _new()


@dataclass
class LPResult:
    """Outcome of one solve.

    Attributes
    ----------
    status
        :class:`regionopt.solve.Status`: ``OPTIMAL``, ``INFEASIBLE``,
        ``UNBOUNDED``, ``TIME_LIMIT_NO_SOLUTION`` (an LP stopped by its limit
        has no usable point) or ``ERROR``.
    objective
        Objective value (NaN unless optimal).
    x, row_dual, row_value
        Column values, row duals and row activities from HiGHS (meaningful
        only when optimal).
    detail
        HiGHS's own name of the model status, for messages.
    """

    status: Status
    objective: float
    x: FloatArray
    row_dual: FloatArray
    row_value: FloatArray
    detail: str = ""


def _csr(rows: ArrayLike) -> tuple[NDArray[np.int32], NDArray[np.int32], FloatArray]:
    a = np.atleast_2d(np.asarray(rows, dtype=float))
    nz_r, nz_c = np.nonzero(a)
    counts = np.bincount(nz_r, minlength=a.shape[0])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
    return starts, nz_c.astype(np.int32), a[nz_r, nz_c].astype(float)


class HighsLP:
    """A re-solvable LP ``min/max c x  s.t.  row_lo <= A x <= row_hi, col_lo <= x <= col_hi``.

    Parameters
    ----------
    c
        Objective coefficients, shape ``(n,)``.
    col_lo, col_hi
        Variable bounds (use ``-numpy.inf`` / ``numpy.inf`` for free).
    maximize
        Sense of the objective.
    time_limit
        Optional HiGHS time limit in seconds per solve.
    """

    def __init__(
        self,
        c: ArrayLike,
        col_lo: ArrayLike,
        col_hi: ArrayLike,
        *,
        maximize: bool = False,
        time_limit: float | None = None,
    ) -> None:
        self.h = new_highs()
        if time_limit is not None:
            self.set_time_limit(time_limit)
        cost = np.asarray(c, dtype=float)
        lo = np.nan_to_num(np.asarray(col_lo, dtype=float), neginf=-INF, posinf=INF)
        hi = np.nan_to_num(np.asarray(col_hi, dtype=float), neginf=-INF, posinf=INF)
        self.n = cost.size
        empty_i = np.array([], dtype=np.int32)
        self.h.addCols(self.n, cost, lo, hi, 0, empty_i, empty_i, np.array([], dtype=float))
        if maximize:
            self.h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.m = 0

    def add_rows(self, rows: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> NDArray[np.int64]:
        """Add dense rows ``lo <= rows @ x <= hi``; return their row indices."""
        a = np.atleast_2d(np.asarray(rows, dtype=float))
        k = a.shape[0]
        if k == 0:
            return np.array([], dtype=np.int64)
        starts, idx, val = _csr(a)
        rlo = np.nan_to_num(np.broadcast_to(np.asarray(lo, dtype=float), (k,)).copy(), neginf=-INF, posinf=INF)
        rhi = np.nan_to_num(np.broadcast_to(np.asarray(hi, dtype=float), (k,)).copy(), neginf=-INF, posinf=INF)
        self.h.addRows(k, rlo, rhi, int(val.size), starts, idx, val)
        out = np.arange(self.m, self.m + k, dtype=np.int64)
        self.m += k
        return out

    def add_cols(self, cost: ArrayLike, lo: ArrayLike, hi: ArrayLike, columns: ArrayLike) -> None:
        """Add columns given densely (``columns`` has one column per new variable, one row per LP row)."""
        a = np.asarray(columns, dtype=float)
        if a.ndim == 1:
            a = a[:, None]
        k = a.shape[1]
        if k == 0:
            return
        starts, idx, val = _csr(a.T)
        clo = np.nan_to_num(np.broadcast_to(np.asarray(lo, dtype=float), (k,)).copy(), neginf=-INF, posinf=INF)
        chi = np.nan_to_num(np.broadcast_to(np.asarray(hi, dtype=float), (k,)).copy(), neginf=-INF, posinf=INF)
        c = np.broadcast_to(np.asarray(cost, dtype=float), (k,)).copy()
        self.h.addCols(k, c, clo, chi, int(val.size), starts, idx, val)
        self.n += k

    def add_rows_csr(
        self, starts: ArrayLike, index: ArrayLike, value: ArrayLike, lo: ArrayLike, hi: ArrayLike
    ) -> None:
        """Add rows given in compressed sparse row form (for very large row sets)."""
        rlo = np.nan_to_num(np.asarray(lo, dtype=float), neginf=-INF, posinf=INF)
        rhi = np.nan_to_num(np.asarray(hi, dtype=float), neginf=-INF, posinf=INF)
        k = rlo.size
        val = np.asarray(value, dtype=float)
        self.h.addRows(
            k, rlo, rhi, int(val.size), np.asarray(starts, dtype=np.int32),
            np.asarray(index, dtype=np.int32), val,
        )
        self.m += k

    def set_row_bounds(self, row: int, lo: float, hi: float) -> None:
        self.h.changeRowBounds(int(row), float(np.nan_to_num(lo, neginf=-INF, posinf=INF)),
                               float(np.nan_to_num(hi, neginf=-INF, posinf=INF)))

    def set_rows_bounds(self, rows: ArrayLike, lo: ArrayLike, hi: ArrayLike) -> None:
        r = np.asarray(rows, dtype=np.int32)
        rlo = np.nan_to_num(np.asarray(lo, dtype=float), neginf=-INF, posinf=INF)
        rhi = np.nan_to_num(np.asarray(hi, dtype=float), neginf=-INF, posinf=INF)
        self.h.changeRowsBounds(int(r.size), r, rlo, rhi)

    def set_costs(self, c: ArrayLike) -> None:
        """Replace the objective coefficients (all columns)."""
        cost = np.asarray(c, dtype=float)
        self.h.changeColsCost(int(cost.size), np.arange(cost.size, dtype=np.int32), cost)

    def set_coeff(self, row: int, col: int, value: float) -> None:
        self.h.changeCoeff(int(row), int(col), float(value))

    def set_time_limit(self, seconds: float | None) -> None:
        """HiGHS time limit for the next solves (``None``: none), seconds."""
        self.h.setOptionValue("time_limit", INF if seconds is None else max(float(seconds), 0.0))

    def solve(self) -> LPResult:
        """Solve (warm-started from the last basis) and read the solution back."""
        self.h.run()
        ms = self.h.getModelStatus()
        if ms == _MS.kUnboundedOrInfeasible:
            # presolve could not tell which: HiGHS's advice is to solve again without it
            self.h.setOptionValue("presolve", "off")
            try:
                self.h.run()
                ms = self.h.getModelStatus()
            finally:
                self.h.setOptionValue("presolve", "choose")
        status = _status(ms)
        if ms == _MS.kUnboundedOrInfeasible:  # still undecided: unbounded only if a feasible point is known
            feasible = self.h.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
            status = Status.UNBOUNDED if feasible else Status.ERROR
        sol = self.h.getSolution()
        obj = float(self.h.getInfo().objective_function_value) if status == Status.OPTIMAL else float("nan")
        return LPResult(
            status,
            obj,
            np.asarray(sol.col_value, dtype=float),
            np.asarray(sol.row_dual, dtype=float),
            np.asarray(sol.row_value, dtype=float),
            str(self.h.modelStatusToString(ms)),
        )

    def col_dual(self) -> FloatArray:
        """Reduced costs of the columns at the last solve."""
        return np.asarray(self.h.getSolution().col_dual, dtype=float)

    def set_col_bounds(self, col: int, lo: float, hi: float) -> None:
        self.h.changeColBounds(int(col), float(np.nan_to_num(lo, neginf=-INF, posinf=INF)),
                               float(np.nan_to_num(hi, neginf=-INF, posinf=INF)))

    def set_option(self, name: str, value: float | str | bool) -> None:
        self.h.setOptionValue(name, value)


def _status(ms: Any) -> Status:
    """HiGHS model status -> :class:`regionopt.solve.Status`."""
    if ms == _MS.kOptimal:
        return Status.OPTIMAL
    if ms == _MS.kInfeasible:
        return Status.INFEASIBLE
    if ms == _MS.kUnbounded:
        return Status.UNBOUNDED
    if ms == _MS.kTimeLimit:
        return Status.TIME_LIMIT_NO_SOLUTION
    return Status.ERROR


def solve_lp(
    c: ArrayLike,
    a: ArrayLike,
    row_lo: ArrayLike,
    row_hi: ArrayLike,
    col_lo: ArrayLike,
    col_hi: ArrayLike,
    *,
    maximize: bool = False,
) -> LPResult:
    """Build and solve a one-off LP from dense arrays."""
    lp = HighsLP(c, col_lo, col_hi, maximize=maximize)
    lp.add_rows(a, row_lo, row_hi)
    return lp.solve()
