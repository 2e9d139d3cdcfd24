"""A small benchmark registry in the style of linopy's.

Each model registers a function under a name with the sizes it runs at. The
function receives the size and a :class:`Timer`; it times each phase (build,
solve, read back, baseline...) with ``timer.phase("...")`` and may return extra
measured numbers (objective, gap, ratios). ``python -m benchmarks.run`` runs
every registered case (or the names given) and prints one row per (case, size).

Every number printed is measured in the same process, on this machine.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = ["REGISTRY", "Case", "Timer", "benchmark"]


@dataclass
class Timer:
    """Collects wall-clock seconds per named phase."""

    phases: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - t0


@dataclass(frozen=True)
class Case:
    name: str
    sizes: tuple[Any, ...]
    func: Callable[[Any, Timer], dict[str, Any] | None]
    description: str = ""


REGISTRY: dict[str, Case] = {}


def benchmark(name: str, sizes: tuple[Any, ...], description: str = "") -> Callable[
    [Callable[[Any, Timer], dict[str, Any] | None]], Callable[[Any, Timer], dict[str, Any] | None]
]:
    """Register a benchmark function under ``name`` for the given sizes."""

    def deco(func: Callable[[Any, Timer], dict[str, Any] | None]) -> Callable[[Any, Timer], dict[str, Any] | None]:
        REGISTRY[name] = Case(name, tuple(sizes), func, description or (func.__doc__ or "").strip())
        return func

    return deco
