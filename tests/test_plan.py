"""The integrated plan: second formulations, brute force, every rule of every plan, the provinces' game."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt import InfeasibleError, InputError, SolveOptions
from regionopt.clusters import ClusterRoleProblem
from regionopt.land import LandQuotaProblem
from regionopt.plan import RegionalPlan, delta_plan

from .cluster_checks import evaluate
from .land_checks import ledger_balances
from .plan_checks import CITIES, PROV, brute_force, tiny_parts, tiny_plan

EXACT = SolveOptions(mip_gap=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_brute_force_optimum(seed: int) -> None:
    """Every role assignment and enclave siting, each priced by its own land LP: the plan finds the best."""
    parts = tiny_parts(seed)
    best = brute_force(parts)
    plan = RegionalPlan.from_frames(**parts)
    if best is None:
        with pytest.raises(InfeasibleError):
            plan.solve(EXACT)
        return
    res = plan.solve(EXACT)
    assert res.objective == pytest.approx(best, rel=1e-7, abs=1e-5)
    assert res.terms["total"] == pytest.approx(res.objective, rel=1e-9, abs=1e-6)


def test_brute_force_sees_enclaves_and_infeasibility() -> None:
    """The seeds above must include plans that use the enclave, and feasible ones, else the test proves little."""
    used = 0
    feasible = 0
    for seed in range(12):
        if brute_force(tiny_parts(seed)) is None:
            continue
        feasible += 1
        used += int(tiny_plan(seed).solve(EXACT).roles["enclave"].any())
    assert feasible >= 8 and used >= 1


def _closed_market_parts() -> tuple[dict, dict, pd.DataFrame]:
    """Land with quota only (no projects, reserves or cross-province trade) and the cluster tables."""
    parts = tiny_parts(3)
    alloc = parts["land"]["allocations"]
    land = {"regions": parts["land"]["regions"], "allocations": alloc,
            "projects": parts["land"]["projects"].iloc[:0],
            "settings": {"bilateral": False, "platform": False, "within_province": True}}
    quota = alloc[alloc["ledger"] == "construction"].assign(p=lambda d: d["region"].map(PROV)).groupby("p")["amount"].sum()
    return land, parts["clusters"], quota


def test_closed_market_equals_cluster_model_with_own_quota_budgets() -> None:
    """No enclaves, no cross-province market: the plan is the cluster model with land budget = own quota."""
    land, clusters, quota = _closed_market_parts()
    plan = RegionalPlan.from_frames(land=land, clusters=clusters, settings={"value_per_point_10k_cny": 1000.0})
    prov = clusters["provinces"].assign(land_mu=quota.reindex(clusters["provinces"].index).fillna(0.0))
    alone = ClusterRoleProblem.from_frames(**{**clusters, "provinces": prov})
    try:
        ref = alone.solve(EXACT).objective
    except InfeasibleError:
        with pytest.raises(InfeasibleError):
            plan.solve(EXACT)
        return
    res = plan.solve(EXACT)
    assert res.objective == pytest.approx(1000.0 * ref, rel=1e-9, abs=1e-6)
    assert res.terms["land_welfare"] == pytest.approx(0.0, abs=1e-6)


def test_no_clusters_equals_the_land_model() -> None:
    """A cluster model with no candidate assignments leaves the land model's optimum and tables."""
    parts = tiny_parts(1)
    cl = dict(parts["clusters"])
    cl["fit"] = cl["fit"].iloc[:0]
    cl["requirements"] = cl["requirements"].assign(min=0)
    plan = RegionalPlan.from_frames(land=parts["land"], clusters=cl, land_shares=parts["land_shares"])
    land = LandQuotaProblem.from_frames(**parts["land"]).solve(autarky=False)
    res = plan.solve()
    assert res.objective == pytest.approx(land.welfare, rel=1e-9)
    assert res.roles.empty and res.enclaves.empty
    pd.testing.assert_frame_equal(res.land.projects, land.projects[res.land.projects.columns])
    assert np.allclose(res.land.prices["shadow_price_10k_cny_per_unit"], land.prices["shadow_price_10k_cny_per_unit"])


def _check_every_rule(plan: RegionalPlan, res, cl_tables: dict) -> None:  # type: ignore[no-untyped-def]
    """Every rule of the plan, recomputed from the inputs and the result tables only."""
    inp = plan.inputs
    roles = res.roles
    # cluster rules on the credited plan (role counts, one role per city, capacities, ...)
    assert evaluate_plan(cl_tables, set(zip(roles.city, roles.cluster, roles.role, strict=True))) is not None
    # enclaves only on allowed pairs; the host carries land and energy
    for r in roles[roles.enclave].itertuples():
        assert (r.city, r.host) in inp.links.enclaves
    energy = roles.assign(p=roles["host"].map(PROV)).groupby("p")["energy_10k_tce"].sum()
    budget = inp.clusters.inputs.prov_energy
    for p, v in energy.items():
        assert v <= budget.get(p, math.inf) + 1e-6
    # the land ledgers balance with the roles' land at their hosts (construction and farmland area)
    bal = ledger_balances(inp.land, _land_result(res))
    shares = {c: (inp.links.shares[c].farmland_share if c in inp.links.shares else 0.0) for c in CITIES}
    for r in roles.itertuples():
        bal[(r.host, "construction", 1)] -= r.land_mu
        bal[(r.host, "area", 1)] -= shares[r.host] * r.land_mu
    assert min(bal.values()) >= -1e-5, bal
    # red lines: retained farmland (projects, roles and reclamation) above every floor
    farm = res.land.farmland
    for _key, row in farm.iterrows():
        if not math.isnan(row["floor_mu"]):
            assert row["retained_mu"] >= row["effective_floor_mu"] - 1e-5
    role_farm = sum(shares[r.host] * r.land_mu for r in roles.itertuples())
    assert farm["occupied_mu"].sum() == pytest.approx(
        float((res.land.projects["realised_share"] * pd.Series(
            {j: p.farmland_mu for j, p in inp.land.inputs.projects.items()})).sum()) + role_farm, abs=1e-6)


def evaluate_plan(cl_tables: dict, plan_set: set) -> float | None:
    params = {"core_distance_km": 1e9, "neighbour_km": 0.0, "homogeneity": "off", "homogeneity_penalty": 0.0,
              "synergy_km": 0.0, "change_penalty": 0.0, "max_changes": None}
    t = dict(cl_tables)
    t["cities"] = t["cities"].assign(max_roles=9, max_cores=9, lat=31.0, lon=120.0)
    t["provinces"] = t["provinces"].assign(land_mu=1e12, max_cores=9)
    t["near_core_roles"] = []
    t.setdefault("synergy", pd.DataFrame(columns=["cluster", "other", "weight"]))
    t.setdefault("current", pd.DataFrame(columns=["city", "cluster", "role"]))
    t["resource_use"] = t["resource_use"].assign(energy_10k_tce=0.0)
    return evaluate(t, params, plan_set)


def _land_result(res):  # type: ignore[no-untyped-def]
    """The land tables of a plan as the land checks read them."""
    class _R:
        projects = res.land.projects
        reclamation = res.land.reclamation
        flows = res.land.flows
        banked = res.land.banked
    return _R()


@settings(max_examples=15)
@given(seed=st.integers(0, 10_000))
def test_every_plan_satisfies_every_rule(seed: int) -> None:
    parts = tiny_parts(seed)
    plan = RegionalPlan.from_frames(**parts)
    try:
        res = plan.solve()
    except InfeasibleError as exc:
        assert exc.conflicts
        return
    _check_every_rule(plan, res, parts["clusters"])


def test_coordination_is_monotone_and_the_split_is_efficient() -> None:
    plan = tiny_plan(5)
    res = plan.solve(EXACT)
    coord = res.coordination
    tot = coord.loc["total"]
    tol = 1e-6 * max(1.0, abs(tot["joint_10k_cny"]))
    assert tot["joint_10k_cny"] >= max(tot["land_trade_only_10k_cny"], tot["enclaves_only_10k_cny"]) - tol
    assert min(tot["land_trade_only_10k_cny"], tot["enclaves_only_10k_cny"]) >= tot["alone_10k_cny"] - tol
    assert tot["joint_10k_cny"] == pytest.approx(res.objective, rel=1e-9)
    split = res.fair_split("shapley")
    v = split.game
    assert v.grand_value >= sum(v.value([p]) for p in v.players) - tol
    assert float(split.allocation.sum()) == pytest.approx(v.grand_value, abs=1e-6)
    assert float(split.table["transfer_10k_cny"].sum()) == pytest.approx(0.0, abs=1e-5 * max(1.0, tot["joint_10k_cny"]))
    assert res.provinces["transfer_10k_cny"].notna().all()


def test_delta_three_clusters(delta_plan_result) -> None:  # type: ignore[no-untyped-def]
    res = delta_plan_result
    assert res.status.value == "optimal"
    assert len(res.roles) >= 15 and set(res.roles["cluster"]) == {"NAT22-03", "NAT22-04", "NAT21-11"}
    assert res.terms["total"] == pytest.approx(res.objective, rel=1e-9)
    assert (res.provinces["role_energy_10k_tce"] <= res.provinces["energy_budget_10k_tce"] + 1e-9).all()
    back = pickle.loads(pickle.dumps(res))
    assert back.roles.equals(res.roles)


def test_enclave_split_and_schedule_when_trade_is_closed() -> None:
    """With the land market closed across borders, Shanghai sites a role in Jiaxing (Zhangjiang–Pinghu style)."""
    plan = delta_plan()
    res = plan._solve(SolveOptions(), regime=(False, True, None))
    enc = res.enclaves
    assert len(enc) >= 1
    row = enc.iloc[0]
    assert 0 < row["source_share"] < 1 and row["in_core"]
    sch = res.schedules[(row["source"], row["host"])]
    assert sch.table.sum(axis=1).to_numpy() == pytest.approx(100.0)
    assert (sch.npv["npv_gap_10k_cny"].abs() < 1e-6).all()


def test_bad_links_are_named() -> None:
    parts = tiny_parts(0)
    with pytest.raises(InputError) as err:
        RegionalPlan.from_frames(**{**parts, "enclaves": pd.DataFrame([("A", "Z")], columns=["source", "host"])})
    assert (err.value.table, err.value.field) == ("enclaves", "host")
    with pytest.raises(InputError) as err:
        RegionalPlan.from_frames(**{**parts, "enclaves": pd.DataFrame([("A", "A")], columns=["source", "host"])})
    assert err.value.table == "enclaves"
    with pytest.raises(InputError) as err:
        RegionalPlan.from_frames(**{**parts, "settings": {"coalition": ("P9",)}})
    assert err.value.field == "coalition"


def test_pareto_front_is_efficient() -> None:
    """AUGMECON2: no returned point is dominated by another; welfare falls as the equity target rises."""
    front = tiny_plan(5).pareto("min_province_gain", points=4, options=EXACT)
    t = front.table
    assert len(t) >= 1
    for i, a in t.iterrows():
        for j, b in t.iterrows():
            if i != j:
                dominated = (b["welfare_10k_cny"] >= a["welfare_10k_cny"] - 1e-6 and b["equity"] >= a["equity"] - 1e-6
                             and (b["welfare_10k_cny"] > a["welfare_10k_cny"] + 1e-6 or b["equity"] > a["equity"] + 1e-6))
                assert not dominated, (a, b)
    mins = t[[c for c in t.columns if c.startswith("gain_")]].min(axis=1)
    assert np.allclose(mins, t["equity"], atol=1e-5)


def test_province_table_and_equity_front_attribute_alike(delta_plan_result) -> None:  # type: ignore[no-untyped-def]
    """The provinces' welfare adds up to the plan's, and their cluster value is the one the front constrains."""
    import pyomo.environ as pyo

    from regionopt.plan.attribution import city_cluster_values
    from regionopt.plan.pareto import province_benefits

    res = delta_plan_result
    assert res.provinces["welfare_10k_cny"].sum() == pytest.approx(res.objective, rel=1e-9)
    plan = res.problem
    m = plan.to_pyomo()
    from regionopt.solve import solve_model

    solve_model(m, SolveOptions(mip_gap=1e-9))
    expr = province_benefits(plan, m)
    assert sum(pyo.value(e) for e in expr.values()) == pytest.approx(pyo.value(m.welfare), rel=1e-9)
    cities = city_cluster_values(plan, lambda name, key: (m.clusters.component(name) if name != "e" else m.e)[key].value
                                 or 0.0, {}, list(m.clusters.W), list(m.clusters.PAIRS))
    assert sum(cities.values()) == pytest.approx(pyo.value(m.cluster_value - m.enclave_cost), rel=1e-9)
