"""Excel workbooks for every model: a documented template, its reader, and result workbooks.

A model declares its input tables as :class:`TableSpec` entries (row schema,
index field, required or not) and its settings as a pydantic model; from these
alone this module

- writes a **template**: a ``notes`` sheet (how to fill it in, and the traps, in
  English and Chinese), a ``README`` sheet (every column: Chinese header,
  required or not, meaning and unit in English and Chinese), one sheet per
  table (English headers, each with a bilingual comment) and a ``settings``
  sheet of plain ``key, value, description, 说明`` rows (a nested setting is
  one row per field: ``statutory.base_10k_cny_per_mu``);
- **reads** a filled workbook back into the model's ``from_frames`` keywords:
  Chinese headers and sheet names are accepted as aliases, every refusal is an
  :class:`~regionopt.InputError` naming the sheet and cell (unreadable files,
  formulas without a saved value, duplicated headers, merged cells, unknown
  sheets or columns, a bad settings sheet), and each table keeps the Excel row
  of each of its rows (:class:`~regionopt.schema.SheetOrigin`) so that later
  errors name the cell too;
- writes **result** workbooks: a ``summary`` and a ``notes`` sheet (solver
  status and gap, sources, what is illustrative), one tidy table per sheet
  (no merged cells, names beside codes, number formats, frozen header, column
  widths) and a ``columns`` sheet giving every column's unit.

Needs the ``excel`` extra (openpyxl). Every file is written atomically
(:func:`regionopt.io.files.atomic_path`).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd
from pydantic import BaseModel

from ..errors import InputError, require
from ..schema import ORIGIN_ATTR, SheetOrigin, _code
from . import zh
from .files import atomic_path

if TYPE_CHECKING:
    from ..schema import RowModel

__all__ = [
    "TableSpec",
    "read_frames",
    "read_problem_workbook",
    "write_result_workbook",
    "write_template",
]

#: Sheets a workbook may carry that no model reads (documentation, the user's own notes).
FREE_SHEETS = ("README", "notes", "说明", "填写说明")


@dataclass(frozen=True)
class TableSpec:
    """One input table of a model.

    Attributes
    ----------
    schema
        Row schema (a :class:`~regionopt.schema.RowModel`).
    index_field
        Column read as the DataFrame index (e.g. ``"region"``), or ``None``.
    required
        Whether the workbook must have the sheet.
    description
        One line on what the table holds.
    matrix
        The sheet may also be a square matrix (row and column labels are
        codes), as ``distances_km`` may.
    notes
        Traps worth saying up front (written into the template's notes sheet),
        as ``(English, 中文)`` pairs.
    """

    schema: type[RowModel] | None
    index_field: str | None = None
    required: bool = False
    description: str = ""
    matrix: bool = False
    notes: tuple[tuple[str, str], ...] = ()


def _need_openpyxl(what: str) -> None:
    require("openpyxl", extra="excel", what=what)


def _columns(spec: TableSpec) -> list[str]:
    assert spec.schema is not None
    cols = list(spec.schema.model_fields)
    if spec.index_field and spec.index_field in cols:
        cols.remove(spec.index_field)
        cols.insert(0, spec.index_field)
    return cols


# =========================================================================== settings as rows

def _attr_docs(cls: type) -> dict[str, str]:
    """``name -> text`` from a numpy docstring's Attributes/Parameters section (for fields without a description)."""
    doc = cls.__doc__ or ""
    out: dict[str, str] = {}
    cur: str | None = None
    for line in doc.splitlines():
        m = re.match(r"^    (\w+)\s*$", line)
        if m:
            cur = m.group(1)
            out[cur] = ""
        elif cur and line.startswith("        "):
            out[cur] = (out[cur] + " " + line.strip()).strip()
        elif line.strip() and not line.startswith("    "):
            cur = None
    return out


def settings_rows(settings_class: type[BaseModel]) -> list[tuple[str, Any, str, str]]:
    """``(key, default, description, 说明)`` per setting; a nested model gives one dotted row per field."""
    rows: list[tuple[str, Any, str, str]] = []
    for name, f in settings_class.model_fields.items():
        default = f.get_default(call_default_factory=True)
        desc = (f.description or "").strip()
        if isinstance(default, BaseModel):
            docs = _attr_docs(type(default))
            for sub, sf in type(default).model_fields.items():
                key = f"{name}.{sub}"
                rows.append((key, _cell(getattr(default, sub)), (sf.description or docs.get(sub, "")).strip(),
                             zh.zh_setting(key)))
            continue
        rows.append((name, _cell(default), desc, zh.zh_setting(name)))
    return rows


def _cell(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, BaseModel):
        return json.dumps(v.model_dump())
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return v


# =========================================================================== template

_HEADER_FILL = "DDEBF7"


def _zh_table(name: str) -> str:
    if name in zh.TABLES:
        return zh.TABLES[name][0]
    head, _, rest = name.partition("_")
    if rest in zh.TABLES:  # a sub-model's table in a combined workbook (land_regions)
        return f"{zh.TABLES.get(head, (head, ''))[0]}{zh.TABLES[rest][0]}" if head in ("land", "clusters") else \
            zh.TABLES[rest][0]
    return name


def write_template(problem_cls: Any, path: str | Path,
                   more_settings: Mapping[str, type[BaseModel]] | None = None) -> Path:
    """Write an empty, documented input workbook for ``problem_cls`` to ``path`` (atomically).

    ``problem_cls`` is any class with ``tables`` (name -> :class:`TableSpec`),
    ``settings_class`` (a pydantic model) and ``what`` (a name), e.g.
    :class:`~regionopt.LandQuotaProblem`. ``more_settings`` adds the settings
    of sub-models under a prefix (``{"land": LandSettings}`` gives rows
    ``land.bilateral`` ...), as the integrated plan reads them.

    Sheets: ``notes`` (how to fill it in and the traps, English and Chinese),
    ``README`` (one row per column: Chinese header, required, meaning and unit
    in English and Chinese), one sheet per input table, and ``settings``.
    """
    _need_openpyxl("writing an Excel template")
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    tables: Mapping[str, TableSpec] = problem_cls.tables
    path = Path(path)
    wb = Workbook()
    notes_ws = wb.active
    assert notes_ws is not None
    notes_ws.title = "notes"
    readme = wb.create_sheet("README")
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=_HEADER_FILL)

    # ---- notes: how to fill it in, and the traps
    what = getattr(problem_cls, "what", "the model")
    lines: list[tuple[str, str]] = [
        (f"regionopt input workbook: {what}", f"regionopt 输入工作簿：{zh.MODELS.get(what, what)}"),
        ("One sheet per table; row 1 holds the column names (English, or the Chinese header listed in README). "
         "Leave a sheet empty (headers only) if you do not need it; a required sheet must have rows.",
         "每张表一个工作表；第 1 行为列名（英文，或 README 中列出的中文表头）。不需要的表可留空（只保留表头）；必填表必须有数据。"),
        ("Units are in the column names: _mu = mu (亩), _10k_cny = 万元 (10,000 CNY), _km = km, _10k = 10,000, "
         "_100kg = 100 kg, _10k_tce = 10,000 t of coal equivalent, _share = share in [0, 1].",
         "单位写在列名中：_mu＝亩，_10k_cny＝万元，_km＝公里，_10k＝万，_100kg＝百公斤，_10k_tce＝万吨标准煤，_share＝0–1 的比例。"),
        ("An empty cell in an optional column means 'not given' (its default). Codes (region, province, city) may "
         "be numbers or text.", "可选列的空白单元格表示“未给出”（取默认值）。代码（地区、省份、城市）可以是数字或文本。"),
        ("Extra columns are refused (a typo must not switch a rule off), except name, name_en, name_zh, note and "
         "columns starting with note_.", "多余的列会被拒绝（避免拼写错误悄悄关闭规则），name、name_en、name_zh、note 及以 note_ 开头的列除外。"),
        ("Formulas are fine if the workbook is saved by Excel or LibreOffice (the computed values are stored); a "
         "workbook written by a script without computed values is refused, naming the cells.",
         "可以使用公式，但须在 Excel 或 LibreOffice 中保存（保存计算结果）；由程序写入、未保存计算结果的公式会被拒绝并指出单元格。"),
        ("Settings: one row per key on the settings sheet; an empty value keeps the default.",
         "设置：settings 表每行一个键；值为空时取默认值。"),
    ]
    for name, spec in tables.items():
        lines.extend((f"[{name}] {en}", f"[{_zh_table(name)}] {cn}") for en, cn in spec.notes)
    notes_ws.append(["note", "说明"])
    for en, cn in lines:
        notes_ws.append([en, cn])
    _style_header(notes_ws, bold, fill)
    notes_ws.column_dimensions["A"].width = 100
    notes_ws.column_dimensions["B"].width = 80
    for row in notes_ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")

    # ---- README: one row per column
    readme.append(["sheet", "column", "中文表头", "required", "meaning (unit)", "说明"])
    for name, spec in tables.items():
        if spec.schema is None:
            continue
        ws = wb.create_sheet(name)
        cols = _columns(spec)
        ws.append(cols)
        for j, col in enumerate(cols, start=1):
            f = spec.schema.model_fields[col]
            req = f.is_required() or col == spec.index_field
            zh_head, zh_desc = zh.zh_column(spec.schema, col)
            desc = (f.description or "").strip()
            readme.append([name, col, zh_head, "required" if req else "optional", desc, zh_desc])
            cell = ws.cell(row=1, column=j)
            cell.comment = Comment(f"{col} ({'required' if req else 'optional'}): {desc}\n{zh_head}：{zh_desc}",
                                   "regionopt", width=320, height=140)
            ws.column_dimensions[cell.column_letter].width = max(12, min(40, len(col) + 4))
        _style_header(ws, bold, fill)
        ws.freeze_panes = "A2"
        if spec.matrix:
            readme.append([name, "(or a square matrix)", "", "", "row labels in column A, column labels in row 1: "
                           "codes; cells: km", "A 列为行代码，第 1 行为列代码；单元格为公里"])
    # ---- settings
    st = wb.create_sheet("settings")
    st.append(["key", "value", "description", "说明"])
    rows = list(settings_rows(problem_cls.settings_class))
    for prefix, cls in (more_settings or {}).items():
        rows.extend((f"{prefix}.{k}", v, d, z) for k, v, d, z in settings_rows(cls))
    for key, default, desc, zdesc in rows:
        st.append([key, default, desc, zdesc])
        readme.append(["settings", key, "", "optional", desc, zdesc])
    _style_header(st, bold, fill)
    st.freeze_panes = "A2"
    for col, w in zip("ABCD", (38, 14, 90, 60), strict=True):
        st.column_dimensions[col].width = w
    _style_header(readme, bold, fill)
    readme.freeze_panes = "A2"
    for col, w in zip("ABCDEF", (16, 34, 20, 10, 90, 60), strict=True):
        readme.column_dimensions[col].width = w
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def _style_header(ws: Any, bold: Any, fill: Any) -> None:
    for c in ws[1]:
        c.font = bold
        c.fill = fill


# =========================================================================== reading

def _open(path: Path) -> tuple[Any, Any]:
    """The workbook twice: computed values, and formulas (to find formulas without a saved value)."""
    _need_openpyxl("reading an Excel workbook")
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.exists():
        raise InputError(f"file not found: {path}", table="workbook", value=str(path))
    if path.is_dir():
        raise InputError(f"{path} is a folder, not an Excel workbook", table="workbook", value=str(path))
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        raise InputError(f"{path.name} is a text ({suffix}) file; regionopt reads Excel workbooks (.xlsx): open it "
                         "in Excel and save it as .xlsx, or read it with pandas and call from_frames",
                         table="workbook", value=str(path))
    if suffix in (".xls", ".ods", ".numbers"):
        raise InputError(f"{path.name}: the {suffix} format is not read; save it as an Excel workbook (.xlsx)",
                         table="workbook", value=str(path))
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise InputError(f"cannot read {path.name}: {exc.strerror}", table="workbook", value=str(path)) from None
    if not head:
        raise InputError(f"{path.name} is empty (0 bytes): not an Excel workbook", table="workbook",
                         value=str(path))
    if head != b"PK\x03\x04":
        raise InputError(f"{path.name} is not an Excel workbook (.xlsx is a zip file; this one is not); save it from "
                         "Excel as .xlsx", table="workbook", value=str(path))
    try:
        values = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError, EOFError,
            IndexError, AttributeError) as exc:
        reason = str(exc).strip() or type(exc).__name__
        raise InputError(f"cannot read {path.name} as an Excel workbook (damaged or truncated?): {reason}",
                         table="workbook", value=str(path)) from None
    return values, formulas


def _sheet_map(names: Sequence[str], tables: Mapping[str, TableSpec], path: Path) -> dict[str, str]:
    """Workbook sheet name -> table (or ``settings``); unknown sheets are an error."""
    import difflib

    known = [*tables, "settings"]
    out: dict[str, str] = {}
    for sh in names:
        s = sh.strip()
        if s in known:
            table = s
        elif zh.sheet_of_alias(s) in known:
            table = str(zh.sheet_of_alias(s))
        elif s.lower() in known:
            table = s.lower()
        elif s in FREE_SHEETS or s.startswith(("note", "_", "#")):
            continue
        else:
            near = difflib.get_close_matches(s, known, n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise InputError(
                f"unknown sheet {sh!r} in {path.name}{hint} Sheets read: {', '.join(known)}; free sheets (not "
                f"read): {', '.join(FREE_SHEETS)} and names starting with 'note' or '_'",
                table=sh, position=f"sheet {sh!r}")
        if table in out.values():
            other = next(k for k, v in out.items() if v == table)
            raise InputError(f"sheets {other!r} and {sh!r} both give table {table!r}: keep one", table=table,
                             position=f"sheet {sh!r}")
        out[sh] = table
    return out


def _canonical_header(raw: str, spec: TableSpec | None, settings: bool = False) -> str:
    if settings:
        return {"键": "key", "设置": "key", "参数": "key", "值": "value", "取值": "value", "说明": "note_zh",
                "描述": "description"}.get(raw, raw.lower() if raw.lower() in ("key", "value", "description") else raw)
    if spec is None or spec.schema is None:
        return raw
    fields = spec.schema.model_fields
    if raw in fields:
        return raw
    alias = zh.field_of_alias(spec.schema, raw)
    if alias is not None:
        return alias
    norm = re.sub(r"[\s\-]+", "_", raw.strip()).lower()
    if norm in fields:
        return norm
    return raw


@dataclass
class _Sheet:
    frame: pd.DataFrame
    origin: SheetOrigin


def _key_fields(spec: TableSpec) -> set[str]:
    """Fields whose values identify a row (codes, ids, ledgers, periods): not floats or booleans."""
    if spec.schema is None:
        return set()
    out = set()
    for name, f in spec.schema.model_fields.items():
        text = str(f.annotation)
        if ("float" in text or "bool" in text) and name != spec.index_field:
            continue
        out.add(name)
    return out


def _read_sheet(ws_v: Any, ws_f: Any, sheet: str, spec: TableSpec | None, *, settings: bool = False) -> _Sheet | None:
    """A sheet as a DataFrame of raw cell values with its :class:`SheetOrigin` (None if the sheet is empty)."""
    from openpyxl.utils import get_column_letter

    rows_v = list(ws_v.iter_rows())
    rows_f = list(ws_f.iter_rows())
    # formulas without a saved value: the workbook was written by a program, never computed
    pending = [cf.coordinate for row in rows_f for cf in row
               if cf.data_type == "f" and ws_v[cf.coordinate].value is None]
    if pending:
        cells = ", ".join(f"{sheet}!{c}" for c in pending[:8]) + (" ..." if len(pending) > 8 else "")
        raise InputError(
            f"{len(pending)} cell(s) hold a formula without a saved result ({cells}): the workbook was not saved by "
            "a spreadsheet program, so the formulas were never computed. Open it in Excel (or LibreOffice) and save "
            "it, or type the values in", table=sheet, position=f"{sheet}!{pending[0]}")
    header_i = next((i for i, row in enumerate(rows_v) if any(_blank(c.value) is not None for c in row)), None)
    if header_i is None:
        return None
    for rng in getattr(ws_v.merged_cells, "ranges", ()):
        if rng.max_row >= header_i + 1:
            raise InputError(f"cells {rng.coord} are merged: give every row and column its own cell (unmerge them)",
                             table=sheet, position=f"{sheet}!{rng.coord}")
    header_row = rows_v[header_i]
    excel_header = header_i + 1
    heads: list[tuple[int, str]] = []
    seen: dict[str, str] = {}
    data_rows = rows_v[header_i + 1:]
    is_matrix = spec is not None and spec.matrix and not _is_long(header_row, spec)
    for j, c in enumerate(header_row):
        raw = _blank(c.value)
        letter = get_column_letter(j + 1)
        if is_matrix and j == 0:
            heads.append((j, "__label__"))
            continue
        if raw is None:
            if any(j < len(r) and _blank(r[j].value) is not None for r in data_rows):
                raise InputError(f"column {letter} has values but no header: name it (row {excel_header})",
                                 table=sheet, position=f"{sheet}!{letter}{excel_header}")
            continue
        name = str(_code(raw)) if is_matrix else _canonical_header(str(raw).strip(), spec, settings)
        if name in seen:
            raise InputError(
                f"the column {name!r} appears twice (columns {seen[name]} and {letter}"
                + (f", header {raw!r}" if str(raw).strip() != name else "") + "): keep one",
                table=sheet, field=name, position=f"{sheet}!{letter}{excel_header}")
        seen[name] = letter
        heads.append((j, name))
    records: list[list[Any]] = []
    excel_rows: list[int] = []
    for r in data_rows:
        vals = [_blank(r[j].value) if j < len(r) else None for j, _ in heads]
        if all(v is None for v in vals):
            continue
        records.append(vals)
        excel_rows.append(r[0].row if r else 0)
    cols = [n for _, n in heads]
    df = pd.DataFrame(records, columns=cols, dtype=object)
    columns = {n: get_column_letter(j + 1) for j, n in heads}
    key_cols = {"__label__"} if is_matrix else (_key_fields(spec) if spec is not None else set())
    keys = tuple(frozenset(str(_code(v)) for c, v in zip(cols, rec, strict=True)
                           if c in key_cols and v is not None) for rec in records)
    return _Sheet(df, SheetOrigin(sheet, tuple(excel_rows), columns, keys))


def _is_long(header_row: Sequence[Any], spec: TableSpec) -> bool:
    assert spec.schema is not None
    names = {_canonical_header(str(c.value).strip(), spec) for c in header_row if _blank(c.value) is not None}
    return bool(names & {"origin", "destination"})


def _blank(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        return s if s else None
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _frame(sh: _Sheet, spec: TableSpec, name: str) -> pd.DataFrame:
    df = sh.frame
    origin = sh.origin
    if "__label__" in df.columns:  # a square matrix
        df = df.set_index("__label__")
        df.index = [str(_code(i)) for i in df.index]
        df.index.name = None
    elif spec.index_field:
        if spec.index_field not in df.columns:
            raise InputError(f"sheet needs an id column {spec.index_field!r} (columns: {list(df.columns)})",
                             table=name, field=spec.index_field, position=f"{origin.sheet}!row 1 (header)")
        df = df.set_index(spec.index_field)
    df = df.infer_objects()
    df.attrs[ORIGIN_ATTR] = origin
    return df


def _settings(sh: _Sheet, path: Path) -> tuple[dict[str, Any], SheetOrigin]:
    df, origin = sh.frame, sh.origin
    if "key" not in df.columns or "value" not in df.columns:
        raise InputError(
            f"the settings sheet needs the header key, value (description optional) in its first row; found "
            f"{[str(c) for c in df.columns]}", table="settings", position="settings!row 1 (header)")
    out: dict[str, Any] = {}
    keys: list[frozenset[str]] = []
    for i, (key_raw, val) in enumerate(zip(df["key"], df["value"], strict=True)):
        pos = origin.cell(i, "value")
        if key_raw is None:
            if val is not None:
                raise InputError("a value without a key", table="settings", position=origin.cell(i, "key"))
            keys.append(frozenset())
            continue
        key = str(key_raw).strip()
        keys.append(frozenset({key}))
        if val is None:
            continue
        if isinstance(val, str) and val.startswith(("{", "[")):
            try:
                val = json.loads(val)
            except json.JSONDecodeError as exc:
                raise InputError(f"not valid JSON ({exc.msg} at character {exc.pos}); give one key per row instead, "
                                 f"e.g. {key}.<field>", table="settings", field=key, value=val,
                                 position=pos) from None
        if isinstance(val, (_dt.datetime, _dt.date)):
            raise InputError(f"a date ({val}) where a setting is expected: the cell is formatted as a date",
                             table="settings", field=key, value=str(val), position=pos)
        if key in out:
            raise InputError("setting given twice", table="settings", field=key, position=pos)
        out[key] = val  # "statutory.base_10k_cny_per_mu" stays flat: make_settings nests it
    return out, SheetOrigin("settings", origin.rows, origin.columns, tuple(keys))


def _read(path: str | Path, tables: Mapping[str, TableSpec]
          ) -> tuple[dict[str, pd.DataFrame], dict[str, Any], SheetOrigin | None]:
    path = Path(path)
    wb_v, wb_f = _open(path)
    try:
        mapping = _sheet_map(wb_v.sheetnames, tables, path)
        present = set(mapping.values())
        for name, spec in tables.items():
            if spec.required and name not in present:
                raise InputError(f"required sheet {name!r} is missing from {path.name}; sheets: {wb_v.sheetnames}",
                                 table=name)
        frames: dict[str, pd.DataFrame] = {}
        settings: dict[str, Any] = {}
        s_origin: SheetOrigin | None = None
        for sheet, table in mapping.items():
            tspec = tables.get(table)
            sh = _read_sheet(wb_v[sheet], wb_f[sheet], sheet, tspec, settings=table == "settings")
            if table == "settings":
                if sh is not None:
                    settings, s_origin = _settings(sh, path)
                continue
            assert tspec is not None
            if sh is None:
                if tspec.required:
                    raise InputError(f"required sheet {table!r} is empty (no header row)", table=table,
                                     position=f"sheet {sheet!r}")
                continue
            if len(sh.frame) == 0 and not tspec.required:
                continue  # an optional sheet left as the template has it (headers only): not given
            frames[table] = _frame(sh, tspec, table)
    finally:
        wb_v.close()
        wb_f.close()
    return frames, settings, s_origin


def read_frames(path: str | Path, tables: Mapping[str, TableSpec]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a workbook into ``{table: DataFrame}`` and a settings mapping.

    Each DataFrame carries its :class:`~regionopt.schema.SheetOrigin` in
    ``df.attrs`` (Excel row of each row), so that validation errors name the
    cell. Chinese headers and sheet names listed in :mod:`regionopt.io.zh` are
    read as their English names.

    Raises
    ------
    InputError
        If the file cannot be read as a workbook (missing, a folder, a CSV,
        empty, damaged), holds formulas without a saved value, a duplicated
        header, merged cells, an unknown sheet, a bad settings sheet, or lacks
        a required sheet; naming the sheet and cell.
    """
    frames, settings, _ = _read(path, tables)
    return frames, settings


def locate(err: InputError, frames: Mapping[str, Any], settings_origin: SheetOrigin | None = None) -> InputError:
    """``err`` with the workbook cell it refers to, found from its table and row id (unchanged if not found)."""
    if err.position is not None:
        return err

    def find(e: InputError) -> str | None:
        if e.position is not None:
            return e.position
        if e.table == "settings" and settings_origin is not None and e.field:
            return (settings_origin.locate(e.field, "value")
                    or settings_origin.locate(e.field.split(".")[0], "value"))
        df = frames.get(str(e.table)) if e.table is not None else None
        attrs = getattr(df, "attrs", None)
        origin = attrs.get(ORIGIN_ATTR) if isinstance(attrs, dict) else None
        if not isinstance(origin, SheetOrigin):
            return None
        if e.row is None:
            if e.field is not None and e.field in origin.columns:
                return f"{origin.sheet}!{origin.columns[e.field]}1"
            return None
        return origin.locate(e.row, e.field)

    pos = find(err)
    probs = [p.located(find(p)) for p in err.problems] if err.problems else None
    if pos is None and not probs:
        return err
    return err.located(pos, probs)


def read_problem_workbook(problem_cls: Any, path: str | Path,
                          settings: BaseModel | Mapping[str, Any] | None = None) -> Any:
    """Read a workbook and build ``problem_cls`` from it (settings given here win over the sheet).

    Raises
    ------
    InputError
        As :func:`read_frames`, and every error of ``problem_cls.from_frames``,
        with the workbook cell added where the error's table and row are found.
    """
    frames, file_settings, s_origin = _read(path, problem_cls.tables)
    merged = dict(file_settings)
    if settings is not None:
        merged.update(settings.model_dump() if isinstance(settings, BaseModel) else dict(settings))
    try:
        kwargs = problem_cls._workbook_keywords(frames)
        return problem_cls.from_frames(**kwargs, settings=merged)
    except InputError as exc:
        raise locate(exc, frames, s_origin) from None


# =========================================================================== results

#: Column suffix -> unit, for the result workbook's ``columns`` sheet (longest suffix first).
UNITS: tuple[tuple[str, str], ...] = (
    ("_10k_cny_per_unit", "万元 (10,000 CNY) per unit of the row's ledger"),
    ("_10k_cny_per_mu", "万元 (10,000 CNY) per mu"),
    ("_10k_cny", "万元 (10,000 CNY)"),
    ("_10k_tce", "10,000 t of coal equivalent (万吨标准煤)"),
    ("_100kg", "100 kg of grain capacity"),
    ("_mu", "mu (亩; 15 mu = 1 ha)"),
    ("_km", "km"),
    ("_pct", "percent"),
    ("_share", "share in [0, 1]"),
    ("share", "share in [0, 1]"),
    ("_10k", "10,000 persons (万人)"),
    ("_seconds", "seconds"),
)

#: Columns that hold a code a name can be put beside.
CODE_COLUMNS = ("region", "seller", "buyer", "province", "city", "cluster", "partner", "origin", "destination")


def unit_of(column: str) -> str:
    """The unit a column name carries ('' if none)."""
    for suffix, unit in UNITS:
        if column.endswith(suffix):
            return unit
    return ""


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    """One header row, no merged cells: a named or multi-level index becomes columns, multi-level columns are joined."""
    out = df
    default_index = isinstance(out.index, pd.RangeIndex) and out.index.name is None and out.index.start == 0 \
        and out.index.step == 1
    if isinstance(out.index, pd.MultiIndex) or out.index.name is not None:
        out = out.reset_index()
    elif not default_index:  # labels without a name (e.g. objective terms): keep them as a column
        out = out.rename_axis("item").reset_index()
    if isinstance(out.columns, pd.MultiIndex):
        out = out.copy()
        out.columns = ["_".join(str(x) for x in c if str(x) != "") for c in out.columns]
    out.columns = [str(c) for c in out.columns]
    return out


def _with_names(df: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    if not names:
        return df
    cols = list(df.columns)
    out = df
    for k, col in enumerate(cols):
        if col not in CODE_COLUMNS:
            continue
        has = any(c.startswith(f"{col}_name") for c in cols) or (k == 0 and ({"name", "name_en"} & set(cols)))
        if has:
            continue
        codes = out[col].map(lambda v: str(_code(v)) if v is not None else v)
        named = codes.map(lambda c: names.get(c, ""))
        if not (named != "").any():
            continue
        if out is df:
            out = df.copy()
        out.insert(list(out.columns).index(col) + 1, f"{col}_name", named)
    return out


def names_of(obj: Any) -> dict[str, str]:
    """Code -> display name from a problem or result (its inputs' regions, provinces, names)."""
    out: dict[str, str] = {}
    if obj is None:
        return out
    prob = getattr(obj, "problem", None)
    if prob is not None and prob is not obj:
        out.update(names_of(prob))
    inp = getattr(obj, "inputs", None)
    for attr in ("provinces", "regions"):
        d = getattr(inp, attr, None)
        if isinstance(d, Mapping):
            for code, row in d.items():
                nm = getattr(row, "name", None)
                if isinstance(nm, str) and nm:
                    out[str(code)] = nm
    nm_map = getattr(inp, "names", None)
    if isinstance(nm_map, Mapping):
        out.update({str(k): str(v) for k, v in nm_map.items() if v})
    own = getattr(obj, "names", None)
    if isinstance(own, Mapping):
        out.update({str(k): str(v) for k, v in own.items() if v})
    return out


class _ResultLike(Protocol):
    notes: list[str]

    def summary(self) -> pd.DataFrame: ...

    def tables(self) -> dict[str, pd.DataFrame]: ...


def write_result_workbook(result: _ResultLike, path: str | Path, *, names: Mapping[str, str] | None = None,
                          notes: Iterable[tuple[str, str]] = ()) -> Path:
    """Write a result's summary, tables and notes to ``path`` (atomically), formatted for reading.

    Parameters
    ----------
    result
        Any object with ``summary()``, ``tables()`` and ``notes`` (every
        :class:`~regionopt.contract.Result`).
    path
        The ``.xlsx`` to write.
    names
        Code -> display name; a ``<code>_name`` column is put beside each code
        column (``region``, ``seller``, ``buyer``, ``province``, ``city``,
        ``cluster``, ``partner``) that has no name column yet. Default: the
        names the result (or its problem) knows.
    notes
        Extra ``(topic, note)`` rows for the notes sheet (sources, what is
        illustrative...).
    """
    _need_openpyxl("writing an Excel workbook")
    path = Path(path)
    names = dict(names) if names is not None else names_of(result)
    summary = result.summary()
    summary_t = pd.DataFrame({"item": [str(i) for i in summary.index],
                              "value": [_plain(v) for v in summary.iloc[:, 0]]}) if len(summary.columns) else \
        pd.DataFrame(columns=["item", "value"])
    tables = {name[:31]: _with_names(_tidy(df), names) for name, df in result.tables().items()}
    note_rows = _note_rows(result, notes)
    col_rows = [(sheet, c, unit_of(c)) for sheet, df in tables.items() for c in df.columns]
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            summary_t.to_excel(xw, sheet_name="summary", index=False)
            for name, df in tables.items():
                _excel_safe(df).to_excel(xw, sheet_name=name, index=False)
            pd.DataFrame(note_rows, columns=["topic", "note"]).to_excel(xw, sheet_name="notes", index=False)
            pd.DataFrame(col_rows, columns=["sheet", "column", "unit"]).to_excel(xw, sheet_name="columns",
                                                                               index=False)
            for sheet, ws in xw.sheets.items():
                frame = {"summary": summary_t, **tables}.get(sheet)
                _format_sheet(ws, frame, wide={"notes": {"B": 120}, "summary": {"B": 40}}.get(sheet, {}))
    return path


def _plain(v: Any) -> Any:
    if isinstance(v, (list, tuple, set, dict)):
        return str(v)
    return v


def _excel_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Values Excel can hold: infinities and containers as text."""
    out = df
    for c in df.columns:
        s = df[c]
        if s.dtype == object:
            if s.map(lambda v: isinstance(v, (list, tuple, set, dict))).any():
                out = out.copy() if out is df else out
                out[c] = s.map(lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v)
        elif pd.api.types.is_float_dtype(s) and (s.abs() == math.inf).any():
            out = out.copy() if out is df else out
            out[c] = s.map(lambda v: ("inf" if v > 0 else "-inf") if isinstance(v, float) and math.isinf(v) else v)
    return out


def _note_rows(result: Any, extra: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    from .. import __version__

    rows: list[tuple[str, str]] = []
    rep = getattr(result, "report", None)
    if rep is not None:
        status = getattr(getattr(rep, "status", None), "value", str(getattr(rep, "status", "")))
        rows.append(("solver", f"{getattr(rep, 'solver', '')}: status {status} ({getattr(rep, 'termination', '')}), "
                     f"{getattr(rep, 'solve_seconds', math.nan):.3g} s"))
        gap = getattr(rep, "mip_gap", math.nan)
        rows.append(("gap", "0 (proven optimal)" if status == "optimal" and (not math.isfinite(gap) or gap <= 1e-9)
                     else f"relative gap {gap:.3g}: the plan may be up to this share below the best possible"))
    rows.extend(extra)
    rows.extend(("note", n) for n in (getattr(result, "notes", None) or []))
    rows.append(("sources", "bundled data and their sources: regionopt/data/SOURCES.md; parameters that no source "
                 "gives are illustrative and labelled so in the inputs and the docs"))
    rows.append(("units", "units are in the column names (see the columns sheet): _10k_cny = 万元, _mu = 亩, "
                 "_km = km"))
    rows.append(("software", f"regionopt {__version__}, written {_dt.date.today().isoformat()}"))
    return rows


def _format_sheet(ws: Any, frame: pd.DataFrame | None, wide: Mapping[str, int]) -> None:
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor=_HEADER_FILL)
    for c in ws[1]:
        c.font = bold
        c.fill = fill
    ws.freeze_panes = "A2"
    if ws.max_row > 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    for j, col_cells in enumerate(ws.iter_cols(min_row=1, max_row=min(ws.max_row, 300)), start=1):
        letter = get_column_letter(j)
        header = str(col_cells[0].value or "")
        width = max([len(header)] + [len(_shown(c.value)) for c in col_cells[1:]]) + 2
        ws.column_dimensions[letter].width = wide.get(letter, max(8, min(60, width)))
        if frame is None or j > len(frame.columns):
            continue
        s = frame.iloc[:, j - 1]
        fmt = None
        if pd.api.types.is_bool_dtype(s):
            fmt = None
        elif pd.api.types.is_integer_dtype(s):
            fmt = "0" if header in ("year", "period", "rank", "stage") else "#,##0"
        elif pd.api.types.is_float_dtype(s):
            fmt = "0.00%" if header.endswith("share") and s.dropna().between(0, 1).all() else "#,##0.00"
        if fmt:
            for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                for c in row:
                    c.number_format = fmt


def _shown(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.2f}"
    return str(v)

