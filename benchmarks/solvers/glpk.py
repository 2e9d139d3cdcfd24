"""GLPK's ``glpsol`` (Debian/Ubuntu: ``apt-get install glpk-utils``), where installed.

glpsol's free-MPS reader rejects the ``OBJSENSE`` section of our MPS files,
so it reads the LP file of the same export (CPLEX LP format, same model).
Status and objective come from its raw solution file (``-w``), the bound
from the last ``mip = ... <=/>= ...`` line of its log. ``--tmlim`` takes whole
seconds. GLPK reports no primal-dual integral.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

from .base import Adapter, Options, Outcome

_NUM = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"


def parse_glpk(raw: str | None, log: str) -> Outcome:
    """Outcome from glpsol's raw solution file and its log (pure function, tested)."""
    s_line = next((ln.split() for ln in (raw or "").splitlines() if ln.startswith("s ")), None)
    t = re.findall(r"Time used:\s+" + _NUM, log)
    solver_time = float(t[-1]) if t else math.nan
    if s_line is None:
        tail = " | ".join(line.strip() for line in log.strip().splitlines()[-3:])
        return Outcome("error", solver_time_s=solver_time, message=f"glpsol wrote no solution; log ends: {tail}"[:500])
    time_limit = "TIME LIMIT EXCEEDED" in log
    if s_line[1] == "mip":
        code, value = s_line[4], float(s_line[5])
        has = code in ("o", "f")
        if code == "o" or (code == "f" and "MIP GAP TOLERANCE REACHED" in log):
            st = "optimal"
        elif time_limit:
            st = "time_limit"
        elif code == "n":
            st = "infeasible"
        else:
            st = "other"
        bound = math.nan
        marks = re.findall(r"mip =\s+(.*?)\s+(<=|>=)\s+(\S+)", log)  # incumbent may be "not found yet"
        if marks:
            last = marks[-1][2]
            if last == "tree":  # "tree is empty": search finished
                bound = value if has else math.nan
            else:
                try:
                    bound = float(last)
                except ValueError:
                    bound = math.nan
        return Outcome(st, has, value if has else math.nan, bound, solver_time_s=solver_time, message=f"mip status {code}")
    # basic (simplex) solution: s bas ROWS COLS PRIM DUAL OBJ
    prim, dual, value = s_line[4], s_line[5], float(s_line[6])
    if prim == "f" and dual == "f":
        return Outcome("optimal", True, value, value, 0.0, solver_time, message="LP optimal")
    if "PROBLEM HAS NO PRIMAL FEASIBLE SOLUTION" in log or prim == "n":
        return Outcome("infeasible", solver_time_s=solver_time, message=f"primal {prim} dual {dual}")
    if "PROBLEM HAS UNBOUNDED SOLUTION" in log or dual == "n":
        return Outcome("unbounded", prim == "f", solver_time_s=solver_time, message=f"primal {prim} dual {dual}")
    st = "time_limit" if time_limit else "other"
    return Outcome(st, prim == "f", value if prim == "f" else math.nan, solver_time_s=solver_time,
                   message=f"primal {prim} dual {dual}")


class GlpkAdapter(Adapter):
    name = "glpk"
    label = "GLPK"
    model_format = "lp"
    SOL = "glpk.sol"

    def unavailable(self) -> str | None:
        return None if shutil.which("glpsol") else "glpsol not found (apt-get install glpk-utils)"

    def version(self) -> str:
        out = subprocess.run(["glpsol", "--version"], capture_output=True, text=True, timeout=30).stdout
        return out.splitlines()[0].strip() if out else "GLPK ?"

    def command(self, model: Path, opts: Options, workdir: Path) -> list[str]:
        return ["glpsol", "--lp", str(model), "--tmlim", str(max(1, math.ceil(opts.time_limit))),
                "--mipgap", repr(opts.mip_gap), "-w", str(workdir / self.SOL)]

    def parse(self, workdir: Path, log: str) -> Outcome:
        sol = workdir / self.SOL
        return parse_glpk(sol.read_text() if sol.exists() else None, log)
