"""Types of the solve layer: options, status, report, and a solution keyed by names.

Nothing here holds a Pyomo or highspy object, so every type pickles: a result
computed in a worker process can be sent back whole.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import Any

from ..errors import InputError

__all__ = ["Duals", "Solution", "SolveOptions", "SolveReport", "Status", "component_key"]


class Status(StrEnum):
    """Outcome of a solve, as a planner needs to read it."""

    OPTIMAL = "optimal"
    """Proven optimal (for MIPs: within the requested gap)."""
    FEASIBLE = "feasible"
    """A feasible plan with a positive gap (e.g. stopped at the time limit)."""
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT_NO_SOLUTION = "time_limit_no_solution"
    ERROR = "error"

    @property
    def has_solution(self) -> bool:
        return self in (Status.OPTIMAL, Status.FEASIBLE)


#: Keywords of :class:`SolveOptions` accepted as plain ``solve(**overrides)`` keywords.
OPTION_FIELDS = ("solver", "time_limit", "mip_gap", "threads", "options", "tee")


@dataclass(frozen=True)
class SolveOptions:
    """Solver choice and limits, passed as plain keywords to every ``solve``.

    Parameters
    ----------
    solver
        ``"highs"`` (default, highspy) or any Pyomo ``SolverFactory`` name.
    time_limit
        Wall-clock limit in seconds; on hitting it the incumbent is returned
        with status ``FEASIBLE`` and its gap.
    mip_gap
        Relative MIP gap at which to stop (e.g. ``1e-3`` for 0.1 %).
    threads
        Number of solver threads.
    options
        Extra solver-specific options, passed through unchanged (for HiGHS,
        names are checked against HiGHS's own option list).
    tee
        Print the solver log.
    """

    solver: str = "highs"
    time_limit: float | None = None
    mip_gap: float | None = None
    threads: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    tee: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.solver, str) or not self.solver:
            raise InputError("must be a solver name such as 'highs' or 'cbc'", table="solve options",
                             field="solver", value=self.solver)
        if self.time_limit is not None and not (isinstance(self.time_limit, (int, float)) and self.time_limit > 0):
            raise InputError("must be > 0 seconds", table="solve options", field="time_limit", value=self.time_limit)
        if self.mip_gap is not None and not (isinstance(self.mip_gap, (int, float)) and 0 <= self.mip_gap < 1):
            raise InputError("must be in [0, 1)", table="solve options", field="mip_gap", value=self.mip_gap)
        if self.threads is not None and not (isinstance(self.threads, int) and self.threads >= 1):
            raise InputError("must be a whole number >= 1", table="solve options", field="threads", value=self.threads)
        if not isinstance(self.options, Mapping):
            raise InputError("must be a mapping of solver option names to values", table="solve options",
                             field="options", value=self.options)

    @classmethod
    def make(cls, options: SolveOptions | Mapping[str, Any] | None = None, **overrides: Any) -> SolveOptions:
        """Options from the ``solve(options=None, **overrides)`` convention of every problem.

        ``options`` is a :class:`SolveOptions` (used as the base) or a mapping of
        solver-specific options (``{"presolve": "off"}``); ``overrides`` are
        fields of :class:`SolveOptions` (``solver``, ``time_limit``, ``mip_gap``,
        ``threads``, ``tee``).
        """
        base = options if isinstance(options, SolveOptions) else cls(options=dict(options or {}))
        unknown = [k for k in overrides if k not in OPTION_FIELDS]
        if unknown:
            raise InputError(f"unknown solve keyword {unknown[0]!r}; expected one of {list(OPTION_FIELDS)}",
                             table="solve options", field=unknown[0])
        given = {k: v for k, v in overrides.items() if v is not None or k in ("time_limit", "mip_gap", "threads")}
        if "options" in given and isinstance(options, Mapping):
            given["options"] = {**dict(options), **dict(given["options"] or {})}
        return replace(base, **given) if given else base


def component_key(obj: Any) -> tuple[str, Hashable]:
    """``(component name, index)`` of a Pyomo component data object (index ``None`` if scalar)."""
    return obj.parent_component().getname(fully_qualified=True), obj.index()


class Duals(Mapping[Any, float]):
    """Row duals (``d objective / d right-hand side``) keyed by constraint name and index.

    Look up by ``duals["balance", ("310100", "area", 1)]``, by a component's
    rows ``duals.component("balance")`` (a dict index -> dual), or, for users
    holding the Pyomo model, by the constraint itself: ``duals[m.cap]``.
    Holds no Pyomo object (picklable).
    """

    def __init__(self, by_component: Mapping[str, Mapping[Hashable, float]] | None = None) -> None:
        self._d: dict[str, dict[Hashable, float]] = {k: dict(v) for k, v in (by_component or {}).items()}

    @staticmethod
    def _key(key: Any) -> tuple[str, Hashable]:
        if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], str):
            return key[0], key[1]
        if hasattr(key, "parent_component"):
            return component_key(key)
        raise KeyError(key)

    def __getitem__(self, key: Any) -> float:
        name, idx = self._key(key)
        return self._d[name][idx]

    def __contains__(self, key: object) -> bool:
        try:
            name, idx = self._key(key)
        except KeyError:
            return False
        return name in self._d and idx in self._d[name]

    def __iter__(self) -> Iterator[tuple[str, Hashable]]:
        for name, rows in self._d.items():
            for idx in rows:
                yield name, idx

    def __len__(self) -> int:
        return sum(len(v) for v in self._d.values())

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def component(self, name: str) -> dict[Hashable, float]:
        """Duals of one constraint component, index -> dual (empty if it has no rows)."""
        return self._d.get(name, {})

    def within(self, prefix: str) -> Duals:
        """The duals of one block: names relative to the block ``prefix`` (``""`` = the model)."""
        if not prefix:
            return self
        p = prefix + "."
        return Duals({k[len(p):]: v for k, v in self._d.items() if k.startswith(p)})

    def __repr__(self) -> str:
        return f"Duals({len(self)} rows in {len(self._d)} constraint(s))"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Duals, (self._d,))


@dataclass
class Solution:
    """Variable values and row duals of a solved model, keyed by component name and index.

    Read back by every model's result tables; built from a Pyomo model
    (:func:`regionopt.solve.extract_solution`) or straight from arrays (the
    matrix route), so that readback never needs the Pyomo model.

    Attributes
    ----------
    values
        Variable component name -> {index: value}. Variables without a value
        (not in any row or objective) are absent: :meth:`value` returns 0.
    duals
        :class:`Duals`, or ``None`` when the solve gives no prices (MIPs,
        non-optimal LPs).
    """

    values: Mapping[str, dict[Hashable, float]]
    duals: Duals | None = None

    def value(self, name: str, index: Hashable = None, default: float = 0.0) -> float:
        """Value of variable ``name[index]`` (``default`` if it has none)."""
        v = self.values.get(name)
        if v is None:
            return default
        x = v.get(index)
        return default if x is None else x

    def var(self, name: str) -> dict[Hashable, float]:
        """All values of one variable component, index -> value."""
        return self.values.get(name, {})

    def nonzero(self, name: str, tol: float = 0.0) -> dict[Hashable, float]:
        """The values of variable ``name`` above ``tol`` in absolute value, index -> value.

        For a solution read from arrays (a live HiGHS model) only these entries
        are made: reading the few positive flows of a million columns does not
        build a million-entry dict.
        """
        fast = getattr(self.values, "nonzero", None)
        if fast is not None:
            return dict(fast(name, tol))
        return {k: x for k, x in self.values.get(name, {}).items() if abs(x) > tol}

    def dual(self, name: str, index: Hashable = None, default: float = math.nan) -> float:
        """Dual of constraint ``name[index]``: NaN without duals, 0 for a row not in the model."""
        if self.duals is None:
            return default
        return self.duals.component(name).get(index, 0.0)

    def updated(self, values: Mapping[str, dict[Hashable, float]]) -> Solution:
        """The same solution with some variable components' values replaced (same duals)."""
        return Solution(_Overlay(self.values, dict(values)), self.duals)

    def within(self, prefix: str) -> Solution:
        """The part of the solution that belongs to one block (names relative to it)."""
        if not prefix:
            return self
        p = prefix + "."
        return Solution({k[len(p):]: v for k, v in self.values.items() if k.startswith(p)},
                        self.duals.within(prefix) if self.duals is not None else None)


@dataclass
class SolveReport:
    """What came back from the solver.

    Attributes
    ----------
    status
        :class:`Status`.
    objective
        Objective value of the loaded solution (``nan`` if none).
    bound
        Best proven bound (``nan`` if unknown).
    mip_gap
        Relative gap ``|objective - bound| / max(|objective|, 1e-9)``; 0 for a
        solved LP, ``nan`` without a solution, ``inf`` for a solution with no
        proven bound.
    solve_seconds
        Wall-clock time spent in the solver call, in seconds.
    solver
        Solver name.
    termination
        The solver's own termination text.
    duals
        :class:`Duals` for an LP solved to optimality, else ``None``.
    """

    status: Status
    objective: float
    bound: float
    mip_gap: float
    solve_seconds: float
    solver: str
    termination: str
    duals: Duals | None = None

    def as_dict(self) -> dict[str, Any]:
        """The scalar fields (no duals)."""
        return {f.name: (getattr(self, f.name).value if f.name == "status" else getattr(self, f.name))
                for f in fields(self) if f.name != "duals"}

    def __repr__(self) -> str:
        duals = "none" if self.duals is None else f"{len(self.duals)} rows"
        return (f"SolveReport(status={self.status.value}, objective={self.objective:,.6g}, bound={self.bound:,.6g}, "
                f"mip_gap={self.mip_gap:.3g}, solve_seconds={self.solve_seconds:.3g}, solver={self.solver!r}, "
                f"termination={self.termination!r}, duals={duals})")


class _Overlay(Mapping[str, dict[Hashable, float]]):
    """Values by component name: some replaced, the rest read from the base (kept lazy)."""

    def __init__(self, base: Mapping[str, dict[Hashable, float]], updates: dict[str, dict[Hashable, float]]) -> None:
        self._base, self._updates = base, updates

    def __getitem__(self, name: str) -> dict[Hashable, float]:
        if name in self._updates:
            return self._updates[name]
        return self._base[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._base
        yield from (k for k in self._updates if k not in self._base)

    def __len__(self) -> int:
        return len(self._base) + sum(1 for k in self._updates if k not in self._base)

    def nonzero(self, name: str, tol: float) -> dict[Hashable, float]:
        if name in self._updates:
            return {k: x for k, x in self._updates[name].items() if abs(x) > tol}
        fast = getattr(self._base, "nonzero", None)
        if fast is not None:
            return dict(fast(name, tol))
        return {k: x for k, x in self._base.get(name, {}).items() if abs(x) > tol}

    def __reduce__(self) -> tuple[Any, ...]:  # pickles as a plain dict
        return (dict, ({k: self[k] for k in self},))
