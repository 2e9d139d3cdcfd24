"""Run every (instance, solver, repeat) in a fresh process and append the results to the store.

Each run is its own process — ``python -m benchmarks.worker`` for solvers with
a Python API, the solver binary itself for CBC and GLPK — started in a new
session and killed (with everything it started) at ``time_limit + grace``
seconds of wall clock. Its peak resident memory and CPU time are the ``ru_maxrss`` and
``ru_utime + ru_stime`` that ``os.wait4`` returns for that process (its
waited-for children included), collected by ``_launch.py``.
Runs are ordered instance by instance, repeat by repeat, solver by solver
(the solver order rotating with the repeat), so that a slow period of a shared
machine does not hit one solver only.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .instances import REPO, ExportedInstance, default_cache_dir, export, select
from .machine import machine_info
from .solvers import Options, Outcome, get
from .store import SCHEMA, append_row, check_store

__all__ = ["ProcessResult", "common_gap", "compare", "run_process"]

DEFAULT_STORE = REPO / "benchmarks" / "results" / "results.csv"


@dataclass
class ProcessResult:
    returncode: int | None
    wall_s: float
    peak_rss_mib: float
    cpu_s: float
    killed: bool


LAUNCHER = Path(__file__).with_name("_launch.py")


def run_process(argv: Sequence[str], hard_limit_s: float, log_path: Path, cwd: Path,
                env: dict[str, str] | None = None) -> ProcessResult:
    """Run ``argv`` with stdout+stderr to ``log_path``; kill its process group after ``hard_limit_s``.

    The command is started by ``_launch.py`` (a small interpreter that forks,
    execs and ``wait4``s it), so the peak resident size is the command's own
    and not that of this process. Returns the exit code (``None`` if killed),
    the command's wall-clock and CPU (user + system) seconds and its peak
    resident set size in MiB (NaN if killed or where there is no ``fork``).
    """
    rec_path = log_path.with_suffix(".rusage.json")
    rec_path.unlink(missing_ok=True)
    with open(log_path, "wb") as log:
        t0 = time.perf_counter()
        if hasattr(os, "fork"):
            full = [sys.executable, "-S", str(LAUNCHER), str(rec_path), *argv]
        else:  # pragma: no cover - Windows: no peak memory
            full = list(argv)
        proc = subprocess.Popen(full, stdout=log, stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                start_new_session=True)
        killed = False
        try:
            proc.wait(timeout=hard_limit_s)
        except subprocess.TimeoutExpired:
            killed = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError, AttributeError):  # pragma: no cover
                proc.kill()
            proc.wait()
        wall = time.perf_counter() - t0
        try:  # anything the command left running in its session
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, AttributeError):
            pass
    if killed or not rec_path.exists():
        return ProcessResult(None if killed else proc.returncode, wall, math.nan, math.nan, killed)
    rec = json.loads(rec_path.read_text())
    return ProcessResult(int(rec["exitcode"]), float(rec["wall_s"]), float(rec["maxrss_kib"]) / 1024.0,
                         float(rec["user_s"]) + float(rec["sys_s"]), False)


def common_gap(objective: float, bound: float, has_solution: bool) -> float:
    """``|bound - objective| / max(|objective|, 1e-10)``: one gap definition for every solver.

    ``inf`` without a solution, NaN without a bound.
    """
    if not has_solution:
        return math.inf
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return math.nan
    return abs(bound - objective) / max(abs(objective), 1e-10)


def _run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def _fmt(x: float, nd: int = 6) -> str:
    return "-" if not math.isfinite(x) else f"{x:.{nd}g}"


def compare(
    sets: Sequence[str],
    solvers: Sequence[str],
    *,
    time_limit: float = 60.0,
    mip_gap: float = 1e-4,
    threads: int = 1,
    repeats: int = 1,
    grace: float = 15.0,
    patterns: Sequence[str] = (),
    include_large: bool = False,
    store: Path = DEFAULT_STORE,
    cache_dir: Path | None = None,
    note: str = "",
    command: str = "",
    echo: Any = print,
) -> str:
    """Run the comparison; return its run id. Results are appended to ``store`` as they finish.

    Solvers that cannot run here are skipped with their one-line reason.

    Raises
    ------
    ValueError
        If no instance matches, no solver can run, or the store has another layout.
    """
    store = Path(store)
    check_store(store)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    usable = []
    for name in solvers:
        ad = get(name)
        why = ad.unavailable()
        if why:
            echo(f"skip {name}: {why}")
        else:
            usable.append(ad)
    if not usable:
        raise ValueError("none of the requested solvers can run here")
    chosen = select(sets, patterns, include_large=include_large)
    if not chosen:
        raise ValueError(f"no instance in set(s) {', '.join(sets)} matches {list(patterns) or 'the selection'}")
    versions = {ad.name: ad.version() for ad in usable}
    for n, v in versions.items():
        echo(f"{n}: {v}")
    exported: list[ExportedInstance] = []
    for set_name, inst in chosen:
        t0 = time.perf_counter()
        e = export(set_name, inst, cache)
        exported.append(e)
        echo(f"instance {e.name}: {e.kind} {e.rows} rows x {e.cols} cols ({e.integers} integer), "
             f"sha256 {e.sha256[:16]} ({time.perf_counter() - t0:.1f} s)")
    run_id = _run_id()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    machine = machine_info(REPO)
    echo(f"run {run_id} on {machine['cpu']} ({machine['logical_cpus']} cpus, {machine['mem_gib']} GiB), "
         f"time limit {time_limit:g} s, gap {mip_gap:g}, {threads} thread(s), {repeats} repeat(s)")
    opts = Options(float(time_limit), float(mip_gap), int(threads))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    total = len(exported) * repeats * len(usable)
    k = 0
    for e in exported:
        for rep in range(1, repeats + 1):
            shift = (rep - 1) % len(usable)  # rotate the order so no solver always runs first
            for ad in usable[shift:] + usable[:shift]:
                k += 1
                workdir = cache / "runs" / run_id / e.name / f"{ad.name}-r{rep}"
                workdir.mkdir(parents=True, exist_ok=True)
                model = e.mps if ad.model_format == "mps" else e.lp
                argv = ad.command(model, opts, workdir)
                log_path = workdir / "solver.log"
                try:
                    load = os.getloadavg()[0]
                except (OSError, AttributeError):
                    load = math.nan
                pr = run_process(argv, time_limit + grace, log_path, cwd=workdir, env=env)
                log = log_path.read_text(errors="replace")
                if pr.killed:
                    out = Outcome("killed", message=f"killed after {time_limit + grace:g} s wall clock")
                else:
                    out = ad.parse(workdir, log)
                    if pr.returncode not in (0, None) and out.status not in ("error",):
                        out.message = f"exit code {pr.returncode}; {out.message}"
                if not math.isfinite(out.time_s):  # binaries: the process is the solve
                    out.time_s = pr.wall_s
                if not math.isfinite(out.cpu_s):
                    out.cpu_s = pr.cpu_s
                gap = common_gap(out.objective, out.bound, out.has_solution)
                row = {
                    "schema": SCHEMA, "run_id": run_id, "started_utc": started, "set": e.set, "instance": e.name,
                    "instance_sha256": e.sha256, "kind": e.kind, "sense": e.sense, "rows": e.rows, "cols": e.cols,
                    "nonzeros": e.nonzeros, "integers": e.integers, "solver": ad.name,
                    "solver_version": versions[ad.name], "model_file": ad.model_format, "repeat": rep,
                    "time_limit_s": float(time_limit), "mip_gap": float(mip_gap), "threads": int(threads),
                    "status": out.status, "has_solution": out.has_solution, "objective": out.objective,
                    "bound": out.bound, "gap": gap, "solver_gap": out.solver_gap, "time_s": out.time_s, "solve_cpu_s": out.cpu_s,
                    "wall_s": pr.wall_s, "cpu_s": pr.cpu_s, "solver_time_s": out.solver_time_s, "peak_rss_mib": pr.peak_rss_mib,
                    "pd_integral": out.pd_integral, "returncode": "" if pr.returncode is None else pr.returncode,
                    "message": out.message.replace("\n", " ")[:300], **machine, "loadavg_1m": load,
                    "command": command, "note": note,
                }
                append_row(store, row)
                echo(f"[{k}/{total}] {e.name:28s} {ad.name:6s} r{rep} {out.status:10s} obj={_fmt(out.objective, 10)} "
                     f"bound={_fmt(out.bound, 10)} gap={_fmt(gap, 3)} {out.time_s:7.2f} s {pr.peak_rss_mib:6.0f} MiB")
    return run_id
