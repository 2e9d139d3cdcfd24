"""The input tables of a land-quota problem, back as DataFrames (:meth:`LandQuotaProblem.to_frames`).

``LandQuotaProblem.from_frames(**problem.to_frames())`` rebuilds a problem
with the same model (same rows, columns and numbers): the tables are written
from the validated inputs, so defaults the validation filled in become
explicit (a province's verified platform coefficient, every ledger of a pair
that named none). Scenario sweeps (:mod:`regionopt.scenarios`) edit these
tables and validate them again.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .inputs import (
    AllocationRow,
    ExportCapRow,
    LandInputs,
    PairRow,
    ProjectRow,
    ProvinceRow,
    RegionRow,
    ReserveRow,
)

__all__ = ["land_frames"]


def _nan(v: Any) -> Any:
    return math.nan if v is None else v


def _rows(schema: type, records: list[dict[str, Any]], index: str | None = None) -> pd.DataFrame:
    cols = list(schema.model_fields)  # type: ignore[attr-defined]
    df = pd.DataFrame.from_records(records, columns=cols)
    for c in cols:
        if df[c].dtype == object and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                         for v in df[c]):
            df[c] = df[c].astype("float64")
    if index is not None:
        df = df.set_index(index)
    return df


def land_frames(inp: LandInputs) -> dict[str, Any]:
    """``from_frames`` keywords (tables and ``settings``) that rebuild ``inp``.

    Optional values that were not given are NaN; a province's
    ``platform_coefficient`` column is always written (NaN = may not buy from
    the national platform), so the verified coefficients the validation filled
    in stay as they were.
    """
    regions = _rows(RegionRow, [{f: getattr(r, f) for f in RegionRow.model_fields}
                                for r in inp.regions.values()], "region")
    provinces = _rows(ProvinceRow, [{f: _nan(getattr(p, f)) if f != "name" else p.name
                                     for f in ProvinceRow.model_fields} for p in inp.provinces.values()],
                      "province")
    provinces["platform_coefficient"] = provinces["platform_coefficient"].astype("float64")
    projects = _rows(ProjectRow, [{f: getattr(p, f) for f in ProjectRow.model_fields}
                                  for p in inp.projects.values()], "project")
    allocations = _rows(AllocationRow, [{"region": r, "ledger": led, "amount": a, "period": t}
                                        for (r, led, t), a in inp.allocations.items()])
    reserves = _rows(ReserveRow, [{f: getattr(t, f) for f in ReserveRow.model_fields}
                                  for t in inp.reserves.values()])
    pair_rows = []
    for (s, b, led), pr in inp.pairs.items():
        d = {f: getattr(pr, f) for f in PairRow.model_fields}
        d.update(seller=s, buyer=b, ledger=led)
        pair_rows.append(d)
    pairs = _rows(PairRow, pair_rows)
    export_caps = _rows(ExportCapRow, [{"region": r, "ledger": led, "cap": c}
                                       for (r, led), c in inp.export_caps.items()])
    for df in (regions, provinces, projects):
        for c in df.columns:
            if df[c].dtype == object:
                df[c] = df[c].map(_nan)
    out: dict[str, Any] = {
        "regions": regions, "projects": projects, "provinces": provinces, "allocations": allocations,
        "reserves": reserves, "pairs": pairs, "export_caps": export_caps,
    }
    if inp.distances_km:
        codes = sorted({c for k in inp.distances_km for c in k})
        dist = pd.DataFrame(math.nan, index=pd.Index(codes, name="region"), columns=codes)
        for (s, b), v in inp.distances_km.items():
            dist.at[s, b] = v
        out["distances_km"] = dist
    out["settings"] = inp.settings
    return out
