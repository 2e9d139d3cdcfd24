"""Land-quota model at scale: every phase timed in fresh processes, against raw HiGHS on the identical LP.

Per size, three fresh Python processes (``python -m benchmarks.bench_land --child ...``):

1. **generate** the input tables (random or county instance) and pickle them
   (not part of any total; county geometry never enters the measured process);
2. **ours**: unpickle the tables, ``LandQuotaProblem.from_frames`` (*validate*),
   then ``problem.solve()`` (matrix route, HiGHS, autarky benchmark on, result
   tables) timed as a whole (*solve()*) and by phase from ``result.timings``:
   *build* (index + assemble the arrays), *load* (``passModel``), *solve* (the
   trade LP), *round_trips*, *read_back*, *autarky*. Peak memory is the
   process's ``ru_maxrss`` right after ``solve()``. Then the assembled LP
   (``problem.compile()``, the very arrays ``solve()`` hands HiGHS) is saved as
   ``.npz`` (after the measurement);
3. **raw**: numpy + highspy only: load the ``.npz``, pass the same arrays to a
   fresh ``highspy.Highs`` (``passModel``, row-wise) and ``run()`` it; its
   time and peak memory are the baseline.

Printed per size: rows, columns, nonzeros, every phase (wall clock),
``solve()/raw`` (end to end against the raw solve), ``(validate+solve())/raw``,
``highs/raw`` (our HiGHS call on the same LP: 1 up to noise), the same two
ratios in CPU seconds (``cpu:``; steadier than wall clock when other work
shares the machine), memory of both and their ratio. After all sizes: the least-squares exponent of
validate + build + read_back time against nonzeros (1 = linear).

Sizes: ``delta41`` (the worked Delta case), ``random300``, ``random1800``
(~90k columns), ``counties_delta`` (305 counties), ``counties_mainland``
(2,848 counties), and on request ``random5000x45`` (~1M columns; minutes):
``python -m benchmarks.run land --sizes random5000x45``.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .registry import Timer, benchmark

SIZES = ("delta41", "random300", "random1800", "counties_delta", "counties_mainland")
HEAVY = ("random5000x45",)
_ROOT = Path(__file__).resolve().parent.parent


def _frames(size: str) -> dict[str, Any]:
    from regionopt.land import county_instance_frames, delta_example_frames, random_instance_frames

    if size == "delta41":
        return delta_example_frames()
    if size.startswith("counties_"):
        return county_instance_frames(size.removeprefix("counties_"))  # type: ignore[arg-type]
    if size.startswith("random"):
        n, _, k = size.removeprefix("random").partition("x")
        return random_instance_frames(int(n), 4, projects_per_region=3, pairs_per_region=int(k or 8), seed=300)
    raise ValueError(f"unknown size {size!r}")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _child_generate(size: str, out: str) -> None:
    frames = _frames(size)
    with open(out, "wb") as f:
        pickle.dump(frames, f, protocol=pickle.HIGHEST_PROTOCOL)


def _child_ours(frames_path: str, npz: str, out: str) -> None:
    import numpy as np

    from regionopt.land import LandQuotaProblem

    with open(frames_path, "rb") as f:
        frames = pickle.load(f)
    t0, c0 = time.perf_counter(), time.process_time()
    prob = LandQuotaProblem.from_frames(**frames)
    t1, c1 = time.perf_counter(), time.process_time()
    res = prob.solve()
    t2, c2 = time.perf_counter(), time.process_time()
    peak = _peak_mb()
    cm = prob.compile()
    np.savez(npz, start=cm.start, index=cm.index, value=cm.value, row_lo=cm.row_lo, row_hi=cm.row_hi,
             col_lo=cm.col_lo, col_hi=cm.col_hi, c=cm.c, maximize=np.array(cm.maximize))
    data = {"validate": t1 - t0, "solve()": t2 - t1, "cpu_validate": c1 - c0, "cpu_solve()": c2 - c1, "peak_mb": peak, "rows": len(cm.row_keys),
            "cols": len(cm.col_keys), "nnz": int(cm.value.size), "objective": res.objective,
            "status": res.status.value, **res.timings}
    with open(out, "w") as f:
        json.dump(data, f)


def _child_raw(npz: str, out: str) -> None:
    import highspy
    import numpy as np

    d = np.load(npz)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    t0 = time.perf_counter()
    lp = highspy.HighsLp()
    lp.num_col_ = int(d["c"].size)
    lp.num_row_ = int(d["row_lo"].size)
    lp.col_cost_ = d["c"]
    lp.col_lower_ = d["col_lo"]
    lp.col_upper_ = d["col_hi"]
    lp.row_lower_ = d["row_lo"]
    lp.row_upper_ = d["row_hi"]
    lp.sense_ = highspy.ObjSense.kMaximize if bool(d["maximize"]) else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = lp.num_col_
    lp.a_matrix_.num_row_ = lp.num_row_
    lp.a_matrix_.start_ = d["start"]
    lp.a_matrix_.index_ = d["index"]
    lp.a_matrix_.value_ = d["value"]
    h.passModel(lp)
    t1, c1 = time.perf_counter(), time.process_time()
    h.run()
    t2, c2 = time.perf_counter(), time.process_time()
    data = {"raw_pass": t1 - t0, "raw_run": t2 - t1, "cpu_raw_run": c2 - c1, "raw_peak_mb": _peak_mb(),
            "raw_objective": float(h.getInfo().objective_function_value),
            "raw_status": h.modelStatusToString(h.getModelStatus())}
    with open(out, "w") as f:
        json.dump(data, f)


def _run_child(*args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run([sys.executable, "-m", "benchmarks.bench_land", "--child", *args], check=True, env=env,
                   cwd=str(_ROOT), stdout=subprocess.DEVNULL)


def measure(size: str) -> dict[str, Any]:
    """Generate, run ours and raw HiGHS in fresh processes; return every measured number."""
    with tempfile.TemporaryDirectory(prefix="regionopt-bench-") as tmp:
        frames, npz = os.path.join(tmp, "frames.pkl"), os.path.join(tmp, "lp.npz")
        ours, raw = os.path.join(tmp, "ours.json"), os.path.join(tmp, "raw.json")
        t0 = time.perf_counter()
        _run_child("generate", size, frames)
        gen = time.perf_counter() - t0
        _run_child("ours", frames, npz, ours)
        _run_child("raw", npz, raw)
        with open(ours) as f:
            out = json.load(f)
        with open(raw) as f:
            out.update(json.load(f))
    out["generate"] = gen
    return out


_FIT: list[tuple[str, float, float]] = []  # (size, nnz, validate + build + read_back seconds)


@benchmark("land", sizes=SIZES,
           description="land-quota plan end to end (matrix route) vs raw HiGHS on the identical LP, fresh processes")
def bench_land(size: str, timer: Timer) -> dict[str, Any]:
    m = measure(size)
    for k in ("validate", "build", "load", "solve", "round_trips", "read_back", "autarky", "solve()", "raw_pass",
              "raw_run"):
        timer.phases[k] = float(m.get(k, math.nan))
    raw = m["raw_run"]
    linear = m["validate"] + m["build"] + m["read_back"]
    _FIT.append((size, float(m["nnz"]), linear))
    return {
        "rows": m["rows"], "cols": m["cols"], "nnz": m["nnz"], "status": m["status"],
        "same_optimum": abs(m["objective"] - m["raw_objective"]) <= 1e-6 * max(1.0, abs(m["raw_objective"])),
        "solve()/raw": m["solve()"] / raw, "(validate+solve())/raw": (m["validate"] + m["solve()"]) / raw,
        "highs/raw": m["solve"] / raw, "cpu:solve()/raw": m["cpu_solve()"] / m["cpu_raw_run"],
        "cpu:(validate+solve())/raw": (m["cpu_validate"] + m["cpu_solve()"]) / m["cpu_raw_run"],
        "peak_mb": m["peak_mb"], "raw_peak_mb": m["raw_peak_mb"],
        "mem/raw": m["peak_mb"] / m["raw_peak_mb"],
    }


def summary() -> str:
    """The fitted exponent of validate + build + read_back time against nonzeros (log-log least squares)."""
    pts = [(n, t) for _s, n, t in _FIT if n > 0 and t > 0]
    if len(pts) < 2:
        return "fit: fewer than two sizes"
    import numpy as np

    x = np.log([n for n, _t in pts])
    y = np.log([t for _n, t in pts])
    slope, _icept = np.polyfit(x, y, 1)
    sizes = ", ".join(f"{s}: {n:,.0f} nnz {t:.3f} s" for s, n, t in _FIT)
    return f"fit: validate+build+read_back ~ nnz^{slope:.2f} (log-log least squares over {sizes})"


bench_land.summary = summary  # type: ignore[attr-defined]


def main(argv: list[str]) -> None:
    kind, *rest = argv
    {"generate": _child_generate, "ours": _child_ours, "raw": _child_raw}[kind](*rest)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        main(sys.argv[2:])
