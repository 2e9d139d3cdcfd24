"""Small inputs of every model, as DataFrames and as workbooks, for the input-hardening tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .cluster_checks import simple_tables as clusters_simple  # noqa: F401  (re-exported)
from .land_checks import tiny_frames as land_tiny  # noqa: F401


def enclave_tiny() -> dict[str, Any]:
    """Three partners of a co-built park (illustrative), with a short forecast."""
    contributions = pd.DataFrame(
        {"role": ["source", "investor", "host"], "projects": [10.0, 0.0, 0.0], "home_land_mu": [60.0, 0.0, 0.0],
         "land_mu": [0.0, 0.0, 600.0], "service_capacity": [0.0, 0.0, 12.0],
         "capital_10k_cny": [20_000.0, 60_000.0, 10_000.0], "upfront_cost_10k_cny": [1_000.0, 5_000.0, 2_000.0]},
        index=pd.Index(["Source city", "Investment co.", "Host county"], name="partner"))
    forecast = pd.DataFrame({"year": list(range(1, 13)), "shareable_10k_cny": [2_000.0 * min(t, 4) for t in range(1, 13)]})
    return {"contributions": contributions, "forecast": forecast}


def write_workbook(path: Path, frames: dict[str, Any], settings: dict[str, Any] | None = None) -> Path:
    """Write DataFrames as sheets (with the index when it is named) and a key/value settings sheet."""
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name, df in frames.items():
            if not isinstance(df, pd.DataFrame):
                continue
            df.to_excel(xw, sheet_name=name, index=df.index.name is not None)
        if settings:
            pd.DataFrame({"key": list(settings), "value": list(settings.values())}).to_excel(
                xw, sheet_name="settings", index=False)
    return path
