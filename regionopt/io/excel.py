"""Excel workbooks for every model: a documented template, its reader, and result workbooks.

A model declares its input tables as :class:`TableSpec` entries (row schema,
index field, required or not) and its settings as a pydantic model; from these
alone this module writes a template (one sheet per table, a ``settings`` sheet
of ``key, value, description`` rows, a ``README`` sheet with every column's
meaning and unit), reads a filled workbook back into the model's
``from_frames`` keywords, and writes results (one tidy table per sheet, a
``notes`` sheet). Needs the ``excel`` extra (openpyxl).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel

from ..errors import InputError, require
from .files import atomic_path

if TYPE_CHECKING:
    from ..contract import Problem, Result
    from ..schema import RowModel

__all__ = ["TableSpec", "read_problem_workbook", "write_result_workbook", "write_template"]


@dataclass(frozen=True)
class TableSpec:
    """One input table of a model.

    Attributes
    ----------
    schema
        Row schema (a :class:`~regionopt.schema.RowModel`), or ``None`` for a
        square matrix table (e.g. ``distances_km``: row and column labels are codes).
    index_field
        Column read as the DataFrame index (e.g. ``"region"``), or ``None``.
    required
        Whether the workbook must have the sheet.
    description
        One line on what the table holds.
    """

    schema: type[RowModel] | None
    index_field: str | None = None
    required: bool = False
    description: str = ""


def _need_openpyxl(what: str) -> None:
    require("openpyxl", extra="excel", what=what)


def _columns(spec: TableSpec) -> list[str]:
    assert spec.schema is not None
    cols = list(spec.schema.model_fields)
    if spec.index_field and spec.index_field in cols:
        cols.remove(spec.index_field)
        cols.insert(0, spec.index_field)
    return cols


def write_template(problem_cls: type[Problem], path: str | Path) -> Path:
    """Write an empty, documented input workbook for ``problem_cls`` to ``path``."""
    from ..contract import settings_table

    _need_openpyxl("writing an Excel template")
    tables: Mapping[str, TableSpec] = problem_cls.tables
    doc_rows = []
    path = Path(path)
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            for name, spec in tables.items():
                if spec.schema is None:
                    pd.DataFrame().to_excel(xw, sheet_name=name)
                    doc_rows.append((name, "(matrix)", "required" if spec.required else "optional",
                                     spec.description))
                    continue
                cols = _columns(spec)
                pd.DataFrame(columns=cols).to_excel(xw, sheet_name=name, index=False)
                for col in cols:
                    f = spec.schema.model_fields[col]
                    doc_rows.append((name, col, "required" if f.is_required() else "optional",
                                     f.description or ""))
            st = settings_table(problem_cls.settings_class)
            st["value"] = [_cell(problem_cls.settings_class.model_fields[k].get_default(call_default_factory=True))
                           for k in st["setting"]]
            st = st.rename(columns={"setting": "key"})[["key", "value", "description"]]
            st.to_excel(xw, sheet_name="settings", index=False)
            for _, row in st.iterrows():
                doc_rows.append(("settings", row["key"], "optional", row["description"]))
            pd.DataFrame(doc_rows, columns=["sheet", "column", "required", "meaning (unit)"]).to_excel(
                xw, sheet_name="README", index=False)
    return path


def _cell(v: Any) -> Any:
    if isinstance(v, BaseModel):
        return json.dumps(v.model_dump())
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return v


def read_frames(path: str | Path, tables: Mapping[str, TableSpec]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a workbook into ``{table: DataFrame}`` and a settings mapping.

    Raises
    ------
    InputError
        If the file cannot be read, or a required sheet is missing.
    """
    _need_openpyxl("reading an Excel workbook")
    path = Path(path)
    if not path.exists():
        raise InputError(f"file not found: {path}", table="workbook")
    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    for name, spec in tables.items():
        if spec.required and name not in sheets:
            raise InputError(f"required sheet {name!r} is missing from {path.name}; sheets: {list(sheets)}",
                             table=name)
    frames: dict[str, Any] = {}
    for name, spec in tables.items():
        if name not in sheets:
            continue
        df = sheets[name].dropna(how="all")
        if spec.schema is None:
            if len(df.columns):
                df = df.set_index(df.columns[0])
                df.index = [str(i) for i in df.index]
                df.columns = [str(c) for c in df.columns]
            frames[name] = df.apply(pd.to_numeric, errors="coerce") if len(df) else df
            continue
        if spec.index_field:
            if spec.index_field not in df.columns:
                raise InputError(f"sheet needs an id column {spec.index_field!r}", table=name, field=spec.index_field)
            df = df.set_index(spec.index_field)
        frames[name] = df.infer_objects()
    settings: dict[str, Any] = {}
    if "settings" in sheets:
        for _, row in sheets["settings"].dropna(how="all").iterrows():
            key = str(row["key"]).strip()
            val = row["value"]
            if isinstance(val, float) and pd.isna(val):
                continue
            if isinstance(val, str) and val.strip().startswith("{"):
                val = json.loads(val)
            settings[key] = val
    return frames, settings


def read_problem_workbook(problem_cls: type[Problem], path: str | Path,
                          settings: BaseModel | Mapping[str, Any] | None = None) -> Any:
    """Read a workbook and build ``problem_cls`` from it (settings given here win over the sheet)."""
    frames, file_settings = read_frames(path, problem_cls.tables)
    merged = dict(file_settings)
    if settings is not None:
        merged.update(settings.model_dump() if isinstance(settings, BaseModel) else dict(settings))
    kwargs = problem_cls._workbook_keywords(frames)
    return problem_cls.from_frames(**kwargs, settings=merged)


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """One header row, no merged cells: a named or multi-level index becomes columns."""
    if isinstance(df.index, pd.MultiIndex) or df.index.name is not None:
        return df.reset_index()
    return df


def write_result_workbook(result: Result, path: str | Path) -> Path:
    """Write a result's summary, tables and notes to ``path`` (atomically)."""
    _need_openpyxl("writing an Excel workbook")
    path = Path(path)
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            result.summary().to_excel(xw, sheet_name="summary")
            for name, df in result.tables().items():
                _tidy(df).to_excel(xw, sheet_name=name[:31], index=False)
            notes = pd.DataFrame({"note": result.notes or ["(none)"]})
            notes.to_excel(xw, sheet_name="notes", index=False)
    return path
