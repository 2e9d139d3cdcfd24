"""Run registered benchmarks and print measured phase times and ratios.

Usage::

    python -m benchmarks.run            # all
    python -m benchmarks.run land       # only cases whose name starts with "land"
    python -m benchmarks.run land --sizes delta41 random5000x45   # other sizes of a case
    python -m benchmarks.run --list

A case function may carry a ``summary()`` (e.g. a fit over its sizes), printed after its sizes.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import platform
import sys
from pathlib import Path

from .registry import REGISTRY, Timer


def _discover() -> None:
    here = Path(__file__).parent
    for mod in pkgutil.iter_modules([str(here)]):
        if mod.name.startswith("bench_"):
            importlib.import_module(f"benchmarks.{mod.name}")


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="*", help="prefixes of case names to run")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--sizes", nargs="+", help="run these sizes instead of the cases' own")
    args = ap.parse_args(argv)
    _discover()
    if args.list:
        for c in REGISTRY.values():
            print(f"{c.name:30s} sizes={c.sizes}  {c.description}")
        return 0
    from importlib.metadata import version

    print(
        f"# python {platform.python_version()}, pyomo {version('pyomo')}, highspy {version('highspy')}, "
        f"{platform.machine()}, {os.cpu_count()} cpus"
    )
    for case in REGISTRY.values():
        if args.names and not any(case.name.startswith(n) for n in args.names):
            continue
        print(f"\n## {case.name}: {case.description}")
        for size in args.sizes or case.sizes:
            timer = Timer()
            extra = case.func(size, timer) or {}
            cols = [f"{k}={v:.3f}s" for k, v in timer.phases.items()]
            cols += [f"{k}={_fmt(v)}" for k, v in extra.items()]
            print(f"size={size!s:12s} " + "  ".join(cols))
            sys.stdout.flush()
        summary = getattr(case.func, "summary", None)
        if summary is not None:
            print(summary())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
