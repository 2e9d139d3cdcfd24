"""Enclave games: exact Shapley and the nucleolus at n = 10, 15, 20, 22 players.

- ``enclave_shapley``: the vectorized exact Shapley value (one reshaped view per
  player over the 2^n table) against a plain per-player boolean-mask
  implementation of the same formula, on a random game (seeded).
- ``enclave_nucleolus``: the nucleolus by sequential LPs with constraint
  generation (regionopt) against the classical sequence with all 2^n − 2 rows
  in every LP (same HiGHS, same stopping rules), in the same run. The
  baseline is capped at ``BASELINE_CAP_S`` seconds of wall clock (override
  with the environment variable ``REGIONOPT_BENCH_BASELINE_CAP``); at n = 22
  it is not run (4.2M rows × 23 columns would need several GB just to build;
  the n = 20 run already shows the trend). Capped or skipped runs are said so
  in the printed row.

- ``enclave_nucleolus_convex``: the nucleolus of the convex game
  ``v(S) = (Σ_{i∈S} w_i)²``, ``w ~ U(0, 1)`` (seed 0), which needs the full
  ``n − 1`` stages (before the stage rework it failed with "too many stages"
  from n = 12); the all-rows baseline is run up to n = 15.

Random games (seed 1): ``v(S) = |S| · U(0, 1)``, ``v(N) = n``.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from benchmarks.registry import Timer, benchmark
from regionopt.enclave import CooperativeGame, nucleolus, shapley
from regionopt.enclave.game import popcounts, subset_sums
from regionopt.errors import RegionoptError

BASELINE_CAP_S = float(os.environ.get("REGIONOPT_BENCH_BASELINE_CAP", "60"))
SIZES = (10, 15, 20, 22)


def _random_game(n: int, seed: int = 1) -> CooperativeGame:
    rng = np.random.default_rng(seed)
    v = popcounts(n) * rng.uniform(0, 1, size=1 << n)
    v[-1] = float(n)
    return CooperativeGame([f"p{i}" for i in range(n)], v)


def _shapley_boolean_masks(v: np.ndarray, n: int) -> np.ndarray:
    masks = np.arange(1 << n, dtype=np.int64)
    size = popcounts(n)
    f = np.array([math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n) for s in range(n)])
    phi = np.empty(n)
    for i in range(n):
        without = masks[(masks >> i) & 1 == 0]
        phi[i] = np.sum(f[size[without]] * (v[without | (1 << i)] - v[without]))
    return phi


@benchmark("enclave_shapley", sizes=SIZES)
def bench_shapley(n: int, timer: Timer) -> dict[str, Any]:
    """exact Shapley, vectorized views vs boolean-mask baseline"""
    g = _random_game(n)
    v = g.values()
    with timer.phase("regionopt"):
        phi = shapley(g)
    with timer.phase("boolean_mask_baseline"):
        base = _shapley_boolean_masks(v, n)
    err = float(np.max(np.abs(phi.to_numpy() - base)))
    return {
        "speedup": timer.phases["boolean_mask_baseline"] / timer.phases["regionopt"],
        "max_abs_diff": err,
        "efficiency_gap": abs(float(phi.sum()) - g.grand_value),
    }


@benchmark("enclave_nucleolus", sizes=SIZES)
def bench_nucleolus(n: int, timer: Timer) -> dict[str, Any]:
    """nucleolus: constraint generation vs all-rows sequential LP"""
    g = _random_game(n)
    g.values()
    with timer.phase("regionopt"):
        x = nucleolus(g, verify=False)
    with timer.phase("kohlberg_check"):
        from regionopt.enclave import kohlberg_check

        ok = kohlberg_check(g, x).holds
    out: dict[str, Any] = {
        "kohlberg": ok,
        "lp_solves": x.attrs["lp_solves"],
        "rows": f"{x.attrs['rows_generated']}/{x.attrs['all_rows']}",
        "stages": len(x.attrs["stages"]),
    }
    if n >= 22:
        out["all_rows_lp"] = "not run (4.2M rows: several GB to build; see n=20)"
        return out
    try:
        with timer.phase("all_rows_lp"):
            y = nucleolus(g, method="all_rows", verify=False, time_limit=BASELINE_CAP_S)
        out["speedup"] = timer.phases["all_rows_lp"] / timer.phases["regionopt"]
        out["max_abs_diff"] = float(np.max(np.abs(x.to_numpy() - y.to_numpy())))
    except RegionoptError:
        out["all_rows_lp"] = f"capped at {BASELINE_CAP_S:g}s, unfinished"
        out["speedup"] = f">{timer.phases['all_rows_lp'] / timer.phases['regionopt']:.4g}"
    return out


@benchmark("enclave_nucleolus_convex", sizes=SIZES)
def bench_nucleolus_convex(n: int, timer: Timer) -> dict[str, Any]:
    """nucleolus of the squared-weights convex game (n - 1 stages)"""
    w = np.random.default_rng(0).uniform(0.0, 1.0, size=n)
    g = CooperativeGame([f"p{i}" for i in range(n)], subset_sums(w) ** 2)
    with timer.phase("regionopt"):
        x = nucleolus(g, verify=False)
    with timer.phase("kohlberg_check"):
        from regionopt.enclave import core_check, kohlberg_check

        ok = kohlberg_check(g, x).holds
    out: dict[str, Any] = {
        "kohlberg": ok,
        "in_core": core_check(g, x).in_core,
        "stages": len(x.attrs["stages"]),
        "lp_solves": x.attrs["lp_solves"],
        "rows": f"{x.attrs['rows_generated']}/{x.attrs['all_rows']}",
    }
    if n <= 15:
        with timer.phase("all_rows_lp"):
            y = nucleolus(g, method="all_rows", verify=False)
        out["max_abs_diff"] = float(np.max(np.abs(x.to_numpy() - y.to_numpy())))
    return out
