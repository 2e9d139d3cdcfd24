"""Cluster-role model: brute-force optimum, rules of every plan, diagnosis, bad input."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.clusters import ClusterRoleProblem, default_requirements
from regionopt.clusters.synthetic import random_problem
from regionopt.errors import InfeasibleError, InputError, RegionoptError
from regionopt.solve import Status

from .cluster_checks import ROLES, bad_input, brute_force, evaluate, simple_tables, tiny_tables


@pytest.mark.parametrize("seed", range(16))
def test_brute_force_optimum(seed: int, solver: str) -> None:
    tables, params = tiny_tables(seed)
    best = brute_force(tables, params)
    prob = ClusterRoleProblem.from_frames(**tables, **params)
    if best is None:
        with pytest.raises(InfeasibleError) as ei:
            prob.solve(solver=solver, mip_gap=1e-9)
        assert ei.value.method == "elastic" and ei.value.conflicts
        return
    res = prob.solve(solver=solver, mip_gap=1e-9)
    assert res.status == Status.OPTIMAL
    assert res.objective == pytest.approx(best, abs=1e-6)
    assert evaluate(tables, params, set(res.plan)) == pytest.approx(res.objective, abs=1e-6)
    assert res.objective_terms["total"] == pytest.approx(res.objective, abs=1e-6)


def test_brute_force_found_both_outcomes() -> None:
    """The seeds above must include feasible instances, else the test proves little."""
    feas = sum(brute_force(*tiny_tables(s)) is not None for s in range(16))
    assert 5 <= feas <= 14


@settings(max_examples=60)
@given(seed=st.integers(0, 10_000), n_cities=st.integers(3, 6), n_clusters=st.integers(1, 3))
def test_every_plan_satisfies_every_rule(seed: int, n_cities: int, n_clusters: int) -> None:
    tables, params = tiny_tables(seed, n_cities, n_clusters)
    if n_clusters < 2:
        tables["synergy"] = tables["synergy"].iloc[:0]
        tables["current"] = tables["current"].iloc[:1]
    prob = ClusterRoleProblem.from_frames(**tables, **params)
    try:
        res = prob.solve()
    except InfeasibleError as e:
        assert e.conflicts and all(c.violation and c.violation > 0 for c in e.conflicts)
        return
    v = evaluate(tables, params, set(res.plan))
    assert v is not None, f"plan breaks a rule: {sorted(res.plan)}"
    assert v == pytest.approx(res.objective, abs=1e-6)


def test_infeasible_gives_elastic_diagnosis_in_user_names() -> None:
    t = simple_tables()
    t["provinces"] = pd.DataFrame({"min_cores": [1, 1]}, index=["P", "Q"])
    t["locked"] = pd.DataFrame({"city": ["100"], "cluster": ["K1"], "role": ["core"]})
    prob = ClusterRoleProblem.from_frames(**t)
    with pytest.raises(InfeasibleError) as ei:
        prob.solve()
    e = ei.value
    assert e.method == "elastic"
    text = str(e)
    assert "Bio (K1)" in text or "Alpha (100)" in text
    total = sum(c.violation or 0 for c in e.conflicts)
    assert total == pytest.approx(1.0)
    assert {c.component for c in e.conflicts} <= {"role_max", "province_min_cores", "locked"}
    diag = prob.diagnose()
    assert diag["violation"].sum() == pytest.approx(1.0)


def test_supplier_without_core_in_reach_is_diagnosed() -> None:
    t = simple_tables()
    t["requirements"] = default_requirements(["K1"], ROLES, cores=(1, 1), others={"supplier": (2, None)})
    prob = ClusterRoleProblem.from_frames(**t, core_distance_km=10.0)
    with pytest.raises(InfeasibleError) as ei:
        prob.solve()
    comps = {c.component for c in ei.value.conflicts}
    assert comps & {"near_core", "role_min"}
    assert any("within 10 km" in c.rule or "supplier" in c.rule for c in ei.value.conflicts)


def test_locked_forbidden_and_change_cap() -> None:
    t = simple_tables()
    t["locked"] = pd.DataFrame({"city": ["300"], "cluster": ["K1"], "role": ["core"]})
    t["forbidden"] = pd.DataFrame({"city": ["200"], "cluster": ["K1"], "role": [np.nan]})
    res = ClusterRoleProblem.from_frames(**t).solve()
    assert ("300", "K1", "core") in res.plan
    assert not any(c == "200" for c, _, _ in res.plan)
    assert res.role_matrix.loc["300", "K1"] == "core"
    t.pop("locked")
    t.pop("forbidden")
    t["current"] = pd.DataFrame({"city": ["100"], "cluster": ["K1"], "role": ["core"]})
    res = ClusterRoleProblem.from_frames(**t, max_changes=0).solve()
    assert res.plan == [("100", "K1", "core")]
    assert res.changes == 0
    assert res.assignments.loc[0, "change"] == "kept"


def test_homogeneity_forbid_vs_penalty() -> None:
    t = simple_tables()
    t["requirements"] = default_requirements(["K1"], ROLES, cores=(2, 3), others={"supplier": (0, None)})
    with pytest.raises(InfeasibleError) as ei:
        ClusterRoleProblem.from_frames(**t, neighbour_km=100.0, homogeneity="forbid").solve()
    assert any(c.component == "neighbour_cores" for c in ei.value.conflicts)
    res = ClusterRoleProblem.from_frames(**t, neighbour_km=100.0, homogeneity="penalty",
                                         homogeneity_penalty=0.4).solve()
    # two or three cores, each pair of neighbours costs 0.4; all three cities within 100 km
    n_core = sum(1 for t_ in res.plan if t_[2] == "core")
    pairs = n_core * (n_core - 1) // 2
    assert res.objective_terms["homogeneity_penalty"] == pytest.approx(-0.4 * pairs)


def test_alternatives_are_distinct_and_ordered() -> None:
    tables, params = tiny_tables(5)
    res = ClusterRoleProblem.from_frames(**tables, **params).solve(mip_gap=1e-9)
    alts = res.alternatives(4)
    plans = [frozenset(p.plan) for p in alts]
    assert len(set(plans)) == len(plans) >= 2
    losses = alts.summary["objective_loss"].tolist()
    assert losses[0] == 0 and all(b >= a - 1e-9 for a, b in itertools.pairwise(losses))
    for p in alts:
        assert evaluate(tables, params, set(p.plan)) == pytest.approx(p.objective, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 8])
def test_sensitivity_matches_resolve(seed: int) -> None:
    tables, params = tiny_tables(seed)
    prob = ClusterRoleProblem.from_frames(**tables, **params)
    res = prob.solve(mip_gap=1e-9)
    sens = res.sensitivity(options=None)
    assert len(sens) == len(res.plan)
    row = sens.iloc[0]
    forb = pd.DataFrame({"city": [row["city"]], "cluster": [row["cluster"]], "role": [np.nan]})
    if "forbidden" in tables:
        forb = pd.concat([tables["forbidden"], forb])
    t2 = dict(tables, forbidden=forb)
    if math.isinf(row["value"]):
        with pytest.raises(InfeasibleError):
            ClusterRoleProblem.from_frames(**t2, **params).solve(mip_gap=1e-9)
    else:
        r2 = ClusterRoleProblem.from_frames(**t2, **params).solve(mip_gap=1e-9)
        assert res.objective - r2.objective == pytest.approx(row["value"], abs=1e-6)
        assert (sens["value"] >= -1e-6).all()


def test_time_limit_returns_incumbent_with_gap() -> None:
    prob = random_problem(150, 25, 5, seed=3)
    res = prob.solve(time_limit=3.0)
    assert res.status in (Status.FEASIBLE, Status.OPTIMAL)
    if res.status == Status.FEASIBLE:
        assert res.mip_gap > 0
    assert res.plan


def test_cbc_agrees_with_highs() -> None:
    prob = random_problem(20, 4, 5, seed=1)
    a = prob.solve(mip_gap=1e-9)
    b = prob.solve(solver="cbc", mip_gap=1e-9)
    assert b.status == Status.OPTIMAL
    assert a.objective == pytest.approx(b.objective, rel=1e-6, abs=1e-6)


def test_pyomo_component_names() -> None:
    tables, params = tiny_tables(0)
    params["max_changes"] = 3
    m = ClusterRoleProblem.from_frames(**tables, **params).to_pyomo()
    for name in ("z", "w", "role_min", "role_max", "one_role", "city_roles", "city_cores", "near_core",
                 "neighbour_cores", "province_land", "province_energy", "province_max_cores", "max_change",
                 "synergy_host", "synergy_near", "fit_term", "synergy_term", "change_count", "objective"):
        assert hasattr(m, name), name


# ----------------------------------------------------------------------------- bad input

def test_bad_fit_city() -> None:
    t = simple_tables()
    fit = t["fit"].copy()
    fit.loc[0, "city"] = "999"
    e = bad_input(fit=fit)
    assert (e.table, e.field) == ("fit", "city") and "999" in str(e.row)


def test_bad_fit_score() -> None:
    fit = simple_tables()["fit"].copy()
    fit.loc[1, "score"] = np.nan
    e = bad_input(fit=fit)
    assert (e.table, e.field) == ("fit", "score")
    assert e.row == "100/K1/supplier"


def test_bad_city_field_and_requirements() -> None:
    c = simple_tables()["cities"].copy()
    c.loc["200", "max_roles"] = -1
    e = bad_input(cities=c)
    assert (e.table, e.row, e.field) == ("cities", "200", "max_roles")
    req = default_requirements(["K1"], ROLES, cores=(2, 1))
    e = bad_input(requirements=req)
    assert (e.table, e.row, e.field) == ("requirements", "K1/core", "max")
    req = pd.DataFrame({"cluster": ["K1"], "role": ["chief"], "min": [1], "max": [2]})
    e = bad_input(requirements=req)
    assert (e.table, e.field) == ("requirements", "role")


def test_bad_other_tables() -> None:
    e = bad_input(provinces=pd.DataFrame({"land_mu": [-5.0]}, index=["P"]))
    assert (e.table, e.row, e.field) == ("provinces", "P", "land_mu")
    e = bad_input(locked=pd.DataFrame({"city": ["100"], "cluster": ["K9"], "role": ["core"]}))
    assert (e.table, e.field) == ("locked", "cluster")
    e = bad_input(synergy=pd.DataFrame({"cluster": ["K1"], "other": ["K2"], "weight": [1.0]}))
    assert (e.table, e.field) == ("synergy", "other")
    e = bad_input(cities=simple_tables()["cities"].drop(columns=["province"]))
    assert (e.table, e.field) == ("cities", "province")
    t = simple_tables()
    with pytest.raises(InputError) as ei:
        ClusterRoleProblem.from_frames(**t, homogeneity="maybe")
    assert ei.value.field == "homogeneity"


def test_time_limit_without_plan_returns_flagged_empty_result() -> None:
    # 0.01 s ends inside HiGHS's presolve of this 150 x 25 x 5 instance: no incumbent
    prob = random_problem(150, 25, 5, seed=3)
    res = prob.solve(time_limit=0.01)
    assert res.status == Status.TIME_LIMIT_NO_SOLUTION
    assert not res.has_plan and res.plan == []
    assert math.isnan(res.objective)
    assert res.assignments.empty and res.role_matrix.empty and res.province_summary.empty
    assert res.objective_terms.isna().all()
    assert math.isnan(res.summary().loc["changes", "value"])
    with pytest.raises(RegionoptError, match="no plan"):
        res.alternatives(2)
    with pytest.raises(RegionoptError, match="no plan"):
        res.sensitivity()


@pytest.mark.parametrize("mode", ["forbid", "penalty"])
def test_city_with_two_cores_of_one_group_is_no_neighbour_clash(mode: str) -> None:
    # A is core of both clusters of group G. B, 20 km away, can never be core
    # (max_cores 0); whether B is listed as a candidate must not change the plan's
    # feasibility or its penalty (it used to make the plan infeasible / charged).
    clusters = pd.DataFrame({"group": ["G", "G"]}, index=["K1", "K2"])
    req = pd.DataFrame({"cluster": ["K1", "K2"], "role": ["core", "core"], "min": [1, 1], "max": [1, 1]})
    d = pd.DataFrame([[0.0, 20.0], [20.0, 0.0]], index=["A", "B"], columns=["A", "B"])
    for with_b in (False, True):
        cities = pd.DataFrame({"province": ["P", "P"], "max_cores": [2, 0]}, index=["A", "B"])
        rows = [("A", "K1", "core", 1.0), ("A", "K2", "core", 1.0)] + ([("B", "K1", "core", -5.0)] if with_b else [])
        fit = pd.DataFrame(rows, columns=["city", "cluster", "role", "score"])
        res = ClusterRoleProblem.from_frames(cities=cities, clusters=clusters, fit=fit, requirements=req,
                                             roles=["core"], near_core_roles=[], distances_km=d,
                                             homogeneity=mode, homogeneity_penalty=0.5, neighbour_km=60).solve()
        assert set(res.plan) == {("A", "K1", "core"), ("A", "K2", "core")}
        assert res.objective == pytest.approx(2.0)


def test_neighbours_holding_cores_of_one_group_clash_once() -> None:
    # A core of K1 and K2, B core of K1: one pair of neighbouring cities in group G,
    # so one penalty unit (not two: the pair clashes once however many cores it holds)
    clusters = pd.DataFrame({"group": ["G", "G"]}, index=["K1", "K2"])
    req = pd.DataFrame({"cluster": ["K1", "K2"], "role": ["core", "core"], "min": [1, 1], "max": [2, 1]})
    d = pd.DataFrame([[0.0, 20.0], [20.0, 0.0]], index=["A", "B"], columns=["A", "B"])
    cities = pd.DataFrame({"province": ["P", "P"], "max_cores": [2, 1]}, index=["A", "B"])
    fit = pd.DataFrame([("A", "K1", "core", 1.0), ("A", "K2", "core", 1.0), ("B", "K1", "core", 1.0)],
                       columns=["city", "cluster", "role", "score"])
    res = ClusterRoleProblem.from_frames(cities=cities, clusters=clusters, fit=fit, requirements=req,
                                         roles=["core"], near_core_roles=[], distances_km=d,
                                         homogeneity="penalty", homogeneity_penalty=0.4, neighbour_km=60).solve()
    assert len(res.plan) == 3
    assert res.objective_terms["homogeneity_penalty"] == pytest.approx(-0.4)
    assert res.objective == pytest.approx(3.0 - 0.4)
