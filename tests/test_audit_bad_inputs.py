"""Audit (issue 15): a table of bad-input classes across land, clusters, enclave, Excel and the CLI.

Each case must end in a clear error -- the expected exception type (or, for the command line, exit
code 2 and one ``error:`` line, no traceback) whose message names the table, row, field or rule --
within its time limit, and leave every file in its folder untouched (no half-written output, no
temporary file). A case that returned a result would be *silent*, a foreign exception *raw*, a
timeout a *hang*: the summary test asserts there are none of each.
"""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

import regionopt as ro
from regionopt.cli import main
from regionopt.clusters import ClusterRoleProblem
from regionopt.land import LandQuotaProblem

from .workbooks import clusters_simple, enclave_tiny, land_tiny, write_workbook

TIMEOUT_S = 60


@dataclass(frozen=True)
class Case:
    """One bad input: ``run(folder)`` must raise ``error`` (or, for ``cli``, exit 2) naming every ``names``."""

    id: str
    area: str
    run: Callable[[Path], Any]
    names: tuple[str, ...]
    error: type[BaseException] = ro.InputError
    cli: bool = False


def _land(**changes: Any) -> Callable[[Path], Any]:
    def run(_: Path) -> Any:
        f = land_tiny()
        tables = {k: v for k, v in changes.items() if k != "settings"}
        f.update({k: v(f) if callable(v) else v for k, v in tables.items()})
        return LandQuotaProblem.from_frames(**f, settings=changes.get("settings"))

    return run


def _clusters(**changes: Any) -> Callable[[Path], Any]:
    def run(_: Path) -> Any:
        t = clusters_simple()
        t.update({k: v(t) if callable(v) else v for k, v in changes.items()})
        return ClusterRoleProblem.from_frames(**t).solve()

    return run


def _enclave(**changes: Any) -> Callable[[Path], Any]:
    def run(_: Path) -> Any:
        from regionopt.enclave import EnclaveAgreement

        e = enclave_tiny()
        c = changes.get("contributions", lambda x: x)(e["contributions"])
        kw = {k: v for k, v in changes.items() if k != "contributions"}
        kw.setdefault("forecast", e["forecast"])
        return EnclaveAgreement.from_frames(c, **kw).solve()

    return run


def _excel(make: Callable[[Path], Path], model: type = LandQuotaProblem) -> Callable[[Path], Any]:
    def run(folder: Path) -> Any:
        return model.from_excel(make(folder))

    return run


def _good_land(folder: Path) -> Path:
    return write_workbook(folder / "in.xlsx", land_tiny())


def _edit(fn: Callable[[openpyxl.Workbook], None]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = _good_land(folder)
        wb = openpyxl.load_workbook(path)
        fn(wb)
        wb.save(path)
        return path

    return make


def _raw_file(name: str, data: bytes | None) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        p = folder / name
        if data is None:
            p.mkdir()
        else:
            p.write_bytes(data)
        return p

    return make


def _truncated(folder: Path) -> Path:
    good = _good_land(folder).read_bytes()
    p = folder / "cut.xlsx"
    p.write_bytes(good[: len(good) // 3])
    return p


def _cli(*args: str, prepare: Callable[[Path], Any] | None = None) -> Callable[[Path], Any]:
    def run(folder: Path) -> Any:
        if prepare is not None:
            prepare(folder)
        return main([a.replace("{d}", str(folder)) for a in args])

    return run


def _formula(wb: openpyxl.Workbook) -> None:
    wb["projects"]["F3"] = "=0.1*3"


def _dup_header(wb: openpyxl.Workbook) -> None:
    ws = wb["projects"]
    ws.cell(row=1, column=8, value="land_mu")


def _zh_unknown(wb: openpyxl.Workbook) -> None:
    wb["provinces"].cell(row=1, column=4, value="耕地红限")
    wb["provinces"].cell(row=2, column=4, value=10.0)


def _merged(wb: openpyxl.Workbook) -> None:
    wb["regions"].merge_cells("B2:B3")


def _settings_header(wb: openpyxl.Workbook) -> None:
    ws = wb.create_sheet("settings")
    ws.append(["setting", "value"])
    ws.append(["bilateral", False])


def _settings_json(wb: openpyxl.Workbook) -> None:
    ws = wb.create_sheet("settings")
    ws.append(["key", "value"])
    ws.append(["statutory", "{'base_10k_cny_per_mu': 12"])


def _settings_unknown(wb: openpyxl.Workbook) -> None:
    ws = wb.create_sheet("settings")
    ws.append(["key", "value"])
    ws.append(["bilaterl", False])


def _sheet_typo(wb: openpyxl.Workbook) -> None:
    wb["reserves"].title = "reserve"


def _no_index(wb: openpyxl.Workbook) -> None:
    wb["projects"]["A1"] = "id"


def _drop_sheet(wb: openpyxl.Workbook) -> None:
    del wb["projects"]


def _enclave_workbook(edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], Any]:
    def prepare(folder: Path) -> None:
        e = enclave_tiny()
        write_workbook(folder / "enc.xlsx", {"contributions": edit(e["contributions"]), "forecast": e["forecast"]})

    return prepare


def _taxes_unitless(folder: Path) -> None:
    e = enclave_tiny()
    write_workbook(folder / "enc.xlsx", {"contributions": e["contributions"],
                                         "taxes": pd.DataFrame({"year": [1, 2], "vat": [100.0, 200.0]})})


def _metres(t: dict) -> pd.DataFrame:
    idx = t["cities"].index
    return pd.DataFrame(1000.0 * np.array([[0, 25, 50], [25, 0, 30], [50, 30, 0]]), index=idx, columns=idx)


def _red_line(f: dict) -> pd.DataFrame:
    return f["provinces"].assign(farmland_mu=[1800.0, 5000.0], farmland_floor_mu=[1900.0, 5000.0])


CASES: list[Case] = [
    # ---------------------------------------------------------------- land
    Case("land-unknown-col-provinces", "land", _land(provinces=lambda f: f["provinces"].assign(farmland_floor=1.0)),
         ("provinces", "farmland_floor", "farmland_floor_mu")),
    Case("land-unknown-col-regions", "land", _land(regions=lambda f: f["regions"].assign(min_demand_shares=0.5)),
         ("regions", "min_demand_share")),
    Case("land-unknown-col-pairs", "land", _land(pairs=lambda f: f["pairs"].rename(
        columns={"cost_10k_cny_per_unit": "cost_10k_cny_unit"})), ("pairs", "cost_10k_cny_per_unit")),
    Case("land-unknown-col-province-land", "land", _land(provinces=lambda f: f["provinces"].assign(land=5.0)),
         ("provinces", "'land'")),
    Case("land-pandas-duplicate-header", "land", _land(projects=lambda f: f["projects"].assign(**{"land_mu.1": 1.0})),
         ("projects", "land_mu.1", "more than once")),
    Case("land-negative-land", "land", _land(projects=lambda f: f["projects"].assign(land_mu=[-1.0, 50.0, 20.0])),
         ("projects", "J1", "land_mu")),
    Case("land-unknown-region", "land", _land(projects=lambda f: f["projects"].assign(region=["A", "B", "Z"])),
         ("projects", "J3", "region")),
    Case("land-farmland-above-land", "land", _land(projects=lambda f: f["projects"].assign(farmland_mu=500.0)),
         ("projects", "farmland_mu")),
    Case("land-unknown-ledger", "land", _land(allocations=lambda f: f["allocations"].assign(ledger="forest")),
         ("allocations", "ledger", "forest")),
    Case("land-self-trade", "land", _land(pairs=pd.DataFrame({"seller": ["A"], "buyer": ["A"]})),
         ("pairs", "A->A", "itself")),
    Case("land-duplicate-project", "land", _land(projects=lambda f: f["projects"].rename(index={"J2": "J1"})),
         ("projects", "J1", "duplicate")),
    Case("land-no-regions", "land", _land(regions=lambda f: f["regions"].iloc[:0]), ("regions", "at least one")),
    Case("land-population-in-persons", "land",
         _land(regions=lambda f: f["regions"].assign(population_10k=[24_870_000.0, 1e6, 2e6])),
         ("regions", "population_10k", "10,000 persons")),
    Case("land-cost-per-mu-in-cny", "land", _land(reserves=lambda f: f["reserves"].assign(cost_10k_cny_per_mu=4e4)),
         ("reserves", "cost_10k_cny_per_mu", "万元")),
    Case("land-distances-in-metres", "land",
         _land(distances_km=pd.DataFrame({"origin": ["C"], "destination": ["A"], "distance_km": [120_000.0]})),
         ("distances_km", "metres")),
    Case("land-unknown-setting", "land", _land(settings={"bilaterl": False}), ("settings", "bilateral")),
    Case("land-unknown-nested-setting", "land", _land(settings={"statutory": {"base": 5.0}}),
         ("settings", "statutory.base", "base_10k_cny_per_mu")),
    Case("land-per-capita-without-population", "land", _land(settings={"per_capita_spread_cap": 5.0}),
         ("regions", "population_10k")),
    Case("land-solver-option-typo", "land",
         lambda _: LandQuotaProblem.from_frames(**land_tiny()).solve(options={"time_limt": 5}),
         ("time_limit",)),
    Case("land-red-line-infeasible", "land",
         lambda _: LandQuotaProblem.from_frames(**{**land_tiny(), "provinces": _red_line(land_tiny()),
                                                   "reserves": None}).solve(),
         ("red line",), ro.InfeasibleError),
    # ---------------------------------------------------------------- clusters
    Case("clusters-unknown-col-requirements", "clusters",
         _clusters(requirements=lambda t: t["requirements"].rename(columns={"max": "maximum"})),
         ("requirements", "maximum", "'max'")),
    Case("clusters-unknown-col-cities", "clusters", _clusters(cities=lambda t: t["cities"].assign(max_role=1)),
         ("cities", "max_roles")),
    Case("clusters-unknown-col-provinces", "clusters",
         _clusters(provinces=pd.DataFrame({"land": [1.0, 1.0]}, index=pd.Index(["P", "Q"], name="province"))),
         ("provinces", "land_mu")),
    Case("clusters-fit-unknown-city", "clusters",
         _clusters(fit=lambda t: t["fit"].assign(city=["999", *t["fit"]["city"].iloc[1:]])),
         ("fit", "999", "city")),
    Case("clusters-distances-in-metres", "clusters", _clusters(distances_km=_metres), ("distances_km", "metres")),
    Case("clusters-max-below-min", "clusters",
         _clusters(requirements=lambda t: t["requirements"].assign(min=2, max=1)), ("requirements", "max")),
    Case("clusters-zero-land-budgets", "clusters",
         _clusters(resource_use=pd.DataFrame({"cluster": ["K1"], "role": ["core"], "land_mu": [900.0]}),
                   provinces=pd.DataFrame({"land_mu": [0.0, 0.0]}, index=pd.Index(["P", "Q"], name="province"))),
         ("land budget",), ro.InfeasibleError),
    # ---------------------------------------------------------------- enclave
    Case("enclave-game-text-value", "enclave",
         lambda _: ro.CooperativeGame.from_dict({("A",): "ten", ("B",): 1.0, ("A", "B"): 3.0}),
         ("characteristic function", "value")),
    Case("enclave-game-none-value", "enclave",
         lambda _: ro.CooperativeGame.from_dict({("A",): None, ("B",): 1.0, ("A", "B"): 3.0}),
         ("characteristic function", "value")),
    Case("enclave-schedule-year-Y1", "enclave",
         lambda _: ro.enclave.sharing_schedule(pd.Series([1.0, 2.0], index=["Y1", "Y2"]), {"a": 1.0, "b": 1.0}),
         ("forecast", "year", "Y1")),
    Case("enclave-unitless-tax", "enclave",
         lambda _: ro.enclave.shareable_revenue(pd.DataFrame({"vat": [1.0], "cit_10k_cny": [2.0]})),
         ("taxes", "vat", "vat_10k_cny")),
    Case("enclave-capital-in-cny", "enclave",
         _enclave(contributions=lambda c: c.assign(capital_10k_cny=c["capital_10k_cny"] * 1e5)),
         ("contributions", "capital_10k_cny", "万元")),
    Case("enclave-unknown-col", "enclave", _enclave(contributions=lambda c: c.rename(
        columns={"capital_10k_cny": "capital"})), ("contributions", "capital_10k_cny")),
    Case("enclave-bad-role", "enclave", _enclave(contributions=lambda c: c.assign(role="landlord")),
         ("contributions", "role", "landlord")),
    Case("enclave-unknown-method", "enclave", _enclave(settings={"methods": "shapley, banzaf"}),
         ("settings", "banzaf")),
    Case("enclave-costs-not-covered", "enclave",
         _enclave(contributions=lambda c: c.assign(upfront_cost_10k_cny=1e6)), ("up-front costs",),
         ro.InfeasibleError),
    # ---------------------------------------------------------------- Excel
    Case("excel-csv", "excel", _excel(_raw_file("in.csv", b"region,province\nA,P\n")), ("in.csv", "Excel")),
    Case("excel-zero-bytes", "excel", _excel(_raw_file("z.xlsx", b"")), ("z.xlsx", "empty")),
    Case("excel-truncated", "excel", _excel(_truncated), ("cut.xlsx",)),
    Case("excel-random-bytes", "excel", _excel(_raw_file("r.xlsx", np.random.default_rng(1).bytes(3000))),
         ("r.xlsx", "not an Excel workbook")),
    Case("excel-directory", "excel", _excel(_raw_file("d.xlsx", None)), ("d.xlsx", "folder")),
    Case("excel-formula-no-cache", "excel", _excel(_edit(_formula)), ("projects!F3", "save")),
    Case("excel-duplicate-header", "excel", _excel(_edit(_dup_header)), ("projects", "land_mu", "twice")),
    Case("excel-unknown-chinese-header", "excel", _excel(_edit(_zh_unknown)), ("provinces", "耕地红限")),
    Case("excel-merged-cells", "excel", _excel(_edit(_merged)), ("regions!B2:B3", "merged")),
    Case("excel-settings-header", "excel", _excel(_edit(_settings_header)), ("settings", "key, value")),
    Case("excel-settings-json", "excel", _excel(_edit(_settings_json)), ("settings!B2", "JSON")),
    Case("excel-settings-unknown-key", "excel", _excel(_edit(_settings_unknown)), ("settings!B2", "bilateral")),
    Case("excel-sheet-typo", "excel", _excel(_edit(_sheet_typo)), ("reserve", "'reserves'")),
    Case("excel-no-id-column", "excel", _excel(_edit(_no_index)), ("projects", "project")),
    Case("excel-missing-required-sheet", "excel", _excel(_edit(_drop_sheet)), ("projects", "missing")),
    # ---------------------------------------------------------------- CLI
    Case("cli-solver-not-installed", "cli", _cli("solve", "{d}/in.xlsx", "--solver", "gurobi", "-o", "{d}/out.xlsx",
                                                 prepare=_good_land), ("gurobi",), cli=True),
    Case("cli-template-missing-folder", "cli", _cli("template", "{d}/no/such/t.xlsx"), ("does not exist",), cli=True),
    Case("cli-out-missing-folder", "cli", _cli("solve", "{d}/in.xlsx", "--out", "{d}/no/out.xlsx",
                                               prepare=_good_land), ("does not exist",), cli=True),
    Case("cli-out-is-the-input", "cli", _cli("solve", "{d}/in.xlsx", "-o", "{d}/in.xlsx", prepare=_good_land),
         ("overwrite the input",), cli=True),
    Case("cli-csv-workbook", "cli", _cli("solve", "{d}/in.csv", prepare=_raw_file("in.csv", b"a,b\n1,2\n")),
         ("in.csv",), cli=True),
    Case("cli-unknown-model-sheets", "cli", _cli("solve", "{d}/x.xlsx", prepare=lambda d: write_workbook(
        d / "x.xlsx", {"stuff": pd.DataFrame({"a": [1]})})), ("cannot tell which model",), cli=True),
    Case("cli-bad-cell", "cli", _cli("land", "solve", "{d}/in.xlsx", prepare=_edit(
        lambda wb: wb["projects"].__setitem__("C3", -4))), ("projects!C3", "land_mu"), cli=True),
    Case("cli-enclave-bad-role", "cli", _cli("enclave", "solve", "{d}/enc.xlsx", prepare=_enclave_workbook(
        lambda c: c.assign(role="landlord"))), ("contributions!", "role"), cli=True),
    Case("cli-enclave-unitless-tax", "cli", _cli("solve", "{d}/enc.xlsx", prepare=_taxes_unitless),
         ("taxes", "vat_10k_cny"), cli=True),
    Case("cli-infeasible-plan", "cli", _cli("solve", "{d}/rl.xlsx", prepare=lambda d: write_workbook(
        d / "rl.xlsx", {**land_tiny(), "provinces": _red_line(land_tiny()), "reserves": pd.DataFrame()})),
        ("red line",), cli=True),
]


def _snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        out[str(p.relative_to(folder))] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang(f"no answer within {TIMEOUT_S} s")


def run_case(case: Case, folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """``("clear" | "silent" | "raw" | "hang", message)`` for one case; files must not change."""
    (folder / "existing_result.xlsx").write_bytes(b"an earlier result that must survive")
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT_S)
    try:
        before = None
        try:
            # inputs are prepared inside run(); snapshot what exists before it writes anything of its own
            before = _snapshot(folder)
            out = case.run(folder)
        except _Hang as exc:
            return "hang", str(exc)
        except case.error as exc:
            text = str(exc)
            verdict = "clear" if all(n in text for n in case.names) else "unclear"
            return verdict, text
        except BaseException as exc:  # a raw traceback is what the audit looks for
            return "raw", f"{type(exc).__name__}: {exc}"
        if case.cli:
            captured = capsys.readouterr()
            err = captured.err.strip()
            lines = err.splitlines()
            first = lines[0] if lines else ""
            if "Traceback" in captured.err + captured.out:
                return "raw", err
            if out != 2 or not first.startswith("error: "):
                return "silent", f"exit {out}: {err[:300]}"
            return ("clear" if all(n in err for n in case.names) else "unclear"), err
        return "silent", f"returned {type(out).__name__}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        after = _snapshot(folder)
        if before is not None:
            # files the case prepared as its input may exist; nothing else may appear or change
            changed = [k for k in after if k in before and after[k] != before[k]]
            new = [k for k in after if k not in before and not _prepared(k)]
            assert not changed and not new, f"{case.id}: files changed {changed} or left behind {new}"


def _prepared(name: str) -> bool:
    """Inputs a case writes for itself before it runs the command (not outputs)."""
    return name in ("in.xlsx", "in.csv", "enc.xlsx", "x.xlsx", "rl.xlsx", "cut.xlsx", "z.xlsx", "r.xlsx",
                    "d.xlsx", "no")


def test_the_audit_table_is_large_and_covers_every_area() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)
    counts = pd.Series([c.area for c in CASES]).value_counts()
    assert set(counts.index) == {"land", "clusters", "enclave", "excel", "cli"}
    assert counts.min() >= 5


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_clear_error(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    verdict, message = run_case(case, tmp_path, capsys)
    assert verdict == "clear", f"{case.id}: {verdict}: {message}"


def test_audit_summary_has_no_silent_raw_or_hanging_case(tmp_path_factory: pytest.TempPathFactory,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The whole table in one go, printed as the audit's result (``pytest -s`` shows it)."""
    rows = []
    for case in CASES:
        verdict, message = run_case(case, tmp_path_factory.mktemp(case.id), capsys)
        rows.append((case.area, case.id, verdict, message.splitlines()[0][:110] if message else ""))
    table = pd.DataFrame(rows, columns=["area", "case", "verdict", "message"])
    counts = table["verdict"].value_counts()
    with capsys.disabled():
        print(f"\naudit of {len(table)} bad-input classes: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        print(table.groupby(["area", "verdict"]).size().to_string())
    assert counts.get("clear", 0) == len(CASES), table[table["verdict"] != "clear"].to_string()
    assert {"silent", "raw", "hang", "unclear"}.isdisjoint(counts.index)
