"""Sweeps on a real Dask LocalCluster (two worker processes): same results, and a killed worker loses nothing."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import distributed  # the scenarios extra (in dev): CI runs this on a real LocalCluster
import numpy as np
import pandas as pd
import pytest

from regionopt.scenarios import ParquetStore, Sweep

from . import scenario_helpers as H

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client() -> Iterator[distributed.Client]:
    """Two worker processes (one thread each); closed whatever happens."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                       env=env, silence_logs=40, death_timeout=60)
    cl = distributed.Client(cluster, timeout=60)
    try:
        cl.wait_for_workers(2, timeout=120)
        yield cl
    finally:
        cl.close(timeout=30)
        cluster.close(timeout=30)


@pytest.fixture(scope="module")
def sweep() -> Sweep:
    return Sweep.grid(H.small_land(), statutory_price_scale=[0.5, 1.0, 1.5, 2.0],
                      project_value_scale=[0.8, 0.9, 1.0, 1.1, 1.2], platform=[True, False])


def test_dask_sweep_gives_the_in_process_results(client, sweep, tmp_path) -> None:
    here = sweep.run(store=tmp_path / "local", extract=H.welfare, progress=False)
    there = sweep.run(client, store=tmp_path / "dask", extract=H.welfare, progress=False, batch_size=4)
    assert len(there) == len(sweep) and there["scenario_id"].is_unique
    pd.testing.assert_series_equal(there["status"], here["status"])
    np.testing.assert_allclose(there["objective"], here["objective"], rtol=1e-9)
    workers = {w.split(":")[1] for w in there["worker"]}
    assert len(workers) == 2 and str(os.getpid()) not in workers  # both worker processes did work, not this one
    a = sweep.results("regions", store=tmp_path / "local")
    b = sweep.results("regions", store=tmp_path / "dask")
    np.testing.assert_allclose(a.groupby("scenario")["welfare_10k_cny"].sum().sort_index(),
                               b.groupby("scenario")["welfare_10k_cny"].sum().sort_index(), rtol=1e-9)


def test_a_killed_dask_worker_loses_and_duplicates_nothing(client, sweep, tmp_path) -> None:
    log = tmp_path / "calls.log"
    log.write_text("", encoding="utf-8")
    marker = tmp_path / "killed"
    target = sweep.scenarios[17].name
    store = tmp_path / "kill"
    try:
        res = sweep.run(client, store=store, extract=H.KillOnce(log, marker, target), progress=False, batch_size=4)
    finally:
        client.wait_for_workers(2, timeout=120)  # the nanny restarts the killed worker
    assert marker.exists()  # a worker process did die mid-batch
    assert len(res) == len(sweep) and res["scenario_id"].is_unique and (res["status"] == "optimal").all()
    raw = pd.concat([pd.read_parquet(f) for f in (store / "scenarios").glob("*.parquet")])
    assert raw["scenario_id"].is_unique and len(raw) == len(sweep)  # each scenario recorded exactly once
    calls = Counter(x for x in log.read_text(encoding="utf-8").splitlines() if x)
    assert set(calls) == {s.name for s in sweep.scenarios}
    assert calls[target] == 1  # it ran again on a fresh worker after the kill (the first run died before logging)
    assert ParquetStore(store).records()["status"].eq("optimal").all()

