"""Issue 15: no silent inputs, no raw tracebacks. One test per class of bad input, each failing before the fix.

The audit table (tests/test_audit_bad_inputs.py) runs every class once more with a timeout and
checks that nothing on disk changed; the tests here check the details: the suggestion, the
workbook cell, the warning, the note, what is still accepted.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import regionopt as ro
from regionopt import InputError
from regionopt.clusters import ClusterRoleProblem
from regionopt.land import LandQuotaProblem

from .workbooks import clusters_simple, enclave_tiny, land_tiny, write_workbook


def _land(**changes: object) -> InputError:
    f = land_tiny()
    f.update(changes)  # type: ignore[arg-type]
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_frames(**f)
    return info.value


def _clusters(**changes: object) -> InputError:
    t = clusters_simple()
    t.update(changes)
    with pytest.raises(InputError) as info:
        ClusterRoleProblem.from_frames(**t)
    return info.value


# --------------------------------------------------------------------------- unknown columns


@pytest.mark.parametrize(("table", "wrong", "right"), [
    ("provinces", "farmland_floor", "farmland_floor_mu"),        # red lines used to vanish
    ("regions", "min_demand_shares", "min_demand_share"),        # development guarantee dropped
    ("pairs", "cost_10k_cny_per_units", "cost_10k_cny_per_unit"),  # transaction cost dropped
])
def test_land_unknown_column_names_the_nearest(table: str, wrong: str, right: str) -> None:
    f = land_tiny()
    df = f[table].copy()
    df[wrong] = 1.0 if table != "regions" else 0.5
    e = _land(**{table: df})
    assert (e.table, e.field) == (table, wrong)
    assert f"did you mean {right!r}" in str(e)
    assert "known columns" in str(e)


def test_land_province_land_column_is_refused() -> None:
    """``land`` on provinces (for a budget) used to be dropped: budgets silently gone."""
    f = land_tiny()
    e = _land(provinces=f["provinces"].assign(land=5.0))
    assert (e.table, e.field) == ("provinces", "land")


@pytest.mark.parametrize(("table", "wrong", "right"), [
    ("requirements", "maximum", "max"),     # role maxima dropped: 73 assignments instead of 26
    ("cities", "max_role", "max_roles"),
    ("provinces", "land", "land_mu"),       # province land budgets dropped
])
def test_clusters_unknown_column_names_the_nearest(table: str, wrong: str, right: str) -> None:
    t = clusters_simple()
    if table == "provinces":
        df = pd.DataFrame({wrong: [10.0, 10.0]}, index=pd.Index(["P", "Q"], name="province"))
    elif table == "requirements":
        df = t["requirements"].rename(columns={"max": wrong})
    else:
        df = t[table].copy()
        df[wrong] = 1
    e = _clusters(**{table: df})
    assert (e.table, e.field) == (table, wrong)
    assert f"did you mean {right!r}" in str(e)


def test_free_columns_are_kept_and_an_opt_out_exists() -> None:
    """name, name_en, name_zh, note and note_* are free; df.attrs['free_columns'] frees others."""
    f = land_tiny()
    regions = f["regions"].assign(name_zh=["甲", "乙", "丙"], note="checked", note_source="survey")
    LandQuotaProblem.from_frames(**{**f, "regions": regions})
    projects = f["projects"].assign(sector=["a", "b", "c"])
    with pytest.raises(InputError):
        LandQuotaProblem.from_frames(**{**f, "projects": projects})
    projects.attrs["free_columns"] = ["sector"]
    LandQuotaProblem.from_frames(**{**f, "projects": projects})


def test_pandas_renamed_duplicate_header_is_explained() -> None:
    """pd.read_excel renames a second ``land_mu`` header to ``land_mu.1``: it used to be dropped."""
    f = land_tiny()
    e = _land(projects=f["projects"].assign(**{"land_mu.1": 5.0}))
    assert e.field == "land_mu.1"
    assert "appears more than once" in str(e)


def test_chinese_header_in_a_dataframe_names_its_english_column() -> None:
    f = land_tiny()
    e = _land(provinces=f["provinces"].assign(耕地红线_亩=1.0))
    assert "'farmland_floor_mu'" in str(e)


def test_unknown_nested_setting_is_refused() -> None:
    """statutory={'base': 5} used to be ignored: the statutory base price stayed 10 万元/亩."""
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_frames(**land_tiny(), settings={"statutory": {"base": 5.0}})
    assert info.value.field == "statutory.base"
    assert "base_10k_cny_per_mu" in str(info.value)


# --------------------------------------------------------------------------- Excel


def test_chinese_headers_and_sheet_names_are_read_in_workbooks(tmp_path: Path) -> None:
    """Chinese headers are documented aliases; an optional column under its Chinese header used to be lost."""
    f = land_tiny()
    prov = f["provinces"].assign(farmland_floor_mu=[1700.0, 4000.0], farmland_mu=[1800.0, 5000.0])
    prov = prov.rename(columns={"farmland_floor_mu": "耕地红线_亩", "platform_coefficient": "平台系数"})
    prov.index.name = "省份"
    path = write_workbook(tmp_path / "zh.xlsx", {**f, "provinces": prov})
    wb = openpyxl.load_workbook(path)
    wb["projects"].title = "项目"
    wb.save(path)
    prob = LandQuotaProblem.from_excel(path)
    assert prob.inputs.provinces["P1"].farmland_floor_mu == 1700.0
    assert len(prob.inputs.projects) == 3


def test_duplicated_header_in_a_workbook_is_an_error(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "dup.xlsx", land_tiny())
    wb = openpyxl.load_workbook(path)
    ws = wb["projects"]
    ws.cell(row=1, column=ws.max_column + 1, value="land_mu")
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=ws.max_column, value=1.0)
    wb.save(path)
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert info.value.table == "projects" and "appears twice" in str(info.value)
    assert info.value.position == "projects!H1"


def test_formula_without_a_saved_value_names_the_cell(tmp_path: Path) -> None:
    """``=0.1*3`` written by a script reads as empty: an optional value used to vanish in silence."""
    f = land_tiny()
    regions = f["regions"].assign(min_demand_share=np.nan)
    path = write_workbook(tmp_path / "formula.xlsx", {**f, "regions": regions})
    wb = openpyxl.load_workbook(path)
    ws = wb["regions"]
    col = next(c.column_letter for c in ws[1] if c.value == "min_demand_share")
    ws[f"{col}2"] = "=0.1*3"
    wb.save(path)
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert f"regions!{col}2" in str(info.value)
    assert "save" in str(info.value)


@pytest.mark.parametrize("kind", ["csv", "zero", "truncated", "random", "directory", "xls"])
def test_unreadable_workbooks_are_one_input_error(tmp_path: Path, kind: str) -> None:
    good = write_workbook(tmp_path / "good.xlsx", land_tiny())
    if kind == "csv":
        path = tmp_path / "in.csv"
        land_tiny()["regions"].to_csv(path)
    elif kind == "zero":
        path = tmp_path / "in.xlsx"
        path.write_bytes(b"")
    elif kind == "truncated":
        path = tmp_path / "in.xlsx"
        path.write_bytes(good.read_bytes()[:700])
    elif kind == "random":
        path = tmp_path / "in.xlsx"
        path.write_bytes(np.random.default_rng(0).bytes(4096))
    elif kind == "directory":
        path = tmp_path / "in.xlsx"
        path.mkdir()
    else:
        path = tmp_path / "in.xls"
        path.write_bytes(b"\xd0\xcf\x11\xe0" + bytes(100))
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert info.value.table == "workbook"
    assert path.name in str(info.value)


def test_truncated_zip_with_a_good_header_is_an_input_error(tmp_path: Path) -> None:
    good = write_workbook(tmp_path / "good.xlsx", land_tiny())
    data = good.read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    assert zipfile.is_zipfile(good)
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert "damaged or truncated" in str(info.value)


def test_settings_sheet_needs_key_and_value(tmp_path: Path) -> None:
    """A settings header other than ``key`` used to raise KeyError: 'key'."""
    path = write_workbook(tmp_path / "s.xlsx", land_tiny())
    with pd.ExcelWriter(path, mode="a", engine="openpyxl") as xw:
        pd.DataFrame({"setting": ["bilateral"], "value": [False]}).to_excel(xw, sheet_name="settings", index=False)
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert info.value.table == "settings" and "key, value" in str(info.value)


def test_malformed_json_in_a_setting_names_the_cell(tmp_path: Path) -> None:
    """``statutory`` as broken JSON used to raise JSONDecodeError."""
    path = write_workbook(tmp_path / "j.xlsx", land_tiny(), settings={"statutory": "{base_10k_cny_per_mu: 12"})
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert info.value.position == "settings!B2"
    assert "statutory.<field>" in str(info.value)


def test_statutory_is_given_as_plain_rows(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "st.xlsx", land_tiny(), settings={"statutory.base_10k_cny_per_mu": 12.0})
    prob = LandQuotaProblem.from_excel(path)
    assert prob.settings.statutory.base_10k_cny_per_mu == 12.0
    assert prob.settings.statutory.paddy_base_10k_cny_per_mu == 20.0


def test_errors_name_the_workbook_cell(tmp_path: Path) -> None:
    """Error rows used to name the id only; now the sheet and cell too (validation and cross-table checks)."""
    f = land_tiny()
    pr = f["projects"].copy()
    pr.loc["J2", "land_mu"] = -1.0
    path = write_workbook(tmp_path / "a.xlsx", {**f, "projects": pr})
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert (info.value.row, info.value.field, info.value.position) == ("J2", "land_mu", "projects!C3")
    pr = f["projects"].copy()
    pr.loc["J3", "region"] = "ZZ"  # unknown region: found after validation, by a cross-table check
    path = write_workbook(tmp_path / "b.xlsx", {**f, "projects": pr})
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert info.value.position == "projects!B4"
    al = f["allocations"].copy()
    al.loc[1, "ledger"] = "forest"
    path = write_workbook(tmp_path / "c.xlsx", {**f, "allocations": al})
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert info.value.position == "allocations!B3"
    path = write_workbook(tmp_path / "d.xlsx", f, settings={"bilateral": True, "intra_cost_10k_cny": 0.5})
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert info.value.position == "settings!B3" and "intra_cost_10k_cny_per_unit" in str(info.value)


def test_unknown_sheet_is_refused_with_the_nearest(tmp_path: Path) -> None:
    """A sheet ``reserve`` (for ``reserves``) used to be ignored: no reclamation at all."""
    f = land_tiny()
    path = write_workbook(tmp_path / "u.xlsx", {k: v for k, v in f.items() if k != "reserves"} | {"reserve": f["reserves"]})
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_excel(path)
    assert "'reserves'" in str(info.value)


# --------------------------------------------------------------------------- units


def test_distances_in_metres_are_refused_and_far_ones_warn() -> None:
    t = clusters_simple()
    d = pd.DataFrame(1000.0 * np.array([[0, 25, 50], [25, 0, 30], [50, 30, 0]]), index=t["cities"].index,
                     columns=t["cities"].index)
    e = _clusters(distances_km=d)
    assert e.table == "distances_km" and "metres" in str(e)
    with pytest.warns(ro.RegionoptWarning, match="distances_km"):
        ClusterRoleProblem.from_frames(**dict(t, distances_km=d / 1000 * 300))  # 7,500-15,000 km


def test_population_in_persons_is_refused() -> None:
    f = land_tiny()
    e = _land(regions=f["regions"].assign(population_10k=[24_870_000.0, 500_000.0, 1_200_000.0]))
    assert (e.table, e.row, e.field) == ("regions", "A", "population_10k")
    assert "10,000 persons" in str(e)
    with pytest.warns(ro.RegionoptWarning, match="population_10k"):
        LandQuotaProblem.from_frames(**{**f, "regions": f["regions"].assign(population_10k=[30_000.0, 50.0, 80.0])})


def test_per_mu_cost_in_cny_is_refused() -> None:
    f = land_tiny()
    e = _land(reserves=f["reserves"].assign(cost_10k_cny_per_mu=40_000.0))
    assert (e.table, e.field) == ("reserves", "cost_10k_cny_per_mu")
    assert "万元" in str(e)


def test_enclave_capital_in_cny_is_refused_and_a_large_one_warns() -> None:
    from regionopt.enclave.workbook import EnclaveAgreement

    t = enclave_tiny()
    c = t["contributions"].copy()
    c.loc["Investment co.", "capital_10k_cny"] = 6e9  # 60 亿元 given in CNY
    with pytest.raises(InputError) as info:
        EnclaveAgreement.from_frames(c, forecast=t["forecast"])
    assert (info.value.row, info.value.field) == ("Investment co.", "capital_10k_cny")
    c.loc["Investment co.", "capital_10k_cny"] = 3e7
    with pytest.warns(ro.RegionoptWarning, match="capital_10k_cny"):
        EnclaveAgreement.from_frames(c, forecast=t["forecast"])


def test_unitless_tax_column_is_an_error() -> None:
    """A ``vat`` column (no unit) used to be skipped: VAT silently out of the shareable revenue."""
    from regionopt.enclave import shareable_revenue

    with pytest.raises(InputError) as info:
        shareable_revenue(pd.DataFrame({"vat": [100.0], "cit_10k_cny": [50.0]}))
    assert info.value.field == "vat" and "vat_10k_cny" in str(info.value)


# --------------------------------------------------------------------------- empty tables


def test_empty_projects_are_said_in_the_notes() -> None:
    """An empty projects table used to solve to objective -0 with no word."""
    f = land_tiny()
    res = LandQuotaProblem.from_frames(**{**f, "projects": f["projects"].iloc[:0]}).solve()
    assert any("projects table has no rows" in n for n in res.notes)


def test_empty_fit_is_said_in_the_notes() -> None:
    """An empty fit table (no candidate) used to give an empty plan in silence."""
    t = clusters_simple()
    res = ClusterRoleProblem.from_frames(**{**t, "fit": t["fit"].iloc[:0], "requirements": None}).solve()
    assert res.plan == []
    assert any("fit table has no rows" in n for n in res.notes)


# --------------------------------------------------------------------------- enclave tracebacks


@pytest.mark.parametrize("bad", ["ten", None, [1.0]])
def test_game_values_that_are_not_numbers(bad: object) -> None:
    with pytest.raises(InputError) as info:
        ro.CooperativeGame.from_dict({("A",): bad, ("B",): 1.0, ("A", "B"): 3.0})  # type: ignore[dict-item]
    assert info.value.table == "characteristic function"


@pytest.mark.parametrize("labels", [["Y1", "Y2", "Y3"], ["year 1", "year 2", "year 3"], [1.5, 2.5, 3.5]])
def test_schedule_year_labels_must_be_whole_numbers(labels: list) -> None:
    from regionopt.enclave import sharing_schedule

    with pytest.raises(InputError) as info:
        sharing_schedule(pd.Series([100.0, 200.0, 300.0], index=labels), {"A": 1.0, "B": 1.0})
    assert (info.value.table, info.value.field) == ("forecast", "year")


def test_schedule_accepts_year_labels_given_as_text_digits() -> None:
    from regionopt.enclave import sharing_schedule

    s = sharing_schedule(pd.Series([100.0, 200.0, 300.0], index=["1", "2", "3"]), {"A": 1.0, "B": 1.0},
                         phases=((1, None),))
    assert list(s.yearly.index) == [1, 2, 3]


# --------------------------------------------------------------------------- diagnosis


def test_zero_land_budgets_are_named_by_the_diagnosis() -> None:
    """With zero province land budgets the elastic diagnosis used to blame only the role minimums."""
    t = clusters_simple()
    t["resource_use"] = pd.DataFrame({"cluster": ["K1", "K1"], "role": ["core", "supplier"],
                                      "land_mu": [1200.0, 800.0], "energy_10k_tce": [0.0, 0.0]})
    t["provinces"] = pd.DataFrame({"land_mu": [0.0, 0.0]}, index=pd.Index(["P", "Q"], name="province"))
    with pytest.raises(ro.InfeasibleError) as info:
        ClusterRoleProblem.from_frames(**t).solve()
    assert any(c.component == "province_land" for c in info.value.conflicts)


# --------------------------------------------------------------------------- nothing half-done on disk


def test_failed_writes_leave_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import regionopt.io.excel as xl

    res = LandQuotaProblem.from_frames(**land_tiny()).solve()
    out = tmp_path / "plan.xlsx"
    res.to_excel(out)
    before = out.read_bytes()

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(xl, "_format_sheet", boom)
    with pytest.raises(RuntimeError):
        res.to_excel(out)
    monkeypatch.undo()
    from regionopt.land import write_template

    tpl = tmp_path / "t.xlsx"
    write_template(tpl)
    tpl_before = tpl.read_bytes()
    monkeypatch.setattr(openpyxl.Workbook, "save", boom)
    with pytest.raises(RuntimeError):
        write_template(tpl)
    assert out.read_bytes() == before and tpl.read_bytes() == tpl_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.xlsx", "t.xlsx"]


def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    """The temporary file is private (0600); the workbook in its place must not be."""
    import os
    import stat

    from regionopt.land import write_template

    p = write_template(tmp_path / "t.xlsx")
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask


def test_warnings_are_a_documented_class() -> None:
    assert issubclass(ro.RegionoptWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ro.RegionoptWarning)
        f = land_tiny()
        with pytest.raises(ro.RegionoptWarning):
            LandQuotaProblem.from_frames(**{**f, "regions": f["regions"].assign(population_10k=30_000.0)})


def test_every_file_the_library_writes_goes_through_atomic_path() -> None:
    """A writer outside ``with atomic_path(...)`` could leave a half-written file where a good one was."""
    import ast

    root = Path(ro.__file__).parent
    writers = {"save", "savefig", "to_csv", "to_parquet", "to_json", "write_text", "write_bytes", "ExcelWriter",
               "to_excel", "write"}
    bad = []
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        safe: list[tuple[int, int]] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.With) and any(
                    isinstance(it.context_expr, ast.Call) and getattr(it.context_expr.func, "id", "") == "atomic_path"
                    for it in node.items):
                safe.append((node.lineno, node.end_lineno or node.lineno))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            opens = name == "open" and any(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                           and set(a.value) & set("wax") for a in node.args[1:2])
            if name not in writers and not opens:
                continue
            if name == "to_excel" and isinstance(node.func, ast.Attribute) and getattr(
                    node.func.value, "id", "") in ("res", "result", "self"):
                continue  # Result.to_excel: itself atomic (write_result_workbook)
            if name == "write" and not (node.args and isinstance(node.args[0], ast.Name)):
                continue  # file-like .write(text) on streams, not a path
            if any(a <= node.lineno <= b for a, b in safe) or "devnull" in ast.unparse(node):
                continue
            bad.append(f"{path.relative_to(root)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert not bad, "\n".join(bad)
