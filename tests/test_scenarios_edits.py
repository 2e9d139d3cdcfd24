"""Scenario edits, levers, sweep constructors, identities; to_frames round trips of land and clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regionopt import ClusterRoleProblem, InputError, LandQuotaProblem
from regionopt.clusters.example import CLUSTER_SECTOR, delta_problem
from regionopt.clusters.synthetic import random_problem
from regionopt.land import delta_example, random_instance
from regionopt.scenarios import Edit, Scenario, Sweep
from regionopt.scenarios.edits import apply_settings_edits, apply_table_edits
from regionopt.scenarios.scenario import ProblemFactory, base_fingerprint, scenario_id


@pytest.fixture(scope="module")
def land() -> LandQuotaProblem:
    return random_instance(8, 3, seed=11)


def _same_model(a, b) -> None:
    ca, cb = a.compile(), b.compile()
    assert ca.same_structure(cb)
    for f in ("c", "value", "row_lo", "row_hi", "col_lo", "col_hi"):
        np.testing.assert_array_equal(getattr(ca, f), getattr(cb, f), err_msg=f)
    assert ca.offset == cb.offset


# --------------------------------------------------------------------------- to_frames round trips


@pytest.mark.parametrize("make", [
    lambda: delta_example(),
    lambda: random_instance(12, 3, seed=4),
    lambda: random_instance(9, 2, seed=5, red_lines=False).with_settings(platform=False, banking=False),
])
def test_land_to_frames_rebuilds_the_same_model(make) -> None:
    p = make()
    q = LandQuotaProblem.from_frames(**p.to_frames())
    _same_model(p, q)
    assert q.inputs.regions == p.inputs.regions and q.inputs.provinces == p.inputs.provinces
    assert q.settings == p.settings


def test_land_to_frames_keeps_a_province_that_may_not_buy_from_the_platform() -> None:
    p = delta_example()  # Anhui's coefficient is not verified: it may only sell to the platform
    fr = p.to_frames()
    assert np.isnan(fr["provinces"].loc["340000", "platform_coefficient"])
    assert LandQuotaProblem.from_frames(**fr).inputs.provinces["340000"].platform_coefficient is None


@pytest.mark.parametrize("make", [lambda: delta_problem(list(CLUSTER_SECTOR)[:6]),
                                  lambda: random_problem(12, 4, seed=3)])
def test_clusters_to_frames_rebuilds_the_same_model(make) -> None:
    p = make()
    q = ClusterRoleProblem.from_frames(**p.to_frames())
    _same_model(p, q)
    assert q.settings == p.settings


# --------------------------------------------------------------------------- the edit language


def test_table_edits_set_scale_and_add(land: LandQuotaProblem) -> None:
    fr = land.to_frames()
    prov = fr["provinces"].index[0]
    floor = fr["provinces"].loc[prov, "farmland_floor_mu"]
    out = apply_table_edits(fr, [Edit("provinces", prov, "farmland_floor_mu", "*", 1.01),
                                 Edit("provinces", prov, "farmland_floor_mu", "+", 5.0),
                                 Edit("reserves", {"tier": "linkage"}, "cost_10k_cny_per_mu", "=", 7.5)])
    assert out["provinces"].loc[prov, "farmland_floor_mu"] == pytest.approx(floor * 1.01 + 5.0)
    res = out["reserves"]
    assert (res.loc[res["tier"] == "linkage", "cost_10k_cny_per_mu"] == 7.5).all()
    assert (res.loc[res["tier"] != "linkage", "cost_10k_cny_per_mu"]
            == fr["reserves"].loc[fr["reserves"]["tier"] != "linkage", "cost_10k_cny_per_mu"]).all()
    # the base tables are untouched
    assert fr["provinces"].loc[prov, "farmland_floor_mu"] == floor
    assert out["projects"] is fr["projects"]  # tables not edited are shared, not copied


def test_row_filters_accept_lists_and_codes_as_numbers() -> None:
    p = delta_example()
    fr = p.to_frames()
    out = apply_table_edits(fr, [Edit("projects", {"region": [340100, "340200"]}, "value_10k_cny", "*", 2.0)])
    mask = fr["projects"]["region"].isin(["340100", "340200"])
    assert mask.sum() == 6
    np.testing.assert_allclose(out["projects"].loc[mask, "value_10k_cny"], 2 * fr["projects"].loc[mask, "value_10k_cny"])
    np.testing.assert_array_equal(out["projects"].loc[~mask, "value_10k_cny"], fr["projects"].loc[~mask, "value_10k_cny"])


def test_setting_an_absent_optional_column(land: LandQuotaProblem) -> None:
    fr = land.to_frames()
    fr["regions"] = fr["regions"].drop(columns=["budget_10k_cny"])
    r0 = fr["regions"].index[0]
    out = apply_table_edits(fr, [Edit("regions", r0, "budget_10k_cny", "=", 1000.0)],
                            schemas=LandQuotaProblem.tables)
    assert out["regions"].loc[r0, "budget_10k_cny"] == 1000.0
    assert out["regions"]["budget_10k_cny"].drop(r0).isna().all()
    q = LandQuotaProblem.from_frames(**out)
    assert q.inputs.regions[r0].budget_10k_cny == 1000.0


def test_nested_settings_edits(land: LandQuotaProblem) -> None:
    ch = apply_settings_edits(land.settings, [Edit("settings", None, "statutory.base_10k_cny_per_mu", "*", 2.0),
                                              Edit("settings", "*", "platform", "=", False)])
    assert ch["statutory"]["base_10k_cny_per_mu"] == 20.0
    assert ch["statutory"]["paddy_base_10k_cny_per_mu"] == 20.0  # untouched leaves come along
    q = land.with_settings(**ch)
    assert q.settings.statutory.base_10k_cny_per_mu == 20.0 and q.settings.platform is False


@pytest.mark.parametrize(("edit", "table", "field", "words"), [
    (("provinz", "*", "farmland_mu", "*", 1.0), "provinz", "farmland_mu", "did you mean 'provinces'"),
    (("provinces", "XX", "farmland_floor_mu", "*", 1.0), "provinces", "farmland_floor_mu", "no row"),
    (("provinces", "*", "farmland_flor_mu", "*", 1.0), "provinces", "farmland_flor_mu", "farmland_floor_mu"),
    (("provinces", "*", "farmland_floor_mu", "/", 2.0), "provinces", "farmland_floor_mu", "unknown operation"),
    (("provinces", "*", "farmland_floor_mu", "*", "2"), "provinces", "farmland_floor_mu", "finite number"),
    (("provinces", "*", "farmland_floor_mu", "+", float("nan")), "provinces", "farmland_floor_mu", "finite number"),
    (("reserves", "R0000", "cost_10k_cny_per_mu", "*", 2.0), "reserves", "cost_10k_cny_per_mu", "has no index"),
    (("reserves", {"tyer": "linkage"}, "cost_10k_cny_per_mu", "*", 2.0), "reserves", "tyer", "no column"),
    (("regions", "*", "province", "*", 2.0), "regions", "province", "does not hold numbers"),
    (("regions", "*", "budget_10k_cny", "*", 2.0), "regions", "budget_10k_cny", "is empty, so"),
    (("export_caps", "*", "cap", "*", 2.0), "export_caps", "cap", "no row"),
    (("settings", None, "platfrom", "=", False), "settings", "platfrom", "did you mean 'platform'"),
    (("settings", None, "platform", "*", 2.0), "settings", "platform", "not a number"),
    (("settings", None, "national_floor_mu", "+", 1.0), "settings", "national_floor_mu", "not a number"),
    (("settings", "X", "platform", "=", False), "settings", "platform", "no rows"),
    # values the model's own validation rejects, found by from_frames / with_settings
    (("provinces", "*", "farmland_floor_mu", "=", -5.0), "provinces", "farmland_floor_mu", ""),
    (("regions", "*", "min_demand_share", "=", 1.5), "regions", "min_demand_share", ""),
    (("settings", None, "platform_payout_coefficient", "=", -1.0), "settings", "platform_payout_coefficient", ""),
])
def test_invalid_edits_raise_input_error_before_anything_runs(land, edit, table, field, words) -> None:
    with pytest.raises(InputError) as ei:
        Sweep(land, [Scenario("fine", [("settings", None, "platform", "=", True)]), Scenario("bad one", [edit])])
    err = ei.value
    assert "scenario 'bad one'" in str(err)
    assert err.table == table
    assert err.field == field or (err.field or "").startswith(field)
    assert words in str(err)


def test_a_cross_table_rule_is_checked_too() -> None:
    # the platform payout may not exceed a buyer's coefficient (an arbitrage): land's own check
    p = delta_example()
    with pytest.raises(InputError, match=r"scenario 'payout'.*arbitrage") as ei:
        Sweep(p, [Scenario("payout", [("settings", None, "platform_payout_coefficient", "=", 1.8)])])
    assert ei.value.table == "provinces"


def test_edits_of_tables_need_to_frames_or_frames() -> None:
    p = random_instance(6, 2, seed=2)

    class NoFrames(LandQuotaProblem):
        to_frames = None  # type: ignore[assignment]

    q = NoFrames(p.inputs)
    fp = ProblemFactory(q)
    assert fp.problem(Scenario("s", [("settings", None, "platform", "=", False)])).settings.platform is False
    with pytest.raises(InputError, match="no to_frames"):
        fp.problem(Scenario("t", [("regions", "*", "farmland_mu", "*", 1.1)]))
    ok = ProblemFactory(q, p.to_frames()).problem(Scenario("t", [("regions", "*", "farmland_mu", "*", 1.1)]))
    r0 = sorted(p.inputs.regions)[0]
    assert ok.inputs.regions[r0].farmland_mu == pytest.approx(p.inputs.regions[r0].farmland_mu * 1.1)


def test_scenario_problems_equal_problems_built_by_hand(land: LandQuotaProblem) -> None:
    fr = land.to_frames()
    prov = fr["provinces"].index[1]
    sc = Scenario("s", [("provinces", prov, "farmland_floor_mu", "+", 1000.0),
                        ("settings", None, "statutory.capacity_10k_cny_per_100kg", "=", 3.0)])
    got = ProblemFactory(land).problem(sc)
    hand = fr["provinces"].copy()
    hand.loc[prov, "farmland_floor_mu"] += 1000.0
    st = land.settings.model_copy(update={"statutory": land.settings.statutory.model_copy(
        update={"capacity_10k_cny_per_100kg": 3.0})})
    want = LandQuotaProblem.from_frames(**{**fr, "provinces": hand, "settings": st})
    _same_model(got, want)


# --------------------------------------------------------------------------- constructors and identity


def test_grid_is_the_product_of_its_axes(land: LandQuotaProblem) -> None:
    prov = sorted(land.inputs.provinces)[0]
    sw = Sweep.grid(land, red_line_scale={prov: [1.0, 1.0001]}, statutory_price_scale=[0.5, 1.0, 2.0],
                    platform=[True, False])
    assert len(sw) == 12
    df = sw.to_frame()
    assert list(df.columns[:5]) == ["scenario_id", "name", f"red_line_scale[{prov}]", "statutory_price_scale",
                                    "platform"]
    assert df[[f"red_line_scale[{prov}]", "statutory_price_scale", "platform"]].drop_duplicates().shape[0] == 12
    assert df["name"].iloc[0] == f"red_line_scale[{prov}]=1, statutory_price_scale=0.5, platform=True"
    # the statutory lever edits the three base prices
    s = sw.scenarios[2]
    assert {e.column for e in s.edits if e.is_settings and e.op == "*"} == {
        "statutory.base_10k_cny_per_mu", "statutory.paddy_base_10k_cny_per_mu", "statutory.capacity_10k_cny_per_100kg"}
    q = sw.problem(s.name)
    assert q.settings.statutory.base_10k_cny_per_mu == pytest.approx(10.0)  # 1.0 x 10
    assert sw.problem(sw.scenarios[0].name).settings.statutory.base_10k_cny_per_mu == pytest.approx(5.0)


def test_grid_accepts_templates_and_nested_settings(land: LandQuotaProblem) -> None:
    prov = sorted(land.inputs.provinces)[0]
    sw = Sweep.grid(land, {("provinces", prov, "farmland_floor_mu", "+"): [0.0, 10.0],
                           "reserves[*].cost_10k_cny_per_mu*": [1.0, 1.5]},
                    statutory__base_10k_cny_per_mu=[8.0])
    assert len(sw) == 4
    assert set(sw.scenarios[0].params) == {f"provinces[{prov}].farmland_floor_mu+",
                                           "reserves[*].cost_10k_cny_per_mu*", "statutory.base_10k_cny_per_mu"}
    assert sw.problem(sw.scenarios[-1].name).settings.statutory.base_10k_cny_per_mu == 8.0
    with pytest.raises(InputError, match=r"unknown lever or setting 'red_lin_scale' \(did you mean 'red_line_scale'"):
        Sweep.grid(land, red_lin_scale=[1.0])
    with pytest.raises(InputError, match="no values"):
        Sweep.grid(land, platform=[])


def test_samples_are_seeded_and_inside_their_ranges(land: LandQuotaProblem) -> None:
    ranges = {"project_value_scale": (0.8, 1.2), "intra_cost_10k_cny_per_unit": (0.0, 0.5)}
    a = Sweep.sample(land, ranges, 16, method="lhs", seed=7).to_frame()
    b = Sweep.sample(land, ranges, 16, method="lhs", seed=7).to_frame()
    c = Sweep.sample(land, ranges, 16, method="lhs", seed=8).to_frame()
    pd.testing.assert_frame_equal(a, b)
    assert not a["project_value_scale"].equals(c["project_value_scale"])
    assert a["project_value_scale"].between(0.8, 1.2).all() and a["intra_cost_10k_cny_per_unit"].between(0, 0.5).all()
    # Latin hypercube: exactly one point in each of the 16 equal strata of each dimension
    strata = np.floor((a["project_value_scale"] - 0.8) / 0.4 * 16).astype(int)
    assert sorted(strata) == list(range(16))
    s = Sweep.sample(land, ranges, 8, method="sobol", seed=1).to_frame()
    assert s["project_value_scale"].between(0.8, 1.2).all() and len(s) == 8
    with pytest.raises(InputError, match="unknown sampling method"):
        Sweep.sample(land, ranges, 4, method="grid")
    with pytest.raises(InputError, match="low <= high"):
        Sweep.sample(land, {"project_value_scale": (1.2, 0.8)}, 4)


def test_from_frame_and_one_at_a_time(land: LandQuotaProblem) -> None:
    prov = sorted(land.inputs.provinces)[0]
    table = pd.DataFrame({f"red_line_scale[{prov}]": [1.0, np.nan, 1.001], "platform": [True, False, None]},
                         index=pd.Index(["a", "b", "c"], name="scenario"))
    sw = Sweep.from_frame(land, table)
    assert [s.name for s in sw.scenarios] == ["a", "b", "c"]
    assert len(sw.scenarios[1].edits) == 1 and sw.scenarios[1].params == {"platform": False}
    assert sw.scenarios[2].params == {f"red_line_scale[{prov}]": 1.001}
    oat = Sweep.one_at_a_time(land, {"project_value_scale": (0.9, 1.1), "platform_payout_coefficient": (0.5, 1.0)})
    names = [s.name for s in oat.scenarios]
    assert names == ["base", "project_value_scale=low", "project_value_scale=high",
                     "platform_payout_coefficient=low", "platform_payout_coefficient=high"]
    assert oat.scenarios[0].edits == ()


def test_scenario_ids_are_stable_and_depend_on_base_and_edits(land: LandQuotaProblem) -> None:
    e = [Edit("settings", None, "platform", "=", False)]
    a = Sweep(land, [Scenario("x", e)])
    b = Sweep(random_instance(8, 3, seed=11), [Scenario("renamed", e)])  # same base data, other object
    assert a.ids == b.ids and a.fingerprint == b.fingerprint
    assert a.ids[0] == scenario_id(base_fingerprint(land), tuple(e))
    other = Sweep(random_instance(8, 3, seed=12), [Scenario("x", e)])
    assert other.ids != a.ids
    c = Sweep(land, [Scenario("x", [Edit("settings", None, "platform", "=", True)])])
    assert c.ids != a.ids
    with pytest.raises(InputError, match="make the same edits"):
        Sweep(land, [Scenario("x", e), Scenario("y", e)])
    with pytest.raises(InputError, match="duplicate scenario name"):
        Sweep(land, [Scenario("x", e), Scenario("x", [])])
