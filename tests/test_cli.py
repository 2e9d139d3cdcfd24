"""The `regionopt` command: the README's walkthrough and the workbook route."""

from __future__ import annotations

import pandas as pd

from regionopt.cli import main


def test_delta_walkthrough_prints_tables_and_writes_workbook(tmp_path, capsys) -> None:
    out = tmp_path / "plan.xlsx"
    assert main(["delta", "--excel", str(out)]) == 0
    text = capsys.readouterr().out
    for section in ("== Summary", "== Largest flows", "== Quota prices", "== Farmland against red lines", "== Gains from trade"):
        assert section in text
    assert "ILLUSTRATIVE" in text
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"summary", "flows", "prices", "gains"} <= set(sheets)
    assert len(sheets["gains"]) == 4


def test_template_then_solve_reports_bad_input(tmp_path, capsys) -> None:
    tpl = tmp_path / "in.xlsx"
    assert main(["template", str(tpl)]) == 0
    # an empty template has no regions: a clear input error, exit code 2, no traceback
    assert main(["solve", str(tpl)]) == 2
    err = capsys.readouterr().err
    assert "regions" in err


def test_plan_walkthrough_prints_and_writes(tmp_path, capsys) -> None:
    out = tmp_path / "plan.xlsx"
    assert main(["plan", "--no-game", "--excel", str(out)]) == 0
    text = capsys.readouterr().out
    for section in ("== Plan: optimal", "== Provinces", "== Roles", "ILLUSTRATIVE"):
        assert section in text
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"summary", "provinces", "roles", "land_flows", "notes"} <= set(sheets)
    assert len(sheets["provinces"]) == 4


def test_plan_refuses_a_missing_folder_before_solving(tmp_path, capsys) -> None:
    assert main(["plan", "--no-game", "--excel", str(tmp_path / "no" / "plan.xlsx")]) == 2
    assert "does not exist" in capsys.readouterr().err
