"""What every solver adapter provides, and the outcome it reports.

An adapter turns (model file, options) into a command line for a fresh
process, and that process's output into an :class:`Outcome`. Solvers with a
Python API run in ``python -m benchmarks.worker`` (a fresh interpreter per
run); solvers that ship a binary (CBC, GLPK) are that process themselves.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["STATUSES", "Adapter", "Options", "Outcome", "PythonAdapter"]

#: Normalised statuses. ``optimal``: solved to the gap target (MIP) or to optimality (LP).
STATUSES = ("optimal", "time_limit", "infeasible", "unbounded", "killed", "error", "other")
NAN = math.nan


@dataclass(frozen=True)
class Options:
    """The same for every solver of one comparison.

    Attributes
    ----------
    time_limit
        Seconds, passed to the solver's own limit; the process is killed at
        ``time_limit + grace`` (see the runner).
    mip_gap
        Relative gap target for MIPs (HiGHS ``mip_rel_gap``, SCIP
        ``limits/gap``, CBC ``-ratioGap``, GLPK ``--mipgap``, ...).
    threads
        Threads the solver may use.
    """

    time_limit: float
    mip_gap: float
    threads: int


@dataclass
class Outcome:
    """What one run reports (objective sense as in the model file).

    Attributes
    ----------
    status
        One of :data:`STATUSES`.
    has_solution
        A feasible (integer-feasible, for MIPs) solution was found.
    objective, bound
        Best objective found and best proven bound (for an LP solved to
        optimality the bound is the objective).
    solver_gap
        The relative gap as the solver reports it (definitions differ; the
        report recomputes a common one).
    solver_time_s
        The time the solver reports, seconds.
    time_s
        Wall-clock seconds from reading the model file to the end of the
        solve, measured by us (the time the report ranks).
    cpu_s
        CPU seconds (user + system, all threads) of the same span: the
        worker's ``time.process_time`` around the solve, or the solver
        process's own for a binary.
    pd_integral
        Primal-dual integral (gap fraction x seconds) for MIPs, where the
        solver reports one; NaN otherwise.
    message
        Anything worth keeping (solver status text, error).
    """

    status: str
    has_solution: bool = False
    objective: float = NAN
    bound: float = NAN
    solver_gap: float = NAN
    solver_time_s: float = NAN
    time_s: float = NAN
    cpu_s: float = NAN
    pd_integral: float = NAN
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), allow_nan=True)

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        return cls(**json.loads(text))


class Adapter:
    """Base class: override :meth:`command` and :meth:`parse` (binaries) or :meth:`solve` (Python APIs).

    Attributes
    ----------
    name
        Name on the command line (``highs``, ``cbc``...).
    label
        Name in the report.
    model_format
        Which exported file the solver reads (``"mps"`` or ``"lp"``).
    pd_integral
        How the solver's primal-dual integral is obtained, or ``""`` if it
        gives none.
    """

    name = ""
    label = ""
    model_format = "mps"
    pd_integral = ""

    def unavailable(self) -> str | None:
        """``None`` if the solver can run here, else a one-line reason."""
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def command(self, model: Path, opts: Options, workdir: Path) -> list[str]:
        raise NotImplementedError

    def parse(self, workdir: Path, log: str) -> Outcome:
        raise NotImplementedError


class PythonAdapter(Adapter):
    """A solver driven through its Python API inside ``python -m benchmarks.worker``."""

    OUT = "outcome.json"

    def command(self, model: Path, opts: Options, workdir: Path) -> list[str]:
        return [
            sys.executable, "-m", "benchmarks.worker", self.name, str(model), str(workdir / self.OUT),
            "--time-limit", repr(opts.time_limit), "--mip-gap", repr(opts.mip_gap), "--threads", str(opts.threads),
        ]

    def parse(self, workdir: Path, log: str) -> Outcome:
        out = workdir / self.OUT
        if out.exists():
            return Outcome.from_json(out.read_text())
        tail = " | ".join(line.strip() for line in log.strip().splitlines()[-3:])
        return Outcome("error", message=f"no outcome written; log ends: {tail}"[:500])

    def solve(self, model: Path, opts: Options) -> Outcome:
        """Read ``model`` and solve it in this process (called by the worker)."""
        raise NotImplementedError
