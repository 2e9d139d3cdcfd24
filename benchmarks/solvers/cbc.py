"""CBC, the binary shipped by the ``cbcbox`` PyPI package (or any ``cbc`` on PATH).

Run as its own process on the MPS file. Status and objective come from the
solution file CBC writes (``-solu``; first line ``Optimal - objective value
...``), the bound and CBC's times from its log (``Upper bound:`` /
``Lower bound:``, ``Total time (Wallclock seconds):``). CBC reports no
primal-dual integral.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .base import Adapter, Options, Outcome

_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


def cbc_path() -> str | None:
    """The cbcbox binary if installed, else ``cbc`` on PATH."""
    try:
        import cbcbox

        p = cbcbox.cbc_bin_path()
        if p and Path(p).exists():
            return str(p)
    except Exception:
        pass
    return shutil.which("cbc")


def _precise_bound(printed: float, objective: float, gap: float) -> float:
    """The bound to full precision.

    CBC prints the bound with 6 significant digits (``1.24274e+07``) but the
    objective (solution file) to 8 decimals, and ``Gap: (objective - bound) /
    |bound|`` to 6 significant digits; the bound recovered from objective and
    gap is exact to about ``|gap| * 1e-6`` relative. It is used when it agrees
    with the printed bound to its printed precision; otherwise the printed one.
    """
    if not (math.isfinite(printed) and math.isfinite(objective) and math.isfinite(gap)) or printed == 0:
        return printed
    denom = 1.0 + gap if printed > 0 else 1.0 - gap
    if denom == 0:
        return printed
    b = objective / denom
    return b if abs(b - printed) <= 1e-5 * abs(printed) else printed


def parse_cbc(solution_first_line: str | None, log: str) -> Outcome:
    """Outcome from CBC's solution-file first line and its log (pure function, tested)."""
    if not solution_first_line:
        tail = " | ".join(line.strip() for line in log.strip().splitlines()[-3:])
        return Outcome("error", message=f"CBC wrote no solution file; log ends: {tail}"[:500])
    line = solution_first_line.strip()
    m = re.search(r"objective value\s+" + _NUM, line)
    value = float(m.group(1)) if m else math.nan
    low = line.lower()
    if low.startswith("optimal"):
        st, has = "optimal", True
    elif low.startswith("stopped on time"):
        st, has = "time_limit", "no integer solution" not in low
    elif low.startswith("infeasible") or low.startswith("integer infeasible"):
        st, has = "infeasible", False
    elif low.startswith("unbounded"):
        st, has = "unbounded", False
    else:
        st, has = "other", "no integer solution" not in low and m is not None
    bound = math.nan
    b = re.findall(r"^(?:Upper|Lower) bound:\s+" + _NUM, log, flags=re.M)
    mip_log = re.search(r"^Result - ", log, flags=re.M) is not None
    gap = re.findall(r"^Gap:\s+" + _NUM, log, flags=re.M)
    if b and mip_log:
        bound = _precise_bound(float(b[-1]), value, float(gap[-1]) if gap else math.nan)
    elif st == "optimal" and not mip_log:  # a pure LP, solved by Clp
        bound = value
    tt = re.findall(r"Total time \(Wallclock seconds\):\s+" + _NUM, log)
    return Outcome(
        status=st, has_solution=has, objective=value if has else math.nan, bound=bound,
        solver_gap=abs(float(gap[-1])) if gap else (0.0 if st == "optimal" and not mip_log else math.nan),
        solver_time_s=float(tt[-1]) if tt else math.nan, message=line[:200],
    )


class CbcAdapter(Adapter):
    name = "cbc"
    label = "CBC"
    SOL = "cbc.sol"

    def unavailable(self) -> str | None:
        return None if cbc_path() else "no cbc binary (pip install cbcbox)"

    def version(self) -> str:
        exe = cbc_path()
        assert exe is not None
        out = subprocess.run([exe, "-quit"], capture_output=True, text=True, timeout=30).stdout
        first = next((ln.strip() for ln in out.splitlines() if ln.strip()), "CBC ?")
        try:
            first += f" (cbcbox {version('cbcbox')})"
        except PackageNotFoundError:
            pass
        return first

    def command(self, model: Path, opts: Options, workdir: Path) -> list[str]:
        exe = cbc_path()
        assert exe is not None
        cmd = [exe, str(model), "-timeMode", "elapsed", "-sec", repr(opts.time_limit), "-ratioGap", repr(opts.mip_gap)]
        if opts.threads > 1:  # CBC's default is serial; "-threads 1" would start one worker thread
            cmd += ["-threads", str(opts.threads)]
        return [*cmd, "-solve", "-solu", str(workdir / self.SOL)]

    def parse(self, workdir: Path, log: str) -> Outcome:
        sol = workdir / self.SOL
        first = None
        if sol.exists():
            with open(sol) as f:
                first = f.readline()
        return parse_cbc(first, log)
