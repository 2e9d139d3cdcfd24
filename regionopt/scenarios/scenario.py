"""Scenarios, levers and the problem of a scenario.

A :class:`Scenario` is a name, a list of :class:`~.edits.Edit` and the
parameters a user reads it by (``{"red_line_scale[340000]": 1.01}``). A
:class:`Lever` is a named, documented family of edits (``red_line_scale``
multiplies a province's red line); levers and settings are the axes of grids
and samples. :class:`ProblemFactory` turns a scenario into a problem: it
applies the edits to the base tables and validates them with the model's own
``from_frames`` (settings-only scenarios go through ``with_settings``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import BaseModel

from ..contract import Problem, make_settings
from ..errors import InputError
from .edits import SETTINGS, Edit, apply_settings_edits, apply_table_edits, as_edits, edits_json

__all__ = ["LEVERS", "Lever", "ProblemFactory", "Scenario", "base_fingerprint", "levers_for", "scenario_id"]


def _jsonable(v: Any) -> Any:
    if hasattr(v, "item") and not isinstance(v, (list, tuple, dict)):
        try:
            return v.item()
        except (AttributeError, ValueError):
            pass
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    return v


@dataclass(frozen=True)
class Scenario:
    """One scenario: a name, its edits and the parameters it is read by.

    Parameters
    ----------
    name
        Unique within a sweep; shown in tables and figures.
    edits
        :class:`~.edits.Edit` objects or 5-tuples ``(table, row, column, op, value)``.
    params
        Parameter name -> value (numbers, text, booleans): the columns of
        :meth:`Sweep.results`. Default: one entry per edit, named like the edit.
    probability
        For two-stage plans (:func:`~regionopt.scenarios.two_stage`); ``None`` elsewhere.
    """

    name: str
    edits: tuple[Edit, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    probability: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "edits", as_edits(self.edits))
        params = dict(self.params) if self.params else {
            (f"{e.column}" if e.is_settings else f"{e.table}[{e.row}].{e.column}{e.op}"): e.value
            for e in self.edits}
        object.__setattr__(self, "params", {str(k): _jsonable(v) for k, v in params.items()})
        if not isinstance(self.name, str) or not self.name:
            raise InputError(f"a scenario needs a non-empty name, got {self.name!r}", table="scenarios",
                             field="name", value=self.name)

    @property
    def table_edits(self) -> tuple[Edit, ...]:
        return tuple(e for e in self.edits if not e.is_settings)

    @property
    def settings_edits(self) -> tuple[Edit, ...]:
        return tuple(e for e in self.edits if e.is_settings)


# --------------------------------------------------------------------------- levers


@dataclass(frozen=True)
class Lever:
    """A named family of edits: one operation on one or more columns (or settings).

    Parameters
    ----------
    name
        The keyword of :meth:`Sweep.grid` / :meth:`Sweep.sample`.
    targets
        ``(table, column)`` pairs edited together (``("settings", "statutory.base_10k_cny_per_mu")``
        for a setting).
    op
        ``"*"``, ``"+"`` or ``"="``.
    key_column
        When a row label is given (``{"340100": [...]}``), select the rows whose
        ``key_column`` equals it (e.g. the projects of a region) instead of the index.
    doc
        What the lever means, with units.
    """

    name: str
    targets: tuple[tuple[str, str], ...]
    op: str
    key_column: str | None = None
    doc: str = ""

    def edits(self, row: Any, value: Any) -> list[Edit]:
        """The edits of this lever at ``value`` for ``row`` (``"*"``: every row)."""
        out = []
        for table, column in self.targets:
            if table == SETTINGS or row in (None, "*"):
                r: Any = "*"
            elif self.key_column is not None:
                r = {self.key_column: row}
            else:
                r = row
            out.append(Edit(table, r, column, self.op, value))
        return out


_LAND_LEVERS = (
    Lever("red_line_scale", (("provinces", "farmland_floor_mu"),), "*",
          doc="multiply a province's farmland red line (耕地保有量 floor, mu); > 1 tightens it"),
    Lever("red_line_add_mu", (("provinces", "farmland_floor_mu"),), "+",
          doc="add mu to a province's farmland red line; > 0 tightens it"),
    Lever("statutory_price_scale", ((SETTINGS, "statutory.base_10k_cny_per_mu"),
                                    (SETTINGS, "statutory.paddy_base_10k_cny_per_mu"),
                                    (SETTINGS, "statutory.capacity_10k_cny_per_100kg")), "*",
          doc="multiply the three statutory base prices (platform charge and payout)"),
    Lever("project_value_scale", (("projects", "value_10k_cny"),), "*", key_column="region",
          doc="multiply the value of the projects of a region (all regions with a list)"),
    Lever("reclamation_cost_scale", (("reserves", "cost_10k_cny_per_mu"),), "*", key_column="region",
          doc="multiply the reclamation cost of a region's reserve tiers, 万元/亩"),
    Lever("reclamation_yield_scale", (("reserves", "area_per_mu"), ("reserves", "paddy_per_mu"),
                                      ("reserves", "grain_100kg_per_mu")), "*", key_column="region",
          doc="multiply the farmland area, paddy and grain capacity a region's reclamation creates per mu"),
    Lever("allocation_scale", (("allocations", "amount"),), "*", key_column="region",
          doc="multiply the quota a region holds (every ledger and period)"),
)

_CLUSTER_LEVERS = (
    Lever("fit_scale", (("fit", "score"),), "*", key_column="city",
          doc="multiply the fit scores of a city's candidate roles"),
    Lever("land_budget_scale", (("provinces", "land_mu"),), "*",
          doc="multiply a province's land budget for roles, mu"),
    Lever("energy_budget_scale", (("provinces", "energy_10k_tce"),), "*",
          doc="multiply a province's energy budget for roles, 10k tce"),
)

#: The named levers of each model (by the problem class name).
LEVERS: dict[str, dict[str, Lever]] = {
    "LandQuotaProblem": {lv.name: lv for lv in _LAND_LEVERS},
    "ClusterRoleProblem": {lv.name: lv for lv in _CLUSTER_LEVERS},
}


def levers_for(problem: Problem | type[Problem]) -> dict[str, Lever]:
    """The named levers of a problem's model (empty for models without any)."""
    cls = problem if isinstance(problem, type) else type(problem)
    out: dict[str, Lever] = {}
    for klass in reversed(cls.__mro__):
        out.update(LEVERS.get(klass.__name__, {}))
    return out


# --------------------------------------------------------------------------- axes


@dataclass(frozen=True)
class Axis:
    """One dimension of a grid or sample: a parameter name and the edits a value makes.

    ``templates`` are ``(table, row, column, op)``; a value fills each one in.
    """

    name: str
    templates: tuple[tuple[str, Any, str, str], ...]

    def make(self, value: Any) -> list[Edit]:
        """The edits of this axis at ``value``."""
        return [Edit(t, r, c, op, value) for t, r, c, op in self.templates]


def _lever_axis(lever: Lever, row: Any) -> Axis:
    name = lever.name if row in (None, "*") else f"{lever.name}[{row}]"
    return Axis(name, tuple((e.table, e.row if e.row_filter is None else dict(e.row_filter), e.column, e.op)
                            for e in lever.edits(row, 0.0)))


_TEMPLATE = re.compile(r"^\s*(\w+)\[(.*)\]\.([\w.]+)\s*([=*+])\s*$")
_LEVER_ROW = re.compile(r"^\s*(\w+)\[(.+)\]\s*$")


def _settings_path(settings: BaseModel, key: str) -> str | None:
    """The dotted path of a setting named ``key`` (``a.b`` or ``a__b``), or None."""
    path = key.replace("__", ".")
    model: Any = type(settings)
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return None
        model = fields[part].annotation
    return path


def axes_for(base: Problem, key: Any, values: Any) -> list[tuple[Axis, list[Any]]]:
    """The axes of one keyword of :meth:`Sweep.grid` (several for a lever given per row).

    Raises
    ------
    InputError
        For a key that is neither a lever, a setting nor an edit template, or
        empty values.
    """
    levers = levers_for(base)
    lever = key if isinstance(key, Lever) else levers.get(key) if isinstance(key, str) else None
    if lever is not None:
        if isinstance(values, Mapping):
            out = []
            for row, vals in values.items():
                ax = _lever_axis(lever, row)
                out.append((ax, _values(ax.name, vals)))
            return out
        ax = _lever_axis(lever, "*")
        return [(ax, _values(ax.name, values))]
    if isinstance(key, tuple):
        if len(key) != 4:
            raise InputError(f"an edit template is (table, row, column, op), got {key!r}", table="scenarios",
                             field="axes", value=key)
        table, row, column, op = key
        name = f"{column}" if table == SETTINGS else f"{table}[{Edit(table, row, column, op, 0).row}].{column}{op}"
        return [(Axis(name, ((str(table), row, str(column), str(op)),)), _values(name, values))]
    if isinstance(key, str):
        m = _LEVER_ROW.match(key)
        if m and m.group(1) in levers:
            return axes_for(base, levers[m.group(1)], {m.group(2): values})
        path = _settings_path(base.settings, key)
        if path is not None:
            return [(Axis(path, ((SETTINGS, "*", path, "="),)), _values(path, values))]
        m = _TEMPLATE.match(key)
        if m:
            table, row, column, op = m.groups()
            return axes_for(base, (table, row, column, op), values)
    import difflib

    options = [*levers, *type(base.settings).model_fields]
    near = difflib.get_close_matches(str(key), options, n=1)
    hint = f" (did you mean {near[0]!r}?)" if near else ""
    raise InputError(f"unknown lever or setting {key!r}{hint}. Levers of {type(base).__name__}: {list(levers)}; "
                     "settings: any field of its settings (nested with '.' or '__'); or an edit template "
                     "'table[row].column op' / (table, row, column, op)", table="scenarios", field=str(key))


def _values(name: str, values: Any) -> list[Any]:
    if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
        values = [values]
    vals = [_jsonable(v) for v in values]
    if not vals:
        raise InputError(f"no values given for {name!r}", table="scenarios", field=name)
    return vals


def fmt_value(v: Any) -> str:
    """A parameter value as short text (``1.02``, ``False``)."""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


# --------------------------------------------------------------------------- identity


def _hash_frame(h: Any, df: pd.DataFrame) -> None:
    h.update(json.dumps([str(c) for c in df.columns]).encode())
    h.update(json.dumps([str(n) for n in df.index.names]).encode())
    h.update(json.dumps([str(t) for t in df.dtypes]).encode())
    if len(df):
        h.update(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes())


def base_fingerprint(problem: Problem, frames: Mapping[str, Any] | None = None) -> str:
    """A stable hash of a base problem: its class, tables and settings.

    Uses the problem's tables (``to_frames``) when it has them, else its
    compiled model (arrays and names).
    """
    h = hashlib.sha256()
    cls = type(problem)
    h.update(f"{cls.__module__}.{cls.__qualname__}".encode())
    if frames is None and hasattr(problem, "to_frames"):
        frames = problem.to_frames()
    if frames is not None:
        for k in sorted(frames):
            v = frames[k]
            h.update(f"|{k}|".encode())
            if isinstance(v, pd.DataFrame):
                _hash_frame(h, v)
            elif isinstance(v, BaseModel):
                h.update(v.model_dump_json().encode())
            else:
                h.update(json.dumps(v, default=str, sort_keys=True).encode())
        if "settings" not in frames:
            h.update(problem.settings.model_dump_json().encode())
    else:
        cm = problem.compile()
        h.update(repr((list(cm.col_keys), list(cm.row_keys), cm.maximize, cm.offset)).encode())
        for a in (cm.start, cm.index, cm.value, cm.row_lo, cm.row_hi, cm.col_lo, cm.col_hi, cm.integrality, cm.c):
            h.update(a.tobytes())
    return h.hexdigest()[:20]


def scenario_id(fingerprint: str, edits: Sequence[Edit]) -> str:
    """The identity of a scenario: a hash of the base problem's fingerprint and its edits (in order)."""
    return hashlib.sha256(f"{fingerprint}|{edits_json(edits)}".encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- problems


class ProblemFactory:
    """Builds the problem of a scenario from a base problem (and its tables).

    Table edits are applied to the base tables and validated by the model's
    ``from_frames``; settings edits go through ``with_settings`` (checked
    against the data like ``from_frames``). Problems with the same table edits
    share one validated set of tables (a small cache).
    """

    def __init__(self, base: Problem, frames: Mapping[str, Any] | None = None, *, cache: int = 8) -> None:
        self.base = base
        self._frames = dict(frames) if frames is not None else None
        self._cache: OrderedDict[tuple[Edit, ...], Problem] = OrderedDict()
        self._size = cache

    @property
    def frames(self) -> dict[str, Any]:
        if self._frames is None:
            to_frames = getattr(self.base, "to_frames", None)
            if to_frames is None:
                raise InputError(f"{type(self.base).__name__} cannot give its tables back (no to_frames()), so "
                                 "scenarios can only change its settings; build the sweep with frames=... to "
                                 "edit tables", table="scenarios")
            self._frames = dict(to_frames())
        return self._frames

    def problem(self, scenario: Scenario) -> Problem:
        """The scenario's problem.

        Raises
        ------
        InputError
            Naming the scenario, table, row and field of an edit that is
            invalid or that makes the tables invalid.
        """
        name = scenario.name
        try:
            changes = apply_settings_edits(self.base.settings, scenario.settings_edits, scenario=name)
            tedits = scenario.table_edits
            if not tedits:
                return self.base.with_settings(**changes) if changes else self.base
            prob = self._cache.get(tedits)
            if prob is not None:
                self._cache.move_to_end(tedits)
                return prob.with_settings(**changes) if changes else prob
            frames = apply_table_edits(self.frames, tedits, scenario=name, schemas=type(self.base).tables)
            kw = {k: v for k, v in frames.items() if k != "settings"}
            try:
                prob = type(self.base).from_frames(**kw, settings=self.base.settings)
            except InputError:
                if not changes:
                    raise
                # the edited tables may need the scenario's own settings (and only them)
                st = make_settings(type(self.base.settings), self.base.settings, **changes)
                return type(self.base).from_frames(**kw, settings=st)
            self._cache[tedits] = prob
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
            return prob.with_settings(**changes) if changes else prob
        except InputError as exc:
            if exc.reason.startswith(f"scenario {name!r}"):
                raise
            raise InputError(f"scenario {name!r}: {exc.reason}", table=exc.table, row=exc.row, field=exc.field,
                             value=exc.value, problems=exc.problems) from None


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(float(v))
