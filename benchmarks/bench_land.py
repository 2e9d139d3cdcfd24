"""Land-quota model: build, solve and read back, against raw highspy on the identical LP.

Baseline: the LP that regionopt hands to HiGHS is extracted (``Highs.getLp``)
and solved by a fresh ``highspy.Highs`` in the same process, so the ratio
``regionopt_total / raw_highs_solve`` is the overhead of building the model in
Pyomo, the solver interface and reading the results back into tables.
"""

from __future__ import annotations

from typing import Any

import highspy
from pyomo.contrib.solver.solvers.highs import Highs

from regionopt.land import LandQuotaProblem, delta_example, random_instance
from regionopt.land.readback import read_tables
from regionopt.solve import solve_model

from .registry import Timer, benchmark


def _problem(size: str) -> LandQuotaProblem:
    if size == "delta41":
        return delta_example()
    n = int(size.removeprefix("counties"))
    return random_instance(n, 4, projects_per_region=3, pairs_per_region=8, seed=300)


def _raw_highs(model: Any) -> tuple[float, float, float]:
    """(extract seconds, solve seconds, objective) of the identical LP in plain highspy."""
    import time

    t0 = time.perf_counter()
    opt = Highs()
    opt.set_instance(model)
    lp = opt._solver_model.getLp()
    t1 = time.perf_counter()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    t2 = time.perf_counter()
    h.run()
    t3 = time.perf_counter()
    return t1 - t0, t3 - t2, float(h.getInfo().objective_function_value)


@benchmark("land", sizes=("delta41", "counties300"), description="land-quota LP: phases vs raw highspy on the same LP")
def bench_land(size: str, timer: Timer) -> dict[str, Any]:
    with timer.phase("validate"):
        prob = _problem(size)
    with timer.phase("build"):
        m = prob.to_pyomo()
    with timer.phase("solve"):
        rep = solve_model(m)
    with timer.phase("read_back"):
        read_tables(m, prob.inputs, rep.duals)
    _extract, raw_solve, raw_obj = _raw_highs(m)  # the same model object: the identical LP
    timer.phases["raw_highs_solve"] = raw_solve
    total = timer.phases["validate"] + timer.phases["build"] + timer.phases["solve"] + timer.phases["read_back"]
    return {
        "rows": m.nconstraints(),
        "cols": m.nvariables(),
        "objective": rep.objective,
        "raw_objective": raw_obj,
        "same_optimum": abs(rep.objective - raw_obj) <= 1e-6 * max(1.0, abs(raw_obj)),
        "solve/raw": rep.solve_seconds / raw_solve if raw_solve > 0 else float("nan"),
        "total/raw": total / raw_solve if raw_solve > 0 else float("nan"),
    }
