"""Excel input: a documented template workbook and its reader.

Each input table is one sheet with one header row; a ``settings`` sheet holds
``key, value`` pairs of :class:`~regionopt.land.LandSettings`; a ``README``
sheet lists every column with its unit and meaning (generated from the row
schemas, so it never drifts from the code).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .inputs import REQUIRED_TABLES, TABLES, LandSettings

__all__ = ["read_workbook", "write_template"]


def _need_openpyxl() -> None:
    try:
        import openpyxl  # noqa: F401
    except ImportError as exc:  # pragma: no cover
        raise InputError("Excel input needs openpyxl: pip install 'regionopt[excel]'", table="workbook") from exc


def write_template(path: str | Path) -> Path:
    """Write an empty, documented input workbook to ``path``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    _need_openpyxl()
    path = Path(path)
    doc_rows = []
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, (schema, index_field) in TABLES.items():
            cols = list(schema.model_fields)
            if index_field:
                cols.remove(index_field)
                cols.insert(0, index_field)
            pd.DataFrame(columns=cols).to_excel(xw, sheet_name=name, index=False)
            for col in cols:
                f = schema.model_fields[col]
                doc_rows.append(
                    (name, col, "required" if f.is_required() else "optional", f.description or "")
                )
        st = LandSettings()
        srows = [(k, json.dumps(v) if isinstance(v, dict) else v) for k, v in st.model_dump().items()]
        pd.DataFrame(srows, columns=["key", "value"]).to_excel(xw, sheet_name="settings", index=False)
        for k, f in LandSettings.model_fields.items():
            doc_rows.append(("settings", k, "optional", (f.description or "").strip() or "see LandSettings"))
        pd.DataFrame(doc_rows, columns=["sheet", "column", "required", "meaning (unit)"]).to_excel(
            xw, sheet_name="README", index=False
        )
    return path


def read_workbook(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a workbook into the frames of :meth:`LandQuotaProblem.from_frames` and settings.

    Raises
    ------
    InputError
        If the file or a required sheet is missing.
    """
    _need_openpyxl()
    path = Path(path)
    if not path.exists():
        raise InputError(f"file not found: {path}", table="workbook")
    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    frames: dict[str, Any] = {}
    for name in REQUIRED_TABLES:
        if name not in sheets:
            raise InputError(f"required sheet {name!r} is missing from {path.name}; sheets: {list(sheets)}", table=name)
    for name, (_schema, index_field) in TABLES.items():
        if name not in sheets:
            continue
        df = sheets[name].dropna(how="all")
        if index_field:
            if index_field not in df.columns:
                raise InputError(f"sheet needs an id column {index_field!r}", table=name, field=index_field)
            df = df.set_index(index_field)
        df = df.infer_objects()
        frames[name] = df
    settings: dict[str, Any] = {}
    if "settings" in sheets:
        for _, row in sheets["settings"].dropna(how="all").iterrows():
            key = str(row["key"]).strip()
            val = row["value"]
            if isinstance(val, float) and pd.isna(val):
                continue
            if key == "statutory" and isinstance(val, str):
                val = json.loads(val)
            settings[key] = val
    return frames, settings
