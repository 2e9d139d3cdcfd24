"""Module-level extractors for the scenario tests (workers in other processes import them by name)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import numpy as np

from regionopt.land import random_instance


def small_land(seed: int = 11) -> Any:
    """A small random land instance without idle platform round trips (payout below every buyer coefficient)."""
    return random_instance(8, 3, seed=seed, platform_payout_coefficient=0.9)


def welfare(r: Any) -> dict[str, Any]:
    """Welfare and one table (read back through the model's result)."""
    return {"welfare": r.welfare, "regions": r.regions[["province", "welfare_10k_cny"]]}


def residual(r: Any) -> dict[str, float]:
    """How far the plan is from feasible in a freshly compiled model of the scenario, and its objective there.

    An independent check of the in-place (warm) re-solve: the solution is read
    by names and evaluated on arrays compiled from scratch.
    """
    cm = r.problem.compile()
    x = np.array([r.solution.value(name, idx) for name, idx in cm.col_keys])
    ax = np.zeros(len(cm.row_keys))
    for i in range(len(cm.row_keys)):
        s, e = cm.start[i], cm.start[i + 1]
        ax[i] = float(np.dot(cm.value[s:e], x[cm.index[s:e]]))
    scale = 1.0 + np.abs(ax)
    viol = np.maximum(np.maximum(cm.row_lo - ax, ax - cm.row_hi) / scale, 0.0)
    bviol = np.maximum(np.maximum(cm.col_lo - x, x - cm.col_hi), 0.0)
    return {"max_violation": float(max(viol.max(initial=0.0), bviol.max(initial=0.0))),
            "objective_at_x": float(cm.c @ x + cm.offset)}


class LogCalls:
    """Extractor that appends the scenario's name to a file (counts how often each scenario ran).

    Its settings travel with it to every worker (it pickles), so a restarted
    worker process logs to the same file.
    """

    def __init__(self, log: str | Path) -> None:
        self.log = str(log)

    def __call__(self, r: Any) -> dict[str, Any]:
        with open(self.log, "a", encoding="utf-8") as f:
            f.write(r.name + "\n")
        return {"welfare": r.objective}


class RaiseAt(LogCalls):
    """Fails on its n-th call in this process (the sweep runs in-process in that test)."""

    def __init__(self, log: str | Path, n: int) -> None:
        super().__init__(log)
        self.n = n
        self.calls = 0

    def __call__(self, r: Any) -> dict[str, Any]:
        self.calls += 1
        if self.calls == self.n:
            raise RuntimeError(f"extractor broke on purpose at call {self.n}")
        return super().__call__(r)


class KillOnce(LogCalls):
    """Kills the worker process running it the first time scenario ``target`` comes by (a marker file remembers)."""

    def __init__(self, log: str | Path, marker: str | Path, target: str) -> None:
        super().__init__(log)
        self.marker = str(marker)
        self.target = target

    def __call__(self, r: Any) -> dict[str, Any]:
        if r.name == self.target and not os.path.exists(self.marker):
            Path(self.marker).write_text("killed", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
        return super().__call__(r)
