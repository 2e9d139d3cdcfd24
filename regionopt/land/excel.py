"""Excel input of the land model: the documented template and its reader.

Thin wrappers around :mod:`regionopt.io.excel`, which writes and reads every
model's workbook from its table schemas and settings model (so the template
never drifts from the code).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..io.excel import read_frames
from ..io.excel import write_template as _write_template
from .inputs import TABLES

__all__ = ["read_workbook", "write_template"]


def write_template(path: str | Path) -> Path:
    """Write an empty, documented land-quota input workbook to ``path``; return the path."""
    from .problem import LandQuotaProblem

    return _write_template(LandQuotaProblem, path)


def read_workbook(path: str | Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Read a workbook into the frames of :meth:`LandQuotaProblem.from_frames` and settings.

    Raises
    ------
    InputError
        If the file or a required sheet is missing.
    """
    return read_frames(path, TABLES)
