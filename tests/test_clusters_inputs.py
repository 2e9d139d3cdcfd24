"""Bad input of the cluster-role model: each error names table, row and field."""

from __future__ import annotations

import pandas as pd
import pytest

from regionopt.clusters import ClusterRoleProblem, default_requirements
from regionopt.errors import InputError

from .cluster_checks import bad_input as _bad
from .cluster_checks import simple_tables as _simple


@pytest.mark.parametrize(("field", "value"), [("lat", 131.2), ("lat", -91.0), ("lon", 420.0), ("lon", -180.5)])
def test_coordinates_out_of_range(field: str, value: float) -> None:
    # used to be accepted: haversine then gave distances of a point that does not exist
    c = _simple()["cities"].copy()
    c.loc["200", field] = value
    e = _bad(cities=c)
    assert (e.table, e.row, e.field) == ("cities", "200", field)


def test_coordinates_on_the_range_edge_are_fine() -> None:
    c = _simple()["cities"].copy()
    c.loc["200", "lon"] = 180.0
    c.loc["300", "lat"] = -90.0
    ClusterRoleProblem.from_frames(**dict(_simple(), cities=c))


def test_duplicate_resource_use_row() -> None:
    # used to keep the last row silently: 5 mu instead of the 100 mu given first
    use = pd.DataFrame({"cluster": ["K1", "K1"], "role": ["core", "core"], "land_mu": [100.0, 5.0],
                        "energy_10k_tce": [1.0, 1.0]})
    e = _bad(resource_use=use)
    assert (e.table, e.row, e.field) == ("resource_use", "K1/core", "role")


def test_duplicate_synergy_row() -> None:
    # used to add the two weights silently
    clusters = pd.DataFrame({"name": ["Bio", "Chem"]}, index=["K1", "K2"])
    syn = pd.DataFrame({"cluster": ["K1", "K1"], "other": ["K2", "K2"], "weight": [0.3, 0.3]})
    e = _bad(clusters=clusters, synergy=syn)
    assert (e.table, e.row, e.field) == ("synergy", "K1/K2", "other")


def test_province_max_cores_below_min_cores() -> None:
    # used to be accepted and to surface later as an infeasible plan
    e = _bad(provinces=pd.DataFrame({"min_cores": [3], "max_cores": [1]}, index=["P"]))
    assert (e.table, e.row, e.field) == ("provinces", "P", "max_cores")


def test_unknown_near_core_role_is_an_error() -> None:
    # a typo used to be dropped silently, switching the near-core rule off: the plan then
    # put suppliers 28 km from the only core although core_distance_km was 10 km
    e = _bad(near_core_roles=["suplier"])
    assert (e.table, e.field) == ("roles", "near_core_roles")
    assert "suplier" in str(e)


def test_default_near_core_roles_keep_those_among_the_roles() -> None:
    t = _simple()
    t.pop("near_core_roles")  # default (supplier, manufacturing); roles are core and supplier
    prob = ClusterRoleProblem.from_frames(**t)  # type: ignore[arg-type]
    assert prob.inputs.near_core_roles == ["supplier"]


def test_default_requirements_rejects_unknown_or_core_role_in_others() -> None:
    # a typo used to be ignored silently: the role got (0, None) instead of its count
    with pytest.raises(InputError) as ei:
        default_requirements(["K1"], ["core", "supplier"], others={"suplier": (2, None)})
    assert (ei.value.table, ei.value.row, ei.value.field) == ("others", "suplier", "role")
    # the core role's counts come from cores=(min, max); others={"core": ...} was ignored silently
    with pytest.raises(InputError) as ei:
        default_requirements(["K1"], ["core", "supplier"], others={"core": (2, 3)})
    assert ei.value.row == "core"
    req = default_requirements(["K1"], ["core", "supplier"], cores=(1, 1), others={"supplier": (2, None)})
    assert req.set_index("role").loc["supplier", "min"] == 2


def test_distance_table_needs_a_zero_diagonal() -> None:
    # a nonzero diagonal used to be accepted and silently removed same-city synergy
    d = pd.DataFrame(0.0, index=["100", "200", "300"], columns=["100", "200", "300"])
    d.loc["200", "300"] = d.loc["300", "200"] = 30.0
    d.loc["200", "200"] = 3.0
    e = _bad(distances_km=d)
    assert (e.table, e.row, e.field) == ("distances_km", "200", "200")


def test_city_column_with_default_index_is_refused_not_renumbered() -> None:
    # a 'city' column next to a 0..n-1 index used to be ignored: the cities became
    # "0", "1", ... and the fit table's codes surfaced as an 'unknown city' error
    c = _simple()["cities"].rename_axis("city").reset_index()
    e = _bad(cities=c)
    assert (e.table, e.field) == ("cities", "city") and e.row == "100"
    assert "set_index" in str(e)
    same = _simple()["cities"].rename_axis("city")
    same["city"] = same.index  # a column that repeats the index is fine
    t = _simple()
    t["cities"] = same
    ClusterRoleProblem.from_frames(**t)  # type: ignore[arg-type]


def test_synergy_of_a_cluster_with_itself_is_refused() -> None:
    syn = pd.DataFrame({"cluster": ["K1"], "other": ["K1"], "weight": [0.5]})
    e = _bad(synergy=syn)
    assert (e.table, e.row, e.field) == ("synergy", "K1/K1", "other")


@pytest.mark.parametrize("value", [1.5, -1])
def test_max_changes_is_a_whole_number(value: float) -> None:
    t = _simple()
    with pytest.raises(InputError) as ei:
        ClusterRoleProblem.from_frames(**t, max_changes=value)  # type: ignore[arg-type]
    assert ei.value.field == "max_changes"
