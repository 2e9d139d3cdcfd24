"""Maps and charts for planners (optional: ``pip install "regionopt[plot]"``).

Maps on real province, city and county boundaries (from :mod:`regionopt.geo`):

- :func:`choropleth` — a value per province, city or county (gains, prices);
- :func:`flow_map` — quota flows as arrows, width ∝ amount, colour by channel;
- :func:`role_map` / :func:`role_maps` — cluster roles by city, one map or a grid;
- :func:`base_map` — an empty map to draw on.

Charts:

- :func:`gains_bar` — signed bars (gains and losses);
- :func:`splits_bar` — how methods split a total between partners;
- :func:`role_matrix_heatmap` — city × cluster roles.

Every function takes plain DataFrames or Series keyed by GB/T 2260 codes (the
result tables of the models as they are), an optional ``names`` mapping
code -> label and ``lang="auto" | "en" | "zh"`` (``auto``: Chinese where a CJK
font such as Debian's ``fonts-noto-cjk`` is installed, English otherwise), and
returns its matplotlib Axes (a Figure for grids).
"""

from __future__ import annotations

try:
    import matplotlib  # noqa: F401
except ImportError as exc:  # pragma: no cover - exercised in a test with matplotlib hidden
    from ..errors import MissingExtraError

    raise MissingExtraError("Plots (regionopt.plot)", "plot", "matplotlib") from exc

from ._style import CHANNELS, LEDGER_LABELS, ROLE_COLORS, ROLE_LABELS, cjk_font, style
from .charts import gains_bar, role_matrix_heatmap, splits_bar
from .maps import base_map, choropleth, flow_map, role_map, role_maps

__all__ = [
    "CHANNELS",
    "LEDGER_LABELS",
    "ROLE_COLORS",
    "ROLE_LABELS",
    "base_map",
    "choropleth",
    "cjk_font",
    "flow_map",
    "gains_bar",
    "role_map",
    "role_maps",
    "role_matrix_heatmap",
    "splits_bar",
    "style",
]
