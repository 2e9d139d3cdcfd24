"""HiGHS through highspy (the default solver of regionopt)."""

from __future__ import annotations

import math
import time
from importlib.metadata import version
from pathlib import Path

from .base import Options, Outcome, PythonAdapter


class HighsAdapter(PythonAdapter):
    name = "highs"
    label = "HiGHS"
    pd_integral = "highspy getInfo().primal_dual_integral (gap fraction x s)"

    def unavailable(self) -> str | None:
        try:
            import highspy  # noqa: F401
        except ImportError:
            return "highspy is not installed (pip install highspy)"
        return None

    def version(self) -> str:
        import highspy

        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        return f"HiGHS {h.version()} (git {h.githash()}; highspy {version('highspy')})"

    def solve(self, model: Path, opts: Options) -> Outcome:
        import highspy

        h = highspy.Highs()
        h.setOptionValue("threads", int(opts.threads))
        h.setOptionValue("time_limit", float(opts.time_limit))
        h.setOptionValue("mip_rel_gap", float(opts.mip_gap))
        t0 = time.perf_counter()
        if h.readModel(str(model)) == highspy.HighsStatus.kError:
            return Outcome("error", message=f"HiGHS could not read {model}")
        is_mip = any(t != highspy.HighsVarType.kContinuous for t in h.getLp().integrality_)
        h.run()
        elapsed = time.perf_counter() - t0
        ms = h.getModelStatus()
        info = h.getInfo()
        st = {
            highspy.HighsModelStatus.kOptimal: "optimal",
            highspy.HighsModelStatus.kTimeLimit: "time_limit",
            highspy.HighsModelStatus.kInfeasible: "infeasible",
            highspy.HighsModelStatus.kUnbounded: "unbounded",
            highspy.HighsModelStatus.kUnboundedOrInfeasible: "unbounded",
        }.get(ms, "other")
        has = info.primal_solution_status == 2  # kSolutionStatusFeasible
        obj = float(info.objective_function_value) if has else math.nan
        if is_mip:
            bound = float(info.mip_dual_bound)
        else:
            bound = obj if st == "optimal" else math.nan
        return Outcome(
            status=st, has_solution=has, objective=obj,
            bound=bound if math.isfinite(bound) else math.nan,
            solver_gap=float(info.mip_gap) if is_mip else (0.0 if st == "optimal" else math.nan),
            solver_time_s=float(h.getRunTime()), time_s=elapsed,
            pd_integral=float(getattr(info, "primal_dual_integral", math.nan)) if is_mip else math.nan,
            message=h.modelStatusToString(ms),
        )
