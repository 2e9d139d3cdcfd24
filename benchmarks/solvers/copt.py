"""COPT through coptpy, when importable and licensed.

Written against coptpy's documented API; not run on the machine of the
published results (no licence there).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from .base import Options, Outcome, PythonAdapter


class CoptAdapter(PythonAdapter):
    name = "copt"
    label = "COPT"

    def unavailable(self) -> str | None:
        try:
            import coptpy as cp
        except ImportError:
            return "coptpy is not installed"
        try:
            cp.Envr()
        except Exception as exc:
            return f"no usable COPT licence ({str(exc).splitlines()[0][:120]})"
        return None

    def version(self) -> str:
        import coptpy as cp

        v = cp.Envr().getVersion() if hasattr(cp.Envr, "getVersion") else None
        return f"COPT {v}" if v else "COPT (coptpy)"

    def solve(self, model: Path, opts: Options) -> Outcome:
        import coptpy as cp

        m = cp.Envr().createModel("bench")
        m.setParam("TimeLimit", float(opts.time_limit))
        m.setParam("RelGap", float(opts.mip_gap))
        m.setParam("Threads", int(opts.threads))
        t0 = time.perf_counter()
        m.read(str(model))
        m.solve()
        elapsed = time.perf_counter() - t0
        is_mip = bool(m.getAttr("IsMIP"))
        code = int(m.status)
        st = {1: "optimal", 2: "infeasible", 3: "unbounded", 4: "unbounded", 8: "time_limit"}.get(code, "other")
        if is_mip:
            has = bool(m.getAttr("HasMipSol"))
            obj = float(m.getAttr("BestObj")) if has else math.nan
            bound = float(m.getAttr("BestBnd"))
            gap = float(m.getAttr("BestGap"))
        else:
            has = st == "optimal"
            obj = float(m.getAttr("LpObjval")) if has else math.nan
            bound, gap = obj, 0.0 if has else math.nan
        return Outcome(st, has, obj, bound, gap, float(m.getAttr("SolvingTime")), elapsed, message=f"status {code}")
