"""Enclave hardening (issues 15 and 10): bad values, size limits, whole-call time limits, the LP
adapter's statuses, no HiGHS banner, and thread-safe solves."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regionopt.enclave import (
    CooperativeGame,
    LinearProductionGame,
    banzhaf,
    core_check,
    default_park_technology,
    least_core,
    nash_bargaining,
    nucleolus,
    prenucleolus,
    shapley,
    shapley_monte_carlo,
)
from regionopt.enclave._lp import HighsLP, new_highs, solve_lp
from regionopt.enclave.game import MAX_TABLE_PLAYERS, subset_sums
from regionopt.enclave.nucleolus import MAX_NUCLEOLUS_PLAYERS
from regionopt.errors import InputError, RegionoptError
from regionopt.solve import Status

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ["projects", "land_mu", "home_land_mu", "service_capacity", "capital_10k_cny"]


def park_game(n: int, seed: int = 0) -> LinearProductionGame:
    rng = np.random.default_rng(seed)
    res = pd.DataFrame(rng.uniform(0, 10, size=(n, len(RESOURCES))) * [1, 50, 5, 1, 5000],
                       index=[f"p{i}" for i in range(n)], columns=RESOURCES)
    return LinearProductionGame(res, default_park_technology())


def squared_weights_game(seed: int, n: int) -> CooperativeGame:
    w = np.random.default_rng(seed).uniform(0.0, 1.0, size=n)
    return CooperativeGame([f"P{i}" for i in range(n)], subset_sums(w) ** 2)


# ---------------------------------------------------------------- values that are not numbers
THREE = {("A",): 1.0, ("B",): 2.0, ("C",): 0.0, ("A", "B"): 4.0, ("A", "C"): 3.0, ("B", "C"): 5.0,
         ("A", "B", "C"): 6.0}


@pytest.mark.parametrize("bad", ["abc", None, "3.5", [1.0], object()])
def test_from_dict_non_numeric_value_names_coalition_and_value(bad):
    table = dict(THREE)
    table[("B", "C")] = bad
    with pytest.raises(InputError) as ei:
        CooperativeGame.from_dict(table)
    err = ei.value
    assert (err.table, err.row, err.field) == ("characteristic function", ("B", "C"), "value")
    assert err.value is bad
    assert "not a number" in str(err) or "missing" in str(err)


def test_from_series_and_from_array_non_numeric():
    ser = pd.Series({"A": 1.0, "B": 2.0, "A+B": "four"})
    with pytest.raises(InputError) as ei:
        CooperativeGame.from_series(ser)
    assert ei.value.row == ("A", "B") and ei.value.value == "four"
    with pytest.raises(InputError) as ei:
        CooperativeGame.from_array(["A", "B"], [0.0, 1.0, None, 3.0])
    assert ei.value.row == ("B",) and ei.value.value is None and "missing" in str(ei.value)
    with pytest.raises(InputError) as ei:
        CooperativeGame.from_array(["A", "B"], [0.0, 1.0, "x", 3.0])
    assert ei.value.row == ("B",) and ei.value.value == "x"
    with pytest.raises(InputError) as ei:
        CooperativeGame(["A", "B"], np.array(["0", "1", "2", "3"]))
    assert ei.value.row == () and "text" in str(ei.value)
    g = CooperativeGame.from_callable(["A", "B"], lambda s: None if len(s) == 2 else float(len(s)))
    with pytest.raises(InputError) as ei:
        g.values()
    assert ei.value.row == ("A", "B")
    # numbers of any numeric type are still accepted
    g = CooperativeGame.from_dict({("A",): 1, ("B",): np.float32(2.0), ("A", "B"): np.int64(4)})
    assert g.grand_value == 4.0


# ---------------------------------------------------------------- size limits, estimated up front
def test_exact_methods_refuse_a_25_partner_production_game_quickly():
    g = park_game(25)
    t0 = time.perf_counter()
    for call in (shapley, banzhaf, lambda g: nucleolus(g, time_limit=5), least_core, prenucleolus):
        with pytest.raises(InputError) as ei:
            call(g)
        assert "2^25" in str(ei.value)
        assert "shapley_monte_carlo" in str(ei.value) or "fewer players" in str(ei.value)
    assert time.perf_counter() - t0 < 10  # the old code ran for hours building 2^25 LP values
    assert g.lp_solves <= 64  # only the timed sample was evaluated
    # the sampling method still works on the same game
    mc = shapley_monte_carlo(g, n_samples=20)
    assert mc.sum() == pytest.approx(g.grand_value, rel=1e-9)


def test_shapley_refusal_reports_the_estimate():
    g = park_game(25)
    with pytest.raises(InputError) as ei:
        shapley(g)
    msg = str(ei.value)
    assert "µs each" in msg and "MAX_BUILD_SECONDS" in msg
    est = g.table_estimate()
    assert est.missing > 30_000_000 and est.seconds > 60


def test_player_count_limits():
    big = CooperativeGame.from_callable([f"p{i}" for i in range(MAX_TABLE_PLAYERS + 1)], lambda s: len(s))
    with pytest.raises(InputError, match="limit of the exact methods"):
        shapley(big)
    mid = CooperativeGame.from_callable([f"p{i}" for i in range(MAX_NUCLEOLUS_PLAYERS + 1)], lambda s: len(s))
    t0 = time.perf_counter()
    with pytest.raises(InputError, match=f"above {MAX_NUCLEOLUS_PLAYERS} players"):
        nucleolus(mid, time_limit=5)
    with pytest.raises(InputError, match=f"above {MAX_NUCLEOLUS_PLAYERS} players"):
        least_core(mid)
    assert time.perf_counter() - t0 < 1


def test_small_production_game_still_exact():
    g = park_game(6)
    x = nucleolus(g)
    assert x.sum() == pytest.approx(g.grand_value)
    assert shapley(g).sum() == pytest.approx(g.grand_value)


# ---------------------------------------------------------------- time_limit covers the whole call
def test_time_limit_counts_value_building_estimated_up_front():
    def slow(s):
        time.sleep(0.001)
        return float(len(s)) ** 2

    g = CooperativeGame.from_callable([f"p{i}" for i in range(12)], slow)  # 4095 values: >= 4 s
    t0 = time.perf_counter()
    with pytest.raises(RegionoptError, match="time limit"):
        nucleolus(g, time_limit=1.0)
    assert time.perf_counter() - t0 < 1.0  # refused on the estimate, before building


def test_time_limit_reached_while_building_values():
    calls = {"n": 0}

    def slow_later(s):  # fast while the estimate is sampled, slow afterwards
        calls["n"] += 1
        if calls["n"] > 40:
            time.sleep(0.005)
        return float(len(s)) ** 2

    g = CooperativeGame.from_callable([f"p{i}" for i in range(10)], slow_later)  # ~5 s to build
    t0 = time.perf_counter()
    with pytest.raises(RegionoptError, match="while building"):
        nucleolus(g, time_limit=0.5)
    assert time.perf_counter() - t0 < 1.5
    assert not g.is_tabulated  # nothing half-built is kept as the table


def test_time_limit_covers_the_lp_stages():
    g = squared_weights_game(0, 20)
    g.values()
    with pytest.raises(RegionoptError, match=r"nucleolus: time limit of 0\.05 s reached"):
        nucleolus(g, time_limit=0.05)
    with pytest.raises(InputError, match="time_limit"):
        nucleolus(g, time_limit=0)


# ---------------------------------------------------------------- LP adapter: shared Status enum
def test_lp_adapter_statuses_are_the_shared_enum():
    ok = solve_lp([1.0, 1.0], [[1.0, 1.0]], [1.0], [np.inf], [0.0, 0.0], [np.inf, np.inf])
    assert ok.status is Status.OPTIMAL and ok.objective == pytest.approx(1.0)
    infeas = solve_lp([1.0], [[1.0]], [2.0], [np.inf], [0.0], [1.0])
    assert infeas.status is Status.INFEASIBLE
    unb = solve_lp([1.0], [[1.0]], [-np.inf], [0.0], [-np.inf], [np.inf])
    assert unb.status is Status.UNBOUNDED
    assert all(isinstance(r.status, Status) for r in (ok, infeas, unb))
    # a time limit without an answer is TIME_LIMIT_NO_SOLUTION, never OPTIMAL
    rng = np.random.default_rng(0)
    lp = HighsLP(-rng.uniform(size=400), np.zeros(400), np.full(400, np.inf), time_limit=0.0)
    lp.add_rows(rng.uniform(size=(400, 400)), -np.inf, 1.0)
    out = lp.solve()
    assert out.status is Status.TIME_LIMIT_NO_SOLUTION
    assert np.isnan(out.objective)


def test_quiet_highs_uses_the_compiled_base_class():
    """Pinned to highspy >= 1.16: the adapter builds highspy's compiled ``_Highs`` (the base of
    ``highspy.Highs``) so that no callback registration prints the banner. If a highspy release
    renames it, this fails first and the adapter falls back to the public class."""
    import highspy

    h = new_highs()
    assert type(h).__name__ == "_Highs" and isinstance(h, highspy.Highs.__mro__[1])
    flag = h.getOptionValue("output_flag")  # the compiled class returns (status, value)
    assert (flag[-1] if isinstance(flag, tuple) else flag) is False


def test_no_highs_banner_on_the_first_enclave_call():
    """The HiGHS banner ("Running HiGHS ...") went to the process's stdout at the first LP.

    Run in a fresh interpreter whose stdout and stderr are pipes (file-descriptor level, so
    output written by C code is caught too).
    """
    code = textwrap.dedent("""
        import numpy as np
        from regionopt.enclave import (CooperativeGame, least_core, nash_bargaining, nucleolus,
                                       xiaoshan_xuancheng_down_park)
        g = CooperativeGame.from_dict({("A",): 1, ("B",): 2, ("C",): 0, ("A", "B"): 4, ("A", "C"): 3,
                                       ("B", "C"): 3, ("A", "B", "C"): 6})
        nucleolus(g); least_core(g); nash_bargaining(g, core=True)
        xiaoshan_xuancheng_down_park().game.grand_value
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HiGHS" not in out.stdout + out.stderr
    assert out.stdout == ""


# ---------------------------------------------------------------- thread safety
def _answers(g: CooperativeGame, prod: LinearProductionGame) -> list[np.ndarray]:
    return [
        nucleolus(g).to_numpy(),
        prenucleolus(g).to_numpy(),
        least_core(g).allocation.to_numpy(),
        nash_bargaining(g, core=True).to_numpy(),
        nucleolus(prod).to_numpy(),
        nash_bargaining(prod, core=True).to_numpy(),
    ]


def test_enclave_solves_from_four_threads_match_serial():
    games = [squared_weights_game(s, 9) for s in range(4)]
    serial = [_answers(g, park_game(7, seed=s)) for s, g in enumerate(games)]
    # the same game objects shared by all threads, production values built lazily while they run
    shared_prod = [park_game(7, seed=s) for s in range(4)]
    with ThreadPoolExecutor(4) as pool:
        for _round in range(3):
            jobs = [(k, pool.submit(_answers, games[k], shared_prod[k])) for k in range(4) for _ in range(2)]
            for k, fut in jobs:
                for got, want in zip(fut.result(), serial[k], strict=True):
                    np.testing.assert_allclose(got, want, atol=1e-7 * max(1.0, float(np.abs(want).max())))
            shared_prod = [park_game(7, seed=s) for s in range(4)]  # fresh: values built concurrently again


def test_production_game_pickles_after_use():
    g = park_game(5)
    v = g.values().copy()
    g2 = pickle.loads(pickle.dumps(g))
    np.testing.assert_array_equal(g2.values(), v)
    assert g2.plan().attrs["value_10k_cny"] == pytest.approx(g.grand_value)


def test_nash_in_the_core_when_the_core_pins_partners_at_their_standalone_payoff():
    """In these park games the core gives some partners exactly v({i}) (their resources add
    nothing at the margin): log(x_i − d_i) is −inf on the whole core. The old loop added a
    tangent with slope 1e15 and HiGHS stopped with status "Unknown"."""
    for seed in (0, 1):
        g = park_game(7, seed=seed)
        x = nash_bargaining(g, core=True)
        d = g.singleton_values().to_numpy()
        assert core_check(g, x).in_core
        pinned = [g.players.index(p) for p in x.attrs["no_gain"]]
        assert pinned  # these draws have such partners
        np.testing.assert_allclose(x.to_numpy()[pinned], d[pinned], atol=1e-6)
        nuc = nucleolus(g).to_numpy()  # in the core too: it pays the pinned partners d_i as well
        np.testing.assert_allclose(nuc[pinned], d[pinned], atol=1e-6)
        keep = np.setdiff1d(np.arange(g.n), pinned)
        # the Nash point has the larger product of gains among the partners who can gain
        assert np.sum(np.log(x.to_numpy()[keep] - d[keep])) >= np.sum(np.log(nuc[keep] - d[keep])) - 1e-9
