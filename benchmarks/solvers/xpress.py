"""FICO Xpress through the ``xpress`` Python package, when importable and licensed.

Written against Xpress 9's documented Python API (``problem.optimize``,
``attributes.solvestatus``/``solstatus``); not run on the machine of the
published results (no licence there). The PyPI package's community licence is
size-limited.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from .base import Options, Outcome, PythonAdapter


class XpressAdapter(PythonAdapter):
    name = "xpress"
    label = "Xpress"

    def unavailable(self) -> str | None:
        try:
            import xpress as xp
        except ImportError:
            return "xpress is not installed"
        try:
            xp.problem()
        except Exception as exc:
            return f"no usable Xpress licence ({str(exc).splitlines()[0][:120]})"
        return None

    def version(self) -> str:
        import xpress as xp

        return f"Xpress {xp.getversion()}"

    def solve(self, model: Path, opts: Options) -> Outcome:
        import xpress as xp

        p = xp.problem()
        p.controls.maxtime = -max(1, math.ceil(opts.time_limit))  # negative: stop even without a solution
        p.controls.miprelstop = float(opts.mip_gap)
        p.controls.threads = int(opts.threads)
        t0 = time.perf_counter()
        p.read(str(model))
        p.optimize()
        elapsed = time.perf_counter() - t0
        solve_st = str(p.attributes.solvestatus).rsplit(".", 1)[-1].upper()
        sol_st = str(p.attributes.solstatus).rsplit(".", 1)[-1].upper()
        is_mip = p.attributes.mipents > 0
        has = sol_st in ("OPTIMAL", "FEASIBLE")
        if sol_st == "OPTIMAL":
            st = "optimal"
        elif sol_st == "INFEASIBLE":
            st = "infeasible"
        elif sol_st == "UNBOUNDED":
            st = "unbounded"
        elif solve_st == "STOPPED":
            st = "time_limit"
        else:
            st = "other"
        obj = float(p.attributes.objval) if has else math.nan
        bound = float(p.attributes.bestbound) if is_mip else (obj if st == "optimal" else math.nan)
        return Outcome(st, has, obj, bound, math.nan, float(p.attributes.time), elapsed,
                       message=f"{solve_st}/{sol_st}")
