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


# --------------------------------------------------------------------------- issue 14 part 6, issue 15 (CLI)

import argparse  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from regionopt import cli  # noqa: E402

from .workbooks import enclave_tiny, land_tiny, write_workbook  # noqa: E402


def _parsers(ap: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    out = [ap]
    for act in ap._actions:
        if isinstance(act, argparse._SubParsersAction):
            for p in act.choices.values():
                out.extend(_parsers(p))
    return out


def test_every_option_has_help_and_no_rst_markup() -> None:
    parsers = _parsers(cli.build_parser())
    assert len(parsers) >= 15  # delta, template, solve, and template/solve/example per model
    for p in parsers:
        for act in p._actions:
            if isinstance(act, argparse._SubParsersAction):
                assert all(a.help for a in act._choices_actions), p.prog
                continue
            assert act.help and act.help != argparse.SUPPRESS, (p.prog, act.dest)
        text = p.format_help()
        assert "``" not in text and ":class:" not in text and ":func:" not in text, p.prog


@pytest.mark.parametrize(("model", "sheet"), [("land", "projects"), ("clusters", "fit"), ("enclave", "contributions")])
def test_template_per_model(tmp_path: Path, model: str, sheet: str) -> None:
    out = tmp_path / "t.xlsx"
    assert main([model, "template", str(out)]) == 0
    assert sheet in pd.ExcelFile(out).sheet_names
    out2 = tmp_path / "t2.xlsx"
    assert main(["template", str(out2), "--model", model]) == 0
    assert pd.ExcelFile(out2).sheet_names == pd.ExcelFile(out).sheet_names


def test_plan_template_has_both_models_and_their_settings(tmp_path: Path) -> None:
    out = tmp_path / "p.xlsx"
    assert main(["plan", "template", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"land_regions", "land_projects", "clusters_cities", "clusters_fit", "land_shares", "enclaves"} <= set(sheets)
    keys = set(sheets["settings"]["key"])
    assert {"value_per_point_10k_cny", "land.bilateral", "land.statutory.base_10k_cny_per_mu",
            "clusters.core_distance_km"} <= keys
    assert sheets["settings"]["说明"].notna().all()


def test_a_model_that_is_not_installed_is_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(cli.MODELS, "plan", cli.ModelCommand("plan", "the plan", "regionopt.no_such_module:X",
                                                             cli._print_plan))
    assert main(["plan", "template", str(tmp_path / "p.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "not part of this version" in err and "Traceback" not in err
    assert not (tmp_path / "p.xlsx").exists()


def test_solve_tells_the_model_by_its_sheets_and_accepts_short_out(tmp_path: Path, capsys) -> None:
    e = enclave_tiny()
    wb = write_workbook(tmp_path / "enc.xlsx", {"contributions": e["contributions"], "forecast": e["forecast"]},
                        settings={"step": 0.1})
    out = tmp_path / "enc_out.xlsx"
    assert main(["solve", str(wb), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "== Splits" in text and "== Schedule" in text
    sheets = pd.read_excel(out, sheet_name=None)
    assert {"summary", "splits", "stability", "ratios", "schedule", "npv", "notes"} <= set(sheets)
    land = write_workbook(tmp_path / "land.xlsx", land_tiny())
    assert main(["solve", str(land), "-o", str(tmp_path / "land_out.xlsx")]) == 0
    assert "== Largest flows" in capsys.readouterr().out


def test_examples_per_model(tmp_path: Path, capsys) -> None:
    assert main(["clusters", "example", "--top", "3", "--excel", str(tmp_path / "c.xlsx")]) == 0
    text = capsys.readouterr().out
    assert "ILLUSTRATIVE" in text and "== Assignments (first 3 of" in text
    assert pd.read_excel(tmp_path / "c.xlsx", sheet_name="assignments")["city_name"].notna().all()
    assert main(["enclave", "example", "--case", "zhangjiang"]) == 0
    assert "Zhangjiang" in capsys.readouterr().out


def _one_line_error(capsys, code: int, *needles: str) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert "Traceback" not in captured.err + captured.out
    assert err.startswith("error: ") and "\n" not in err, err
    for n in needles:
        assert n in err, (n, err)
    return err


def test_cli_errors_are_one_line(tmp_path: Path, capsys) -> None:
    land = write_workbook(tmp_path / "in.xlsx", land_tiny())
    # a solver that is not installed used to print a traceback
    assert main(["land", "solve", str(land), "--solver", "gurobi", "-o", str(tmp_path / "o.xlsx")]) == 2
    _one_line_error(capsys, 2, "gurobi")
    assert main(["template", "/no/such/dir/t.xlsx"]) == 2
    _one_line_error(capsys, 2, "/no/such/dir")
    (tmp_path / "in.csv").write_text("region,province\nA,P\n")
    assert main(["solve", str(tmp_path / "in.csv")]) == 2
    _one_line_error(capsys, 2, "in.csv")
    assert main(["land", "solve", str(tmp_path / "missing.xlsx")]) == 2
    _one_line_error(capsys, 2, "missing.xlsx")


def test_out_folder_is_checked_before_solving(tmp_path: Path, capsys, monkeypatch) -> None:
    """--out into a missing folder used to fail with OSError after the whole solve."""
    from regionopt.land import LandQuotaProblem

    land = write_workbook(tmp_path / "in.xlsx", land_tiny())

    def no_solve(*a, **k):
        raise AssertionError("solved before the output folder was checked")

    monkeypatch.setattr(LandQuotaProblem, "solve", no_solve)
    assert main(["solve", str(land), "--out", str(tmp_path / "nope" / "o.xlsx")]) == 2
    _one_line_error(capsys, 2, "does not exist")


def test_time_limit_without_a_plan_is_reported_not_crashed(tmp_path: Path, capsys) -> None:
    """--time-limit 0.000001 used to crash with KeyError: 'amount' on the empty result."""
    from regionopt.land import delta_example_frames

    f = delta_example_frames(seed=2024)
    f.pop("settings")
    land = write_workbook(tmp_path / "delta.xlsx", {k: v for k, v in f.items() if k != "distances_km"})
    out = tmp_path / "o.xlsx"
    code = main(["solve", str(land), "--time-limit", "0.000001", "-o", str(out)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code == 3, captured.out[-500:]
    assert "No plan was found" in captured.out
    notes = pd.read_excel(out, sheet_name="notes")
    assert notes["note"].str.contains("time_limit_no_solution").any()


def test_log_streams_the_solver_log(tmp_path: Path, capfd) -> None:
    land = write_workbook(tmp_path / "in.xlsx", land_tiny())
    assert main(["land", "solve", str(land), "--log", "-o", str(tmp_path / "o.xlsx")]) == 0
    text = capfd.readouterr().out
    assert re.search(r"LP has \d+ rows", text) and "Presolv" in text


def test_live_line_shows_elapsed_incumbent_and_gap() -> None:
    """The progress hook reports a running MIP; the CLI's line prints it and clears itself."""
    import io

    import pyomo.environ as pyo

    from regionopt.solve import SolveOptions, solve_model
    from regionopt.solve.highs import progress

    rng = np.random.default_rng(1)
    n, k = 60, 8
    w = rng.integers(20, 100, (k, n))
    v = w.sum(0) + rng.integers(0, 40, n)
    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(n), within=pyo.Binary)
    m.c = pyo.ConstraintList()
    for i in range(k):
        m.c.add(sum(int(w[i, j]) * m.x[j] for j in range(n)) <= int(w[i].sum() // 2))
    m.o = pyo.Objective(expr=sum(int(v[j]) * m.x[j] for j in range(n)), sense=pyo.maximize)
    seen = []
    buf = io.StringIO()
    line = cli._LiveLine(buf, after=0.0)

    def both(p):
        seen.append(p)
        line(p)

    t0 = time.perf_counter()
    with progress(both, interval=0.2):
        rep = solve_model(m, SolveOptions(time_limit=1.0))
    assert time.perf_counter() - t0 < 5
    assert rep.status.has_solution
    assert seen[-1].done and all(not p.done for p in seen[:-1]) and len(seen) >= 3
    assert [p.elapsed for p in seen] == sorted(p.elapsed for p in seen)
    assert any(np.isfinite(p.incumbent) and np.isfinite(p.gap) for p in seen)
    text = buf.getvalue()
    assert "s elapsed, best plan" in text and "gap" in text and "%" in text
    assert text.endswith("\r")  # cleared at the end
    # outside the context nothing is reported
    seen.clear()
    solve_model(m, SolveOptions(time_limit=0.3))
    assert seen == []
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


def test_delta_walkthrough_explains_what_looks_wrong(capsys) -> None:
    """Zero prices, missing statutory prices and the moved red line are said next to the numbers."""
    assert main(["delta", "--excel", ""]) == 0
    text = " ".join(capsys.readouterr().out.split())  # the explanations are wrapped
    assert "priced at 0.00" in text and "market-clearing price" in text
    assert "No statutory price (NaN) for the cities of Anhui" in text
    assert "effective floor" in text and "red_line_follows_trade" in text
    assert "traded_construction_mu" in text and "traded_units" not in text  # never adds mu and 100 kg


def test_plan_leaves_an_existing_workbook_alone_when_it_fails(tmp_path, capsys, monkeypatch) -> None:
    """The output check must not write: a failed plan used to leave an empty file where the workbook was."""
    import regionopt.plan
    from regionopt.errors import RegionoptError

    out = tmp_path / "plan.xlsx"
    out.write_bytes(b"last week's plan")

    def fail(*a, **k):  # type: ignore[no-untyped-def]
        raise RegionoptError("the solver stopped")

    monkeypatch.setattr(regionopt.plan, "delta_plan", fail)
    assert main(["plan", "--no-game", "--excel", str(out)]) == 2
    assert out.read_bytes() == b"last week's plan"
