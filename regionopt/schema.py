"""Validated input tables: pydantic v2 types and a DataFrame validator.

Each model declares one pydantic ``BaseModel`` per input table (a row schema).
:func:`validate_table` checks a :class:`pandas.DataFrame` against it and raises
:class:`regionopt.InputError` naming the table, the row label (the user's id, not
a position) and the field. Nothing is returned half-validated: either every row
passes, or the error lists the problems.

Reusable field types follow Calliope's style of ``Annotated`` aliases.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Annotated, Any, TypeVar

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

from .errors import InputError

__all__ = [
    "Code",
    "FiniteFloat",
    "NonNegFloat",
    "OptNonNegFloat",
    "PosFloat",
    "RowModel",
    "Share",
    "check_columns",
    "check_unique",
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


class RowModel(BaseModel):
    """Base class of row schemas: unknown columns are ignored, values are not coerced.

    An empty cell (NaN, ``None``, ``pd.NA``) of an optional column takes the
    column's default, so that tables concatenated from sources with and without
    a column validate; an empty cell of a required column is an error.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_means_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields
        return {k: v for k, v in data.items()
                if not (k in fields and not fields[k].is_required() and _nan_to_none(v) is None)}


M = TypeVar("M", bound=RowModel)


def check_columns(df: pd.DataFrame, table: str, required: Iterable[str]) -> None:
    """Raise :class:`InputError` if a required column is missing."""
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}", table=table)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"missing required column(s) {missing}; columns present: {list(df.columns)}",
            table=table,
            field=missing[0],
        )


def check_unique(labels: Sequence[Hashable], table: str, field: str) -> None:
    """Raise :class:`InputError` on a duplicate id."""
    seen: set[Hashable] = set()
    for lab in labels:
        if lab in seen:
            raise InputError(f"duplicate id {lab!r}", table=table, row=lab, field=field)
        seen.add(lab)


def validate_table(
    df: pd.DataFrame,
    schema: type[M],
    table: str,
    *,
    index_field: str | None = None,
    id_fields: Sequence[str] = (),
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

    Returns
    -------
    list
        One validated row object per row, in order.

    Raises
    ------
    InputError
        Naming table, row label and field of the first problem (all problems
        are attached as ``.problems``).
    """
    required = [
        name
        for name, f in schema.model_fields.items()
        if f.is_required() and name != index_field
    ]
    check_columns(df, table, required)
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
        check_unique(labels, table, index_field)
    elif id_fields:
        labels = [
            "/".join(str(_code(rec.get(f))) for f in id_fields) for rec in records
        ]
    else:
        labels = [_code(v) for v in df.index]
    adapter = TypeAdapter(list[schema])  # type: ignore[valid-type]
    try:
        return adapter.validate_python(records)
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
        ) from None
