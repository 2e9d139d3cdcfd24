"""Validated input tables: pydantic v2 types and a DataFrame validator.

Each model declares one pydantic ``BaseModel`` per input table (a row schema).
:func:`validate_table` checks a :class:`pandas.DataFrame` against it and raises
:class:`regionopt.InputError` naming the table, the row label (the user's id, not
a position), the field and, for a table read from a workbook, the cell
(``projects!F7``). Nothing is returned half-validated: either every row passes,
or the error lists the problems.

Three rules hold for every table of every model:

- **No unknown column.** A column that is neither a field of the row schema
  nor a *free column* is an error that lists the known columns and suggests the
  nearest name, so a typo (``farmland_floor`` for ``farmland_floor_mu``) can
  never switch a rule off in silence. Free columns, carried along and never
  read by the model: ``name``, ``name_en``, ``name_zh``, ``note`` and any
  column starting with ``note_`` (:data:`FREE_COLUMNS`), the columns a schema
  documents as free (:attr:`RowModel.free_columns`), and those listed in the
  table's ``df.attrs["free_columns"]`` (an explicit opt-out; ``"*"`` frees all).
- **Plausible units.** Columns where a unit error is likely carry a
  :class:`Plausible` range: a value above ``error_above`` is an
  :class:`~regionopt.InputError`, one above ``warn_above`` a
  :class:`~regionopt.RegionoptWarning`, both naming the column and the unit
  expected (distances in metres, population in persons, money in CNY instead
  of 万元).
- **Positions.** A table read from a workbook carries a :class:`SheetOrigin`
  in ``df.attrs`` (set by :func:`regionopt.io.excel.read_frames`); errors then
  name the sheet and cell.

Reusable field types follow Calliope's style of ``Annotated`` aliases.
"""

from __future__ import annotations

import difflib
import math
import re
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from .errors import InputError, RegionoptWarning

__all__ = [
    "FREE_COLUMNS",
    "FREE_PREFIXES",
    "ORIGIN_ATTR",
    "Code",
    "DistanceRow",
    "FiniteFloat",
    "NonNegFloat",
    "OptNonNegFloat",
    "Plausible",
    "PosFloat",
    "RowModel",
    "Share",
    "SheetOrigin",
    "check_columns",
    "check_unique",
    "check_unknown_columns",
    "read_distances",
    "validate_table",
]


def _nan_to_none(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    return v


def _code(v: Any) -> Any:
    """Accept ints and strings for ids; normalise to a stripped string."""
    v = _nan_to_none(v)
    if v is None:
        return v
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, np.integer):
        v = int(v)
    if isinstance(v, (int, str)):
        s = str(v).strip()
        return s
    return v


#: A finite float (NaN and infinity rejected).
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
#: A finite float >= 0.
NonNegFloat = Annotated[float, Field(ge=0, allow_inf_nan=False)]
#: A finite float > 0.
PosFloat = Annotated[float, Field(gt=0, allow_inf_nan=False)]
#: A share in [0, 1].
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
#: An optional finite float >= 0; NaN in the table means "not given".
OptNonNegFloat = Annotated[NonNegFloat | None, BeforeValidator(_nan_to_none)]
#: An optional share; NaN means "not given".
OptShare = Annotated[Share | None, BeforeValidator(_nan_to_none)]
#: An identifier (region code, project id...), given as str or int, stored as str.
Code = Annotated[str, BeforeValidator(_code), Field(min_length=1)]
#: An optional identifier.
OptCode = Annotated[str | None, BeforeValidator(_code)]


#: Latitude in degrees, [-90, 90].
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
#: Longitude in degrees, [-180, 180].
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


# --------------------------------------------------------------------------- conventions

#: Columns every table may carry without the model reading them (display names, notes).
FREE_COLUMNS: tuple[str, ...] = ("name", "name_en", "name_zh", "note")
#: Any column starting with one of these is free too (``note_source``, ``note_2024``...).
FREE_PREFIXES: tuple[str, ...] = ("note_",)
#: ``df.attrs`` key of an explicit opt-out: a list of column names the model should ignore, or ``"*"``.
FREE_ATTR = "free_columns"
#: ``df.attrs`` key of the :class:`SheetOrigin` of a table read from a workbook.
ORIGIN_ATTR = "regionopt_origin"


@dataclass(frozen=True)
class Plausible:
    """Range a column's values normally lie in, to catch unit errors (``Annotated`` metadata).

    Parameters
    ----------
    unit
        The unit the column expects, in words (``"km"``, ``"10,000 persons (万人)"``).
    warn_above
        Above this a :class:`~regionopt.RegionoptWarning` is issued.
    error_above
        Above this the value is impossible in the expected unit: an
        :class:`~regionopt.InputError`.
    hint
        The likely mistake and a reference value, e.g. ``"persons instead of
        10,000 persons? Shanghai has 2,487"``.
    """

    unit: str
    warn_above: float | None = None
    error_above: float | None = None
    hint: str = ""

    def message(self, value: float, col: str, *, error: bool) -> str:
        limit = self.error_above if error else self.warn_above
        what = "impossible" if error else "implausible"
        return (f"{value:,.6g} is {what} for {col!r}, which is in {self.unit} (above {limit:,.6g}); "
                f"{self.hint}").rstrip("; ")


def _plausible(schema: type[BaseModel], name: str) -> Plausible | None:
    for m in schema.model_fields[name].metadata:
        if isinstance(m, Plausible):
            return m
    return None


@dataclass(frozen=True)
class SheetOrigin:
    """Where a table's rows sit in the workbook it was read from.

    Attributes
    ----------
    sheet
        Sheet name.
    rows
        Excel row number (1-based) of each DataFrame row, in order.
    columns
        Column name (as the model knows it) -> Excel column letter.
    keys
        Per row, the identifying values (codes, ids, ledgers, periods) as
        strings: used to find the row an error names by its id.
    """

    sheet: str
    rows: tuple[int, ...]
    columns: Mapping[str, str] = field(default_factory=dict)
    keys: tuple[frozenset[str], ...] = ()

    def cell(self, pos: int | None, column: str | None = None) -> str:
        """``"projects!F7"`` (row and column known), ``"projects!row 7"`` or ``"projects!F"``."""
        row = self.rows[pos] if pos is not None and 0 <= pos < len(self.rows) else None
        letter = self.columns.get(column) if column is not None else None
        if row is not None and letter:
            return f"{self.sheet}!{letter}{row}"
        if row is not None:
            return f"{self.sheet}!row {row}"
        if letter:
            return f"{self.sheet}!column {letter}"
        return f"sheet {self.sheet!r}"

    def find(self, label: Any, extra: Iterable[str] = ()) -> list[int]:
        """Positions of the rows whose identifying values include every part of ``label``."""
        tokens = set(_label_tokens(label)) | {str(t) for t in extra}
        tokens.discard("")
        if not tokens or not self.keys:
            return []
        # a part of the label no row holds is a default (e.g. period 1 without a period column)
        held = set().union(*self.keys)
        tokens = {t for t in tokens if t in held}
        if not tokens:
            return []
        return [i for i, k in enumerate(self.keys) if tokens <= k]

    def locate(self, label: Any, column: str | None = None) -> str | None:
        """Cell of the row an error names by ``label`` (and of ``column``), or ``None`` if not unique-ish."""
        hits = self.find(label)
        if not hits and column is not None and column not in self.columns:
            hits = self.find(label, [column])  # e.g. distances: row = origin, field = destination
        if not hits:
            return None
        if len(hits) == 1:
            return self.cell(hits[0], column)
        rows = ", ".join(str(self.rows[i]) for i in hits[:4])
        return f"{self.sheet}!rows {rows}" + (" ..." if len(hits) > 4 else "")


def _label_tokens(label: Any) -> list[str]:
    if label is None:
        return []
    if isinstance(label, (tuple, list, frozenset, set)):
        out: list[str] = []
        for x in label:
            out.extend(_label_tokens(x))
        return out
    s = str(_code(label))
    return [t.strip() for t in re.split(r"/|->", s)]


def origin_of(df: Any) -> SheetOrigin | None:
    """The :class:`SheetOrigin` of a table read from a workbook, else ``None``."""
    attrs = getattr(df, "attrs", None)
    if not isinstance(attrs, dict):
        return None
    o = attrs.get(ORIGIN_ATTR)
    if isinstance(o, SheetOrigin) and len(o.rows) == len(df):
        return o
    return None


class RowModel(BaseModel):
    """Base class of row schemas: values are not coerced; unknown columns are refused by :func:`validate_table`.

    An empty cell (NaN, ``None``, ``pd.NA``) of an optional column takes the
    column's default, so that tables concatenated from sources with and without
    a column validate; an empty cell of a required column is an error.

    Class attributes
    ----------------
    free_columns
        Columns this table documents as free (read by nobody, or by the caller
        itself), beside :data:`FREE_COLUMNS`.
    column_patterns
        Regular expressions of further accepted columns (e.g. ``r".+_10k_cny"``
        for tax columns); their values are the caller's to check.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    free_columns: ClassVar[tuple[str, ...]] = ()
    column_patterns: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {k: v for k, v in data.items()
                if not (k in fields and not fields[k].is_required() and _nan_to_none(v) is None)}


M = TypeVar("M", bound=RowModel)


def _header_position(df: Any, column: str | None = None) -> str | None:
    o = origin_of(df)
    if o is None:
        attrs = getattr(df, "attrs", None)
        o = attrs.get(ORIGIN_ATTR) if isinstance(attrs, dict) else None
        if not isinstance(o, SheetOrigin):
            return None
    letter = o.columns.get(column) if column else None
    return f"{o.sheet}!{letter}1" if letter else f"{o.sheet}!row 1 (header)"


def check_columns(df: pd.DataFrame, table: str, required: Iterable[str]) -> None:
    """Raise :class:`InputError` if a required column is missing."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}", table=table)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"missing required column(s) {missing}; columns present: {[str(c) for c in df.columns]}",
            table=table,
            field=missing[0],
            position=_header_position(df),
        )


def check_unique(labels: Sequence[Hashable], table: str, field: str) -> None:
    """Raise :class:`InputError` on a duplicate id."""
    seen: set[Hashable] = set()
    for lab in labels:
        if lab in seen:
            raise InputError(f"duplicate id {lab!r}", table=table, row=lab, field=field)
        seen.add(lab)


def known_columns(schema: type[BaseModel]) -> list[str]:
    """The columns a row schema reads (its fields), in order."""
    return list(schema.model_fields)


def _is_free(col: str, schema: type[BaseModel], allow: Iterable[str]) -> bool:
    if col in FREE_COLUMNS or col.startswith(FREE_PREFIXES) or col in allow:
        return True
    if issubclass(schema, RowModel):
        if col in schema.free_columns:
            return True
        if any(re.fullmatch(p, col) for p in schema.column_patterns):
            return True
    return False


def _suggest(col: str, known: Sequence[str], schema: type[BaseModel]) -> str:
    """``"; did you mean 'x'?"`` or a hint on Chinese headers, duplicates and units."""
    from .io.zh import field_of_alias

    alias = field_of_alias(schema, col)
    if alias is not None:
        return (f"; {col!r} is the Chinese header of {alias!r}: workbooks accept it, a DataFrame needs "
                f"df.rename(columns={{{col!r}: {alias!r}}})")
    m = re.fullmatch(r"(.+)\.(\d+)", col)
    if m and m.group(1) in known:
        return (f"; the header {m.group(1)!r} appears more than once (pandas renamed a copy {col!r}): "
                "keep one column per field")
    if issubclass(schema, RowModel) and any(re.fullmatch(p, f"{col}_10k_cny") for p in schema.column_patterns):
        return f"; columns carry their unit: did you mean {col + '_10k_cny'!r} (万元)?"
    if any("\u4e00" <= ch <= "\u9fff" for ch in col):  # a Chinese header: compare with the Chinese aliases
        from .io.zh import aliases

        zh_alias = aliases(schema)
        near_zh = difflib.get_close_matches(col, list(zh_alias), n=1, cutoff=0.5)
        if near_zh:
            return f"; did you mean {near_zh[0]!r} ({zh_alias[near_zh[0]]})?"
    low = {k.lower(): k for k in known}
    if col.lower() in low:
        return f"; did you mean {low[col.lower()]!r}? (names are lower case)"
    near = difflib.get_close_matches(col, list(known), n=1, cutoff=0.6)
    if not near:
        near = [k for k in known if k.startswith(col) or col.startswith(k)][:1]
    return f"; did you mean {near[0]!r}?" if near else ""


def check_unknown_columns(
    df: pd.DataFrame,
    schema: type[BaseModel],
    table: str,
    *,
    index_field: str | None = None,
    allow: Iterable[str] = (),
) -> None:
    """Refuse a column the schema does not read and that is not free (see the module docs).

    Raises
    ------
    InputError
        Naming the first unknown column, the nearest known name and the known
        columns; every unknown column is in ``.problems``.
    """
    opt_out = df.attrs.get(FREE_ATTR) if isinstance(df.attrs, dict) else None
    if opt_out == "*" or opt_out is True:
        return
    allowed = set(allow) | ({str(c) for c in opt_out} if isinstance(opt_out, (list, tuple, set)) else set())
    known = known_columns(schema)
    problems: list[InputError] = []
    for c in df.columns:
        col = str(c)
        if col in known or col == index_field or _is_free(col, schema, allowed):
            continue
        listed = ", ".join(known)
        problems.append(InputError(
            f"unknown column {col!r}{_suggest(col, known, schema)} (known columns: {listed}; free columns, kept "
            f"but not read: {', '.join(FREE_COLUMNS)}, note_*)",
            table=table, field=col, position=_header_position(df, col),
        ))
    if problems:
        first = problems[0]
        raise InputError(first.reason, table=table, field=first.field, problems=problems, position=first.position)


def validate_table(
    df: pd.DataFrame,
    schema: type[M],
    table: str,
    *,
    index_field: str | None = None,
    id_fields: Sequence[str] = (),
    extra: Literal["forbid", "allow"] = "forbid",
) -> list[M]:
    """Validate every row of ``df`` against ``schema``.

    Parameters
    ----------
    df
        The user's table.
    schema
        Row schema (a :class:`RowModel` subclass).
    table
        Table name used in error messages.
    index_field
        If given, the DataFrame index is validated as this field (e.g. the region
        code) and must be unique.
    id_fields
        Columns that together identify a row in messages, when the index is not
        meaningful (e.g. ``("region", "tier")``).
    extra
        ``"forbid"`` (default): a column that is neither a field nor free is an
        error (see :func:`check_unknown_columns`); ``"allow"``: the caller reads
        such columns itself.

    Returns
    -------
    list
        One validated row object per row, in order.

    Raises
    ------
    InputError
        Naming table, row label, field and (for workbooks) cell of the first
        problem (all problems are attached as ``.problems``).

    Warns
    -----
    RegionoptWarning
        For a value above a column's :class:`Plausible` warning level.
    """
    required = [
        name
        for name, f in schema.model_fields.items()
        if f.is_required() and name != index_field
    ]
    check_columns(df, table, required)
    if extra == "forbid":
        check_unknown_columns(df, schema, table, index_field=index_field)
    origin = origin_of(df)
    records = df.to_dict(orient="records")
    labels: list[Any]
    if index_field is not None:
        labels = [_code(v) for v in df.index]
        if index_field in df.columns:
            col = [_code(v) for v in df[index_field]]
            if col != labels:  # e.g. a 'city' column next to a default 0..n-1 index
                bad = next(i for i, (a, b) in enumerate(zip(col, labels, strict=True)) if a != b)
                raise InputError(
                    f"the column {index_field!r} and the index disagree ({col[bad]!r} vs {labels[bad]!r}); "
                    f"the index gives {index_field}: use df.set_index({index_field!r})",
                    table=table, row=col[bad], field=index_field,
                )
        for rec, lab in zip(records, labels, strict=True):
            rec[index_field] = lab
        seen: dict[Any, int] = {}
        for i, lab in enumerate(labels):
            if lab in seen:
                where = None if origin is None else (f"{origin.sheet}!rows {origin.rows[seen[lab]]} and "
                                                     f"{origin.rows[i]}")
                raise InputError(f"duplicate id {lab!r}", table=table, row=lab, field=index_field, position=where)
            seen[lab] = i
    elif id_fields:
        labels = [
            "/".join(str(_code(rec.get(f))) for f in id_fields) for rec in records
        ]
    else:
        labels = [_code(v) for v in df.index]
    adapter = TypeAdapter(list[schema])  # type: ignore[valid-type]
    try:
        rows: list[M] = adapter.validate_python(records)
    except ValidationError as exc:
        problems: list[InputError] = []
        for err in exc.errors():
            loc = err.get("loc", ())
            pos = loc[0] if loc and isinstance(loc[0], int) else None
            fld = str(loc[1]) if len(loc) > 1 else None
            row = labels[pos] if pos is not None else None
            problems.append(
                InputError(
                    f"{err.get('msg', 'invalid value')} (got {err.get('input')!r})",
                    table=table,
                    row=row,
                    field=fld,
                    value=err.get("input"),
                    position=None if origin is None else origin.cell(pos, fld),
                )
            )
        first = problems[0]
        raise InputError(
            first.reason,
            table=table,
            row=first.row,
            field=first.field,
            value=first.value,
            problems=problems,
            position=first.position,
        ) from None
    _check_plausible(rows, schema, table, labels, origin)
    return rows


def _check_plausible(rows: Sequence[BaseModel], schema: type[BaseModel], table: str, labels: Sequence[Any],
                     origin: SheetOrigin | None) -> None:
    for name in schema.model_fields:
        rule = _plausible(schema, name)
        if rule is None:
            continue
        vals = [getattr(r, name) for r in rows]
        _apply_rule(rule, vals, name, table, labels, origin)


def _apply_rule(rule: Plausible, vals: Sequence[Any], name: str, table: str, labels: Sequence[Any],
                origin: SheetOrigin | None, *, field_of: Sequence[str] | None = None,
                positions: Sequence[str | None] | None = None) -> None:
    """Raise for the first value above ``error_above``; warn once for values above ``warn_above``."""

    def where(i: int) -> tuple[str, str | None]:
        fld = field_of[i] if field_of is not None else name
        if positions is not None:
            return fld, positions[i]
        return fld, None if origin is None else origin.cell(i, fld)

    warned: list[int] = []
    for i, v in enumerate(vals):
        if v is None or not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
            continue
        if rule.error_above is not None and v > rule.error_above:
            fld, pos = where(i)
            raise InputError(rule.message(float(v), name, error=True), table=table, row=labels[i], field=fld,
                             value=v, position=pos)
        if rule.warn_above is not None and v > rule.warn_above:
            warned.append(i)
    if warned:
        i = warned[0]
        fld, pos = where(i)
        where_err = InputError("", table=table, row=labels[i], field=fld, position=pos)
        more = f" ({len(warned) - 1} more row(s) like it)" if len(warned) > 1 else ""
        warnings.warn(RegionoptWarning(f"{str(where_err).rstrip(': ')}: "
                                       f"{rule.message(float(vals[i]), name, error=False)}{more}"),
                      stacklevel=4)


# --------------------------------------------------------------------------- distances

#: The longest distance between two places inside China is about 5,500 km (Xinjiang to Heilongjiang).
DISTANCE_KM = Plausible(
    unit="km", warn_above=6_000.0, error_above=20_040.0,
    hint="no two places on Earth are more than 20,037 km apart along the surface, and none inside China "
    "more than about 5,500 km: distances given in metres?")


class DistanceRow(RowModel):
    """One distance, for the long form of a ``distances_km`` table (one row per ordered pair)."""

    origin: Code = Field(description="code of the place the distance is measured from (row of the matrix)")
    destination: Code = Field(description="code of the place the distance is measured to (column)")
    distance_km: Annotated[NonNegFloat, DISTANCE_KM] = Field(
        description="distance, km; a pair given one way only counts both ways; a place is 0 km from itself")


def read_distances(df: Any, table: str = "distances_km") -> pd.DataFrame:
    """A ``distances_km`` table as a square float matrix (row = from, column = to; labels as strings).

    Accepts the long form (columns ``origin, destination, distance_km``, one row
    per pair: a pair given one way only counts both ways, the diagonal is 0
    unless given) or a square matrix (row and column labels are codes). Missing
    pairs are NaN (the model says which pair it needs).

    Raises
    ------
    InputError
        For a non-numeric, negative or infinite distance, a pair given twice, or
        a distance impossible in km (> 20,040 km), naming the cell.

    Warns
    -----
    RegionoptWarning
        For a distance above 6,000 km (metres given as km?).
    """
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a DataFrame (square matrix or origin, destination, distance_km rows), got "
                         f"{type(df).__name__}", table=table)
    cols = [str(c) for c in df.columns]
    if "origin" in cols or "destination" in cols:
        rows = validate_table(df, DistanceRow, table, id_fields=("origin", "destination"))
        origin = origin_of(df)
        given: dict[tuple[str, str], float] = {}
        for i, r in enumerate(rows):
            key = (r.origin, r.destination)
            if key in given:
                raise InputError("pair given twice", table=table, row=f"{r.origin}->{r.destination}",
                                 field="destination", position=None if origin is None else origin.cell(i, None))
            given[key] = r.distance_km
        codes: dict[str, None] = {}
        for a, b in given:
            codes.setdefault(a, None)
            codes.setdefault(b, None)
        labels = list(codes)
        mat = pd.DataFrame(np.nan, index=labels, columns=labels, dtype=float)
        for (a, b), d in given.items():
            mat.at[a, b] = d
        for (a, b), d in given.items():
            if (b, a) not in given:
                mat.at[b, a] = d
        for c in labels:
            if (c, c) not in given:
                mat.at[c, c] = 0.0
        return mat
    origin = origin_of(df)
    idx = [str(_code(i)) for i in df.index]
    cols = [str(_code(c)) for c in df.columns]
    for lab, what in ((idx, "row"), (cols, "column")):
        dup = next((x for x in lab if lab.count(x) > 1), None)
        if dup is not None:
            raise InputError(f"{what} label {dup!r} appears twice", table=table, row=dup if what == "row" else None,
                             field=dup if what == "column" else None)
    out = np.full((len(idx), len(cols)), np.nan)
    for j, c in enumerate(df.columns):
        raw = df[c]
        num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        for i, (v, r) in enumerate(zip(num, raw, strict=True)):
            if _nan_to_none(r) is None:
                continue
            if isinstance(r, bool) or not np.isfinite(v) or v < 0:
                raise InputError(f"a distance must be a finite number >= 0 km (got {r!r})", table=table,
                                 row=idx[i], field=cols[j], value=r,
                                 position=None if origin is None else origin.cell(i, cols[j]))
            out[i, j] = v
    mat = pd.DataFrame(out, index=idx, columns=cols)
    flat = [(i, j) for i in range(len(idx)) for j in range(len(cols)) if np.isfinite(out[i, j])]
    _apply_rule(DISTANCE_KM, [out[i, j] for i, j in flat], "distance_km", table, [idx[i] for i, _ in flat],
                None, field_of=[cols[j] for _, j in flat],
                positions=None if origin is None else [origin.cell(i, cols[j]) for i, j in flat])
    return mat
