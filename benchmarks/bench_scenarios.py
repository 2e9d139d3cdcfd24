"""Scenario sweeps of the Delta land case: today's rebuild loop against the fast re-solve, 1 vs 2 Dask workers.

The scenarios are a seeded Latin-hypercube sample of four numeric settings of
the Delta land case (platform payout coefficient, statutory price scale,
within-province and per-km transaction costs), so every scenario has the base
model's structure and the sweep re-solves one live HiGHS model in place.

Wall-clock numbers depend on what else runs on the machine; the CPU seconds of
this process (``cpu_s/...``, ``time.process_time``) of the in-process runs do
much less.

Measured (wall clock, same process):

* ``rebuild_loop``: today's way, ``problem.with_settings(...).solve()`` per
  scenario (the trade plan and its autarky benchmark, both on the land
  model's matrix route), on the first ``REBUILD_SAMPLE`` scenarios;
  ``rebuild_noaut`` the same with ``autarky=False`` (like for like with the
  sweep, which skips autarky); ``rebuild_pyomo`` with ``route="pyomo"`` (the
  loop as it was before the matrix route, the issue's baseline);
* ``fast_1proc``: ``Sweep.run()`` in this process (compile, update the live
  model, warm re-solve; objective only);
* ``dask_1w`` / ``dask_2w``: the same sweep on a ``LocalCluster`` of 1 and 2
  worker processes, 100 scenarios per task (a Delta scenario takes milliseconds:
  bigger tasks spread Dask's per-task overhead); cluster start-up not
  included (reported apart).

``fast_no_compile`` runs the same sweep with ``problem.compile()`` answered
from compiled models prepared beforehand (untimed): everything a sweep does
except compiling -- the floor that a matrix route compiling in ~0 s reaches.

The per-scenario phases of the fast path (``build`` = the scenario's problem
from its edits, ``compile`` = ``problem.compile()``, ``solve`` = update +
warm re-solve, ``extract``) come from the sweep's own records.
"""

from __future__ import annotations

import os
import tempfile
import time
from typing import Any

from benchmarks.registry import Timer, benchmark
from regionopt.land import LandQuotaProblem, delta_example
from regionopt.scenarios import Sweep
from regionopt.scenarios.edits import apply_settings_edits
from regionopt.scenarios.runner import clear_worker_cache

REBUILD_SAMPLE = int(os.environ.get("RO_BENCH_REBUILD_SAMPLE", "100"))

RANGES = {
    "platform_payout_coefficient": (0.5, 1.45),  # below every buyer coefficient (1.5, 2): no idle round trips
    "statutory_price_scale": (0.3, 3.0),
    "intra_cost_10k_cny_per_unit": (0.0, 1.0),
    "transport_cost_10k_cny_per_unit_km": (0.0005, 0.004),
}


def _warm() -> bool:
    """Import what a worker runs (pyomo, pandas, regionopt) once, as a running cluster already has."""
    import regionopt.land.problem
    import regionopt.scenarios.runner  # noqa: F401

    return True


def _dask_run(sweep: Sweep, workers: int) -> tuple[float, float, Any]:
    """Seconds of the sweep on a warm cluster, seconds to start and warm it, and the results.

    The workers import regionopt before the clock starts (``client.run``): a
    sweep sent to a cluster that is already up pays no import, and timing it
    inside would charge a one-time cost of about 1.5 s per worker to the
    scaling ratio.
    """
    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=40)
    client = Client(cluster)
    try:
        client.wait_for_workers(workers, timeout=120)
        client.run(_warm)
        start = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as d:
            t1 = time.perf_counter()
            res = sweep.run(client, store=d, progress=False, batch_size=100)
            secs = time.perf_counter() - t1
    finally:
        client.close()
        cluster.close()
    return secs, start, res


@benchmark("scenarios_delta", sizes=(1000,), description="Delta land sweep: rebuild loop vs fast re-solve vs Dask")
def bench_scenarios(n: int, timer: Timer) -> dict[str, Any]:
    base = delta_example()
    with timer.phase("define_and_validate"):
        sweep = Sweep.sample(base, RANGES, n, method="lhs", seed=13)
    names = [s.name for s in sweep.scenarios[:REBUILD_SAMPLE]]
    # the settings each scenario changes, as with_settings keywords (today's way of writing a variant)
    changes = {s.name: apply_settings_edits(base.settings, s.settings_edits) for s in sweep.scenarios[:REBUILD_SAMPLE]}
    objs: dict[str, float] = {}
    cpu: dict[str, float] = {}
    c0 = time.process_time()
    with timer.phase("rebuild_loop"):
        for name in names:
            objs[name] = base.with_settings(**changes[name]).solve().objective
    c1 = time.process_time()
    with timer.phase("rebuild_noaut"):
        for name in names:
            base.with_settings(**changes[name]).solve(autarky=False)
    c2 = time.process_time()
    with timer.phase("rebuild_pyomo"):  # the loop as it was before the matrix route (the baseline)
        for name in names:
            base.with_settings(**changes[name]).solve(route="pyomo")
    c2b = time.process_time()
    with tempfile.TemporaryDirectory() as d:
        with timer.phase("fast_1proc"):
            res = sweep.run(store=d, progress=False)
    c3 = time.process_time()
    cpu = {"rebuild": (c1 - c0) / len(names), "rebuild_noaut": (c2 - c1) / len(names),
           "rebuild_pyomo": (c2b - c2) / len(names), "fast": (c3 - c2b) / n}
    # everything but compile: the same sweep with problem.compile() answered from a cache filled beforehand
    # (untimed) -- the floor a matrix route that compiles in ~0 s would reach
    cache = {}
    for sc in sweep.scenarios:
        q = base.with_settings(**apply_settings_edits(base.settings, sc.settings_edits))
        cache[q.settings.model_dump_json()] = q.compile()
    original = LandQuotaProblem.compile
    LandQuotaProblem.compile = lambda self: cache[self.settings.model_dump_json()]  # type: ignore[method-assign]
    try:
        clear_worker_cache()
        again = Sweep(base, sweep.scenarios)
        c4 = time.process_time()
        with tempfile.TemporaryDirectory() as d, timer.phase("fast_no_compile"):
            res0 = again.run(store=d, progress=False)
        cpu["no_compile"] = (time.process_time() - c4) / n
    finally:
        LandQuotaProblem.compile = original  # type: ignore[method-assign]
    agree = max(abs(res.set_index("name").at[k, "objective"] - v) / max(1.0, abs(v)) for k, v in objs.items())
    d1, _start1, res1 = _dask_run(sweep, 1)
    d2, start2, res2 = _dask_run(sweep, 2)
    timer.phases["dask_1w"] = d1
    timer.phases["dask_2w"] = d2
    ph = timer.phases
    per_rebuild = ph["rebuild_loop"] / len(names)
    per_fast = ph["fast_1proc"] / n
    return {
        "scenarios": n,
        "rebuild_sample": len(names),
        "s/scen_rebuild": per_rebuild,
        "s/scen_rebuild_noaut": ph["rebuild_noaut"] / len(names),
        "s/scen_rebuild_pyomo": ph["rebuild_pyomo"] / len(names),
        "s/scen_fast": per_fast,
        "s/scen_dask_1w": d1 / n,
        "s/scen_dask_2w": d2 / n,
        "cpu_s/scen_rebuild": cpu["rebuild"],
        "cpu_s/scen_rebuild_noaut": cpu["rebuild_noaut"],
        "cpu_s/scen_fast": cpu["fast"],
        "cpu_s/scen_rebuild_pyomo": cpu["rebuild_pyomo"],
        "cpu_speedup_fast_vs_rebuild": cpu["rebuild"] / cpu["fast"],
        "cpu_speedup_fast_vs_rebuild_pyomo": cpu["rebuild_pyomo"] / cpu["fast"],
        "s/scen_no_compile": ph["fast_no_compile"] / n,
        "cpu_s/scen_no_compile": cpu["no_compile"],
        "no_compile_same": bool((res0["objective"] - res["objective"]).abs().max()
                                <= 1e-6 * res["objective"].abs().max()),
        "speedup_fast_vs_rebuild": per_rebuild / per_fast,
        "speedup_fast_vs_rebuild_noaut": ph["rebuild_noaut"] / len(names) / per_fast,
        "speedup_fast_vs_rebuild_pyomo": ph["rebuild_pyomo"] / len(names) / per_fast,
        "speedup_2w_vs_1w": d1 / d2,
        "speedup_2w_vs_1proc": ph["fast_1proc"] / d2,
        "phase_build": float(res["seconds_build"].mean()),
        "phase_compile": float(res["seconds_compile"].mean()),
        "phase_solve": float(res["seconds_solve"].mean()),
        "phase_extract": float(res["seconds_extract"].mean()),
        "routes": dict(res["route"].value_counts()),
        "max_rel_diff_vs_rebuild": agree,
        "same_as_dask": bool((abs(res1["objective"] - res["objective"]).max() <= 1e-6 * abs(res["objective"]).max())
                             and (abs(res2["objective"] - res["objective"]).max()
                                  <= 1e-6 * abs(res["objective"]).max())),
        # scenarios in flight on average (sum of per-scenario wall seconds in the workers / sweep wall seconds):
        # near the worker count when the sweep keeps every worker busy, whatever the machine's load
        "in_flight_dask_1w": float(res1["seconds_total"].sum() / d1),
        "in_flight_dask_2w": float(res2["seconds_total"].sum() / d2),
        "cluster_start_s": start2,
        "load_avg_1min": os.getloadavg()[0],
    }
