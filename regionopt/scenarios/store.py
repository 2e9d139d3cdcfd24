"""The sweep store: a folder of Parquet files, one set per finished batch.

Layout::

    store/
      sweep.json                         base problem's class and fingerprint, format
      scenarios/batch-<time>-<id>.parquet one row per scenario of the batch (the commit)
      tables/<name>/batch-<time>-<id>.parquet  extracted tables of the batch

A batch's table files are written first and its ``scenarios`` file last, each
to a temporary file moved into place (:func:`regionopt.io.files.atomic_path`),
so a batch is either fully in the store or not at all: table files without
their scenarios file (a crash in between) are ignored and removed on the next
write. Only the process driving the sweep writes (workers return their
records), so a Dask cluster needs no shared file system. A scenario recorded
twice (a failed one run again) is read back once: the latest record wins.

Why Parquet files rather than DuckDB: one new immutable file per batch needs no
lock, no server and no transaction log, survives a killed process by
construction (nothing is ever rewritten), and is read by pandas, polars,
DuckDB and Spark alike. DuckDB can query the folder directly
(``SELECT * FROM 'store/scenarios/*.parquet'``).
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, require
from ..io.files import atomic_path

__all__ = ["FORMAT", "ParquetStore", "expand"]

FORMAT = 1


def _need_pyarrow() -> None:
    require("pyarrow", extra="scenarios", what="the sweep store (Parquet files)")


def _arrow_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Object columns of mixed types become text (Parquet needs one type per column)."""
    import pyarrow as pa

    out = df
    for c in df.columns:
        if df[c].dtype != object:
            continue
        try:
            pa.array(df[c], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            if out is df:
                out = df.copy()
            out[c] = df[c].map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    return out


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(_arrow_safe(df), preserve_index=False)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


class ParquetStore:
    """A sweep store folder (created if needed).

    Parameters
    ----------
    path
        The folder.
    problem, fingerprint
        The base problem's class name and fingerprint; a folder holding another
        base problem's sweep is refused (:class:`~regionopt.InputError`).
        Both ``None`` opens any store for reading.
    """

    def __init__(self, path: str | Path, *, problem: str | None = None, fingerprint: str | None = None) -> None:
        _need_pyarrow()
        self.path = Path(path)
        meta_path = self.path / "sweep.json"
        if meta_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if fingerprint is not None and meta.get("fingerprint") != fingerprint:
                raise InputError(
                    f"the store {str(self.path)!r} holds a sweep of another base problem "
                    f"({meta.get('problem')}, fingerprint {meta.get('fingerprint')}); use another folder",
                    table="store", field="path", value=str(self.path))
            self.meta = meta
        elif fingerprint is None:
            raise InputError(f"{str(self.path)!r} is not a sweep store (no sweep.json)", table="store",
                             field="path", value=str(self.path))
        else:
            if self.path.exists() and not self.path.is_dir():
                raise InputError(f"{str(self.path)!r} is a file, not a folder", table="store", field="path",
                                 value=str(self.path))
            self.path.mkdir(parents=True, exist_ok=True)
            from .. import __version__

            self.meta = {"format": FORMAT, "problem": problem, "fingerprint": fingerprint,
                         "regionopt": __version__, "created": pd.Timestamp.now(tz="UTC").isoformat()}
            with atomic_path(meta_path) as tmp:
                tmp.write_text(json.dumps(self.meta, indent=1), encoding="utf-8")
        (self.path / "scenarios").mkdir(exist_ok=True)
        (self.path / "tables").mkdir(exist_ok=True)

    # ------------------------------------------------------------------ write
    def write(self, records: Sequence[Mapping[str, Any]], tables: Mapping[str, Iterable[pd.DataFrame]]) -> str:
        """Write one batch (tables first, the scenarios file last); return the batch name."""
        if not records:
            return ""
        batch = f"batch-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        self._clean_orphans()
        for name, frames in tables.items():
            frames = [f for f in frames if f is not None]
            if not frames:
                continue
            folder = self.path / "tables" / _safe(name)
            folder.mkdir(parents=True, exist_ok=True)
            _write_parquet(pd.concat(frames, ignore_index=True), folder / f"{batch}.parquet")
        df = pd.DataFrame([dict(r, batch=batch) for r in records])
        _write_parquet(df, self.path / "scenarios" / f"{batch}.parquet")
        return batch

    def _committed(self) -> set[str]:
        return {p.stem for p in (self.path / "scenarios").glob("batch-*.parquet")}

    def _clean_orphans(self) -> None:
        """Remove table files of batches whose scenarios file never came (a crash between the two)."""
        committed = self._committed()
        now = time.time()
        for p in (self.path / "tables").glob("*/batch-*.parquet"):
            # only files older than a minute: a writer may be between its table and scenarios files
            if p.stem not in committed and now - p.stat().st_mtime > 60:
                p.unlink(missing_ok=True)

    # ------------------------------------------------------------------ read
    def records(self) -> pd.DataFrame:
        """Every scenario record, the latest per scenario (columns of :data:`~.runner.RESERVED`)."""
        files = sorted((self.path / "scenarios").glob("batch-*.parquet"))
        if not files:
            from .runner import RESERVED

            return pd.DataFrame(columns=list(RESERVED))
        df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
        df = df.sort_values(["batch", "finished_at"], kind="stable")
        return df.drop_duplicates("scenario_id", keep="last").reset_index(drop=True)

    def done(self) -> dict[str, str]:
        """Scenario id -> status of the latest record."""
        r = self.records()
        return dict(zip(r["scenario_id"], r["status"], strict=True))

    def table_names(self) -> list[str]:
        return sorted(p.name for p in (self.path / "tables").iterdir() if p.is_dir())

    def table(self, name: str, records: pd.DataFrame | None = None) -> pd.DataFrame:
        """An extracted table: rows of each scenario's latest record only."""
        folder = self.path / "tables" / _safe(name)
        if not folder.is_dir():
            raise InputError(f"the store has no table {name!r}; tables: {self.table_names()}", table="store",
                             field="table", value=name)
        recs = self.records() if records is None else records
        keep = set(zip(recs["scenario_id"], recs["batch"], strict=True))
        committed = self._committed()
        parts = []
        for f in sorted(folder.glob("batch-*.parquet")):
            if f.stem not in committed:
                continue
            d = pd.read_parquet(f)
            mask = [(sid, f.stem) in keep for sid in d["scenario_id"]]
            parts.append(d[mask])
        if not parts:
            return pd.DataFrame(columns=["scenario_id"])
        return pd.concat(parts, ignore_index=True)


def _safe(name: str) -> str:
    bad = set('/\\:*?"<>|')
    if not name or name.startswith(".") or any(ch in bad for ch in name):
        raise InputError(f"table name {name!r} cannot be a folder name", table="store", field="table", value=name)
    return name


def expand(records: pd.DataFrame) -> pd.DataFrame:
    """Records with their ``params`` and ``outputs`` JSON expanded into columns (tidy: one row per scenario)."""
    if not len(records):
        return records.drop(columns=["params", "outputs", "edits"], errors="ignore")
    params = pd.DataFrame([json.loads(p) for p in records["params"]], index=records.index)
    outputs = pd.DataFrame([json.loads(o) for o in records["outputs"]], index=records.index)
    meta = records.drop(columns=["params", "outputs", "edits"])
    front = ["scenario_id", "name"]
    cols = [*front, *params.columns]
    out = pd.concat([meta[front], params, meta.drop(columns=front), outputs], axis=1)
    dup = out.columns[out.columns.duplicated()]
    if len(dup):
        raise InputError(f"parameter or output name {dup[0]!r} is also a record column", table="scenarios",
                         field=str(dup[0]))
    return out[[*cols, *[c for c in out.columns if c not in cols]]]
