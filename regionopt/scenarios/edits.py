"""The edit language of scenarios: change a setting or cells of an input table.

An edit is ``(table, row, column, op, value)``:

* ``table`` -- the name of an input table (a keyword of the model's
  ``from_frames``: ``"provinces"``, ``"projects"``, ``"fit"`` ...) or
  ``"settings"``;
* ``row`` -- which rows: ``"*"`` (or ``None``) for every row; an index label
  (``"340000"``) for tables with an index (regions, provinces, projects...);
  a dict of column values (``{"region": "340100", "tier": "linkage"}``, a value
  may be a list) for any table. For ``settings`` the row is ``None``;
* ``column`` -- a column of the table, or a setting (nested settings with a
  dot: ``"statutory.base_10k_cny_per_mu"``);
* ``op`` -- ``"="`` (set), ``"*"`` (multiply) or ``"+"`` (add);
* ``value`` -- the value set, or the number multiplied or added.

An edit that names an unknown table, row, column or operation, or gives a
non-number to ``*`` or ``+``, is an :class:`~regionopt.InputError` naming the
scenario, table, row and field; so is an edited table that the model's own
validation rejects. Arithmetic leaves an empty cell (no limit, not given)
empty; an edit whose every selected cell is empty is an error (it would do
nothing).
"""

from __future__ import annotations

import difflib
import json
import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from ..errors import InputError

__all__ = ["OPS", "SETTINGS", "Edit", "apply_settings_edits", "apply_table_edits", "as_edits"]

#: The operations of an edit.
OPS: tuple[str, ...] = ("=", "*", "+")
#: The pseudo-table that addresses the problem's settings.
SETTINGS = "settings"


def _plain(v: Any) -> Any:
    """Python scalars for numpy scalars; tuples for lists (hashable, JSON-able)."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, list | tuple):
        return tuple(_plain(x) for x in v)
    return v


def _norm_row(row: Any) -> Any:
    if row is None or (isinstance(row, str) and row == "*"):
        return "*"
    if isinstance(row, Mapping):
        return tuple(sorted((str(k), _plain(v)) for k, v in row.items()))
    return _plain(row)


@dataclass(frozen=True)
class Edit:
    """One change to a problem's inputs (see the module docstring for the language).

    Parameters
    ----------
    table
        Input table name, or ``"settings"``.
    row
        ``"*"`` (every row), an index label, or a dict of column values
        (stored as sorted ``(column, value)`` pairs). ``"*"`` for settings.
    column
        Column, or setting (dotted for nested settings).
    op
        ``"="``, ``"*"`` or ``"+"``.
    value
        The value set, or the number multiplied or added.
    """

    table: str
    row: Any
    column: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        object.__setattr__(self, "row", _norm_row(self.row))
        object.__setattr__(self, "value", _plain(self.value))

    @classmethod
    def of(cls, e: Edit | Sequence[Any]) -> Edit:
        """An :class:`Edit` from an edit or a 5-tuple ``(table, row, column, op, value)``."""
        if isinstance(e, Edit):
            return e
        if isinstance(e, str) or not isinstance(e, Sequence) or len(e) != 5:
            raise InputError(f"an edit is (table, row, column, op, value), got {e!r}", table="scenarios",
                             field="edits", value=e)
        return cls(str(e[0]), e[1], str(e[2]), str(e[3]), e[4])

    @property
    def is_settings(self) -> bool:
        return self.table == SETTINGS

    @property
    def row_filter(self) -> dict[str, Any] | None:
        """The row as a dict of column values, or ``None`` if it is ``"*"`` or a label."""
        if isinstance(self.row, tuple) and self.row and all(isinstance(p, tuple) and len(p) == 2 for p in self.row):
            return dict(self.row)
        return None

    def as_json(self) -> list[Any]:
        """A JSON-able list ``[table, row, column, op, value]`` (row filters as dicts)."""
        f = self.row_filter
        row = f if f is not None else (list(self.row) if isinstance(self.row, tuple) else self.row)
        val = list(self.value) if isinstance(self.value, tuple) else self.value
        return [self.table, row, self.column, self.op, val]

    def __str__(self) -> str:
        if self.is_settings:
            where = f"settings.{self.column}"
        else:
            f = self.row_filter
            row = ("*" if self.row == "*" else
                   ",".join(f"{k}={v}" for k, v in f.items()) if f is not None else str(self.row))
            where = f"{self.table}[{row}].{self.column}"
        return f"{where} {self.op} {self.value!r}"


def as_edits(edits: Iterable[Edit | Sequence[Any]]) -> tuple[Edit, ...]:
    """Edits from edits or 5-tuples (see :class:`Edit`)."""
    return tuple(Edit.of(e) for e in edits)


def edits_json(edits: Sequence[Edit]) -> str:
    """Canonical JSON text of a list of edits (scenario identity, store)."""
    return json.dumps([e.as_json() for e in edits], sort_keys=True, default=str, allow_nan=True)


# --------------------------------------------------------------------------- checks


def _where(scenario: str | None) -> str:
    return f"scenario {scenario!r}: " if scenario else ""


def _is_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))


def _check_op(e: Edit, scenario: str | None) -> None:
    if e.op not in OPS:
        raise InputError(f"{_where(scenario)}unknown operation {e.op!r} in edit {e}; expected one of {list(OPS)}",
                         table=e.table, row=None if e.row == "*" else e.row, field=e.column, value=e.op)
    if e.op in ("*", "+") and not _is_number(e.value):
        raise InputError(f"{_where(scenario)}'{e.op}' needs a finite number, got {e.value!r} (edit {e})",
                         table=e.table, row=None if e.row == "*" else e.row, field=e.column, value=e.value)


def _suggest(name: str, options: Iterable[str]) -> str:
    near = difflib.get_close_matches(str(name), [str(o) for o in options], n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


# --------------------------------------------------------------------------- settings


def apply_settings_edits(settings: BaseModel, edits: Sequence[Edit], *, scenario: str | None = None
                         ) -> dict[str, Any]:
    """The top-level setting changes (``with_settings`` keywords) that the settings edits make.

    Nested settings come back whole (``{"statutory": {...}}``) so that the
    settings model validates them.

    Raises
    ------
    InputError
        Unknown setting, bad operation, arithmetic on a setting that is not a number.
    """
    data = settings.model_dump()
    touched: list[str] = []
    for e in edits:
        _check_op(e, scenario)
        if e.row not in ("*",):
            raise InputError(f"{_where(scenario)}settings have no rows: give row None or '*' (edit {e})",
                             table=SETTINGS, field=e.column, value=e.row)
        parts = e.column.split(".")
        node: Any = data
        model: Any = type(settings)
        for i, part in enumerate(parts):
            fields = getattr(model, "model_fields", None)
            if not isinstance(node, dict) or fields is None or part not in fields:
                known = list(fields) if fields else []
                raise InputError(f"{_where(scenario)}unknown setting {'.'.join(parts[:i + 1])!r}"
                                 f"{_suggest(part, known)}", table=SETTINGS, field=e.column)
            if i < len(parts) - 1:
                node = node[part]
                model = fields[part].annotation
        leaf = parts[-1]
        cur = node[leaf]
        if e.op == "=":
            node[leaf] = e.value
        else:
            if not _is_number(cur):
                raise InputError(f"{_where(scenario)}setting {e.column!r} is {cur!r}, not a number: "
                                 f"'{e.op}' cannot change it (set it with '=')", table=SETTINGS, field=e.column,
                                 value=cur)
            node[leaf] = cur * e.value if e.op == "*" else cur + e.value
        if parts[0] not in touched:
            touched.append(parts[0])
    return {k: data[k] for k in touched}


# --------------------------------------------------------------------------- tables


def _label(v: Any) -> str:
    """A cell or label as the text users type (codes: ``340000``, not ``340000.0``)."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _select(df: pd.DataFrame, e: Edit, scenario: str | None) -> np.ndarray:
    """Boolean mask of the rows an edit addresses."""
    if e.row == "*":
        return np.ones(len(df), dtype=bool)
    f = e.row_filter
    if f is not None:
        mask = np.ones(len(df), dtype=bool)
        for col, want in f.items():
            if col in df.columns:
                cells = df[col]
            elif col in [n for n in df.index.names if n is not None]:
                cells = pd.Series(df.index.get_level_values(col), index=df.index)
            else:
                raise InputError(f"{_where(scenario)}table {e.table!r} has no column {col!r} to select rows by"
                                 f"{_suggest(col, [*df.columns, *[n for n in df.index.names if n]])} (edit {e})",
                                 table=e.table, row=dict(f), field=col)
            wanted = {_label(w) for w in (want if isinstance(want, tuple) else (want,))}
            mask &= np.fromiter((_label(c) in wanted for c in cells), dtype=bool, count=len(df))
        return mask
    if isinstance(df.index, pd.RangeIndex) and df.index.name is None:
        raise InputError(f"{_where(scenario)}table {e.table!r} has no index: select rows with a dict of column "
                         f"values, e.g. {{{df.columns[0]!r}: ...}}, or '*' (edit {e})", table=e.table, row=e.row,
                         field=e.column)
    if isinstance(df.index, pd.MultiIndex):
        want = tuple(_label(x) for x in (e.row if isinstance(e.row, tuple) else (e.row,)))
        return np.fromiter((tuple(_label(x) for x in lab) == want for lab in df.index), dtype=bool, count=len(df))
    want_s = _label(e.row)
    return np.fromiter((_label(lab) == want_s for lab in df.index), dtype=bool, count=len(df))


def _numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _apply_one(df: pd.DataFrame, e: Edit, scenario: str | None, known_columns: Sequence[str]) -> pd.DataFrame:
    _check_op(e, scenario)
    mask = _select(df, e, scenario)
    if not mask.any():
        raise InputError(f"{_where(scenario)}no row of table {e.table!r} matches {e.row!r} (edit {e})",
                         table=e.table, row=e.row, field=e.column)
    if e.column not in df.columns:
        if e.op == "=" and e.column in known_columns:
            df[e.column] = pd.Series(np.nan, index=df.index, dtype="float64")
        else:
            more = "" if e.op == "=" else " (an absent optional column can only be set with '=')"
            raise InputError(f"{_where(scenario)}table {e.table!r} has no column {e.column!r}"
                             f"{_suggest(e.column, [*df.columns, *known_columns])}{more}", table=e.table,
                             row=None if e.row == "*" else e.row, field=e.column)
    col = df[e.column]
    if e.op == "=":
        value = np.nan if e.value is None else e.value
        empty = isinstance(value, float) and math.isnan(value)
        if _numeric(col) and (_is_number(value) or empty):
            if pd.api.types.is_integer_dtype(col.dtype) and not empty and float(value).is_integer():
                new, value = col.copy(), int(value)
            else:
                new = col.astype("float64")
        else:
            new = col.astype(object)
        new.iloc[np.flatnonzero(mask)] = value
        df[e.column] = new
        return df
    if not _numeric(col):
        raise InputError(f"{_where(scenario)}column {e.column!r} of table {e.table!r} does not hold numbers: "
                         f"'{e.op}' cannot change it (edit {e})", table=e.table,
                         row=None if e.row == "*" else e.row, field=e.column)
    vals = col.astype("float64")
    sel = vals[mask]
    if sel.isna().all():
        raise InputError(f"{_where(scenario)}every selected cell of {e.table}.{e.column} is empty, so '{e.op}' "
                         f"would change nothing (edit {e}); set a value with '='", table=e.table,
                         row=None if e.row == "*" else e.row, field=e.column)
    newvals = sel * float(e.value) if e.op == "*" else sel + float(e.value)
    vals = vals.copy()
    vals[mask] = newvals
    if pd.api.types.is_integer_dtype(col.dtype) and np.all(np.isclose(newvals, np.round(newvals))):
        df[e.column] = vals.round().astype(col.dtype)
    else:
        df[e.column] = vals
    return df


def apply_table_edits(frames: Mapping[str, Any], edits: Sequence[Edit], *, scenario: str | None = None,
                      schemas: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The ``from_frames`` keywords with the table edits applied (tables edited are copies).

    Parameters
    ----------
    frames
        The base problem's ``from_frames`` keywords (``problem.to_frames()``).
    edits
        Edits of tables (not settings).
    scenario
        Scenario name for messages.
    schemas
        Table name -> :class:`~regionopt.io.excel.TableSpec` (the model's
        ``tables``): an optional column absent from a table may be set with ``=``.

    Raises
    ------
    InputError
        Unknown table, row or column; bad operation or value.
    """
    out = dict(frames)
    copied: set[str] = set()
    tables = [k for k, v in frames.items() if isinstance(v, pd.DataFrame)]
    for e in edits:
        if e.table not in tables:
            known = list(schemas or {}) or tables
            absent = e.table in known
            msg = (f"table {e.table!r} is not given in this problem, so it has no rows to edit" if absent else
                   f"unknown table {e.table!r}{_suggest(e.table, [*tables, SETTINGS])}; tables: {tables} "
                   f"and {SETTINGS!r}")
            raise InputError(f"{_where(scenario)}{msg} (edit {e})", table=e.table, field=e.column)
        if e.table not in copied:
            out[e.table] = out[e.table].copy()
            copied.add(e.table)
        spec = (schemas or {}).get(e.table)
        known_cols = list(spec.schema.model_fields) if spec is not None and spec.schema is not None else []
        out[e.table] = _apply_one(out[e.table], e, scenario, known_cols)
    return out
