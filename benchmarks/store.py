"""The result store: one CSV file, rows appended, never rewritten.

Every row is one run (instance x solver x repeat) with the machine it ran on.
A file whose header differs from :data:`COLUMNS` (an older schema) is never
modified: the runner stops and asks for another ``--store`` path.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["COLUMNS", "SCHEMA", "append_row", "check_store", "read_store"]

SCHEMA = 2
COLUMNS = (
    "schema", "run_id", "started_utc", "set", "instance", "instance_sha256", "kind", "sense", "rows", "cols",
    "nonzeros", "integers", "solver", "solver_version", "model_file", "repeat", "time_limit_s", "mip_gap",
    "threads", "status", "has_solution", "objective", "bound", "gap", "solver_gap", "time_s", "solve_cpu_s", "wall_s",
    "cpu_s", "solver_time_s", "peak_rss_mib", "pd_integral", "returncode", "message", "cpu", "logical_cpus", "mem_gib",
    "os", "python", "packages", "git_commit", "loadavg_1m", "command", "note",
)


def check_store(path: Path) -> None:
    """Raise ``ValueError`` if ``path`` exists with another header (it is then left untouched)."""
    if path.exists() and path.stat().st_size > 0:
        with open(path, newline="") as f:
            header = next(csv.reader(f), [])
        if tuple(header) != COLUMNS:
            raise ValueError(
                f"{path} has another column layout (schema {header[:1]}); it is never rewritten: "
                "pass --store with a new file"
            )


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return "" if math.isnan(v) else repr(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def append_row(path: Path, row: Mapping[str, Any]) -> None:
    """Append one run (missing columns are left empty), creating the file with a header."""
    check_store(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    with open(path, "a", newline="") as f:
        w = csv.writer(f)
        if new:
            w.writerow(COLUMNS)
        w.writerow([_fmt(row.get(c, "")) for c in COLUMNS])
        f.flush()


def read_store(path: Path) -> pd.DataFrame:
    """All runs in the store, typed (``has_solution`` as bool, numbers as float)."""
    check_store(path)
    df = pd.read_csv(path, dtype={"run_id": str, "instance_sha256": str, "message": str, "note": str,
                                  "git_commit": str, "packages": str, "command": str})
    df["has_solution"] = df["has_solution"].astype(str).str.lower().eq("true")
    return df
