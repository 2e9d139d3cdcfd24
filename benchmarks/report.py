"""Markdown page and performance-profile figure from the result store.

``python -m benchmarks report`` takes, for every instance set, the rows of the
latest run that covered it (or the runs given with ``--runs``) and writes

* a markdown page (default ``docs/benchmarks.md``): shifted geometric means
  relative to the best solver and solved counts per set, disagreements
  between solvers, a table per set, primal-dual integrals, every run, the
  instances with their content hashes, the machine, the method and the
  commands that reproduce it;
* the Dolan–Moré performance profile (default ``docs/img/benchmark-profile.png``;
  needs matplotlib: ``pip install matplotlib``).

See :mod:`benchmarks.analysis` for the definitions.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis import (
    SHIFT_S,
    aggregate,
    check_agreement,
    performance_profile,
    profile_times,
    sgm_table,
)
from .instances import REPO
from .solvers import ADAPTERS

DEFAULT_OUT = REPO / "docs" / "benchmarks.md"
DEFAULT_FIGURE = REPO / "docs" / "img" / "benchmark-profile.png"
DEFAULT_STORE = REPO / "benchmarks" / "results" / "results.csv"
DEFAULT_NOTES = REPO / "benchmarks" / "results" / "notes.md"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", type=Path, default=DEFAULT_STORE)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"markdown page (default {DEFAULT_OUT})")
    p.add_argument("--figure", type=Path, default=DEFAULT_FIGURE, help=f"PNG (default {DEFAULT_FIGURE})")
    p.add_argument("--no-figure", action="store_true", help="skip the figure (no matplotlib needed)")
    p.add_argument("--runs", default="", help="comma-separated run ids (default: latest run per set)")
    p.add_argument("--notes", type=Path, default=DEFAULT_NOTES,
                   help="markdown included under 'Reading the results' if the file exists")


def select_runs(df: pd.DataFrame, run_ids: Sequence[str] = ()) -> pd.DataFrame:
    """Rows of the given runs, or for every set the rows of the latest run that covered it."""
    if run_ids:
        missing = set(run_ids) - set(df["run_id"])
        if missing:
            raise ValueError(f"run id(s) not in the store: {', '.join(sorted(missing))}")
        return df[df["run_id"].isin(run_ids)].copy()
    parts = []
    for _s, g in df.groupby("set", sort=False):
        latest = g.sort_values("started_utc")["run_id"].iloc[-1]
        parts.append(g[g["run_id"] == latest])
    return pd.concat(parts).copy() if parts else df.iloc[0:0].copy()


def _label(solver: str) -> str:
    ad = ADAPTERS.get(solver)
    return ad.label if ad else solver


def _num(x: float, digits: int = 6) -> str:
    if x is None or not math.isfinite(float(x)):
        return "–"
    return f"{float(x):.{digits}g}"


def _secs(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    if x < 0.1:
        return f"{x:.3f}"
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def _pct(x: float) -> str:
    if not math.isfinite(x):
        return "–" if math.isnan(x) else "∞"
    return f"{100 * x:.2g} %" if x < 0.01 else f"{100 * x:.1f} %"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[str] | None = None) -> str:
    al = align or ["---"] * len(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(al) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _cell(r: pd.Series) -> str:
    """One solver on one instance: time if solved, else why not."""
    if r["solved"]:
        return _secs(r["time_s"])
    st = r["status"]
    if st == "time_limit" or (st == "optimal" and r["time_s"] > r["time_limit_s"]):
        return f"limit, gap {_pct(r['gap'])}" if r["has_solution"] else "limit, no solution"
    if st == "killed":
        return "killed"
    return st


def _sgm_markdown(sgm: pd.DataFrame, solvers: Sequence[str]) -> str:
    header = ["set", "instances", *[_label(s) for s in solvers]]
    rows = []
    for _, r in sgm.iterrows():
        cells = []
        for s in solvers:
            if not math.isfinite(r[f"{s}_sgm"]):
                cells.append("not run on all")
                continue
            txt = f"{r[f'{s}_ratio']:.2f} ({_secs(r[f'{s}_sgm'])} s, {int(r[f'{s}_solved'])} solved)"
            cells.append(f"**{txt}**" if abs(r[f"{s}_ratio"] - 1.0) < 1e-12 else txt)
        rows.append([r["set"], str(int(r["instances"])), *cells])
    return _table(header, rows)


def write_figure(agg: pd.DataFrame, solvers: Sequence[str], path: Path) -> None:
    """Dolan–Moré profiles: one panel per set and one over all instances."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("the figure needs matplotlib: pip install matplotlib (or use --no-figure)") from exc
    groups: list[tuple[str, pd.DataFrame]] = [(str(s), g) for s, g in agg.groupby("set", sort=False)]
    if len(groups) > 1:
        groups.append(("all instances", agg))
    ncols = min(2, len(groups))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(5.2 * ncols, 3.5 * nrows), sharey=True, squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[len(groups):]:
        ax.set_visible(False)
    for ax, (name, g) in zip(flat, groups, strict=False):
        t = profile_times(g).reindex(columns=list(solvers))
        best = t.min(axis=1)
        ratios = t.div(best, axis=0).to_numpy()
        rmax = float(np.nanmax(ratios[np.isfinite(ratios)])) if np.isfinite(ratios).any() else 1.0
        hi = max(2.0, rmax * 1.25)
        taus = np.unique(np.concatenate([[1.0], np.geomspace(1.0, hi, 400), ratios[np.isfinite(ratios)]]))
        prof = performance_profile(t, taus)
        for s in solvers:
            ax.step(prof.index, prof[s], where="post", label=_label(s))
        ax.set_xscale("log", base=2)
        ax.set_xlim(1.0, hi)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{name} ({len(t)} instances)", fontsize=10)
        ax.set_xlabel("τ (time ≤ τ × fastest)")
        ax.grid(alpha=0.3)
    for row in axes:
        row[0].set_ylabel("share of instances solved")
    flat[len(groups) - 1].legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def render(runs: pd.DataFrame, *, figure_rel: str | None, notes: str = "") -> str:
    """The markdown page for the selected rows of the store."""
    solvers = list(dict.fromkeys(runs["solver"]))
    agg = aggregate(runs)
    sgm = sgm_table(agg, solvers)
    flags = check_agreement(runs)
    out: list[str] = []
    w = out.append
    run_ids = list(dict.fromkeys(runs["run_id"]))
    limits = sorted(set(runs["time_limit_s"]))
    gaps = sorted(set(runs["mip_gap"]))
    threads = sorted(set(runs["threads"]))
    first = runs.iloc[0]
    w("# Solver benchmarks\n")
    w("!!! note \"Generated page\"\n    Written by `python -m benchmarks report` from `benchmarks/results/results.csv`; "
      "do not edit by hand (re-run the commands under *Reproduce*).\n")
    w(f"How fast do free (and, where licensed, commercial) solvers solve regionopt's models? Every solver reads "
      f"the same exported MPS file (GLPK: the LP file of the same export), runs in a fresh process with the same "
      f"time limit ({', '.join(f'{x:g}' for x in limits)} s), relative MIP gap target "
      f"({', '.join(f'{x:g}' for x in gaps)}) and thread count ({', '.join(str(int(x)) for x in threads)}), "
      f"on one machine: **{first['cpu']}**, {int(first['logical_cpus'])} logical CPUs, {first['mem_gib']:g} GiB, "
      f"{first['os']}, Python {first['python']}.\n")
    w("## Summary\n")
    w(f"Shifted geometric mean of the solve time (shift {SHIFT_S:g} s; an unsolved instance counts at the time "
      "limit), divided by the best solver's (best = 1.00), with the mean in seconds and the number of instances "
      "solved (optimal, or MIP gap target reached, within the limit).\n")
    w(_sgm_markdown(sgm, solvers) + "\n")
    if "t_eff_cpu" in agg:
        w("The same ranked by **CPU time** (user + system seconds of the solve; solved and unsolved as above, "
          "unsolved at the time limit). With one thread per solver, CPU time is close to the time on an idle "
          "machine, so it is distorted less when other jobs share the CPUs (see *CPU share* under *Machine and "
          "versions*); a run cut off by the wall-clock limit still counts as unsolved.\n")
        w(_sgm_markdown(sgm_table(agg, solvers, column="t_eff_cpu"), solvers) + "\n")
    if figure_rel:
        w(f"![Performance profiles]({figure_rel})\n")
        w("Performance profiles (Dolan and Moré 2002): the share of instances a solver solves within τ times the "
          "time of the fastest solver on that instance; at τ = 1, how often it is the fastest; at the right "
          "edge, how many it solves at all.\n")
    w("## Agreement between solvers\n")
    if flags.empty:
        w("No contradiction: every pair of solvers that reported optimal agrees on the objective within the "
          "allowed gap, and no solver's objective lies beyond another solver's proven bound (tolerances under "
          "*Method*).\n")
    else:
        w(f"!!! warning \"{len(flags)} contradiction(s) between solvers\"\n    Listed, not averaged away: at least "
          "one of the two runs is wrong (or the tolerance too tight for the model's scaling).\n")
        w(_table(["instance", "check", "solver A (repeat)", "value A", "solver B (repeat)", "value B",
                  "difference", "tolerance"],
                 [[f["instance"], f["check"], f"{_label(f['solver_a'])} ({f['repeat_a']})", _num(f["value_a"], 12),
                   f"{_label(f['solver_b'])} ({f['repeat_b']})", _num(f["value_b"], 12), _num(f["difference"], 4),
                   _num(f["tolerance"], 4)] for _, f in flags.iterrows()]) + "\n")
    w("## Results per instance\n")
    w("Seconds to solve (median over repeats), or why not: `limit, gap x %` — stopped at the time limit with "
      "a solution that far from the solver's own bound; `limit, no solution`; `killed` — still running "
      "after the limit plus the grace period. *Best objective* is the best solution any solver found, "
      "*best bound* the tightest proven bound; sizes as HiGHS reads the MPS file.\n")
    for set_name, g in agg.groupby("set", sort=False):
        w(f"### {set_name}\n")
        rows = []
        for inst, gi in g.groupby("instance", sort=False):
            r0 = gi.iloc[0]
            by = {r["solver"]: r for _, r in gi.iterrows()}
            maxi = r0["sense"] == "max"
            objs = [r["objective"] for r in by.values() if r["has_solution"] and math.isfinite(r["objective"])]
            bnds = [r["bound"] for r in by.values() if math.isfinite(r["bound"])]
            best_obj = (max(objs) if maxi else min(objs)) if objs else math.nan
            best_bnd = (min(bnds) if maxi else max(bnds)) if bnds else math.nan
            size = f"{int(r0['rows']):,} × {int(r0['cols']):,}" + (f" ({int(r0['integers']):,} int.)" if r0["integers"] else "")
            rows.append([str(inst), f"{r0['kind']} {r0['sense']}", size,
                         *[_cell(by[s]) if s in by else "–" for s in solvers], _num(best_obj, 10), _num(best_bnd, 10)])
        w(_table(["instance", "kind", "rows × cols", *[_label(s) for s in solvers], "best objective", "best bound"],
                 rows) + "\n")
    mips = agg[agg["kind"] == "MIP"]
    pd_solvers = [s for s in solvers if mips[mips["solver"] == s]["pd_integral"].notna().any()]
    if len(mips) and pd_solvers:
        w("## Primal-dual integrals (MIPs)\n")
        w("The integral over the run of the relative primal-dual gap (1 before the first solution), in gap × "
          "seconds, as the solver computes it: lower is better; it rewards finding good solutions and bounds early "
          "also when no solver closes the gap. Reported by "
          + ", ".join(f"{_label(s)} ({ADAPTERS[s].pd_integral})" for s in pd_solvers if s in ADAPTERS)
          + "; the other solvers do not report one. Each solver uses its own gap definition and clock, so compare "
          "with care.\n")
        rows = []
        for inst, gi in mips.groupby("instance", sort=False):
            by = {r["solver"]: r for _, r in gi.iterrows()}
            rows.append([str(inst), *[_num(by[s]["pd_integral"], 4) if s in by else "–" for s in pd_solvers]])
        w(_table(["instance", *[_label(s) for s in pd_solvers]], rows) + "\n")
    floors = ", ".join(f"{_label(sv)} {float(g['peak_rss_mib'].min()):.0f} MiB"
                       for sv, g in runs.groupby("solver", sort=False))
    w("## Every run\n")
    w('??? note "All runs (status, objective, bound, common gap, times, peak memory)"\n')
    rows = []
    for _, r in runs.sort_values(["set", "instance", "solver", "repeat"], kind="stable").iterrows():
        rows.append([r["instance"], _label(r["solver"]), str(int(r["repeat"])), r["status"], _num(r["objective"], 12),
                     _num(r["bound"], 12), _pct(r["gap"]) if r["has_solution"] else "–", _secs(r["time_s"]),
                     _secs(r.get("solve_cpu_s", math.nan)), _secs(r["solver_time_s"]), _secs(r["wall_s"]),
                     _secs(r["cpu_s"]),
                     _num(r["peak_rss_mib"], 4)])
    tbl = _table(["instance", "solver", "rep.", "status", "objective", "bound", "gap", "time s", "solve CPU s", "solver s",
                  "wall s", "process CPU s", "peak MiB"], rows)
    w("\n".join("    " + line for line in tbl.splitlines()) + "\n")
    w("`time s`: from reading the model file to the end of the solve (what the summary ranks); `solve CPU s`: "
      "user + system CPU seconds of the same span; `solver s`: the time the solver reports; `wall s`: the whole "
      "process (for the Python-API solvers including interpreter start and imports); `process CPU s`: user + "
      "system time of the whole process; `peak MiB`: its peak resident memory "
      "(for HiGHS and SCIP it includes the Python interpreter and the solver module; the smallest peak of each "
      "solver over these runs, a floor for its fixed cost: " + floors + ").\n")
    if notes.strip():
        w("## Reading the results\n")
        w(notes.strip() + "\n")
    w("## Instances\n")
    inst = runs.drop_duplicates("instance")
    w(_table(["set", "instance", "kind", "rows", "cols", "nonzeros", "integers", "sha256 (MPS, first 16)"],
             [[r["set"], r["instance"], r["kind"], f"{int(r['rows']):,}", f"{int(r['cols']):,}",
               f"{int(r['nonzeros']):,}", f"{int(r['integers']):,}", f"`{r['instance_sha256'][:16]}`"]
              for _, r in inst.iterrows()]) + "\n")
    w("Recipes: `python -m benchmarks list`; files: `python -m benchmarks export` (prints each file's path "
      "and full SHA-256). The ~1M-column land instances (`land-r5000p45`, `land-r5000p45-bin`) run only "
      "with `--include-large`.\n")
    w("## Machine and versions\n")
    versions = runs.drop_duplicates("solver")[["solver", "solver_version"]]
    w(_table(["solver", "version"], [[_label(s), v] for s, v in versions.itertuples(index=False)]) + "\n")
    loads = runs["loadavg_1m"].astype(float)
    long = runs[runs["wall_s"] > 1.0]
    share = ", ".join(
        f"{_label(sv)} {float((g['cpu_s'] / g['wall_s']).median()):.2f}" for sv, g in long.groupby("solver", sort=False)
    ) or "no run longer than 1 s"
    w(f"- CPU: {first['cpu']}, {int(first['logical_cpus'])} logical CPUs usable; memory {first['mem_gib']:g} GiB\n"
      f"- OS: {first['os']}; Python {first['python']}\n"
      f"- packages: {str(first['packages']).replace(';', ', ')}\n"
      f"- regionopt commit: {first['git_commit']}\n"
      f"- runs: {', '.join(run_ids)} (started {', '.join(dict.fromkeys(runs['started_utc']))} UTC)\n"
      f"- 1-minute load average before each run: {np.nanmin(loads):.2f}–{np.nanmax(loads):.2f} "
      f"(median {np.nanmedian(loads):.2f}; it counts other users of the machine)\n"
      f"- CPU share (process CPU s / wall s, median over runs longer than 1 s): {share}; "
      f"with one thread, about 1.0 means the solver had a core to itself, less means it waited for one\n")
    w("## Method\n")
    w(f"- **Same model, same settings.** Every instance is exported once (Pyomo's MPS and LP writers with "
      "symbolic names, or HiGHS's `writeModel` for the nucleolus LPs); its content hash is the SHA-256 of the "
      "MPS file and is stored with every result. All solvers get the same time limit, relative MIP gap target "
      "and thread count (HiGHS `time_limit`, `mip_rel_gap`, `threads`; SCIP `limits/time`, `limits/gap`, "
      "`lp/threads`; CBC `-sec` (wall clock: `-timeMode elapsed`), `-ratioGap`, serial by default; GLPK "
      "`--tmlim` (whole seconds), `--mipgap`, always serial); otherwise default settings.\n"
      "- **Fresh process, hard limit.** Each run is a new process (`python -m benchmarks.worker` for HiGHS and "
      "SCIP, the `cbc` / `glpsol` binary itself), killed with its process group at time limit + grace.\n"
      "- **Time** ranked is `time s` (reading the model + solving, wall clock). **Solved** means status optimal "
      "(for a MIP: gap target reached) within the time limit; anything else counts at the time limit "
      f"(the convention of H. Mittelmann's benchmarks). Shifted geometric mean with shift {SHIFT_S:g} s over all "
      "instances of a set; a solver is ranked on a set only if it has a result on every instance. With repeats, "
      "the median run (lower median for an even count) represents an (instance, solver) pair.\n"
      "- **Agreement.** For two solvers that both report optimal: "
      "|obj_a − obj_b| ≤ max(g_a, g_b, 10⁻⁶) · max(1, |obj_a|, |obj_b|), where g is the gap a run's claim "
      "allows (MIP gap target, or the run's own final gap if larger; 0 for an LP). For any run a with a "
      "solution and any run b of another solver with a bound: obj_a must not be better than bound_b by more "
      "than 10⁻⁶ · max(1, |obj_a|, |bound_b|). A violation is listed above, never averaged.\n"
      "- **Gap** (common to all solvers): |bound − objective| / max(|objective|, 10⁻¹⁰). CBC prints its "
      "bound to 6 digits; it is recovered to full precision from the objective and CBC's printed gap.\n"
      "- **Peak memory**: `ru_maxrss` of the solver process from `wait4` (a 5 MiB launcher forks it, so the "
      "runner's own memory is not counted).\n")
    w("## Reproduce\n")
    cmds = list(dict.fromkeys(c for c in runs["command"].astype(str) if c and c != "nan"))
    w("```bash\npip install -e '.[bench]'            # pyscipopt, cbcbox, matplotlib\n"
      "apt-get install glpk-utils             # optional: GLPK\n"
      + "".join(f"{c}\n" for c in cmds)
      + "python -m benchmarks report\n```\n")
    w("Results are appended to `benchmarks/results/results.csv` (one row per run, with the machine); the "
      "report takes, per set, the latest run that covered it (`--runs ID,...` to choose). Instance files are "
      "cached under `.cache/benchmarks/` (not committed) with the solver logs of every run.\n")
    return "\n".join(out)


def main(a: argparse.Namespace) -> int:
    from .store import read_store

    df = read_store(a.store)
    runs = select_runs(df, [x for x in a.runs.split(",") if x])
    if runs.empty:
        print(f"error: no runs in {a.store}")
        return 2
    fig_rel = None
    if not a.no_figure:
        write_figure(aggregate(runs), list(dict.fromkeys(runs["solver"])), a.figure)
        fig_rel = os.path.relpath(a.figure, a.out.parent).replace(os.sep, "/")
    notes = a.notes.read_text() if a.notes and a.notes.exists() else ""
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(render(runs, figure_rel=fig_rel, notes=notes))
    print(f"wrote {a.out}" + (f" and {a.figure}" if fig_rel else ""))
    return 0
