"""MkDocs hook: settings tables generated from each model's pydantic settings model.

A page writes ``<!-- settings-table: regionopt.land.LandSettings -->`` and the
build replaces it with a table of every field, its default and its description
(unit included), read from the code, so the docs never drift from it. The
Excel templates' ``settings`` sheets are generated from the same descriptions.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

_MARK = re.compile(r"<!--\s*settings-table:\s*([\w.]+)\s*-->")


def _table(path: str) -> str:
    module, _, name = path.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    from regionopt.contract import settings_table

    df = settings_table(cls)
    rows = ["| setting | default | meaning (unit) |", "|---|---|---|"]
    for r in df.itertuples(index=False):
        default = "" if r.default == "" else f"`{r.default}`"
        text = str(r.description).replace("|", "\\|")
        rows.append(f"| `{r.setting}` | {default} | {text} |")
    return "\n".join(rows)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    return _MARK.sub(lambda m: _table(m.group(1)), markdown)
