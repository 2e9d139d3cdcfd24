"""Gurobi through gurobipy, when importable and licensed.

Written against gurobipy's documented API; not run on the machine of the
published results (no licence there). Gurobi reports no primal-dual integral
through its API.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from .base import Options, Outcome, PythonAdapter


class GurobiAdapter(PythonAdapter):
    name = "gurobi"
    label = "Gurobi"

    def unavailable(self) -> str | None:
        try:
            import gurobipy as gp
        except ImportError:
            return "gurobipy is not installed"
        try:
            with gp.Env(params={"OutputFlag": 0}):
                pass
        except Exception as exc:
            return f"no usable Gurobi licence ({str(exc).splitlines()[0][:120]})"
        return None

    def version(self) -> str:
        import gurobipy as gp

        return "Gurobi " + ".".join(str(x) for x in gp.gurobi.version())

    def solve(self, model: Path, opts: Options) -> Outcome:
        import gurobipy as gp

        GRB = gp.GRB
        env = gp.Env(params={"TimeLimit": float(opts.time_limit), "MIPGap": float(opts.mip_gap),
                             "Threads": int(opts.threads)})
        t0 = time.perf_counter()
        m = gp.read(str(model), env)
        m.optimize()
        elapsed = time.perf_counter() - t0
        st = {GRB.OPTIMAL: "optimal", GRB.TIME_LIMIT: "time_limit", GRB.INFEASIBLE: "infeasible",
              GRB.UNBOUNDED: "unbounded", GRB.INF_OR_UNBD: "unbounded"}.get(m.Status, "other")
        has = m.SolCount > 0
        obj = float(m.ObjVal) if has else math.nan
        bound = float(m.ObjBound) if m.IsMIP else (obj if st == "optimal" else math.nan)
        return Outcome(st, has, obj, bound, float(m.MIPGap) if m.IsMIP and has else math.nan, float(m.Runtime),
                       elapsed, message=f"status {m.Status}")
