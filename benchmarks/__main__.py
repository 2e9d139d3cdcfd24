"""Solver comparison on regionopt's models.

Usage::

    python -m benchmarks list                       # sets, instances, solvers (and why one is skipped)
    python -m benchmarks export --set land          # write the MPS/LP files, print paths and hashes
    python -m benchmarks compare --set clusters --solvers highs,cbc,scip --time-limit 60 --repeats 3
    python -m benchmarks report                     # docs/benchmarks.md + docs/img/benchmark-profile.png

``python -m benchmarks.run`` still times regionopt's own pipeline phases.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from .compare import DEFAULT_STORE, compare
from .instances import SETS, default_cache_dir, export, select
from .solvers import ADAPTERS


def _csv(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def _add_selection(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", default="all", type=_csv, help=f"comma-separated sets ({', '.join(SETS)}) or all")
    p.add_argument("--instances", default=[], type=_csv, help="comma-separated name patterns, e.g. 'land-delta41*'")
    p.add_argument("--include-large", action="store_true", help="also the ~1M-column instances (minutes, GBs)")
    p.add_argument("--cache", type=Path, default=None, help=f"export cache (default {default_cache_dir()})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    p_list = sub.add_parser("list", help="instance sets and solvers")
    p_list.add_argument("--include-large", action="store_true")

    p_exp = sub.add_parser("export", help="export instances to MPS and LP")
    _add_selection(p_exp)

    p_cmp = sub.add_parser("compare", help="run solvers on instance sets, append to the store")
    _add_selection(p_cmp)
    p_cmp.add_argument("--solvers", default="highs,cbc,scip", type=_csv)
    p_cmp.add_argument("--time-limit", type=float, default=60.0, help="seconds per run (default 60)")
    p_cmp.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap target (default 1e-4)")
    p_cmp.add_argument("--threads", type=int, default=1, help="threads per solver (default 1)")
    p_cmp.add_argument("--repeats", type=int, default=1)
    p_cmp.add_argument("--grace", type=float, default=15.0,
                       help="seconds after the time limit before the process is killed (default 15)")
    p_cmp.add_argument("--store", type=Path, default=DEFAULT_STORE, help=f"result CSV (default {DEFAULT_STORE})")
    p_cmp.add_argument("--note", default="", help="free text stored with every row")

    p_rep = sub.add_parser("report", help="markdown page and performance-profile figure from the store")
    from .report import add_arguments

    add_arguments(p_rep)

    a = ap.parse_args(argv)
    if a.cmd == "list":
        for name, s in SETS.items():
            print(f"set {name}: {s.description}")
            for inst in s.instances():
                if inst.large and not a.include_large:
                    print(f"  {inst.name:28s} (large: --include-large) {inst.description}")
                else:
                    print(f"  {inst.name:28s} {inst.description}")
        for name, ad in ADAPTERS.items():
            why = ad.unavailable()
            print(f"solver {name:7s} {'available: ' + ad.version() if why is None else 'skipped: ' + why}")
        return 0
    if a.cmd == "export":
        for set_name, inst in select(a.set, a.instances, include_large=a.include_large):
            e = export(set_name, inst, a.cache)
            print(f"{e.name}\t{e.kind}\t{e.rows}x{e.cols}\t{e.sha256}\t{e.mps}\t{e.lp}")
        return 0
    if a.cmd == "compare":
        try:
            compare(a.set, a.solvers, time_limit=a.time_limit, mip_gap=a.gap, threads=a.threads, repeats=a.repeats,
                    grace=a.grace, patterns=a.instances, include_large=a.include_large, store=a.store,
                    cache_dir=a.cache, note=a.note,
                    command=" ".join(["python -m benchmarks", *map(shlex.quote, argv if argv is not None else sys.argv[1:])]))
        except (ValueError, KeyError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    from .report import main as report_main

    return report_main(a)


if __name__ == "__main__":
    raise SystemExit(main())
