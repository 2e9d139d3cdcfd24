"""`regionopt plan`: the integrated Delta plan from the command line (a printed walkthrough and a workbook)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

__all__ = ["add_options", "add_parser", "run"]

CLUSTER_SETS = {"seed": "the three clusters named in the seed (biomedicine, textiles, green petrochemicals)",
                "jiangsu": "Jiangsu's 13 provincial cluster industries"}


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``plan`` subcommand to the ``regionopt`` command."""
    p = sub.add_parser("plan", help="the integrated Delta plan: cluster roles on traded land quota, enclaves, "
                       "the value of coordination and the joint fund")
    add_options(p)
    p.set_defaults(func=run)
    return p


def add_options(p: argparse.ArgumentParser) -> None:
    """The walkthrough's options on parser ``p``."""
    p.add_argument("--clusters", choices=sorted(CLUSTER_SETS), default="seed",
                   help="which clusters: 'seed' = " + CLUSTER_SETS["seed"] + "; 'jiangsu' = " + CLUSTER_SETS["jiangsu"])
    p.add_argument("--time-limit", type=float, default=None, help="solver time limit per plan, seconds")
    p.add_argument("--no-game", action="store_true",
                   help="skip the coordination table and the provinces' game (they solve 15 more plans)")
    p.add_argument("--rule", choices=["nucleolus", "shapley"], default="nucleolus",
                   help="how the provinces' game splits the value of coordination")
    p.add_argument("--excel", "-o", default="delta_integrated_plan.xlsx",
                   help="results workbook to write ('' to skip)")


def run(args: argparse.Namespace) -> int:
    """Solve and print the plan; write the workbook."""
    from ..io.files import check_writable
    from . import delta_plan, jiangsu_clusters
    from .example import SEED_CLUSTERS

    out = Path(args.excel) if args.excel else None
    if out is not None:
        check_writable(out)  # before the solves; the workbook itself is written (atomically) at the end
    ids = list(SEED_CLUSTERS) if args.clusters == "seed" else jiangsu_clusters()
    print("regionopt — the integrated Yangtze River Delta plan:", CLUSTER_SETS[args.clusters])
    print("Sourced: cities, provinces, clusters, the statutory price, the enclave pairs (docs/policy.md cases), the")
    print("retained tax of 41 万元/亩 a year. ILLUSTRATIVE: project values, quotas, costs, fit scores, role land,")
    print("the value of a cluster score point (20,000 万元) and the enclave parameters (docs/plan.md).")
    plan = delta_plan(ids)
    res = plan.solve(time_limit=args.time_limit)
    with pd.option_context("display.width", 150, "display.max_columns", 14, "display.float_format", "{:,.1f}".format):
        print(f"\n== Plan: {res.status.value}, gap {res.mip_gap:.2%}, {res.report.solve_seconds:.1f} s")
        print(res.terms.to_frame("万元").to_string())
        print("\n== Provinces (welfare at market prices, 万元; role land in mu, energy in 10k tce)")
        print(res.provinces.drop(columns=["transfer_10k_cny"]).to_string())
        print("\n== Roles (city credited, host city where the role is sited)")
        print(res.roles[["city_name", "cluster", "role", "host_name", "fit", "land_mu", "value_10k_cny"]]
              .to_string(index=False))
        if len(res.enclaves):
            print("\n== Enclaves and their splits")
            print(res.enclaves.to_string(index=False))
        if not args.no_game:
            print("\n== Value of coordination by province, 万元 (four regimes)")
            print(res.coordination.to_string())
            split = res.fair_split(args.rule)
            print(f"\n== The provinces' game ({args.rule}): in the core: {split.core.in_core}; "
                  f"least-core epsilon {split.least_core.epsilon:,.0f} 万元")
            print(split.table.to_string())
            print("transfer: + the joint fund pays the province, − the province pays in (they sum to 0)")
        for n in res.notes:
            print(f"note: {n}")
    if out is not None:
        print(f"\nwrote {res.to_excel(out)}")
    return 0
