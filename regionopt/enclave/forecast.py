"""Reading a yearly revenue forecast: one checked Series by operating year (shared by the schedule and the workbook).

A forecast is shareable revenue per operating year, 万元, indexed by the year
number 1, 2, ... (year 1 = the first year of operation). It may come as a
Series (index = year) or as a table with columns ``year`` and
``shareable_10k_cny``. Year labels must be whole numbers: ``"Y1"`` or
``"2026"``-style text is refused with a message saying how to write them, so
that a schedule is never computed on years read wrongly.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import Field

from ..errors import InputError
from ..schema import NonNegFloat, Plausible, RowModel, _code, origin_of, validate_table

__all__ = ["REVENUE_10K_CNY", "ForecastRow", "read_forecast"]

#: Yearly money of one park: Suzhou Industrial Park, China's largest, collects about 4,000,000 万元 (400 亿元) a
#: year in public budget revenue.
REVENUE_10K_CNY = Plausible(
    unit="万元 (10,000 CNY) a year", warn_above=1e7, error_above=1e9,
    hint="CNY given instead of 万元? Suzhou Industrial Park collects about 4,000,000 万元 a year")


class ForecastRow(RowModel):
    """One year of the forecast."""

    year: int = Field(ge=1, description="operating year, 1 = the first year of operation")
    shareable_10k_cny: Annotated[NonNegFloat, REVENUE_10K_CNY] = Field(
        description="shareable (locally retained) revenue of the year, 万元")


def _year(label: Any, table: str, origin_pos: str | None) -> int:
    v = _code(label)
    if isinstance(v, str) and v.lstrip("+").isdigit():
        y = int(v)
    else:
        raise InputError(
            f"year labels must be whole numbers 1, 2, ... (year 1 = the first year of operation), got {label!r}; "
            "write 1 for the first year, not 'Y1' or a calendar year", table=table, row=label, field="year",
            value=label, position=origin_pos)
    if y < 1:
        raise InputError("years are numbered from 1 (the first year of operation)", table=table, row=label,
                         field="year", value=label, position=origin_pos)
    return y


def read_forecast(forecast: Any, table: str = "forecast") -> pd.Series:
    """The forecast as a float Series of 万元 indexed by year (int, from 1), checked.

    Parameters
    ----------
    forecast
        A Series (index = year) or a DataFrame with ``year`` (column or index)
        and ``shareable_10k_cny``.
    table
        Name used in error messages.

    Raises
    ------
    InputError
        For an empty forecast, a year label that is not a whole number >= 1
        (e.g. ``"Y1"``), a year given twice, or a revenue that is missing,
        negative, not finite or impossible in 万元; naming the year.

    Warns
    -----
    RegionoptWarning
        For a yearly revenue above 10,000,000 万元 (CNY given as 万元?).
    """
    if isinstance(forecast, pd.DataFrame):
        df = forecast
        if "year" not in df.columns and df.index.name == "year":
            df = df.reset_index()
            df.attrs.update(forecast.attrs)
        if "year" in df.columns:
            origin = origin_of(df)
            pos = [None if origin is None else origin.cell(i, "year") for i in range(len(df))]
            years = [_year(v, table, p) for v, p in zip(df["year"], pos, strict=True)]
            df = df.assign(year=years)
            if df.empty:
                raise InputError("the forecast has no rows: give shareable revenue (万元) per year", table=table)
            rows = validate_table(df, ForecastRow, table, id_fields=("year",))
            s = pd.Series([r.shareable_10k_cny for r in rows], index=pd.Index([r.year for r in rows], name="year"),
                          name="shareable_10k_cny", dtype=float)
        else:
            raise InputError("a forecast table needs the columns year and shareable_10k_cny", table=table,
                             field="year")
    elif isinstance(forecast, pd.Series):
        if forecast.empty:
            raise InputError("forecast must be a non-empty Series of yearly revenue (万元) by year", table=table)
        years = [_year(v, table, None) for v in forecast.index]
        raw = forecast.to_numpy(dtype=object)
        vals = pd.to_numeric(pd.Series(raw), errors="coerce").to_numpy(dtype=float)
        for y, r, v in zip(years, raw, vals, strict=True):
            if not np.isfinite(v) or v < 0:
                raise InputError("revenue must be a finite number >= 0 (万元)", table=table, row=y,
                                 field="revenue_10k_cny", value=r)
        df = pd.DataFrame({"year": years, "shareable_10k_cny": vals})
        validate_table(df, ForecastRow, table, id_fields=("year",))  # plausibility of the amounts
        s = pd.Series(vals, index=pd.Index(years, name="year"), name=forecast.name or "shareable_10k_cny")
        s.attrs.update(forecast.attrs)
    else:
        raise InputError(f"forecast must be a Series of yearly revenue (万元) by year, got {type(forecast).__name__}",
                         table=table)
    dup = s.index[s.index.duplicated()]
    if len(dup):
        raise InputError("year given twice", table=table, row=int(dup[0]), field="year")
    return s
