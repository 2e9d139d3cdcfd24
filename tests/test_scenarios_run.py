"""Running sweeps: the fast re-solve against rebuilt models, the store, failures, resuming after a crash."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regionopt import InputError, MissingExtraError
from regionopt.clusters.example import CLUSTER_SECTOR, delta_problem
from regionopt.scenarios import ParquetStore, Scenario, Sweep, SweepIncomplete
from regionopt.scenarios.runner import clear_worker_cache

from . import scenario_helpers as H

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def land():
    return H.small_land()


def _log(tmp_path: Path) -> Path:
    log = tmp_path / "calls.log"
    log.write_text("", encoding="utf-8")
    return log


def _calls(log: Path) -> Counter[str]:
    return Counter(x for x in log.read_text(encoding="utf-8").splitlines() if x)


# --------------------------------------------------------------------------- fast re-solve


def test_fast_path_gives_the_result_of_solve(land) -> None:
    """A fresh live model (route 'build') reads back exactly what problem.solve(autarky=False) returns."""
    clear_worker_cache()
    sw = Sweep(land, [Scenario("base"), Scenario("closed", [("settings", None, "platform", "=", False)])])
    res = sw.run(extract=lambda r: r.result.tables(), progress=False)
    assert list(res["route"]) == ["build", "build"]
    for name in ("base", "closed"):
        want = sw.problem(name).solve(autarky=False)
        row = res[res["name"] == name].iloc[0]
        assert row["objective"] == pytest.approx(want.objective, rel=1e-12)
        for tname in ("regions", "gains", "flows", "farmland", "prices"):
            got = sw.results(tname)
            got = got[got["scenario"] == name].drop(columns=["scenario_id", "scenario"]).reset_index(drop=True)
            exp = want.tables()[tname]
            exp = exp.reset_index() if not isinstance(exp.index, pd.RangeIndex) else exp
            pd.testing.assert_frame_equal(got[exp.columns.tolist()], exp.reset_index(drop=True), check_dtype=False,
                                          rtol=1e-9, obj=f"{name}/{tname}")


def test_in_place_and_rebuilt_answers_agree_on_a_random_sample(land) -> None:
    """Warm re-solves in one live model agree with models rebuilt from scratch within 1e-6."""
    prov = sorted(land.inputs.provinces)
    sw = Sweep.sample(land, {"project_value_scale": (0.6, 1.4), "reclamation_cost_scale": (0.5, 1.5),
                             "statutory_price_scale": (0.3, 3.0), "platform_payout_coefficient": (0.0, 0.95),
                             "allocation_scale": (0.8, 1.2), "red_line_scale": {prov[0]: (0.999, 1.0)}},
                      24, method="lhs", seed=2024)
    res = sw.run(extract=H.residual, progress=False, batch_size=24)
    assert (res["status"] == "optimal").all()
    assert (res["route"] == "update").sum() >= 20  # the in-place path was exercised
    assert res["max_violation"].max() < 1e-6
    rng = np.random.default_rng(7)
    for i in rng.choice(len(sw), size=8, replace=False):
        name = sw.scenarios[i].name
        fresh = sw.problem(name).solve(autarky=False)
        row = res[res["name"] == name].iloc[0]
        assert row["objective"] == pytest.approx(fresh.objective, rel=1e-6, abs=1e-6), name
        assert row["objective_at_x"] == pytest.approx(fresh.objective, rel=1e-6, abs=1e-6), name


def test_structure_changes_rebuild_and_switch_back(land) -> None:
    clear_worker_cache()  # this process kept live models of the earlier tests' sweeps of the same base
    sw = Sweep.grid(land, platform=[True, False], statutory_price_scale=[0.5, 1.0, 2.0])
    res = sw.run(progress=False, batch_size=6)
    routes = Counter(res["route"])
    assert routes["build"] == 2 and routes["update"] == 4  # one live model per structure, kept side by side
    for name in ("platform=False, statutory_price_scale=2", "platform=True, statutory_price_scale=0.5"):
        assert res.set_index("name").at[name, "objective"] == pytest.approx(
            sw.problem(name).solve(autarky=False).objective, rel=1e-9)


def test_binary_projects_on_the_fast_path_match_solve() -> None:
    """A MIP land plan: prices from the LP with integers fixed on the live model, then the model put back."""
    p = H.small_land(seed=4).with_settings(binary_projects=True)
    sw = Sweep.grid(p, statutory_price_scale=[0.5, 1.0], project_value_scale=[0.9, 1.1])
    res = sw.run(extract=lambda r: {"prices": r.prices}, progress=False, mip_gap=0.0, batch_size=4)
    assert (res["status"] == "optimal").all()
    assert (res["route"] == "update").sum() == 3  # integrality restored after each price re-solve
    for s in sw.scenarios:
        want = sw.problem(s.name).solve(autarky=False, mip_gap=0.0)
        assert res.set_index("name").at[s.name, "objective"] == pytest.approx(want.objective, rel=1e-9)
        got = sw.results("prices")
        got = got[got["scenario"] == s.name].set_index(["region", "ledger", "period"])
        np.testing.assert_allclose(got["shadow_price_10k_cny_per_unit"],
                                   want.prices["shadow_price_10k_cny_per_unit"], rtol=1e-7, atol=1e-7)


def test_thread_pool_gives_the_same_results(land) -> None:
    from concurrent.futures import ThreadPoolExecutor

    sw = Sweep.grid(land, statutory_price_scale=[0.5, 1.0, 2.0], platform=[True, False])
    here = sw.run(progress=False)
    with ThreadPoolExecutor(2) as pool:
        there = Sweep.grid(land, statutory_price_scale=[0.5, 1.0, 2.0], platform=[True, False]).run(
            pool, progress=False, batch_size=2)
    pd.testing.assert_series_equal(there["status"], here["status"])
    np.testing.assert_allclose(there["objective"], here["objective"], rtol=1e-9)


def test_clusters_sweep_matches_solve() -> None:
    p = delta_problem(list(CLUSTER_SECTOR)[:4])
    sw = Sweep.grid(p, land_budget_scale={"Anhui": [0.3, 1.0]}, fit_scale=[0.9, 1.1])
    res = sw.run(extract=lambda r: {"assigned": len(r.plan)}, progress=False, mip_gap=0.0)
    assert (res["status"] == "optimal").all()
    for s in sw.scenarios:
        want = sw.problem(s.name).solve(mip_gap=0.0)
        row = res.set_index("name").loc[s.name]
        assert row["objective"] == pytest.approx(want.objective, rel=1e-9, abs=1e-9)
        assert row["assigned"] == len(want.plan)


def test_autarky_on_the_live_model_and_other_keywords_on_the_models_own_solve(land) -> None:
    """autarky=True is solved on the worker's live model (trade columns fixed, then restored for the next
    scenario); a keyword the fast path does not know (land's route) uses problem.solve()."""
    sw = Sweep.grid(land, statutory_price_scale=[0.5, 1.0, 2.0], project_value_scale=[0.8, 1.2])

    def gains(r):
        return {"gain": float(r.gain_from_trade), "gains": r.gains}

    res = sw.run(extract=gains, progress=False, batch_size=6, autarky=True)
    assert (res["route"] == "update").sum() >= 4  # the live model came back from each autarky solve
    for s in sw.scenarios:
        want = sw.problem(s.name).solve()
        row = res.set_index("name").loc[s.name]
        assert row["objective"] == pytest.approx(want.objective, rel=1e-9)
        assert row["gain"] == pytest.approx(want.gain_from_trade, rel=1e-7, abs=1e-6)
        got = sw.results("gains")
        got = got[got["scenario"] == s.name].set_index("province")
        np.testing.assert_allclose(got["gain_10k_cny"], want.gains["gain_10k_cny"], rtol=1e-7, atol=1e-6)
    full = Sweep(land, [Scenario("base")]).run(extract=gains, progress=False, route="pyomo")
    assert full["route"].iloc[0] == "full"
    assert full["gain"].iloc[0] == pytest.approx(land.solve().gain_from_trade, rel=1e-7)
    with pytest.raises(InputError, match="unknown run keyword"):
        sw.run(progres=False)


def test_the_result_is_read_inside_extract_only(land) -> None:
    kept = []
    Sweep(land, [Scenario("a")]).run(extract=lambda r: kept.append(r) or {}, progress=False)
    with pytest.raises(RuntimeError, match="inside extract"):
        _ = kept[0].regions


# --------------------------------------------------------------------------- outcomes are recorded


def test_infeasible_and_failed_scenarios_are_recorded(land, tmp_path) -> None:
    prov = sorted(land.inputs.provinces)[0]
    farm = land.to_frames()["provinces"].loc[prov, "farmland_mu"]
    sw = Sweep(land, [
        Scenario("fine"),
        Scenario("too strict", [("provinces", prov, "farmland_floor_mu", "=", float(farm) * 1.5)]),
        Scenario("bad extract", [("settings", None, "intra_cost_10k_cny_per_unit", "=", 0.3)]),
    ])

    def extract(r):
        if r.name == "bad extract":
            raise ValueError("boom in extract")
        return {"w": r.objective}

    res = sw.run(store=tmp_path / "s", extract=extract, progress=False).set_index("name")
    assert res.at["fine", "status"] == "optimal" and res.at["fine", "w"] == pytest.approx(res.at["fine", "objective"])
    assert res.at["too strict", "status"] == "infeasible"
    assert res.at["too strict", "error_type"] == "InfeasibleError"
    assert "farmland red line" in res.at["too strict", "diagnosis"]
    assert res.at["bad extract", "status"] == "failed"
    assert res.at["bad extract", "stage"] == "extract"
    assert "boom in extract" in res.at["bad extract", "error"]
    assert res.at["bad extract", "objective"] == pytest.approx(
        sw.problem("bad extract").solve(autarky=False).objective)  # the solve happened; only extract failed
    # not diagnosed on request: still recorded as infeasible
    res2 = sw.run(extract=extract, progress=False, diagnose=False).set_index("name")
    assert res2.at["too strict", "status"] == "infeasible" and res2.at["too strict", "diagnosis"] == ""
    assert "not diagnosed" in res2.at["too strict", "error"]


def test_store_round_trip_and_tidy_tables(land, tmp_path) -> None:
    sw = Sweep.grid(land, statutory_price_scale=[0.5, 1.0], project_value_scale=[0.9, 1.1])
    res = sw.run(store=tmp_path / "st", extract=H.welfare, progress=False, batch_size=3)
    assert len(list((tmp_path / "st" / "scenarios").glob("batch-*.parquet"))) == 2
    assert (res["welfare"] == res["objective"]).all()
    assert list(res.columns[:4]) == ["scenario_id", "name", "statutory_price_scale", "project_value_scale"]
    reg = sw.results("regions")
    assert list(reg.columns[:4]) == ["scenario_id", "scenario", "statutory_price_scale", "project_value_scale"]
    assert len(reg) == 4 * len(land.inputs.regions)
    sums = reg.groupby("scenario")["welfare_10k_cny"].sum()
    np.testing.assert_allclose(sums.loc[res["name"]].to_numpy(), res["welfare"].to_numpy(), rtol=1e-9)
    # a fresh sweep object over the same base reads the same store
    again = Sweep.grid(H.small_land(), statutory_price_scale=[0.5, 1.0], project_value_scale=[0.9, 1.1])
    pd.testing.assert_frame_equal(again.results(store=tmp_path / "st"), res)
    # another base problem may not share the folder
    with pytest.raises(InputError, match="another base problem"):
        Sweep(H.small_land(seed=3), [Scenario("x")]).run(store=tmp_path / "st", progress=False)


def test_orphan_tables_of_an_unfinished_batch_are_ignored_and_removed(land, tmp_path) -> None:
    sw = Sweep(land, [Scenario("a"), Scenario("b", [("settings", None, "platform", "=", False)])])
    sw.run(store=tmp_path / "o", extract=H.welfare, progress=False, batch_size=1)
    st = ParquetStore(tmp_path / "o")
    orphan = tmp_path / "o" / "tables" / "regions" / "batch-00000000000000000001-deadbeef.parquet"
    good = next((tmp_path / "o" / "tables" / "regions").glob("batch-*.parquet"))
    orphan.write_bytes(good.read_bytes())  # a table file whose scenarios file never came
    assert len(st.table("regions")) == 2 * len(land.inputs.regions)
    old = time.time() - 3600
    os.utime(orphan, (old, old))
    st.write(st.records().iloc[:1].drop(columns=["batch"]).to_dict("records"), {})
    assert not orphan.exists()


# --------------------------------------------------------------------------- stopping and resuming


def test_extractor_failure_stops_the_sweep_and_it_resumes(land, tmp_path) -> None:
    log = _log(tmp_path)
    sw = Sweep.grid(land, statutory_price_scale=list(np.linspace(0.5, 2.0, 8)),
                    project_value_scale=[0.8, 0.9, 1.0, 1.1, 1.2])
    store = tmp_path / "resume"
    with pytest.raises(SweepIncomplete) as ei:
        sw.run(store=store, extract=H.RaiseAt(log, 30), progress=False, batch_size=5, errors="raise")
    err = ei.value
    assert err.failed is not None and len(err.missing) == 10
    recs = ParquetStore(store).records()
    assert len(recs) == 30 and (recs["status"] == "failed").sum() == 1
    assert recs.loc[recs["status"] == "failed", "name"].iloc[0] == err.failed
    assert sorted(sw.missing()) == sorted(err.missing)
    # resume: only what is missing (and, asked for, the failed one) runs
    res = sw.run(store=store, extract=H.LogCalls(log), progress=False, batch_size=5, retry_failed=True)
    calls = _calls(log)
    assert len(res) == 40 and res["scenario_id"].is_unique and (res["status"] == "optimal").all()
    assert set(calls) == {s.name for s in sw.scenarios}
    assert all(c == 1 for c in calls.values())  # each scenario extracted once: nothing ran twice
    raw = pd.concat([pd.read_parquet(f) for f in (store / "scenarios").glob("*.parquet")])
    assert len(raw) == 41 and raw["scenario_id"].value_counts().max() == 2  # the retried one, read back once
    assert sw.missing() == []


def test_a_killed_worker_process_loses_only_its_batch(land, tmp_path) -> None:
    log = _log(tmp_path)
    sw = Sweep.grid(land, statutory_price_scale=[0.5, 1.0, 1.5, 2.0], project_value_scale=[0.9, 1.0, 1.1])
    kill = H.KillOnce(log, tmp_path / "killed", sw.scenarios[7].name)
    store = tmp_path / "pool"
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        with pytest.raises(InputError, match="cannot be pickled"):
            sw.run(pool, extract=lambda r: {}, progress=False)
        with pytest.raises(SweepIncomplete) as ei:
            sw.run(pool, store=store, extract=kill, progress=False, batch_size=2)
    assert (tmp_path / "killed").exists()
    assert sw.scenarios[7].name in ei.value.missing
    before = ParquetStore(store).records()
    assert len(before) + len(ei.value.missing) == len(sw)
    with ProcessPoolExecutor(2, mp_context=ctx) as pool:
        res = sw.run(pool, store=store, extract=kill, progress=False, batch_size=2)
    assert len(res) == len(sw) and res["scenario_id"].is_unique and (res["status"] == "optimal").all()
    raw = pd.concat([pd.read_parquet(f) for f in (store / "scenarios").glob("*.parquet")])
    assert raw["scenario_id"].is_unique  # nothing recorded twice
    # the scenarios recorded before the crash did not run again
    second = _calls(log)
    assert not set(before["name"]) & {n for n, c in second.items() if c > 1}


def test_a_killed_driver_resumes_where_it_stopped(tmp_path) -> None:
    """The whole sweep process is killed (SIGKILL) mid-run; the next run does only what is missing."""
    store = tmp_path / "driver"
    log = tmp_path / "driver.log"
    script = tmp_path / "drive.py"
    script.write_text(textwrap.dedent(f"""
        import time
        from tests import scenario_helpers as H
        from regionopt.scenarios import Sweep

        log = H.LogCalls({str(log)!r})

        def slow(r):
            time.sleep(0.15)
            return log(r)

        sw = Sweep.grid(H.small_land(), statutory_price_scale=[0.5, 1.0, 1.5, 2.0, 2.5],
                        project_value_scale=[0.8, 0.9, 1.0, 1.1])
        sw.run(store={str(store)!r}, extract=slow, progress=False, batch_size=2)
    """), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, str(script)], cwd=ROOT, env=env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if len(list((store / "scenarios").glob("batch-*.parquet"))) >= 3 if store.exists() else False:
                break
            if proc.poll() is not None:
                pytest.fail(f"the sweep process ended early (code {proc.returncode})")
            time.sleep(0.05)
        else:
            pytest.fail("the sweep process wrote nothing in 120 s")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    sw = Sweep.grid(H.small_land(), statutory_price_scale=[0.5, 1.0, 1.5, 2.0, 2.5],
                    project_value_scale=[0.8, 0.9, 1.0, 1.1])
    done = ParquetStore(store).records()
    assert 6 <= len(done) < len(sw)
    first = _calls(log)
    res = sw.run(store=store, extract=H.LogCalls(log), progress=False)
    assert len(res) == 20 and res["scenario_id"].is_unique and (res["status"] == "optimal").all()
    total = _calls(log)
    rerun = total - first
    assert set(rerun) == {s.name for s in sw.scenarios} - set(done["name"])  # only the missing ones ran
    assert all(c == 1 for c in rerun.values())
    assert not list(store.rglob(".batch-*"))  # no temporary file left in the store


# --------------------------------------------------------------------------- progress and extras


def test_progress_bar_shows_done_and_failed(land, capsys) -> None:
    sw = Sweep(land, [Scenario("a"), Scenario("b", [("settings", None, "platform", "=", False)])])
    sw.run(progress=True, extract=lambda r: 1 / 0 if r.name == "b" else {})
    err = capsys.readouterr().err
    assert "scenarios" in err and "2/2" in err and "failed=1" in err
    sw2 = Sweep(land, [Scenario("a")])
    sw2.run(progress=False)
    assert capsys.readouterr().err == ""


def test_missing_extras_name_the_pip_command(land, tmp_path, monkeypatch) -> None:
    sw = Sweep(land, [Scenario("a")])
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingExtraError, match=r'pip install "regionopt\[scenarios\]"'):
        sw.run(store=tmp_path / "x", progress=False)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(MissingExtraError, match=r'pip install "regionopt\[scenarios\]"'):
        sw.run(progress=True)
    monkeypatch.setitem(sys.modules, "scipy.stats", None)
    with pytest.raises(MissingExtraError, match=r'pip install "regionopt\[scenarios\]"'):
        Sweep.sample(land, {"project_value_scale": (0.9, 1.1)}, 4)
