"""Issue 14, part 5: an Excel path for every model, with templates and result workbooks a planner can read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from regionopt.clusters import ClusterRoleProblem
from regionopt.enclave import EnclaveAgreement
from regionopt.io.excel import write_template
from regionopt.land import LandQuotaProblem
from regionopt.plan import RegionalPlan

from .workbooks import clusters_simple, enclave_tiny, land_tiny

MODELS = [LandQuotaProblem, ClusterRoleProblem, EnclaveAgreement, RegionalPlan]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_template_describes_every_column_in_english_and_chinese(tmp_path: Path, model: type) -> None:
    path = write_template(model, tmp_path / "t.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets)[:2] == ["notes", "README"]
    readme = sheets["README"]
    cols = readme[(readme["sheet"] != "settings") & ~readme["column"].str.startswith("(")]
    for name in model.tables:
        assert name in sheets, name
        assert list(sheets[name].columns) == [c for c in cols[cols["sheet"] == name]["column"]]
    # every column: a Chinese header, an English meaning and a Chinese one
    assert cols["中文表头"].notna().all(), cols[cols["中文表头"].isna()]
    assert cols["meaning (unit)"].notna().all() and cols["说明"].notna().all()
    st = sheets["settings"]
    assert list(st.columns) == ["key", "value", "description", "说明"]
    assert st["description"].notna().all(), st[st["description"].isna()]
    assert st["说明"].notna().all(), st[st["说明"].isna()]
    # plain values, no JSON in a cell
    assert not st["value"].astype(str).str.startswith("{").any()
    wb = openpyxl.load_workbook(path)
    first = next(iter(model.tables))
    assert wb[first].freeze_panes == "A2"
    comment = wb[first]["A1"].comment
    assert comment is not None and any("\u4e00" <= ch <= "\u9fff" for ch in comment.text)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_chinese_headers_are_unambiguous_aliases(model: type) -> None:
    from regionopt.io.zh import aliases

    for name, spec in model.tables.items():
        al = aliases(spec.schema)
        assert len(al) == len(spec.schema.model_fields), (name, set(spec.schema.model_fields) - set(al.values()))
        assert not set(al) & set(spec.schema.model_fields), name


def test_land_template_says_the_traps_up_front(tmp_path: Path) -> None:
    notes = pd.read_excel(write_template(LandQuotaProblem, tmp_path / "t.xlsx"), sheet_name="notes")
    text = " ".join(notes["note"])
    assert "only on the pairs listed" in text
    assert "blank platform_coefficient" in text
    zh = " ".join(notes["说明"])
    assert "交易对" in zh and "平台" in zh
    st = pd.read_excel(tmp_path / "t.xlsx", sheet_name="settings").set_index("key")
    assert st.loc["statutory.base_10k_cny_per_mu", "value"] == 10
    assert "万元" in st.loc["statutory.paddy_base_10k_cny_per_mu", "description"]


def _fill(template: Path, frames: dict[str, pd.DataFrame], out: Path, settings: dict | None = None) -> Path:
    """Fill a template the way a planner would: below its headers, leaving its other sheets alone."""
    wb = openpyxl.load_workbook(template)
    for name, df in frames.items():
        ws = wb[name]
        heads = [c.value for c in ws[1]]
        d = df.reset_index() if df.index.name is not None else df
        for rec in d.to_dict(orient="records"):
            ws.append([_plain(rec.get(h)) for h in heads])
    if settings:
        ws = wb["settings"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value in settings:
                row[1].value = settings[row[0].value]
    wb.save(out)
    return out


def _plain(v: object) -> object:
    if isinstance(v, float) and np.isnan(v):
        return None
    if isinstance(v, np.generic):
        return v.item()
    return v


def test_land_template_filled_and_solved_matches_from_frames(tmp_path: Path) -> None:
    f = land_tiny()
    tpl = write_template(LandQuotaProblem, tmp_path / "t.xlsx")
    path = _fill(tpl, f, tmp_path / "in.xlsx", {"intra_cost_10k_cny_per_unit": 0.3})
    prob = LandQuotaProblem.from_excel(path)
    direct = LandQuotaProblem.from_frames(**f, settings={"intra_cost_10k_cny_per_unit": 0.3})
    assert prob.solve().welfare == pytest.approx(direct.solve().welfare, rel=1e-9)


def test_distances_sheet_is_a_table_like_the_others(tmp_path: Path) -> None:
    """distances_km: one row per pair (origin, destination, distance_km), read like every other table."""
    f = land_tiny()
    dist = pd.DataFrame({"origin": ["C"], "destination": ["A"], "distance_km": [120.0]})
    tpl = write_template(LandQuotaProblem, tmp_path / "t.xlsx")
    assert [c.value for c in openpyxl.load_workbook(tpl)["distances_km"][1]] == ["origin", "destination",
                                                                                 "distance_km"]
    path = _fill(tpl, {**f, "distances_km": dist}, tmp_path / "in.xlsx",
                 {"transport_cost_10k_cny_per_unit_km": 0.001})
    prob = LandQuotaProblem.from_excel(path)
    assert prob.inputs.distances_km[("C", "A")] == 120.0
    square = pd.DataFrame([[0.0, 120.0], [120.0, 0.0]], index=["A", "C"], columns=["A", "C"])
    direct = LandQuotaProblem.from_frames(**f, distances_km=square,
                                          settings={"transport_cost_10k_cny_per_unit_km": 0.001})
    assert prob.solve().welfare == pytest.approx(direct.solve().welfare, rel=1e-9)
    bad = _fill(tpl, {**f, "distances_km": dist.assign(distance_km=-3.0)}, tmp_path / "bad.xlsx")
    with pytest.raises(Exception) as info:
        LandQuotaProblem.from_excel(bad)
    assert getattr(info.value, "position", None) == "distances_km!C2"


def test_clusters_template_filled_and_solved(tmp_path: Path) -> None:
    t = clusters_simple()
    cities = t["cities"].rename_axis("city")
    clusters = t["clusters"].rename_axis("cluster")
    roles = pd.DataFrame({"role": t["roles"], "core": [True, False], "near_core": [False, True]})
    tpl = write_template(ClusterRoleProblem, tmp_path / "t.xlsx")
    path = _fill(tpl, {"cities": cities, "clusters": clusters, "fit": t["fit"], "requirements": t["requirements"],
                       "roles": roles}, tmp_path / "in.xlsx")
    res = ClusterRoleProblem.from_excel(path).solve()
    direct = ClusterRoleProblem.from_frames(**t).solve()
    assert res.objective == pytest.approx(direct.objective, rel=1e-9)
    assert sorted(res.plan) == sorted(direct.plan)


def test_enclave_from_a_workbook_gives_splits_and_a_schedule(tmp_path: Path) -> None:
    e = enclave_tiny()
    tpl = write_template(EnclaveAgreement, tmp_path / "t.xlsx")
    path = _fill(tpl, {"contributions": e["contributions"], "forecast": e["forecast"]}, tmp_path / "in.xlsx",
                 {"methods": "shapley, nucleolus, proportional", "step": 0.1})
    res = EnclaveAgreement.from_excel(path).solve()
    direct = EnclaveAgreement.from_frames(e["contributions"], forecast=e["forecast"],
                                          settings={"methods": ["shapley", "nucleolus", "proportional"], "step": 0.1})
    pd.testing.assert_frame_equal(res.splits, direct.solve().splits)
    vN = res.summary_values["grand_value_10k_cny_per_year"]
    for m in ("shapley", "nucleolus", "proportional"):
        assert res.splits[f"{m}_10k_cny"].sum() == pytest.approx(vN)
    sched = res.schedule.set_index("phase")
    assert np.allclose(sched.sum(axis=1), 100.0)
    assert np.allclose(100 * sched.to_numpy() / 10, np.round(100 * sched.to_numpy() / 10))  # 10 % steps
    assert any(n.startswith("clause: ") for n in res.notes)


def test_enclave_taxes_and_layers_give_the_forecast(tmp_path: Path) -> None:
    e = enclave_tiny()
    taxes = pd.DataFrame({"year": [1, 2, 3], "vat_10k_cny": [4000.0, 6000.0, 8000.0],
                          "cit_10k_cny": [1000.0, 2000.0, 3000.0]})
    layers = pd.DataFrame({"tax": ["vat", "cit"], "local_share": [0.5, 0.4], "county_share": [0.5, 1.0],
                           "city_share": [0.5, np.nan]})
    prob = EnclaveAgreement.from_frames(e["contributions"], taxes=taxes, tax_layers=layers,
                                        settings={"shared_layers": "county", "target": "gross"})
    assert prob.forecast is not None
    assert prob.forecast.to_numpy() == pytest.approx([4000 * 0.25 + 1000 * 0.4, 6000 * 0.25 + 2000 * 0.4,
                                                      8000 * 0.25 + 3000 * 0.4])
    with pytest.raises(Exception) as info:
        EnclaveAgreement.from_frames(e["contributions"], taxes=taxes.rename(columns={"vat_10k_cny": "vat"}))
    assert "vat_10k_cny" in str(info.value)


def test_result_workbook_is_tidy_named_formatted_and_noted(tmp_path: Path) -> None:
    """The prices sheet used to merge 41 region cells (NaN regions when read back); no notes, formats or widths."""
    res = LandQuotaProblem.from_frames(**land_tiny()).solve()
    out = res.to_excel(tmp_path / "r.xlsx")
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"summary", "flows", "prices", "notes", "columns"} <= set(sheets)
    prices = sheets["prices"]
    assert prices["region"].notna().all() and list(prices.columns[:3]) == ["region", "ledger", "period"]
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        assert ws.freeze_panes == "A2", ws.title
    ws = wb["prices"]
    col = next(c.column_letter for c in ws[1] if c.value == "shadow_price_10k_cny_per_unit")
    assert ws[f"{col}2"].number_format == "#,##0.00"
    assert ws.column_dimensions[col].width >= len("shadow_price_10k_cny_per_unit")
    notes = sheets["notes"].set_index("topic")["note"]
    assert "status optimal" in notes["solver"] and "gap" in notes.index and "sources" in notes.index
    units = sheets["columns"].set_index(["sheet", "column"])["unit"]
    assert "万元" in units["flows", "payment_10k_cny"]


def test_result_workbook_puts_names_beside_codes(tmp_path: Path) -> None:
    from regionopt.io.excel import names_of, write_result_workbook

    prob = LandQuotaProblem.from_frames(**land_tiny())
    res = prob.solve()
    out = write_result_workbook(res, tmp_path / "r.xlsx", names=names_of(prob))
    flows = pd.read_excel(out, sheet_name="flows")
    assert list(flows.columns[:6]) == ["seller", "seller_name", "seller_name_zh", "buyer", "buyer_name",
                                       "buyer_name_zh"]
    assert set(flows["seller_name"]) <= {"Aville", "Btown", "Ccity"}
    regions = pd.read_excel(out, sheet_name="regions")
    assert regions.set_index("region").loc["A", "name"] == "Aville"


def test_settings_sheet_round_trips_every_default(tmp_path: Path) -> None:
    """The template's settings, read back unchanged, are the defaults (booleans, empties, nested fields)."""
    for model in MODELS:
        tpl = write_template(model, tmp_path / f"{model.__name__}.xlsx")
        from regionopt.io.excel import _read

        _, settings, _ = _read(tpl, model.tables)
        from regionopt.contract import make_settings

        st = make_settings(model.settings_class, settings)
        assert st == model.settings_class(), model.__name__
        json.dumps(st.model_dump(), default=str)
