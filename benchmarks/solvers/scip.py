"""SCIP through PySCIPOpt (the PyPI wheel bundles SCIP and SoPlex)."""

from __future__ import annotations

import math
import time
from importlib.metadata import version
from pathlib import Path

from .base import Options, Outcome, PythonAdapter


class ScipAdapter(PythonAdapter):
    name = "scip"
    label = "SCIP"
    pd_integral = "PySCIPOpt getPrimalDualIntegral() (SCIP reports % x s; divided by 100)"

    def unavailable(self) -> str | None:
        try:
            import pyscipopt  # noqa: F401
        except ImportError:
            return "PySCIPOpt is not installed (pip install pyscipopt, or pip install -e '.[bench]')"
        return None

    def version(self) -> str:
        import pyscipopt

        return f"SCIP {pyscipopt.Model().version()} (PySCIPOpt {version('pyscipopt')})"

    def solve(self, model: Path, opts: Options) -> Outcome:
        import pyscipopt

        m = pyscipopt.Model()
        m.setParam("limits/time", float(opts.time_limit))
        m.setParam("limits/gap", float(opts.mip_gap))
        m.setParam("lp/threads", int(opts.threads))
        m.setParam("parallel/maxnthreads", int(opts.threads))
        t0 = time.perf_counter()
        m.readProblem(str(model))
        is_mip = m.getNBinVars() + m.getNIntVars() > 0
        m.optimize()
        elapsed = time.perf_counter() - t0
        raw = m.getStatus()
        st = {"optimal": "optimal", "gaplimit": "optimal", "timelimit": "time_limit", "infeasible": "infeasible",
              "unbounded": "unbounded", "inforunbd": "unbounded"}.get(raw, "other")
        has = m.getNSols() > 0
        obj = float(m.getObjVal()) if has else math.nan
        bound = float(m.getDualbound())
        pdi = math.nan
        if is_mip:
            try:
                pdi = float(m.getPrimalDualIntegral()) / 100.0
            except Exception:  # older PySCIPOpt
                pdi = math.nan
        return Outcome(
            status=st, has_solution=has, objective=obj,
            bound=bound if math.isfinite(bound) and abs(bound) < 1e19 else math.nan,
            solver_gap=float(m.getGap()), solver_time_s=float(m.getSolvingTime()), time_s=elapsed,
            pd_integral=pdi, message=raw,
        )
