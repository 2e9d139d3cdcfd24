"""CPLEX through the ``cplex`` Python package, when importable and licensed.

Written against CPLEX's documented Python API; not run on the machine of the
published results (no licence there). The PyPI package is a size-limited
community edition: larger models end with status ``error`` and CPLEX's
message.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from .base import Options, Outcome, PythonAdapter


class CplexAdapter(PythonAdapter):
    name = "cplex"
    label = "CPLEX"

    def unavailable(self) -> str | None:
        try:
            import cplex
        except ImportError:
            return "cplex is not installed"
        try:
            cplex.Cplex().get_version()
        except Exception as exc:
            return f"CPLEX not usable ({str(exc).splitlines()[0][:120]})"
        return None

    def version(self) -> str:
        import cplex

        return f"CPLEX {cplex.Cplex().get_version()}"

    def solve(self, model: Path, opts: Options) -> Outcome:
        import cplex

        c = cplex.Cplex()
        c.parameters.timelimit.set(float(opts.time_limit))
        c.parameters.mip.tolerances.mipgap.set(float(opts.mip_gap))
        c.parameters.threads.set(int(opts.threads))
        t0 = time.perf_counter()
        try:
            c.read(str(model))
            start = c.get_time()
            c.solve()
            solver_time = c.get_time() - start
        except cplex.exceptions.CplexError as exc:
            return Outcome("error", message=str(exc)[:300])
        elapsed = time.perf_counter() - t0
        sol = c.solution
        code = sol.get_status()
        is_mip = c.get_problem_type() != c.problem_type.LP
        st = {1: "optimal", 101: "optimal", 102: "optimal", 11: "time_limit", 107: "time_limit", 108: "time_limit",
              3: "infeasible", 103: "infeasible", 2: "unbounded", 118: "unbounded", 4: "unbounded",
              119: "unbounded"}.get(code, "other")
        has = bool(sol.is_primal_feasible())
        obj = float(sol.get_objective_value()) if has else math.nan
        bound = float(sol.MIP.get_best_objective()) if is_mip else (obj if st == "optimal" else math.nan)
        gap = float(sol.MIP.get_mip_relative_gap()) if is_mip and has else math.nan
        return Outcome(st, has, obj, bound, gap, solver_time, elapsed, message=sol.get_status_string(code))
