"""Smoke test of the solver comparison (``python -m benchmarks compare``) and its statistics.

The comparison runs on the Delta instances with HiGHS and CBC (a few seconds);
its objectives are checked against regionopt's own solve of the same problems
(Pyomo -> HiGHS in memory, an independent path from the exported files); the
statistics against hand computations.
"""

from __future__ import annotations

import hashlib
import math
import sys

import numpy as np
import pandas as pd
import pytest

from benchmarks.analysis import (
    aggregate,
    check_agreement,
    performance_profile,
    profile_times,
    sgm_table,
    shifted_geometric_mean,
)
from benchmarks.compare import common_gap, compare, run_process
from benchmarks.instances import SETS, export, select
from benchmarks.report import render
from benchmarks.solvers.cbc import _precise_bound, parse_cbc
from benchmarks.solvers.glpk import parse_glpk
from benchmarks.store import COLUMNS, append_row, check_store, read_store

DELTA = ["land-delta41", "land-delta41-bin", "clusters-delta-41x13x5"]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, object]:
    tmp = tmp_path_factory.mktemp("bench")
    store = tmp / "results.csv"
    lines: list[str] = []
    run_id = compare(["land", "clusters"], ["highs", "cbc"], time_limit=20.0, patterns=DELTA, store=store,
                     cache_dir=tmp / "cache", command="pytest smoke", echo=lambda s: lines.append(str(s)))
    return read_store(store), (tmp, run_id, lines)


def test_store_has_one_row_per_instance_and_solver(smoke) -> None:
    df, (tmp, run_id, _lines) = smoke
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == len(DELTA) * 2
    assert set(df["run_id"]) == {run_id}
    assert sorted(zip(df["instance"], df["solver"], strict=True)) == sorted((i, s) for i in DELTA for s in ("highs", "cbc"))
    assert (df["status"] == "optimal").all(), df[["instance", "solver", "status", "message"]]
    assert df["has_solution"].all()
    assert (df["time_s"] > 0).all() and (df["time_s"] <= df["wall_s"] + 1e-6).all()
    assert (df["peak_rss_mib"] > 1).all() and (df["peak_rss_mib"] < 2000).all()
    assert (df["solve_cpu_s"] > 0).all() and (df["solve_cpu_s"] <= df["cpu_s"] + 1e-6).all()
    cbc = df[df["solver"] == "cbc"]
    assert (cbc["solve_cpu_s"] == cbc["cpu_s"]).all()  # a binary: the process is the solve
    assert (df["command"] == "pytest smoke").all()
    assert df["cpu"].notna().all() and (df["logical_cpus"] >= 1).all()
    assert df.loc[df["instance"] == "land-delta41", "kind"].eq("LP").all()
    assert df.loc[df["instance"] != "land-delta41", "kind"].eq("MIP").all()
    # HiGHS reports a primal-dual integral for MIPs, CBC none
    mip = df[df["kind"] == "MIP"]
    assert mip.loc[mip["solver"] == "highs", "pd_integral"].ge(0).all()
    assert mip.loc[mip["solver"] == "cbc", "pd_integral"].isna().all()
    # the content hash is the SHA-256 of the cached MPS file
    for inst, sha in df.drop_duplicates("instance")[["instance", "instance_sha256"]].itertuples(index=False):
        files = list((tmp / "cache" / inst).glob("*.mps"))
        assert len(files) == 1
        assert hashlib.sha256(files[0].read_bytes()).hexdigest() == sha


def test_objectives_match_regionopt_own_solve(smoke) -> None:
    from regionopt.clusters.example import delta_problem
    from regionopt.datasets import load_delta
    from regionopt.land import delta_example

    df, _ = smoke
    obj = df.set_index(["instance", "solver"])["objective"]
    lp = delta_example().solve(autarky=False).objective
    mip = delta_example().with_settings(binary_projects=True).solve(autarky=False, mip_gap=1e-9).objective
    js = [k for k in load_delta().clusters.index if k.startswith("JS18")]
    cl = delta_problem(js, roles_base=4).solve(mip_gap=1e-9).objective
    for s in ("highs", "cbc"):
        assert obj["land-delta41", s] == pytest.approx(lp, rel=1e-7)
        assert obj["land-delta41-bin", s] == pytest.approx(mip, rel=1e-4)
        assert obj["clusters-delta-41x13x5", s] == pytest.approx(cl, rel=1e-4)
        assert obj["clusters-delta-41x13x5", s] <= cl + 1e-9  # a maximisation: no solver beats the optimum


def test_export_is_deterministic(tmp_path, smoke) -> None:
    df, _ = smoke
    (s, inst), = select(["land"], ["land-delta41"])
    e = export(s, inst, tmp_path / "other-cache")
    assert e.sha256 == df.loc[df["instance"] == "land-delta41", "instance_sha256"].iloc[0]
    assert e.rows == 306 and e.integers == 0 and e.sense == "max"
    assert e.lp.read_text().startswith("\\* Source Pyomo model")


def test_agreement_check_passes_and_fires_on_a_constructed_disagreement(smoke) -> None:
    df, _ = smoke
    assert check_agreement(df).empty
    bad = df.copy()
    i = bad.index[(bad["instance"] == "clusters-delta-41x13x5") & (bad["solver"] == "cbc")][0]
    bad.loc[i, "objective"] *= 1.01  # 1 % above: beyond the 1e-4 gap and beyond HiGHS's proven bound
    flags = check_agreement(bad)
    assert set(flags["instance"]) == {"clusters-delta-41x13x5"}
    assert set(flags["check"]) == {"objective", "bound"}
    b = flags[flags["check"] == "bound"].iloc[0]
    assert (b["solver_a"], b["solver_b"]) == ("cbc", "highs")
    page = render(bad, figure_rel=None)
    assert "contradiction(s) between solvers" in page
    assert "No contradiction" in render(df, figure_rel=None)


def test_agreement_tolerance_uses_the_gap_the_claim_allows() -> None:
    base = {"instance": "x", "status": "optimal", "has_solution": True, "kind": "MIP", "sense": "min",
            "mip_gap": 1e-4, "gap": 0.0, "repeat": 1}
    a = {**base, "solver": "a", "objective": 100.0, "bound": 100.0}
    b = {**base, "solver": "b", "objective": 100.009, "bound": 99.9995, "gap": 0.0}  # within 1e-4 x 100
    assert check_agreement(pd.DataFrame([a, b])).empty
    b2 = {**b, "objective": 100.02}  # 2e-4 apart: flagged
    f = check_agreement(pd.DataFrame([a, b2]))
    assert list(f["check"]) == ["objective"] and f["tolerance"].iloc[0] == pytest.approx(1e-4 * 100.02)
    lp = {**base, "kind": "LP", "mip_gap": 1e-4}
    f = check_agreement(pd.DataFrame([{**lp, "solver": "a", "objective": 1.0, "bound": 1.0},
                                      {**lp, "solver": "b", "objective": 1.00001, "bound": 1.00001}]))
    assert len(f) >= 1 and "objective" in set(f["check"])  # an LP allows no gap: 1e-5 > 1e-6


def test_shifted_geometric_mean_by_hand() -> None:
    assert shifted_geometric_mean([1.0, 10.0, 100.0]) == pytest.approx((11 * 20 * 110) ** (1 / 3) - 10)
    assert shifted_geometric_mean([5.0], shift=1.0) == pytest.approx(5.0)
    # timeouts and failures count at the time limit; ratio to the best solver
    rows = []
    for inst, (ta, sa), (tb, sb) in (("p1", (2.0, "optimal"), (4.0, "optimal")),
                                     ("p2", (70.0, "optimal"), (3.0, "optimal")),  # A over the limit: unsolved
                                     ("p3", (60.2, "time_limit"), (8.0, "optimal")),
                                     ("p4", (1.0, "error"), (61.0, "killed"))):
        for solver, t, st in (("A", ta, sa), ("B", tb, sb)):
            rows.append({"set": "s", "instance": inst, "solver": solver, "repeat": 1, "status": st, "time_s": t,
                         "solve_cpu_s": t / 2, "time_limit_s": 60.0})
    tab = sgm_table(aggregate(pd.DataFrame(rows)), ["A", "B"]).iloc[0]
    sgm_a = ((2 + 10) * (60 + 10) * (60 + 10) * (60 + 10)) ** 0.25 - 10
    sgm_b = ((4 + 10) * (3 + 10) * (8 + 10) * (60 + 10)) ** 0.25 - 10
    assert tab["A_sgm"] == pytest.approx(sgm_a) and tab["B_sgm"] == pytest.approx(sgm_b)
    assert tab["A_solved"] == 1 and tab["B_solved"] == 3
    assert tab["B_ratio"] == pytest.approx(1.0) and tab["A_ratio"] == pytest.approx(sgm_a / sgm_b)
    cpu = sgm_table(aggregate(pd.DataFrame(rows)), ["A", "B"], column="t_eff_cpu").iloc[0]
    assert cpu["A_sgm"] == pytest.approx(((1 + 10) * 70 * 70 * 70) ** 0.25 - 10)  # solved runs at half time
    assert cpu["B_sgm"] == pytest.approx(((2 + 10) * (1.5 + 10) * (4 + 10) * 70) ** 0.25 - 10)


def test_repeats_take_the_median_run() -> None:
    rows = [{"set": "s", "instance": "p", "solver": "A", "repeat": r, "status": st, "time_s": t, "time_limit_s": 10.0}
            for r, t, st in ((1, 3.0, "optimal"), (2, 1.0, "optimal"), (3, 9.0, "time_limit"))]
    agg = aggregate(pd.DataFrame(rows))
    assert len(agg) == 1 and agg["repeat"].iloc[0] == 1 and agg["t_eff"].iloc[0] == 3.0 and agg["repeats"].iloc[0] == 3
    rows[0]["status"] = "error"  # effective times 10, 1, 10: median 10, unsolved
    agg = aggregate(pd.DataFrame(rows))
    assert agg["t_eff"].iloc[0] == 10.0 and not agg["solved"].iloc[0]


def test_performance_profile_by_hand() -> None:
    inf = math.inf
    t = pd.DataFrame({"A": [1.0, 4.0, inf, inf], "B": [2.0, 2.0, 5.0, inf]}, index=["p1", "p2", "p3", "p4"])
    prof = performance_profile(t, [1.0, 1.5, 2.0, 100.0])
    # ratios A: 1, 2, inf, inf; B: 2, 1, 1, inf
    assert prof["A"].tolist() == [0.25, 0.25, 0.5, 0.5]
    assert prof["B"].tolist() == [0.5, 0.5, 0.75, 0.75]
    agg = pd.DataFrame({"instance": ["p1", "p1", "p2", "p2"], "solver": ["A", "B", "A", "B"],
                        "solved": [True, False, True, True], "t_eff": [3.0, 60.0, 2.0, 1.0]})
    pt = profile_times(agg)
    assert pt.loc["p1", "B"] == inf and pt.loc["p2", "B"] == 1.0


def test_common_gap() -> None:
    assert common_gap(100.0, 101.0, True) == pytest.approx(0.01)
    assert common_gap(-50.0, -51.0, True) == pytest.approx(0.02)
    assert common_gap(math.nan, 1.0, False) == math.inf
    assert math.isnan(common_gap(1.0, math.nan, True))


CBC_TIME_LOG = """Result - Stopped on time limit
Objective value:                240.2801
Upper bound:                    245.842
Gap:                            -0.0226249
Enumerated nodes:               0
Total iterations:               0
Time (B&C, Wallclock seconds):  5.07053
Total time (Wallclock seconds): 5.09927   (CPU seconds):             4.92753
"""


def test_parse_cbc() -> None:
    o = parse_cbc("Stopped on time - objective value 240.28010000\n", CBC_TIME_LOG)
    assert (o.status, o.has_solution, o.objective) == ("time_limit", True, 240.2801)
    assert o.bound == pytest.approx(240.2801 / (1 - 0.0226249))  # recovered from the gap, not the 6-digit print
    assert abs(o.bound - 245.842) < 1e-3 and o.solver_time_s == pytest.approx(5.09927)
    o = parse_cbc("Stopped on time (no integer solution - continuous used) - objective value 245.8\n",
                  CBC_TIME_LOG.replace("Objective value:                240.2801\n", ""))
    assert o.status == "time_limit" and not o.has_solution and math.isnan(o.objective)
    o = parse_cbc("Optimal - objective value 12446198.31764928\n",
                  "Total time (Wallclock seconds): 0.029078   (CPU seconds):             0.025217\n")
    assert (o.status, o.objective, o.bound) == ("optimal", 12446198.31764928, 12446198.31764928)
    assert parse_cbc("Infeasible - objective value 0\n", "").status == "infeasible"
    assert parse_cbc(None, "Error reading file\n").status == "error"
    assert _precise_bound(1.24274e7, 12427352.84614741, 0.0) == 12427352.84614741
    assert _precise_bound(1.24274e7, 12427352.8, 0.5) == 1.24274e7  # inconsistent gap: keep the printed bound


def test_parse_glpk() -> None:
    mip_log = ("+   625: mip =   1.242735285e+07 <=   1.242735285e+07   0.0% (2; 0)\n"
               "+   625: mip =   1.242735285e+07 <=     tree is empty   0.0% (0; 3)\n"
               "INTEGER OPTIMAL SOLUTION FOUND\nTime used:   0.0 secs\n")
    o = parse_glpk("c Status: INTEGER OPTIMAL\ns mip 306 2323 o 12427352.8461474\ne o f\n", mip_log)
    assert (o.status, o.has_solution, o.objective, o.bound) == ("optimal", True, 12427352.8461474, 12427352.8461474)
    tl = "+  9603: mip =   2.40e+02 <=   2.457799531e+02   2.3% (46; 0)\nTIME LIMIT EXCEEDED; SEARCH TERMINATED\n"
    o = parse_glpk("s mip 5349 6396 f 240\n", tl)
    assert (o.status, o.has_solution, o.objective, o.bound) == ("time_limit", True, 240.0, 245.7799531)
    o = parse_glpk("s mip 5349 6396 u 0\n", tl.replace("2.40e+02", "not found yet"))
    assert o.status == "time_limit" and not o.has_solution and o.bound == 245.7799531
    o = parse_glpk("s bas 306 2323 f f 12446198.3176493\n", "OPTIMAL LP SOLUTION FOUND\n")
    assert (o.status, o.objective, o.bound) == ("optimal", 12446198.3176493, 12446198.3176493)
    o = parse_glpk("s mip 10 10 f 5\n", "RELATIVE MIP GAP TOLERANCE REACHED; SEARCH TERMINATED\n")
    assert o.status == "optimal"


def test_hard_kill_takes_the_whole_process_group(tmp_path) -> None:
    code = ("import subprocess, sys, time\n"
            "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
            f"open({str(tmp_path / 'child.pid')!r}, 'w').write(str(p.pid))\n"
            "time.sleep(60)\n")
    r = run_process([sys.executable, "-c", code], 2.0, tmp_path / "log.txt", cwd=tmp_path)
    assert r.killed and r.returncode is None and 2.0 <= r.wall_s < 10.0
    pid = int((tmp_path / "child.pid").read_text())
    import os
    import time

    for _ in range(50):  # the grandchild was killed with the group (a zombie until init reaps it)
        try:
            state = open(f"/proc/{pid}/stat").read().split()[2]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.1)
    else:
        os.kill(pid, 9)
        pytest.fail("grandchild still running after the hard kill")


def test_peak_memory_is_the_solver_process_own(tmp_path) -> None:
    ballast = np.ones(40_000_000)  # this process holds 300+ MB; a forked child would inherit it in ru_maxrss
    r = run_process([sys.executable, "-S", "-c", "pass"], 30.0, tmp_path / "a.log", cwd=tmp_path)
    assert r.returncode == 0 and r.peak_rss_mib < 50, r
    r = run_process([sys.executable, "-c", "import numpy as np; a = np.ones(12_500_000); a += 1"], 60.0,
                    tmp_path / "b.log", cwd=tmp_path)
    assert r.returncode == 0 and 95 < r.peak_rss_mib < 300, r  # 100 MB array
    del ballast


def test_store_is_appended_never_rewritten(tmp_path) -> None:
    p = tmp_path / "s.csv"
    append_row(p, {"run_id": "a", "instance": "x", "objective": 1.5})
    before = p.read_bytes()
    append_row(p, {"run_id": "b", "instance": "y", "objective": math.nan, "has_solution": False})
    assert p.read_bytes().startswith(before)
    df = read_store(p)
    assert df["run_id"].tolist() == ["a", "b"] and math.isnan(df["objective"].iloc[1])
    other = tmp_path / "old.csv"
    other.write_text("schema,run_id\n0,z\n")
    with pytest.raises(ValueError, match="never rewritten"):
        check_store(other)
    with pytest.raises(ValueError):
        append_row(other, {"run_id": "c"})
    assert other.read_text() == "schema,run_id\n0,z\n"


def test_registry_names_are_unique_and_large_sets_are_opt_in() -> None:
    everything = select(["all"], include_large=True)
    names = [i.name for _, i in everything]
    assert len(names) == len(set(names))
    assert {"land", "clusters", "nucleolus"} <= set(SETS)
    large = {i.name for _, i in everything if i.large}
    assert large == {"land-r5000p45", "land-r5000p45-bin"}
    assert not large & {i.name for _, i in select(["all"])}
    with pytest.raises(KeyError, match="unknown instance set"):
        select(["nope"])


@pytest.mark.parametrize("name, module", [("gurobi", "gurobipy"), ("copt", "coptpy"), ("cplex", "cplex"),
                                          ("xpress", "xpress")])
def test_commercial_solver_without_package_is_skipped_with_a_reason(monkeypatch, tmp_path, name, module) -> None:
    from benchmarks.solvers import get

    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    reason = get(name).unavailable()
    assert reason == f"{module} is not installed"
    said: list[str] = []
    with pytest.raises(ValueError, match="none of the requested solvers"):
        compare(["land"], [name], patterns=["land-delta41"], store=tmp_path / "s.csv", cache_dir=tmp_path / "c",
                echo=said.append)
    assert said == [f"skip {name}: {reason}"]
    assert not (tmp_path / "s.csv").exists()


def test_worker_reports_a_failed_read_as_an_error_outcome(tmp_path) -> None:
    from benchmarks.solvers import Outcome
    from benchmarks.worker import main as worker_main

    bad = tmp_path / "broken.mps"
    bad.write_text("NAME broken\nROWS\n this is not MPS\n")
    out = tmp_path / "o.json"
    assert worker_main(["highs", str(bad), str(out), "--time-limit", "5", "--mip-gap", "1e-4", "--threads", "1"]) == 0
    o = Outcome.from_json(out.read_text())
    assert o.status == "error" and not o.has_solution and math.isnan(o.objective)
