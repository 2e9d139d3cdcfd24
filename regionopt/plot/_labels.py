"""Greedy label placement: no two labels overlap, none leaves the axes.

Labels are placed in priority order. Each is tried on its anchor point, then
beside it in eight directions at growing distances; the first position whose
box (in display pixels) overlaps no placed label and no obstacle wins, and a
thin leader line joins a moved label to its point. A label with no free
position is left out and reported, so a reader is told that something is
missing rather than shown a pile of overlapping names.

The placement is done for the figure's size at the time of the call: call it
after the axes, colorbar and legend are laid out (the map functions do).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patheffects import withStroke
from matplotlib.text import Text
from matplotlib.transforms import Bbox

LABEL_GID = "regionopt-label"


@dataclass
class LabelSpec:
    x: float
    y: float
    text: str
    priority: float = 0.0
    color: str = "#222222"
    size: float | None = None
    weight: str = "normal"
    style: str = "normal"
    leader: bool = True
    on_point: bool = True  # may the label sit centred on its point (hiding it)?


def renderer_of(ax: Axes) -> Any:
    canvas = ax.figure.canvas
    get = getattr(canvas, "get_renderer", None)
    if get is None:  # a canvas that cannot measure text (e.g. a vector backend): draw with Agg's
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        get = FigureCanvasAgg(ax.figure).get_renderer  # type: ignore[arg-type]
    return get()


def _overlaps(box: Bbox, boxes: Sequence[Bbox], pad: float) -> bool:
    for b in boxes:
        if box.x0 < b.x1 + pad and box.x1 > b.x0 - pad and box.y0 < b.y1 + pad and box.y1 > b.y0 - pad:
            return True
    return False


def place_labels(
    ax: Axes,
    specs: Sequence[LabelSpec],
    *,
    fontsize: float,
    font: dict[str, Any],
    avoid: Sequence[Bbox] = (),
    pad_px: float = 1.5,
    max_steps: int = 5,
) -> tuple[list[Text], list[LabelSpec]]:
    """Place labels without overlap; return the placed texts and the labels left out."""
    ax.apply_aspect()
    renderer = renderer_of(ax)
    dpi_scale = ax.figure.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    placed_boxes: list[Bbox] = list(avoid)
    texts: list[Text] = []
    dropped: list[LabelSpec] = []
    to_data = ax.transData.inverted()
    for spec in sorted(specs, key=lambda s: -s.priority):
        px, py = ax.transData.transform((spec.x, spec.y))
        t = ax.text(
            spec.x,
            spec.y,
            spec.text,
            ha="center",
            va="center",
            color=spec.color,
            fontsize=spec.size or fontsize,
            fontweight=spec.weight,
            fontstyle=spec.style,
            zorder=6,
            gid=LABEL_GID,
            path_effects=[withStroke(linewidth=2.5, foreground="white")],
            **font,
        )
        bb = t.get_window_extent(renderer)
        w, h = bb.width, bb.height
        best: tuple[float, float] | None = None
        step = 0
        for step in range(max_steps + 1):
            r = (1.5 + 4.0 * step) * dpi_scale
            cands = [(px, py)] if step == 0 and spec.on_point else []
            if step > 0:
                dx, dy = w / 2 + r, h / 2 + r * 0.6
                cands += [
                    (px + dx, py), (px - dx, py), (px, py + dy), (px, py - dy),
                    (px + dx, py + dy), (px - dx, py + dy), (px + dx, py - dy), (px - dx, py - dy),
                ]
            for cx, cy in cands:
                box = Bbox.from_extents(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
                inside = (
                    box.x0 >= frame.x0 + 1 and box.x1 <= frame.x1 - 1
                    and box.y0 >= frame.y0 + 1 and box.y1 <= frame.y1 - 1
                )
                if inside and not _overlaps(box, placed_boxes, pad_px):
                    best = (cx, cy)
                    placed_boxes.append(box)
                    break
            if best is not None:
                break
        if best is None:
            t.remove()
            dropped.append(spec)
            continue
        x, y = to_data.transform(best)
        t.set_position((float(x), float(y)))
        if spec.leader and step >= 2:  # beside its point (step 1) a label needs no leader
            box = placed_boxes[-1]
            ex, ey = to_data.transform((float(np.clip(px, box.x0, box.x1)), float(np.clip(py, box.y0, box.y1))))
            ax.plot([spec.x, ex], [spec.y, ey], color="#555555", lw=0.5, zorder=5, solid_capstyle="butt")
        texts.append(t)
    return texts, dropped
