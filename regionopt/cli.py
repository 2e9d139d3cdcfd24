"""The regionopt command: every model from a workbook, and the worked Delta examples.

Usage (regionopt COMMAND --help for the options of each):

    regionopt delta                       the Delta land-quota walkthrough (prints, writes a workbook)
    regionopt template PATH [--model M]   an empty, documented input workbook (land unless --model)
    regionopt solve IN.xlsx [-o OUT]      solve a filled workbook (the model is told by its sheets)
    regionopt land|clusters|enclave template PATH | solve IN.xlsx | example
                                          one model: its template, a solve, its worked example
    regionopt plan [template PATH | solve IN.xlsx]
                                          the integrated plan: without an action, the Delta walkthrough

Exit codes: 0 a plan was found; 2 an error, printed on standard error without
a traceback (bad input, an impossible plan, a missing solver); 3 the solver
stopped (time limit) before finding any plan; 130 interrupted. Warnings about
implausible units are one line each. --log streams the solver's log; on a terminal a live line shows
the elapsed time, the best plan so far and the gap while a solve runs.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
import textwrap
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from . import __version__
from .errors import RegionoptError, RegionoptWarning

_HEAD = ("This file is written by regionopt: every input, setting and unit is described in English and Chinese "
         "on its notes and README sheets.")


# =========================================================================== the models


@dataclass(frozen=True)
class ModelCommand:
    """How the command line runs one model (the registry :data:`MODELS`; a new model registers one).

    Attributes
    ----------
    name
        Subcommand (``land``, ``clusters``, ``enclave``, ``plan``).
    title
        One line for the help.
    problem
        ``"module:Class"`` of the problem: it has ``tables``, ``settings_class``,
        ``from_excel`` and ``solve``.
    printer
        Prints a result for a planner (``printer(result, args, out, problem)``).
    sheets
        Sheets that tell a workbook belongs to this model (for ``regionopt solve``).
    example
        ``example(args) -> (problem, intro lines)``: the worked Delta case, if any.
    solver_options
        Whether ``--solver``, ``--time-limit``, ``--mip-gap``, ``--log`` apply.
    more_settings
        Settings of sub-models the template lists under a prefix (the plan's
        ``land.*`` and ``clusters.*`` rows).
    """

    name: str
    title: str
    problem: str
    printer: Callable[[Any, argparse.Namespace, TextIO, Any], None]
    sheets: frozenset[str] = frozenset()
    example: Callable[[argparse.Namespace], tuple[Any, list[str]]] | None = None
    solver_options: bool = True
    example_help: str = ""
    example_options: Callable[[argparse.ArgumentParser], None] | None = None
    more_settings: Callable[[], dict[str, Any]] | None = None

    def problem_class(self) -> Any:
        mod, _, cls = self.problem.partition(":")
        try:
            module = importlib.import_module(mod)
        except ImportError:
            raise RegionoptError(f"the {self.name} model is not part of this version of regionopt "
                                 f"({__version__})") from None
        return getattr(module, cls)


def _fmt(df: pd.DataFrame, out: TextIO) -> None:
    with pd.option_context("display.width", 160, "display.max_columns", 14, "display.max_colwidth", 40,
                           "display.float_format", "{:,.2f}".format):
        print(df.to_string(), file=out)


def _has_plan(res: Any) -> bool:
    return bool(getattr(res, "has_solution", True))


def _print_summary(res: Any, out: TextIO) -> None:
    print("\n== Summary", file=out)
    s = res.summary()
    col = s.iloc[:, 0] if len(s.columns) else pd.Series(dtype=object)
    width = max((len(str(k)) for k in col.index), default=0)
    for k, v in col.items():
        if isinstance(v, float):
            v = "nan" if math.isnan(v) else (f"{v:,.2f}" if abs(v) >= 1 or v == 0 else f"{v:.4g}")
        print(f"{str(k).ljust(width)}  {v}", file=out)


def _summary_or_stop(res: Any, out: TextIO) -> bool:
    """Print the summary; without a plan also say so and the notes, and return False."""
    _print_summary(res, out)
    if _has_plan(res):
        return True
    print("\nNo plan was found before the solver stopped: raise --time-limit.", file=out)
    _print_notes(res, out)
    return False


def _head(rows: Any, top: int, verb: str = "first") -> str:
    """``"first 15 of 80"`` or ``"all 12"``."""
    return f"{verb} {top} of {len(rows)}" if len(rows) > top else f"all {len(rows)}"


def _print_notes(res: Any, out: TextIO) -> None:
    for n in getattr(res, "notes", []) or []:
        print(f"note: {n}", file=out)


def _print_land(res: Any, args: argparse.Namespace, out: TextIO, problem: Any = None) -> None:
    top = int(getattr(args, "top", 15))
    if not _summary_or_stop(res, out):
        return
    why: dict[str, list[str]] = {}
    if problem is not None:
        from .land.explain import explain

        why = explain(res, problem)

    def say(section: str) -> None:
        for line in why.get(section, []):
            print(textwrap.fill(line, width=110, initial_indent="  why: ", subsequent_indent="       "), file=out)

    print("\n== Units traded by ledger and channel (each row in its own unit; platform trades counted once)", file=out)
    _fmt(res.traded(), out)
    flows = res.flows
    if len(flows) == 0:
        print("\n== Flows: none (no quota moves between regions)", file=out)
    else:
        print(f"\n== Largest flows ({_head(flows, top, 'top')}; amount in the ledger's unit, prices and payments "
              "in 万元)", file=out)
        cols = [c for c in ("seller", "seller_name", "buyer", "buyer_name", "ledger", "channel", "amount", "unit",
                            "price_10k_cny_per_unit", "payment_10k_cny") if c in flows.columns]
        _fmt(flows.sort_values("amount", ascending=False).head(top)[cols].reset_index(drop=True), out)
        print("price -- bilateral: the pair's contract price, else the market-clearing price (the buyer's shadow "
              "price net\nof the cost it bears); within_province: the province's pool price; platform: the statutory "
              "price", file=out)
        say("flows")
    pr = res.prices.reset_index()
    if len(pr):
        print("\n== Quota prices: shadow price (value of one more unit) beside the statutory platform price, "
              "万元 per unit", file=out)
        key = ["region", "name"] if "name" in pr.columns else ["region"]
        piv = pr.pivot_table(index=key, columns="ledger", values="shadow_price_10k_cny_per_unit", aggfunc="mean")
        stat = pr.pivot_table(index=key, columns="ledger", values="statutory_price_10k_cny_per_unit",
                              aggfunc="mean", dropna=False)
        stat = stat.drop(columns=[c for c in ("construction",) if c in stat.columns])  # no statutory price
        _fmt(piv.join(stat.add_prefix("statutory_"), how="left"), out)
        say("prices")
    print("\n== Farmland against red lines, mu (shadow price in 万元 per mu)", file=out)
    _fmt(res.farmland, out)
    say("farmland")
    print("\n== Gains from trade by province, 万元 (welfare with trade minus autarky)", file=out)
    _fmt(res.gains, out)
    print("price rent: gained (+) or lost (-) trading at prices off a city's own shadow price; red-line share:\n"
          "value of the shared red-line room taken (+) or given up (-). Per city: the regions sheet", file=out)
    say("gains")
    _print_notes(res, out)


def _print_clusters(res: Any, args: argparse.Namespace, out: TextIO, problem: Any = None) -> None:
    top = int(getattr(args, "top", 15))
    if not _summary_or_stop(res, out):
        return
    a = res.assignments
    print(f"\n== Assignments ({_head(a, top)}; the workbook has all)", file=out)
    _fmt(a.head(top), out)
    print("\n== Provinces: roles, cores, land (mu) and energy (10k tce) against budgets", file=out)
    _fmt(res.province_summary, out)
    print("\n== Objective terms, points", file=out)
    _fmt(res.objective_terms.to_frame(), out)
    _print_notes(res, out)


def _print_enclave(res: Any, args: argparse.Namespace, out: TextIO, problem: Any = None) -> None:
    _print_summary(res, out)
    print("\n== Splits of the yearly retained tax, 万元 a year and percent", file=out)
    _fmt(res.splits, out)
    print("\n== Stability: is each split in the core (no group of partners gains by leaving)?", file=out)
    _fmt(res.stability, out)
    print("\n== Schedule: percent of the shareable revenue per phase", file=out)
    _fmt(res.schedule, out)
    print("\n== NPV per partner, 万元", file=out)
    _fmt(res.npv, out)
    _print_notes(res, out)


def _print_plan(res: Any, args: argparse.Namespace, out: TextIO, problem: Any = None) -> None:
    top = int(getattr(args, "top", 15))
    if not _summary_or_stop(res, out):
        return
    print("\n== Provinces, 万元 (land welfare, cluster value, welfare) and the roles they credit and host", file=out)
    _fmt(res.provinces, out)
    roles = res.roles
    print(f"\n== Roles ({_head(roles, top)}; host differs from city for a role in an enclave)", file=out)
    _fmt(roles.head(top), out)
    if len(res.enclaves):
        print("\n== Enclaves: source, host, land, tax and the split", file=out)
        _fmt(res.enclaves, out)
    else:
        print("\n== Enclaves: none used", file=out)
    print("\n== Objective terms, 万元", file=out)
    _fmt(res.terms.to_frame(), out)
    _print_notes(res, out)


def _plan_settings() -> dict[str, Any]:
    from .clusters import ClusterSettings
    from .land import LandSettings

    return {"land": LandSettings, "clusters": ClusterSettings}


def _land_example(args: argparse.Namespace) -> tuple[Any, list[str]]:
    from .land import delta_example

    return delta_example(seed=args.seed), [
        "Yangtze River Delta land-quota walkthrough (41 cities)",
        "City data are sourced (regionopt/data/SOURCES.md); project values, quotas, reserves and costs are",
        f"ILLUSTRATIVE, generated by the seeded rule documented in regionopt.land.example (seed={args.seed}).",
    ]


def _land_example_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=2024, help="seed of the illustrative parameters (default 2024)")


def _clusters_example(args: argparse.Namespace) -> tuple[Any, list[str]]:
    from . import load_delta
    from .clusters.example import delta_problem

    three = ["NAT22-03", "NAT22-04", "NAT21-11"]
    if args.clusters == "all":
        ids = [k for k in load_delta().clusters.index if str(k).startswith("NAT")]
        prob = delta_problem(ids, seed=args.seed, group_by_sector=True, roles_base=5)
    else:
        prob = delta_problem(three, seed=args.seed)
        ids = three
    return prob, [
        f"Yangtze River Delta cluster roles ({len(ids)} national clusters, 41 cities)",
        "Cities, clusters and designated members are sourced (regionopt/data/SOURCES.md); fit scores, budgets and",
        f"resource use are ILLUSTRATIVE, generated by the rules documented in regionopt.clusters.example "
        f"(seed={args.seed}).",
    ]


def _clusters_example_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=0, help="seed of the illustrative fit scores (default 0)")
    p.add_argument("--clusters", choices=("three", "all"), default="three",
                   help="three: biomedicine, textiles and green petrochemicals (default); all: the 24 national "
                   "clusters grouped by sector (set --time-limit)")


def _enclave_example(args: argparse.Namespace) -> tuple[Any, list[str]]:
    from .enclave import xiaoshan_xuancheng_down_park, zhangjiang_sci_tech_city
    from .enclave.workbook import EnclaveAgreement

    case = xiaoshan_xuancheng_down_park() if args.case == "xiaoshan" else zhangjiang_sci_tech_city()
    c = case.contributions.copy()
    c["upfront_cost_10k_cny"] = case.costs
    tech = case.game.technology.drop(columns=["max_units"]).reset_index()
    tech["max_units"] = case.game.technology["max_units"].replace(math.inf, float("nan")).to_numpy()
    prob = EnclaveAgreement.from_frames(c, technology=tech, forecast=case.forecast,
                                        settings={"case_name": case.name})
    return prob, [f"{case.name}: enclave revenue sharing",
                  "Sourced facts: docs/enclave.md; contributions, technology, forecast and costs are ILLUSTRATIVE."]


def _enclave_example_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--case", choices=("xiaoshan", "zhangjiang"), default="xiaoshan",
                   help="xiaoshan: the Xiaoshan-Xuancheng down-feather park (default); zhangjiang: the Zhangjiang "
                   "Yangtze Delta Sci-Tech City")


#: The models of the command line, by subcommand; a new model adds a :class:`ModelCommand` (:func:`register_model`).
MODELS: dict[str, ModelCommand] = {
    "land": ModelCommand(
        "land", "land-quota trading between cities and provinces (LandQuotaProblem)",
        "regionopt.land:LandQuotaProblem", _print_land, frozenset({"regions", "projects"}), _land_example,
        example_help="the Delta land-quota walkthrough (41 cities; same as 'regionopt delta')",
        example_options=_land_example_options),
    "clusters": ModelCommand(
        "clusters", "city roles in shared manufacturing clusters (ClusterRoleProblem)",
        "regionopt.clusters:ClusterRoleProblem", _print_clusters, frozenset({"cities", "fit"}), _clusters_example,
        example_help="the Delta cluster-role case", example_options=_clusters_example_options),
    "enclave": ModelCommand(
        "enclave", "revenue sharing of a co-built park: splits, stability, ratios and a phased schedule",
        "regionopt.enclave.workbook:EnclaveAgreement", _print_enclave, frozenset({"contributions"}),
        _enclave_example, solver_options=False, example_help="a worked enclave case",
        example_options=_enclave_example_options),
    "plan": ModelCommand(
        "plan", "the integrated plan: cluster roles on the land-quota market, with enclaves (RegionalPlan)",
        "regionopt.plan:RegionalPlan", _print_plan, frozenset({"land_regions", "clusters_cities"}),
        more_settings=_plan_settings),
}


def register_model(cmd: ModelCommand) -> None:
    """Add (or replace) a model of the command line; call before :func:`main` builds its parser."""
    MODELS[cmd.name] = cmd


# =========================================================================== actions


def _detect(path: str) -> ModelCommand:
    """The model a workbook belongs to, from its sheet names."""
    from .errors import InputError
    from .io.excel import _open
    from .io.zh import sheet_of_alias

    wb_v, wb_f = _open(Path(path))
    try:
        names = {sheet_of_alias(s) or s for s in wb_v.sheetnames}
    finally:
        wb_v.close()
        wb_f.close()
    hits = [m for m in MODELS.values() if m.sheets and m.sheets <= names]
    if len(hits) != 1:
        which = ", ".join(f"{m.name} ({', '.join(sorted(m.sheets))})" for m in MODELS.values())
        raise InputError(f"cannot tell which model {Path(path).name} is for from its sheets {sorted(names)}; "
                         f"expected the sheets of one of: {which}. Use 'regionopt <model> solve'",
                         table="workbook", value=str(path))
    return hits[0]


def _solve_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kw: dict[str, Any] = {"solver": args.solver}
    if args.time_limit is not None:
        kw["time_limit"] = args.time_limit
    if args.mip_gap is not None:
        kw["mip_gap"] = args.mip_gap
    if args.threads is not None:
        kw["threads"] = args.threads
    if args.log:
        kw["tee"] = True
    return kw


class _LiveLine:
    """The one-line progress display on standard error (elapsed time, best plan, bound, gap)."""

    def __init__(self, out: TextIO, after: float = 1.0) -> None:
        self.out = out
        self.after = after
        self.shown = False

    def __call__(self, p: Any) -> None:
        if p.done:
            if self.shown:
                self.out.write("\r" + " " * 100 + "\r")
                self.out.flush()
                self.shown = False
            return
        if p.elapsed < self.after:
            return
        if p.mip:
            inc = "none yet" if math.isnan(p.incumbent) else f"{p.incumbent:,.6g}"
            bnd = "-" if math.isnan(p.bound) else f"{p.bound:,.6g}"
            gap = "-" if math.isnan(p.gap) else f"{100 * p.gap:.2f} %"
            text = f"solving: {p.elapsed:6.1f} s elapsed, best plan {inc}, bound {bnd}, gap {gap}"
        else:
            text = f"solving (LP): {p.elapsed:6.1f} s elapsed"
        self.out.write("\r" + text.ljust(100)[:100])
        self.out.flush()
        self.shown = True


def _solve(cmd: ModelCommand, prob: Any, args: argparse.Namespace) -> Any:
    if not cmd.solver_options:
        return prob.solve()
    from .solve.highs import progress

    show = args.progress if args.progress is not None else (sys.stderr.isatty() and not args.log)
    t0 = time.perf_counter()
    if show:
        with progress(_LiveLine(sys.stderr, after=0.0 if args.progress else 1.0), interval=0.5):
            res = prob.solve(**_solve_kwargs(args))
    else:
        res = prob.solve(**_solve_kwargs(args))
    if args.log:
        print(f"solved in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return res


def _write(cmd: ModelCommand, prob: Any, res: Any, path: str | Path, notes: Sequence[tuple[str, str]] = ()) -> Path:
    from .io.excel import names_of, write_result_workbook

    names = {**names_of(prob), **names_of(res)}
    return write_result_workbook(res, path, names=names, notes=[("model", cmd.title), *notes])


def _default_out(workbook: str) -> Path:
    p = Path(workbook)
    return p.with_name(p.stem + "_result.xlsx")


def do_template(cmd: ModelCommand, path: str) -> int:
    from .io.excel import write_template
    from .io.files import check_writable

    check_writable(path)
    out = write_template(cmd.problem_class(), path, cmd.more_settings() if cmd.more_settings else None)
    print(f"wrote {out} ({cmd.name} input workbook; read its notes and README sheets first)")
    return 0


def do_solve(cmd: ModelCommand | None, args: argparse.Namespace) -> int:
    from .io.files import check_writable

    workbook = args.workbook
    if cmd is None:
        cmd = _detect(workbook)
    out = Path(args.out) if args.out else _default_out(workbook)
    check_writable(out)  # before the solve, not after it
    if Path(out).resolve() == Path(workbook).resolve():
        from .errors import InputError

        raise InputError("the results workbook would overwrite the input workbook: choose another --out",
                         table="output", field="path", value=str(out))
    prob = cmd.problem_class().from_excel(workbook)
    print(f"regionopt {__version__}: {cmd.title}; {prob!r}")
    res = _solve(cmd, prob, args)
    cmd.printer(res, args, sys.stdout, prob)
    written = _write(cmd, prob, res, out, [("input", str(workbook))])
    print(f"\nwrote {written}")
    return 0 if _has_plan(res) else 3


def do_example(cmd: ModelCommand, args: argparse.Namespace) -> int:
    from .io.files import check_writable

    if cmd.example is None:
        from .errors import InputError

        raise InputError(f"the {cmd.name} model has no worked example", table="command")
    out = getattr(args, "excel", None)
    if out:
        check_writable(out)
    prob, intro = cmd.example(args)
    print(f"regionopt {__version__} — {intro[0]}")
    for line in intro[1:]:
        print(line)
    res = _solve(cmd, prob, args)
    cmd.printer(res, args, sys.stdout, prob)
    if out:
        written = _write(cmd, prob, res, out, [("parameters", " ".join(intro[1:]))])
        print(f"\nwrote {written}")
    return 0 if _has_plan(res) else 3


# =========================================================================== parser


def _solver_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("solver")
    g.add_argument("--solver", default="highs", metavar="NAME",
                   help="solver: highs (default, installed with regionopt) or any Pyomo solver name such as cbc "
                   "or glpk (must be installed)")
    g.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop after this many seconds and report the best plan found (with its gap)")
    g.add_argument("--mip-gap", type=float, default=None, metavar="GAP",
                   help="stop a MIP once the plan is proven within this relative gap of the best (e.g. 0.001)")
    g.add_argument("--threads", type=int, default=None, metavar="N", help="number of solver threads")
    g.add_argument("--log", action="store_true", help="stream the solver's log to the terminal")
    g.add_argument("--progress", dest="progress", action="store_true", default=None,
                   help="show the live line (elapsed time, best plan, gap) even when not on a terminal")
    g.add_argument("--no-progress", dest="progress", action="store_false",
                   help="never show the live line")


def _out_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", default=None, metavar="OUT.xlsx",
                   help="results workbook to write (default: the input's name with _result.xlsx); its folder is "
                   "checked before solving")


def _top_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--top", type=int, default=15, metavar="N", help="rows of the long tables to print (default 15)")


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


def _need_action(p: argparse.ArgumentParser) -> int:
    from .errors import InputError

    raise InputError(f"choose an action: {p.prog} template PATH, solve IN.xlsx or example (see {p.prog} --help)",
                     table="command")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``regionopt`` command (every option has help text)."""
    ap = argparse.ArgumentParser(prog="regionopt", description=__doc__, formatter_class=_Formatter)
    ap.add_argument("--version", action="version", version=f"regionopt {__version__}",
                    help="print the version and exit")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    d = sub.add_parser("delta", help="the Delta land-quota walkthrough (prints the plan, writes a workbook)",
                       description="Solve the 41-city Yangtze River Delta land-quota plan (sourced city data, "
                       "illustrative parameters), print flows, prices, red lines and gains, write a workbook.",
                       formatter_class=_Formatter)
    _land_example_options(d)
    _top_option(d)
    d.add_argument("--excel", default="delta_land_plan.xlsx", metavar="OUT.xlsx",
                   help="results workbook to write (default delta_land_plan.xlsx; '' to skip)")
    _solver_options(d)
    d.set_defaults(func=lambda a: do_example(MODELS["land"], a))

    t = sub.add_parser("template", help="write an empty, documented input workbook (land unless --model)",
                       description="Write an empty input workbook: a notes sheet (how to fill it in, the traps), a "
                       "README sheet (every column in English and Chinese), one sheet per table, and settings.",
                       formatter_class=_Formatter)
    t.add_argument("path", metavar="PATH.xlsx", help="workbook to write (its folder must exist)")
    t.add_argument("--model", choices=list(MODELS), default="land",
                   help="which model's workbook (default land)")
    t.set_defaults(func=lambda a: do_template(MODELS[a.model], a.path))

    s = sub.add_parser("solve", help="solve a filled workbook (the model is told by its sheets)",
                       description="Read a workbook laid out like 'regionopt template', solve it, print the plan "
                       "and write the results workbook.", formatter_class=_Formatter)
    s.add_argument("workbook", metavar="IN.xlsx", help="the filled input workbook")
    s.add_argument("--model", choices=list(MODELS), default=None,
                   help="which model (default: told by the workbook's sheets)")
    _out_option(s)
    _top_option(s)
    _solver_options(s)
    s.set_defaults(func=lambda a: do_solve(MODELS[a.model] if a.model else None, a))

    for name, cmd in MODELS.items():
        m = sub.add_parser(name, help=cmd.title, description=f"The {name} model: {cmd.title}.",
                           formatter_class=_Formatter)
        if name == "plan":
            # 'regionopt plan [options]' (no action) is the integrated Delta walkthrough
            from .plan.walkthrough import add_options, run

            m.description = (f"The {name} model: {cmd.title}. Without an action: the integrated Delta plan "
                             "walkthrough (prints the plan, the value of coordination and the provinces' game; "
                             "writes a workbook).")
            add_options(m)
            m.set_defaults(func=run)
        else:
            m.set_defaults(func=lambda a, p=m: _need_action(p))
        msub = m.add_subparsers(dest="action", required=False, metavar="ACTION")
        mt = msub.add_parser("template", help=f"write an empty, documented {name} input workbook",
                             description=f"Write an empty {name} input workbook (notes, README, one sheet per "
                             "table, settings).", formatter_class=_Formatter)
        mt.add_argument("path", metavar="PATH.xlsx", help="workbook to write (its folder must exist)")
        mt.set_defaults(func=lambda a, c=cmd: do_template(c, a.path))
        ms = msub.add_parser("solve", help=f"solve a filled {name} workbook and write the results",
                             description=f"Read a {name} workbook, solve it, print the plan and write the results "
                             "workbook.", formatter_class=_Formatter)
        ms.add_argument("workbook", metavar="IN.xlsx", help="the filled input workbook")
        _out_option(ms)
        _top_option(ms)
        if cmd.solver_options:
            _solver_options(ms)
        ms.set_defaults(func=lambda a, c=cmd: do_solve(c, a))
        if cmd.example is not None:
            me = msub.add_parser("example", help=cmd.example_help, description=cmd.example_help[:1].upper()
                                 + cmd.example_help[1:] + ".", formatter_class=_Formatter)
            if cmd.example_options is not None:
                cmd.example_options(me)
            _top_option(me)
            me.add_argument("--excel", default="", metavar="OUT.xlsx",
                            help="also write the results to this workbook")
            if cmd.solver_options:
                _solver_options(me)
            me.set_defaults(func=lambda a, c=cmd: do_example(c, a))
    return ap


# =========================================================================== entry point


def _one_line_warnings(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                       file: TextIO | None = None, line: str | None = None) -> None:
    label = "warning" if issubclass(category, RegionoptWarning) else category.__name__
    print(f"{label}: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``regionopt`` command; returns the exit code (0 ok, 2 error, 130 interrupted)."""
    ap = build_parser()
    args = ap.parse_args(argv)
    saved = warnings.showwarning
    warnings.showwarning = _one_line_warnings
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", RegionoptWarning)
            return int(args.func(args))
    except RegionoptError as exc:
        text = str(exc)
        print(f"error: {text}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = saved


if __name__ == "__main__":
    raise SystemExit(main())
