"""Two-stage land plans: a case checked by hand, and WS >= RP >= EEV (maximisation) on random instances."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from regionopt import InputError, LandQuotaProblem
from regionopt.clusters.example import CLUSTER_SECTOR, delta_problem
from regionopt.scenarios import Scenario, Sweep, land_first_stage, two_stage
from regionopt.scenarios.scenario import ProblemFactory
from regionopt.scenarios.stochastic import expected_problem
from regionopt.solve import SolveOptions, solve_model

from . import scenario_helpers as H


def tiny() -> LandQuotaProblem:
    """Seller S (province P2) holds 10 mu of construction quota and has a project worth 2.5 万元/mu; buyer B
    (province P1) holds none and has a project worth 6 万元/mu whose size is 10 mu or 2 mu (even odds).
    Bilateral trade S -> B costs nothing and is agreed before the size is known."""
    regions = pd.DataFrame({"province": ["P1", "P2"]}, index=pd.Index(["B", "S"], name="region"))
    provinces = pd.DataFrame({"platform_coefficient": [np.nan, np.nan]}, index=pd.Index(["P1", "P2"], name="province"))
    projects = pd.DataFrame({"region": ["B", "S"], "land_mu": [10.0, 10.0], "value_10k_cny": [60.0, 25.0]},
                            index=pd.Index(["PB", "PS"], name="project"))
    alloc = pd.DataFrame({"region": ["S"], "ledger": ["construction"], "amount": [10.0]})
    pairs = pd.DataFrame({"seller": ["S"], "buyer": ["B"], "ledger": ["construction"]})
    return LandQuotaProblem.from_frames(regions, projects, provinces=provinces, allocations=alloc, pairs=pairs,
                                        settings={"platform": False})


def test_hand_checked_case() -> None:
    """Welfare with x mu bought: 6 min(x, D) + 2.5 (10 - x), D = 10 or 2.

    WS = (60 + (12 + 20)) / 2 = 46. RP: for x in [2, 10] the expectation is 31 + 0.5 x, so
    x = 10 and RP = 36. EV: D = 6, x = 6, value 46; EEV = ((36 + 10) + (12 + 10)) / 2 = 34.
    VSS = 2, EVPI = 10.
    """
    big = Scenario("big", [("projects", "PB", "land_mu", "=", 10.0), ("projects", "PB", "value_10k_cny", "=", 60.0)])
    small = Scenario("small", [("projects", "PB", "land_mu", "=", 2.0), ("projects", "PB", "value_10k_cny", "=", 12.0)])
    r = two_stage(tiny(), [big, small])
    assert r.objective == pytest.approx(36.0, abs=1e-7)
    assert r.ws == pytest.approx(46.0, abs=1e-7)
    assert r.ev == pytest.approx(46.0, abs=1e-7)
    assert r.eev == pytest.approx(34.0, abs=1e-7)
    assert r.vss == pytest.approx(2.0, abs=1e-7) and r.evpi == pytest.approx(10.0, abs=1e-7)
    fs = r.first_stage.set_index("variable")
    assert fs.loc["x", "index"] == ("S", "B", "construction", 1)
    assert fs.loc["x", "rp_value"] == pytest.approx(10.0) and fs.loc["x", "ev_value"] == pytest.approx(6.0)
    sc = r.scenarios.set_index("name")
    assert sc.loc["big", "rp_objective"] == pytest.approx(60.0) and sc.loc["small", "rp_objective"] == pytest.approx(12.0)
    assert sc.loc["big", "eev_objective"] == pytest.approx(46.0) and sc.loc["small", "eev_objective"] == pytest.approx(22.0)
    # P(big) = 0.2: on [0, 2] the expectation is 25 + 3.5 x, on [2, 10] it is 34.6 - 1.3 x: x = 2, RP = 32
    r2 = two_stage(tiny(), [big, small], probabilities=[0.2, 0.8])
    assert r2.objective == pytest.approx(32.0, abs=1e-7)
    assert r2.first_stage.set_index("variable").loc["x", "rp_value"] == pytest.approx(2.0)
    summary = r.summary()["value"]
    assert summary["VSS = RP - EEV"] == pytest.approx(2.0, abs=1e-7)


def test_mean_scenario_is_the_probability_weighted_mean() -> None:
    p = H.small_land(seed=5)
    sw = Sweep.sample(p, {"project_value_scale": (0.5, 1.5), "platform_payout_coefficient": (0.2, 0.8)}, 3, seed=4)
    probs = [0.5, 0.3, 0.2]
    ev = expected_problem(sw._factory, sw.scenarios, probs)
    scale = sum(pr * s.params["project_value_scale"] for pr, s in zip(probs, sw.scenarios, strict=True))
    for j, pj in p.inputs.projects.items():
        assert ev.inputs.projects[j].value_10k_cny == pytest.approx(pj.value_10k_cny * scale, rel=1e-12)
    want = sum(pr * s.params["platform_payout_coefficient"] for pr, s in zip(probs, sw.scenarios, strict=True))
    assert ev.settings.platform_payout_coefficient == pytest.approx(want)


def _policy_value(problems, probs, keys, values) -> float:
    """Expected welfare of a fixed first stage, each scenario's recourse solved on its own Pyomo model."""
    total = 0.0
    for pr, pb in zip(probs, problems, strict=True):
        m = pb.to_pyomo()
        for (name, idx), v in zip(keys, values, strict=True):
            var = m.component(name)[idx]
            var.fix(min(max(v, var.lb if var.lb is not None else -math.inf), var.ub if var.ub is not None else math.inf))
        rep = solve_model(m, SolveOptions())
        if not rep.status.has_solution:
            return -math.inf
        total += pr * float(pyo.value(m.welfare))
    return total


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ws_rp_eev_inequalities_on_random_instances(seed: int) -> None:
    p = H.small_land(seed=seed)
    sw = Sweep.sample(p, {"project_value_scale": (0.4, 1.6), "reclamation_yield_scale": (0.5, 1.5),
                          "statutory_price_scale": (0.5, 2.0)}, 5, seed=seed)
    rng = np.random.default_rng(seed)
    probs = list(rng.dirichlet(np.ones(5)))
    probs[-1] = 1.0 - sum(probs[:-1])
    r = two_stage(p, sw, probabilities=probs)
    tol = 1e-6 * max(1.0, abs(r.objective))
    assert r.ws >= r.objective - tol >= r.eev - 2 * tol
    assert r.evpi >= -tol and r.vss >= -tol
    assert r.evpi > 10 * tol and r.vss > 10 * tol  # these instances have value in both: the checks are not idle
    # independent checks of RP: no fixed first stage does better (EV's, each scenario's own, none at all)
    problems = [sw.problem(s.name) for s in sw.scenarios]
    keys = land_first_stage(problems[0])
    ev_plan = r.first_stage.set_index(["variable", "index"])["ev_value"]
    ev_vals = [float(ev_plan.get(k, 0.0)) for k in keys]
    assert _policy_value(problems, probs, keys, ev_vals) == pytest.approx(r.eev, rel=1e-6, abs=1e-6)
    assert _policy_value(problems, probs, keys, [0.0] * len(keys)) <= r.objective + tol
    for pb in problems[:2]:  # a scenario's own best first stage, used in every scenario
        f = pb.solve(autarky=False).flows
        vals = []
        for name, idx in keys:
            if name == "x":
                s_, b_, led, t = idx
                sel = f[(f.channel == "bilateral") & (f.seller == s_) & (f.buyer == b_) & (f.ledger == led)
                        & (f.period == t)]
            else:
                reg, led, t = idx
                side = f.seller if name == "plat_sell" else f.buyer
                sel = f[(f.channel == "platform") & (side == reg) & (f.ledger == led) & (f.period == t)]
            vals.append(float(sel["amount"].sum()))
        assert _policy_value(problems, probs, keys, vals) <= r.objective + tol
    # the RP plan itself, replayed scenario by scenario, gives RP
    rp_plan = r.first_stage.set_index(["variable", "index"])["rp_value"]
    rp_vals = [float(rp_plan.get(k, 0.0)) for k in keys]
    assert _policy_value(problems, probs, keys, rp_vals) == pytest.approx(r.objective, rel=1e-6, abs=1e-6)
    np.testing.assert_allclose(r.scenarios["probability"], probs)


def test_bad_inputs() -> None:
    p = H.small_land(seed=2)
    a, b = Scenario("a"), Scenario("b", [("settings", None, "intra_cost_10k_cny_per_unit", "=", 0.2)])
    with pytest.raises(InputError, match="sum to 1"):
        two_stage(p, [a, b], probabilities=[0.5, 0.6])
    with pytest.raises(InputError, match="probability must be a number >= 0") as ei:
        two_stage(p, [a, b], probabilities=[1.5, -0.5])
    assert ei.value.row == "b"
    with pytest.raises(InputError, match="2 probabilities for 1"):
        two_stage(p, [a], probabilities=[0.5, 0.5])
    closed = Scenario("closed", [("settings", None, "platform", "=", False)])
    with pytest.raises(InputError, match="first-stage decisions differ") as ei:
        two_stage(p, [a, closed])
    assert ei.value.row == "closed"
    with pytest.raises(InputError, match="say which decisions"):
        two_stage(delta_problem(list(CLUSTER_SECTOR)[:2]), [Scenario("a")])
    with pytest.raises(InputError, match="solved with HiGHS"):
        two_stage(p, [a, b], solver="cbc")
    assert isinstance(ProblemFactory(p).problem(b), LandQuotaProblem)
