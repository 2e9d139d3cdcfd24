"""Bad input gives InputError naming table, row and field; nothing half-built is returned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from regionopt import InfeasibleError, InputError
from regionopt.land import LandQuotaProblem, write_template

from .land_checks import tiny_frames


def _raises(match_table: str, match_row, match_field: str | None, **changes) -> InputError:
    f = tiny_frames()
    f.update(changes)
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_frames(**f)
    err = info.value
    assert err.table == match_table
    assert err.row == match_row
    assert err.field == match_field
    assert match_table in str(err)
    return err


def test_tiny_instance_solves_and_trades() -> None:
    res = LandQuotaProblem.from_frames(**tiny_frames()).solve()
    assert res.status.value == "optimal"
    assert (res.flows["channel"] == "bilateral").any()
    assert res.welfare > res.autarky_welfare


def test_negative_area() -> None:
    f = tiny_frames()
    pr = f["projects"].copy()
    pr.loc["J2", "land_mu"] = -5.0
    err = _raises("projects", "J2", "land_mu", projects=pr)
    assert "greater than or equal to 0" in str(err)


def test_unknown_region_in_project() -> None:
    f = tiny_frames()
    pr = f["projects"].copy()
    pr.loc["J3", "region"] = "Z"
    _raises("projects", "J3", "region", projects=pr)


def test_duplicate_project_id() -> None:
    f = tiny_frames()
    pr = pd.concat([f["projects"], f["projects"].iloc[[0]]])
    _raises("projects", "J1", "project", projects=pr)


def test_nan_in_required_column() -> None:
    f = tiny_frames()
    pr = f["projects"].copy()
    pr.loc["J1", "value_10k_cny"] = np.nan
    _raises("projects", "J1", "value_10k_cny", projects=pr)


def test_missing_required_column() -> None:
    f = tiny_frames()
    _raises("projects", None, "value_10k_cny", projects=f["projects"].drop(columns="value_10k_cny"))


def test_farmland_exceeding_land() -> None:
    f = tiny_frames()
    pr = f["projects"].copy()
    pr.loc["J1", "farmland_mu"] = 500.0
    _raises("projects", "J1", "farmland_mu", projects=pr)


def test_disallowed_pair_with_forced_flow() -> None:
    pairs = pd.DataFrame(
        [("C", "A", "area", False, 10.0)], columns=["seller", "buyer", "ledger", "allowed", "min_amount"]
    )
    _raises("pairs", "C->A/area", "min_amount", pairs=pairs)


@pytest.mark.parametrize("first_allowed", [True, False])
def test_allowed_and_forbidden_rows_for_one_pair_conflict_in_either_order(first_allowed: bool) -> None:
    # a forbidden row followed by an allowed one for the same arc used to pass (the allowed one won)
    rows = [("C", "A", "area", first_allowed), ("C", "A", "area", not first_allowed)]
    pairs = pd.DataFrame(rows, columns=["seller", "buyer", "ledger", "allowed"])
    _raises("pairs", "C->A/area", "ledger", pairs=pairs)


def test_unknown_ledger_and_self_trade() -> None:
    pairs = pd.DataFrame([("C", "A", "water")], columns=["seller", "buyer", "ledger"])
    _raises("pairs", "C->A/water", "ledger", pairs=pairs)
    pairs = pd.DataFrame([("C", "C", "area")], columns=["seller", "buyer", "ledger"])
    _raises("pairs", "C->C/area", "buyer", pairs=pairs)


def test_region_in_unknown_province() -> None:
    f = tiny_frames()
    regs = f["regions"].copy()
    regs.loc["B", "province"] = "P9"
    _raises("regions", "B", "province", regions=regs)


def test_gini_cap_refused_for_many_regions() -> None:
    from regionopt.land import random_instance

    with pytest.raises(InputError) as info:
        random_instance(70, 3, seed=1, gini_cap=0.3)
    assert info.value.table == "settings" and info.value.field == "gini_cap"


def test_infeasible_red_line_is_named() -> None:
    f = tiny_frames()
    prov = f["provinces"].copy()
    prov["farmland_floor_mu"] = [np.nan, 10_000.0]  # South has only 5000 mu
    proj = f["projects"].copy()
    proj["min_share"] = [np.nan, np.nan, np.nan]
    with pytest.raises(InfeasibleError) as info:
        LandQuotaProblem.from_frames(**{**f, "provinces": prov, "projects": proj}).solve()
    err = info.value
    assert err.method == "iis"
    rules = [c.rule for c in err.conflicts]
    assert any("farmland red line of province South (P2)" in r for r in rules), rules
    assert "South (P2)" in str(err)


def test_infeasible_mip_gets_elastic_diagnosis() -> None:
    f = tiny_frames()
    regs = f["regions"].copy()
    regs["min_demand_share"] = [1.0, np.nan, np.nan]  # Aville must realise all 100 mu ...
    reserves = f["reserves"].iloc[0:0]
    pairs = f["pairs"].iloc[0:0]
    prob = LandQuotaProblem.from_frames(**{**f, "regions": regs, "reserves": reserves, "pairs": pairs},
                                        settings={"binary_projects": True, "within_province": False})
    with pytest.raises(InfeasibleError) as info:
        prob.solve()
    err = info.value
    assert err.method == "elastic"
    assert err.conflicts and all(c.violation is not None and c.violation > 0 for c in err.conflicts)
    text = " ".join(c.rule for c in err.conflicts)
    assert "Aville (A)" in text


def test_excel_template_roundtrip(tmp_path) -> None:
    path = write_template(tmp_path / "template.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert {"regions", "projects", "pairs", "settings", "README"} <= set(sheets)
    assert "land_mu" in sheets["projects"].columns
    readme = sheets["README"]
    assert readme[readme["column"] == "land_mu"]["meaning (unit)"].str.contains("mu").all()
    # fill it with the tiny instance and read it back
    f = tiny_frames()
    with pd.ExcelWriter(tmp_path / "filled.xlsx") as xw:
        f["regions"].to_excel(xw, sheet_name="regions")
        f["provinces"].to_excel(xw, sheet_name="provinces")
        f["projects"].to_excel(xw, sheet_name="projects")
        for name in ("allocations", "reserves", "pairs"):
            f[name].to_excel(xw, sheet_name=name, index=False)
        pd.DataFrame({"key": ["intra_cost_10k_cny_per_unit"], "value": [0.3]}).to_excel(xw, sheet_name="settings", index=False)
    prob = LandQuotaProblem.from_excel(tmp_path / "filled.xlsx")
    assert prob.settings.intra_cost_10k_cny_per_unit == 0.3
    direct = LandQuotaProblem.from_frames(**f, settings={"intra_cost_10k_cny_per_unit": 0.3}).solve()
    assert prob.solve().welfare == pytest.approx(direct.welfare, rel=1e-9)


def test_excel_missing_sheet(tmp_path) -> None:
    f = tiny_frames()
    with pd.ExcelWriter(tmp_path / "bad.xlsx") as xw:
        f["regions"].to_excel(xw, sheet_name="regions")
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(tmp_path / "bad.xlsx")
    assert info.value.table == "projects"
    assert "missing" in str(info.value)


@pytest.mark.parametrize(
    ("changes", "table", "row", "field"),
    [
        ({"per_capita_spread_cap": 5.0}, "regions", "A", "population_10k"),
        ({"gini_cap": 0.2}, "regions", "A", "population_10k"),
        ({"spread_penalty_10k_cny": 1.0}, "regions", "A", "population_10k"),
        ({"transport_cost_10k_cny_per_unit_km": 0.01}, "settings", None, "transport_cost_10k_cny_per_unit_km"),
        ({"platform_payout_coefficient": 2.0}, "provinces", "P1", "platform_coefficient"),
        ({"platform_payout_coefficient": -1.0}, "settings", None, "platform_payout_coefficient"),
    ],
)
def test_with_settings_checks_the_data_like_from_frames(changes, table, row, field) -> None:
    """with_settings used to skip the cross-checks: per-capita rules then divided by a
    population of 1, a per-km cost without distances was silently 0, and an arbitrage
    payout came back as an unbounded solver failure instead of an InputError."""
    f = tiny_frames()
    with pytest.raises(InputError) as direct:
        LandQuotaProblem.from_frames(**f, settings=changes)
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_frames(**f).with_settings(**changes)
    for err in (direct.value, info.value):
        assert (err.table, err.row, err.field) == (table, row, field)


def test_with_settings_refuses_to_close_a_forced_pair() -> None:
    f = tiny_frames()
    pairs = pd.DataFrame([("C", "A", "construction", 5.0)], columns=["seller", "buyer", "ledger", "min_amount"])
    prob = LandQuotaProblem.from_frames(**{**f, "pairs": pairs})
    with pytest.raises(InputError) as info:
        prob.with_settings(bilateral=False)
    assert (info.value.table, info.value.row, info.value.field) == ("pairs", "C->A/construction", "min_amount")
    assert prob.autarky().settings.bilateral is False  # the autarky benchmark closes channels on purpose


def test_duplicate_export_cap_is_refused() -> None:
    """Two caps for the same seller and ledger used to be accepted, the last row silently winning
    (here a 500-unit cap replaced a 5-unit one)."""
    caps = pd.DataFrame([("C", "construction", 5.0), ("C", "construction", 500.0)], columns=["region", "ledger", "cap"])
    _raises("export_caps", "C/construction", "ledger", export_caps=caps)


def test_period_gap_names_the_table_and_row_it_came_from() -> None:
    """A gap caused by an allocations row used to be reported against the projects table, with no row."""
    f = tiny_frames()
    al = f["allocations"].copy()
    al["period"] = [1, 1, 1, 3]
    _raises("allocations", "C/area/3", "period", allocations=al)
    pr = f["projects"].copy()
    pr["period"] = [1, 4, 1]
    _raises("projects", "J2", "period", projects=pr)


def test_empty_cell_in_optional_column_takes_its_default() -> None:
    """docs/land.md: an empty cell (NaN) in an optional column means "not given". Columns with a
    default other than None (period 1, farmland_mu 0, area_per_mu 1, cost 0, allowed True) used
    to reject NaN -- e.g. after pd.concat of a table with a period column and one without."""
    f = tiny_frames()
    pr = f["projects"].copy()
    pr["period"] = [np.nan, 1.0, np.nan]
    pr.loc["J3", ["farmland_mu", "paddy_mu"]] = np.nan
    al = pd.concat([f["allocations"], pd.DataFrame([("A", "area", 5.0, 1)], columns=["region", "ledger", "amount", "period"])])
    rs = f["reserves"].copy()
    rs["area_per_mu"] = np.nan
    pairs = pd.DataFrame([("C", "A", None, np.nan, np.nan)], columns=["seller", "buyer", "ledger", "cost_10k_cny_per_unit", "allowed"])
    prob = LandQuotaProblem.from_frames(**{**f, "projects": pr, "allocations": al, "reserves": rs, "pairs": pairs})
    inp = prob.inputs
    assert inp.projects["J1"].period == 1 and inp.projects["J3"].farmland_mu == 0.0
    assert inp.allocations[("A", "construction", 1)] == 40.0
    assert inp.reserves[("C", "consolidation")].area_per_mu == 1.0
    assert inp.pairs[("C", "A", "area")].allowed and inp.pairs[("C", "A", "area")].cost_10k_cny_per_unit == 0.0
    # a required column still refuses an empty cell
    pr2 = f["projects"].copy()
    pr2.loc["J2", "land_mu"] = np.nan
    _raises("projects", "J2", "land_mu", projects=pr2)
