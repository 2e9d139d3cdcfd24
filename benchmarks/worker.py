"""One solve in a fresh interpreter: ``python -m benchmarks.worker SOLVER MODEL OUT.json [options]``.

Started by the runner (``python -m benchmarks compare``) for solvers driven
through a Python API; writes the :class:`~benchmarks.solvers.base.Outcome` as
JSON to ``OUT.json`` (atomically), the solver's log goes to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from benchmarks.solvers import Options, Outcome, get


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("solver")
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--time-limit", type=float, required=True)
    ap.add_argument("--mip-gap", type=float, required=True)
    ap.add_argument("--threads", type=int, required=True)
    a = ap.parse_args(argv)
    adapter = get(a.solver)
    opts = Options(a.time_limit, a.mip_gap, a.threads)
    try:
        why = adapter.unavailable()  # also imports the solver module before the clock starts
        if why:
            raise RuntimeError(why)
        c0 = time.process_time()
        outcome = adapter.solve(a.model, opts)  # type: ignore[attr-defined]
        outcome.cpu_s = time.process_time() - c0
    except Exception as exc:  # the solver's own failure is a result, not a crash of the comparison
        traceback.print_exc()
        outcome = Outcome("error", message=f"{type(exc).__name__}: {exc}"[:500])
    sys.stdout.flush()
    tmp = a.out.with_suffix(".tmp")
    tmp.write_text(outcome.to_json())
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
