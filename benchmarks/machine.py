"""Machine and software description stored beside every result."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = ["machine_info"]

PACKAGES = ("regionopt", "highspy", "pyomo", "pyscipopt", "cbcbox", "numpy", "pandas")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return float("nan")


def _git_commit(repo: Path) -> str:
    try:
        sha = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info(repo: Path) -> dict[str, Any]:
    """CPU model, logical CPUs, memory (GiB), OS, Python, package versions and git commit."""
    pk = []
    for p in PACKAGES:
        try:
            pk.append(f"{p}={version(p)}")
        except PackageNotFoundError:
            pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "cpu": _cpu_model(),
        "logical_cpus": usable,
        "mem_gib": round(_mem_gib(), 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": ";".join(pk),
        "git_commit": _git_commit(repo),
    }
