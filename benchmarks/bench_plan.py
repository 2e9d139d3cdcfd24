"""The integrated plan: the three-cluster Delta plan, Jiangsu's 13 clusters, the provinces' game.

Targets (issue 11, this 2-core machine): the three-cluster plan proven optimal
in <= 10 s, the 16-plan provinces' game end to end in <= 3 min. Every phase is
timed; the baseline is the stand-alone land model solved in the same run (what
linking the cluster roles adds).
"""

from __future__ import annotations

from typing import Any

from regionopt import SolveOptions
from regionopt.land import delta_example
from regionopt.plan import delta_plan, jiangsu_clusters

from .registry import Timer, benchmark


@benchmark("plan_delta3", sizes=("41x3x5",),
           description="integrated Delta plan, the seed's three clusters, proven optimal (mip_gap 0)")
def bench_three(size: str, timer: Timer) -> dict[str, Any]:
    with timer.phase("build"):
        plan = delta_plan()
        m = plan.to_pyomo()
    with timer.phase("solve_and_read"):
        res = plan.solve(mip_gap=0.0)
    with timer.phase("land_alone_baseline"):
        land = delta_example().solve(autarky=False)
    n_int = sum(1 for v in m.component_data_objects() if hasattr(v, "is_binary") and v.is_binary())
    return {"status": res.status.value, "objective": res.objective, "gap": res.mip_gap,
            "solver_seconds": res.report.solve_seconds, "binaries": n_int,
            "plan_over_land_alone": timer.phases["solve_and_read"] / max(timer.phases["land_alone_baseline"], 1e-9),
            "land_welfare_alone": land.welfare}


@benchmark("plan_jiangsu13", sizes=("41x13x5",),
           description="integrated Delta plan, Jiangsu's 13 cluster industries, 60 s limit: gap reached")
def bench_jiangsu(size: str, timer: Timer) -> dict[str, Any]:
    with timer.phase("build"):
        plan = delta_plan(jiangsu_clusters())
    with timer.phase("solve_60s"):
        res = plan.solve(time_limit=60.0)
    return {"status": res.status.value, "objective": res.objective, "bound": res.report.bound,
            "gap": res.mip_gap, "roles": len(res.roles)}


@benchmark("plan_game", sizes=("4 provinces",),
           description="the provinces' coordination game: 12 distinct plans (16 coalitions), nucleolus, core check")
def bench_game(size: str, timer: Timer) -> dict[str, Any]:
    with timer.phase("joint_plan"):
        res = delta_plan().solve(SolveOptions())
    with timer.phase("coordination_4_regimes"):
        coord = res.coordination
    with timer.phase("game_and_split"):
        split = res.fair_split("nucleolus")
    return {"v_N": split.game.grand_value, "in_core": split.core.in_core,
            "least_core_eps": split.least_core.epsilon,
            "joint_minus_alone": float(coord.loc["total", "gain_joint_vs_alone_10k_cny"]),
            "max_abs_transfer": float(split.table["transfer_10k_cny"].abs().max())}
