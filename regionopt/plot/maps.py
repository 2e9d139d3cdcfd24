"""Maps on real administrative boundaries: choropleths, quota flows, cluster roles.

Every map is drawn in longitude/latitude (GCJ-02, the datum of the boundary
data and of ``regionopt``'s bundled coordinates) with the aspect ratio set to
``1 / cos(mean latitude)``, so that distances east–west and north–south look
alike and areas look right at the scale of a province. Each map has a scale
bar in km, province outlines over the city fills, and labels placed so that
no two overlap (see :mod:`regionopt.plot._labels`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap, Normalize, TwoSlopeNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch, PathPatch, Rectangle
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter
from matplotlib.transforms import Bbox

from .. import geo
from ..errors import InputError
from ._labels import LabelSpec, place_labels, renderer_of
from ._style import (
    Lang,
    Style,
    channel_style,
    fmt,
    ledger_label,
    quantity_of,
    role_color,
    role_label,
    role_order,
    short_zh,
    style,
    unit_label,
    unit_names,
    unit_of,
    with_unit,
    wrap,
)

__all__ = ["base_map", "choropleth", "flow_map", "role_map", "role_maps"]

Level = Literal["province", "city", "county"]
SCALEBAR_GID = "regionopt-scalebar"
_SEA = "#dbe7f0"
_LAND = "#f4f1ea"
_CONTEXT = "#e3e3e3"
_MISSING = "#d9d9d9"
KM_PER_DEG = 111.32


# --------------------------------------------------------------------------- geometry -> paths
def _ring_path(geom: Any) -> Path | None:
    from shapely import orient_polygons

    geom = orient_polygons(geom)
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 4:
                continue
            c = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
            verts.append(xy)
            codes.append(c)
    if not verts:
        return None
    return Path(np.concatenate(verts), np.concatenate(codes))


@lru_cache(maxsize=256)
def _path(level: str, region: str, code: str, tol: float) -> Path:
    """Simplified outline of one unit as a matplotlib path (cached)."""
    import shapely

    g = _units(level, region).at[code, "geometry"]
    s = shapely.simplify(g, tol, preserve_topology=True)
    p = _ring_path(s) if not s.is_empty else None
    return p if p is not None else _ring_path(g)  # type: ignore[return-value]


def _paths(level: str, region: str, tol: float, codes: Sequence[str] | None = None) -> dict[str, Path]:
    table = _units(level, region)
    return {str(c): _path(level, region, str(c), tol) for c in (table.index if codes is None else codes)}


def _units(level: str, region: str) -> pd.DataFrame:
    fn = {"province": geo.provinces, "city": geo.cities, "county": geo.counties}[level]
    return fn(region)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the canvas
@dataclass
class _Map:
    ax: Axes
    st: Style
    level: str
    region: str
    units: pd.DataFrame
    extent: tuple[float, float, float, float]
    avoid: list[Bbox] = field(default_factory=list)

    @property
    def mean_lat(self) -> float:
        return (self.extent[2] + self.extent[3]) / 2

    def names(self, names: Mapping[str, str] | None) -> dict[str, str]:
        return unit_names(self.units, self.st, names)


def _infer_level(codes: Sequence[str], region: str) -> Level:
    """Province if every code is a province code, else city if most codes are cities, else county."""
    codes = [c for c in codes if c != "PLATFORM"]
    if codes and all(c.endswith("0000") for c in codes):
        return "province"
    cities = _units("city", region).index
    if codes and sum(c in cities for c in codes) * 2 >= len(codes):
        return "city"
    return "county"


def _infer_region(codes: Sequence[str]) -> str:
    provs = {c[:2] + "0000" for c in codes if c != "PLATFORM"}
    if provs <= set(geo.DELTA_PROVINCES):
        return "delta"
    if provs & {"710000", "810000", "820000"}:
        return "china"
    return "mainland"


def _check_codes(codes: Sequence[str], units: pd.DataFrame, table: str, level: str, region: str) -> None:
    bad = [c for c in codes if c not in units.index]
    if bad:
        raise InputError(
            f"{len(bad)} code(s) are not GB/T 2260 codes of a {level} in region {region!r} "
            f"(first: {bad[:5]}); pass level= or region= if the guess is wrong",
            table=table,
            row=bad[0],
            field="code",
        )


def _new_axes(extent: tuple[float, float, float, float], width: float, extra_w: float, bottom: float) -> Axes:
    """A figure sized so the map keeps its aspect: ``width`` inches of map, room around it."""
    x0, x1, y0, y1 = extent
    aspect = 1 / np.cos(np.radians((y0 + y1) / 2))
    h = width * (y1 - y0) * aspect / (x1 - x0)
    top, left = 0.8, 0.25
    W, H = left + width + extra_w + 0.1, bottom + h + top
    fig = plt.figure(figsize=(W, H))
    return fig.add_axes((left / W, bottom / H, width / W, h / H))


def _base(
    level: Level = "city",
    region: geo.Region = "delta",
    *,
    lang: Lang = "auto",
    ax: Axes | None = None,
    fill: Mapping[str, Any] | None = None,
    default_fill: str = _LAND,
    context: bool = True,
    scale_bar: bool = True,
    width: float = 7.0,
    extra_width: float = 0.0,
    bottom: float = 0.45,
) -> _Map:
    """Draw the units of ``level`` in ``region`` with outlines, context and a scale bar."""
    st = style(lang)
    units = _units(level, region)
    import shapely

    bounds = shapely.total_bounds(units["geometry"].to_numpy())
    pad_x, pad_y = 0.03 * (bounds[2] - bounds[0]), 0.03 * (bounds[3] - bounds[1])
    extent = (bounds[0] - pad_x, bounds[2] + pad_x, bounds[1] - pad_y, bounds[3] + pad_y)
    if ax is None:
        ax = _new_axes(extent, width, extra_width, bottom)
    m = _Map(ax, st, level, region, units, extent)
    tol = max(extent[1] - extent[0], extent[3] - extent[2]) / 2500
    ax.set_facecolor(_SEA if region == "delta" else "white")
    if context and region != "china":  # neighbours (for the mainland: Taiwan, Hong Kong, Macao) in grey
        _draw_context(m, tol)
    paths = _paths(level, region, tol)
    fill = fill or {}
    for code in units.index:
        p = paths[code]
        # add_artist, not add_patch: the limits are set below, no need to scan every vertex
        ax.add_artist(
            PathPatch(p, facecolor=fill.get(code, default_fill), edgecolor="white", lw=0.4, zorder=2, gid=f"unit:{code}")
        )
    if level == "county":  # city outlines between the county fills and the province outlines
        for code, p in _paths("city", region, tol).items():
            ax.add_artist(PathPatch(p, facecolor="none", edgecolor="#8c8c8c", lw=0.6, zorder=2.5, gid=f"city:{code}"))
    if level != "province":
        ppaths = _paths("province", region, tol)
        for code, p in ppaths.items():
            ax.add_artist(PathPatch(p, facecolor="none", edgecolor="#3a3a3a", lw=1.1, zorder=3, gid=f"province:{code}"))
    else:
        for patch in ax.patches:
            if str(patch.get_gid()).startswith("unit:"):
                patch.set_edgecolor("#3a3a3a")
                patch.set_linewidth(0.9)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect(1 / np.cos(np.radians(m.mean_lat)))
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("#999999")
    if scale_bar:
        _scale_bar(m)
    return m


def base_map(
    level: Level = "city",
    region: geo.Region = "delta",
    *,
    fill: Mapping[str, Any] | None = None,
    title: str | None = None,
    labels: bool = False,
    names: Mapping[str, str] | None = None,
    lang: Lang = "auto",
    ax: Axes | None = None,
) -> Axes:
    """An empty map to draw on: units, province outlines, neighbours, scale bar.

    Parameters
    ----------
    level, region
        Which boundaries (``"province"``, ``"city"``, ``"county"``) of which
        region (``"delta"``, ``"mainland"``, ``"china"``).
    fill
        Face colour per code (any matplotlib colour); others are left plain.
    title, names, lang, ax
        As in :func:`choropleth`.
    labels
        Write the units' names.

    Returns
    -------
    matplotlib.axes.Axes
        Longitude/latitude axes (GCJ-02) with the map's aspect; draw on them
        in degrees.
    """
    m = _base(level, region, lang=lang, ax=ax, fill=fill)
    specs: list[LabelSpec] = []
    if labels:
        nm = m.names(names)
        specs = [LabelSpec(float(r.lon), float(r.lat), nm[c], float(r.area_km2)) for c, r in m.units.iterrows()]
    _finish(m, title, specs)
    return m.ax


def _draw_context(m: _Map, tol: float) -> None:
    """Neighbouring provinces in grey, labelled faintly, so the region has a setting."""
    import shapely

    others = geo.provinces("china")
    others = others[~others.index.isin(m.units["province"] if "province" in m.units else m.units.index)]
    box = shapely.box(m.extent[0], m.extent[2], m.extent[1], m.extent[3])
    m.ax._regionopt_context = []  # type: ignore[attr-defined]
    for code, g in others["geometry"].items():
        if not g.intersects(box):
            continue
        m.ax.add_artist(PathPatch(_path("province", "china", code, tol), facecolor=_CONTEXT, edgecolor="white", lw=0.6, zorder=1))
        part = g.intersection(box)
        if part.area > 0.02 * box.area:
            p = part.representative_point()
            name = m.st.pick(str(others.loc[code, "name_en"]), short_zh(str(others.loc[code, "name_zh"])))
            m.ax._regionopt_context.append(LabelSpec(p.x, p.y, name, -1.0, "#8a8a8a", style="italic", leader=False))  # type: ignore[attr-defined]


def _nice(x: float) -> float:
    e = 10 ** np.floor(np.log10(x))
    for f in (5, 2, 1):
        if f * e <= x:
            return float(f * e)
    return float(e)


def _scale_bar(m: _Map) -> None:
    x0, x1, y0, y1 = m.extent
    km_per_deg_lon = KM_PER_DEG * np.cos(np.radians(m.mean_lat))
    width_km = (x1 - x0) * km_per_deg_lon
    length = _nice(width_km * 0.2)
    deg = length / km_per_deg_lon
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    h = 0.012 * (y1 - y0)
    for i in range(2):
        m.ax.add_patch(
            Rectangle(
                (bx + i * deg / 2, by), deg / 2, h, facecolor="#222222" if i == 0 else "white",
                edgecolor="#222222", lw=0.8, zorder=7, gid=SCALEBAR_GID,
            )
        )
    t = m.ax.text(
        bx + deg / 2, by + 1.8 * h, f"{length:g} km", ha="center", va="bottom", zorder=7,
        gid=SCALEBAR_GID, **m.st.font(8),
    )
    m.ax.apply_aspect()
    r = renderer_of(m.ax)
    tb = t.get_window_extent(r)
    a = m.ax.transData.transform((bx, by))
    b = m.ax.transData.transform((bx + deg, by + h))
    m.avoid.append(Bbox.from_extents(min(a[0], tb.x0) - 2, a[1] - 2, max(b[0], tb.x1) + 2, tb.y1 + 2))


def _finish(
    m: _Map,
    title: str | None,
    specs: list[LabelSpec],
    *,
    fontsize: float = 7.5,
    note: str | None = None,
) -> None:
    """Title, labels and a note on labels left out, after everything else is laid out."""
    ax, st = m.ax, m.st
    if title:
        width_in = ax.get_window_extent(renderer_of(ax)).width / ax.figure.dpi
        ax.set_title(wrap(title, width_in, 11, st), loc="left", **st.font(11))
    specs = specs + list(getattr(ax, "_regionopt_context", []))
    _, dropped = place_labels(ax, specs, fontsize=fontsize, font=st.font(), avoid=m.avoid)
    dropped = [d for d in dropped if d.priority >= 0]  # context labels may go silently
    notes = [note] if note else []
    if dropped:
        notes.append(
            st.pick(
                f"{len(dropped)} label(s) left out to avoid overlap: " + ", ".join(d.text for d in dropped[:8])
                + (" ..." if len(dropped) > 8 else ""),
                f"为避免重叠省略 {len(dropped)} 个标注: " + "、".join(d.text for d in dropped[:8]),
            )
        )
    ax._regionopt_dropped = dropped  # type: ignore[attr-defined]
    if notes:
        width_in = ax.get_window_extent(renderer_of(ax)).width / ax.figure.dpi
        ax.text(
            0.0, -0.015, wrap("; ".join(notes), width_in, 7, st), transform=ax.transAxes,
            ha="left", va="top", color="#555555", **st.font(7),
        )


# --------------------------------------------------------------------------- choropleth
def choropleth(
    values: pd.Series | pd.DataFrame,
    column: str | None = None,
    *,
    unit: str | None = None,
    label: str | None = None,
    title: str | None = None,
    level: Level | None = None,
    region: geo.Region | None = None,
    cmap: str | None = None,
    center: float | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    classes: int | None = None,
    names: Mapping[str, str] | None = None,
    labels: bool | Literal["auto"] = "auto",
    lang: Lang = "auto",
    ax: Axes | None = None,
) -> Axes:
    """Map a value per province, city or county as colours on the real boundaries.

    Parameters
    ----------
    values
        A Series indexed by 6-digit GB/T 2260 code (str), or a DataFrame
        indexed by code with the values in ``column`` — e.g. a land result's
        ``regions`` (index ``region``) with ``column="gain_10k_cny"``, or its
        ``gains`` table (index ``province``).
    column
        Column of ``values`` to map (DataFrame only).
    unit
        Unit shown on the colour bar. By default read from the column name's
        suffix (``_10k_cny`` -> "10k CNY", ``_10k_cny_per_unit``,
        ``_km2``...); pass it when the name carries none.
    label
        Quantity shown on the colour bar (default: the column name without its
        unit suffix).
    title
        Title; wrapped to the map's width, never cut.
    level, region
        Which boundaries: ``"province"``, ``"city"`` or ``"county"``, and
        ``"delta"``, ``"mainland"`` or ``"china"``. Guessed from the codes
        when not given.
    cmap
        Matplotlib colour map. Default: diverging ``"RdBu"`` centred on 0 when
        the values have both signs (or ``center`` is given), else ``"YlGnBu"``.
    center
        Value at the middle of a diverging colour map.
    vmin, vmax
        Ends of the colour scale. Default: a sequential scale runs from 0 (so
        that colour intensity is proportional to the value) to the largest
        value; a diverging one is symmetric about ``center``.
    classes
        Colour ``classes`` quantile classes instead of a continuous scale
        (useful when one unit dwarfs the others); the colour bar then shows
        the class edges.
    names
        Labels per code, overriding the bundled names.
    labels
        Draw unit names (``"auto"``: when at most 80 units are shown).
    lang
        ``"auto"`` (Chinese where a CJK font is installed), ``"en"`` or ``"zh"``.
    ax
        Axes to draw into; a new figure sized to the map otherwise.

    Returns
    -------
    matplotlib.axes.Axes
        The map. Units without a value are grey and listed in the legend.
    """
    st = style(lang)
    if isinstance(values, pd.DataFrame):
        if column is None or column not in values.columns:
            raise InputError(
                f"pass column= naming one of {list(values.columns)[:12]}", table="values", field="column", value=column
            )
        series = values[column]
    else:
        series = values
        column = column or (str(values.name) if values.name is not None else None)
    series = pd.to_numeric(series, errors="coerce").rename(None)
    series.index = series.index.map(str)
    if series.index.duplicated().any():
        dup = series.index[series.index.duplicated()][0]
        raise InputError("each code may appear once", table="values", row=dup, field="code")
    codes = list(series.index)
    region = region or _infer_region(codes)  # type: ignore[assignment]
    level = level or _infer_level(codes, region)  # type: ignore[arg-type]
    units = _units(level, region)  # type: ignore[arg-type]
    _check_codes(codes, units, "values", level, region)  # type: ignore[arg-type]
    vals = series.dropna()
    if vals.empty:
        raise InputError("no numeric value to map", table="values", field=column)
    lo, hi = float(vals.min()), float(vals.max())
    diverging = center is not None or (lo < 0 < hi)
    c = 0.0 if center is None else float(center)
    if diverging:
        span = max(abs(hi - c), abs(c - lo)) or 1.0
        lo_, hi_ = (c - span if vmin is None else vmin), (c + span if vmax is None else vmax)
        cm = plt.get_cmap(cmap or "RdBu")
    else:
        # colour intensity proportional to the value: sequential scales start at 0 unless told
        lo_ = vmin if vmin is not None else (0.0 if lo >= 0 else lo)
        hi_ = vmax if vmax is not None else (hi if hi > lo_ else lo_ + 1.0)
        cm = plt.get_cmap(cmap or "YlGnBu")
    norm: Normalize
    if classes:
        edges = np.unique(np.quantile(vals.to_numpy(dtype=float), np.linspace(0, 1, int(classes) + 1)))
        if diverging and lo < c < hi:
            edges = np.unique(np.append(edges, c))
        if len(edges) < 2:
            edges = np.array([lo, lo + 1.0])
        k = len(edges) - 1
        if diverging:
            neg, pos = int((edges[1:] <= c).sum()), int((edges[:-1] >= c).sum())
            shades = [*cm(np.linspace(0.05, 0.4, neg)), *cm(np.linspace(0.6, 0.95, pos))] if neg and pos else list(cm(np.linspace(0.1, 0.95, k)))
        else:
            shades = list(cm(np.linspace(0.12, 1.0, k)))
        cm = ListedColormap(shades)
        norm = BoundaryNorm(edges, k)
    elif diverging:
        norm = TwoSlopeNorm(vcenter=c, vmin=min(lo_, c - 1e-12), vmax=max(hi_, c + 1e-12))
    else:
        norm = Normalize(vmin=lo_, vmax=hi_)
    fill = {code: cm(norm(v)) for code, v in vals.items()}
    missing = [c for c in units.index if c not in vals.index]
    m = _base(level, region, lang=lang, ax=ax, fill=fill, default_fill=_MISSING, extra_width=1.3)  # type: ignore[arg-type]
    sm = ScalarMappable(norm=norm, cmap=cm)
    cb = m.ax.figure.colorbar(sm, ax=m.ax, fraction=0.045, pad=0.02, shrink=0.75)
    unit_txt = unit if unit is not None else unit_of(column, st)
    text = with_unit(label or quantity_of(column, st) or st.pick("value", "数值"), unit_txt)
    if classes:
        text += st.pick(f", {len(norm.boundaries) - 1} quantile classes", f", {len(norm.boundaries) - 1} 个分位数分级")  # type: ignore[attr-defined]
        cb.set_ticks(list(norm.boundaries))  # type: ignore[attr-defined]
    cb.set_label(text, **st.font(9))
    cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v)))
    for t in cb.ax.get_yticklabels():
        t.set_fontfamily(list(st.family))
    if missing:
        h = Patch(facecolor=_MISSING, edgecolor="white", label=st.pick(f"no value ({len(missing)})", f"无数据 ({len(missing)})"))
        leg = m.ax.legend(handles=[h], loc="lower right", prop=st.prop(7.5), framealpha=0.9)
        leg.set_zorder(8)
        m.avoid.append(leg.get_window_extent(renderer_of(m.ax)).padded(2))
    show = len(units) <= 80 if labels == "auto" else bool(labels)
    specs: list[LabelSpec] = []
    if show:
        nm = m.names(names)
        specs = [
            LabelSpec(float(r.lon), float(r.lat), nm[code], float(r.area_km2))
            for code, r in units.iterrows()
        ]
    _finish(m, title, specs)
    return m.ax


# --------------------------------------------------------------------------- flows
def flow_map(
    flows: pd.DataFrame,
    *,
    ledger: str | None = None,
    period: Any = None,
    channels: Sequence[str] | None = None,
    top: int | None = None,
    title: str | None = None,
    level: Level | None = None,
    region: geo.Region | None = None,
    names: Mapping[str, str] | None = None,
    max_width: float = 7.0,
    lang: Lang = "auto",
    ax: Axes | None = None,
) -> Axes:
    """Quota flows as arrows between unit centroids: width ∝ amount, colour by channel.

    Parameters
    ----------
    flows
        One row per flow with columns ``seller``, ``buyer`` (codes, or
        ``"PLATFORM"`` for the national platform), ``amount`` and, optionally,
        ``ledger``, ``channel``, ``period`` and ``unit`` — the ``flows`` table
        of a land result as it is.
    ledger
        Draw this ledger only. Needed when the rows carry more than one unit
        (mu and 100 kg of grain capacity cannot share one width scale).
    period
        Draw this period only (default: amounts summed over the periods).
    channels
        Draw these channels only (default: all).
    top
        Draw only the ``top`` largest flows (after summing); the note under
        the map says how many were left out.
    title, level, region, names, lang, ax
        As in :func:`choropleth`.
    max_width
        Line width of the largest arrow, points.

    Returns
    -------
    matplotlib.axes.Axes
        The map; the legend (outside the map, on the right) gives the
        channels and three reference widths with their unit.
    """
    st = style(lang)
    need = {"seller", "buyer", "amount"}
    if not need <= set(flows.columns):
        raise InputError(f"columns {sorted(need - set(flows.columns))} are missing", table="flows")
    f = flows.copy()
    f["seller"] = f["seller"].astype(str)
    f["buyer"] = f["buyer"].astype(str)
    if ledger is not None:
        if "ledger" not in f:
            raise InputError("no 'ledger' column to filter on", table="flows", field="ledger")
        f = f[f["ledger"] == ledger]
    for key, val in (("period", period), ("channel", channels)):
        if val is not None and key not in f:
            raise InputError(f"no {key!r} column to filter on", table="flows", field=key)
    if period is not None:
        f = f[f["period"] == period]
    if channels is not None:
        f = f[f["channel"].isin(list(channels))]
    if "channel" not in f:
        f["channel"] = "flow"
    units_used = sorted(f["unit"].dropna().unique()) if "unit" in f else []
    if len(units_used) > 1:
        raise InputError(
            f"the flows carry {len(units_used)} units ({', '.join(map(str, units_used))}); widths would add "
            "different units: pass ledger= to draw one ledger",
            table="flows",
            field="unit",
        )
    unit = unit_label(str(units_used[0]), st) if units_used else ""
    amount = pd.to_numeric(f["amount"], errors="coerce")
    if amount.isna().any():
        row = f.index[amount.isna()][0]
        raise InputError("amount must be a number", table="flows", row=row, field="amount")
    if (amount < 0).any():
        row = f.index[amount < 0][0]
        raise InputError("amount must be >= 0 (a flow goes from seller to buyer)", table="flows", row=row, field="amount")
    f = f.assign(amount=amount)
    agg = f.groupby(["seller", "buyer", "channel"], as_index=False)["amount"].sum()
    agg = agg[agg["amount"] > 0].sort_values("amount", ascending=False)
    n_all = len(agg)
    if top is not None:
        agg = agg.head(top)
    codes = sorted((set(agg["seller"]) | set(agg["buyer"])) - {"PLATFORM"})
    region = region or _infer_region(codes or ["310000"])  # type: ignore[assignment]
    level = level or _infer_level(codes or ["310000", "320100"], region)  # type: ignore[arg-type]
    units = _units(level, region)  # type: ignore[arg-type]
    _check_codes(codes, units, "flows", level, region)  # type: ignore[arg-type]
    m = _base(level, region, lang=lang, ax=ax, extra_width=2.6)  # type: ignore[arg-type]
    x0, x1, y0, y1 = m.extent
    pos = {c: (float(units.at[c, "lon"]), float(units.at[c, "lat"])) for c in codes}
    if "PLATFORM" in set(agg["seller"]) | set(agg["buyer"]):
        px, py = x1 - 0.08 * (x1 - x0), y1 - 0.08 * (y1 - y0)
        pos["PLATFORM"] = (px, py)
        m.ax.plot([px], [py], marker="s", ms=11, color=channel_style("platform", st)[1], mec="white", zorder=6)
    chan_list = list(dict.fromkeys(agg["channel"]))
    colors = {c: channel_style(c, st, i)[1] for i, c in enumerate(chan_list)}
    vmax = float(agg["amount"].max()) if len(agg) else 1.0

    def lw(v: float) -> float:
        return 0.6 + (max_width - 0.6) * v / vmax

    for _, r in agg.iterrows():
        w = lw(float(r["amount"]))
        a = FancyArrowPatch(
            pos[r["seller"]], pos[r["buyer"]], arrowstyle="-|>", mutation_scale=7 + 1.6 * w, lw=w,
            color=colors[r["channel"]], alpha=0.8, connectionstyle="arc3,rad=0.2", shrinkA=4, shrinkB=4,
            zorder=4, capstyle="round", joinstyle="round",
        )
        m.ax.add_patch(a)
    for c in codes:
        m.ax.plot(*pos[c], marker="o", ms=3, color="#222222", zorder=5)
    handles: list[Any] = [Line2D([], [], color=colors[c], lw=3, label=channel_style(c, st, i)[0]) for i, c in enumerate(chan_list)]
    if len(agg):
        refs = sorted({_nice(vmax), _nice(vmax / 2.5), _nice(vmax / 10)}, reverse=True)
        handles.append(Line2D([], [], color="none", label=""))
        handles += [Line2D([], [], color="#555555", lw=lw(v), label=f"{fmt(v)} {unit}".strip()) for v in refs]
    leg = m.ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), prop=st.prop(8), frameon=False,
        title=st.pick("Channel / amount", "渠道 / 数量"), title_fontproperties=st.prop(9),
    )
    leg._legend_box.align = "left"  # type: ignore[attr-defined]
    totals = pd.concat([agg.groupby("seller")["amount"].sum(), agg.groupby("buyer")["amount"].sum()]).groupby(level=0).sum()
    nm = m.names(names)
    specs = [LabelSpec(pos[c][0], pos[c][1], nm.get(c, c), float(totals.get(c, 0.0)), on_point=False) for c in codes]
    if "PLATFORM" in pos:
        specs.append(LabelSpec(*pos["PLATFORM"], st.pick("Platform", "平台"), 1e300, leader=False, weight="bold"))
    if title is None:
        what = st.pick("Quota flows", "指标流向") + (": " + ledger_label(ledger, st) if ledger else "")
        title = with_unit(what, unit) + (st.pick(f", period {period}", f", 第 {period} 期") if period is not None else "")
    note = None
    if top is not None and n_all > len(agg):
        note = st.pick(f"the {len(agg)} largest of {n_all} flows", f"仅显示最大的 {len(agg)} 条(共 {n_all} 条)")
    if len(agg) == 0:
        note = st.pick("no flows", "无流量")
    _finish(m, title, specs, note=note)
    return m.ax


# --------------------------------------------------------------------------- cluster roles
def _roles_by_city(assignments: pd.DataFrame, cluster: str) -> dict[str, list[str]]:
    sub = assignments[assignments["cluster"].astype(str) == str(cluster)]
    out: dict[str, list[str]] = {}
    for city, role in zip(sub["city"].astype(str), sub["role"], strict=True):
        if isinstance(role, str) and role:
            out.setdefault(city, []).append(role)
    return out


def _cluster_title(assignments: pd.DataFrame, cluster: str, st: Style) -> str:
    name = None
    if st.lang == "zh":
        from ..datasets import load_delta

        zh = load_delta().clusters["name_zh"]
        name = zh.get(cluster)
    if name is None and "cluster_name" in assignments:
        names = assignments.loc[assignments["cluster"].astype(str) == str(cluster), "cluster_name"].dropna()
        name = str(names.iloc[0]) if len(names) else None
    return f"{cluster} · {name}" if name else str(cluster)


def _check_assignments(assignments: pd.DataFrame) -> None:
    need = {"city", "cluster", "role"}
    if not need <= set(assignments.columns):
        raise InputError(f"columns {sorted(need - set(assignments.columns))} are missing", table="assignments")


def _draw_roles(m: _Map, roles: dict[str, list[str]], order: list[str], names: Mapping[str, str] | None, size: float) -> list[LabelSpec]:
    for patch in m.ax.patches:
        gid = str(patch.get_gid())
        if gid.startswith("unit:"):
            code = gid[5:]
            if code in roles:
                first = sorted(roles[code], key=order.index)[0]
                patch.set_facecolor(role_color(first, order))
                if len(roles[code]) > 1:
                    patch.set_hatch("///")
    nm = m.names(names)
    units = m.units
    return [
        LabelSpec(
            float(units.at[c, "lon"]), float(units.at[c, "lat"]),
            nm.get(c, c) + ("" if len(rs) == 1 else " (" + " + ".join(role_label(r, m.st) for r in rs) + ")"),
            float(units.at[c, "area_km2"]), size=size,
        )
        for c, rs in roles.items()
    ]


def _role_handles(order: list[str], st: Style) -> list[Patch]:
    return [Patch(facecolor=role_color(r, order), edgecolor="white", label=role_label(r, st)) for r in order]


def role_map(
    assignments: pd.DataFrame,
    cluster: str,
    *,
    title: str | None = None,
    region: geo.Region | None = None,
    names: Mapping[str, str] | None = None,
    lang: Lang = "auto",
    ax: Axes | None = None,
    legend: bool = True,
) -> Axes:
    """Cities coloured by their role in one cluster.

    Parameters
    ----------
    assignments
        One row per (city, cluster, role) with columns ``city`` (code),
        ``cluster`` and ``role`` (``core``, ``rd``, ``manufacturing``,
        ``supplier``, ``logistics`` or any other string; empty = no role) and
        optionally ``cluster_name`` — a cluster result's ``assignments`` as it
        is.
    cluster
        The cluster id to draw.
    title
        Default: the cluster id and name (Chinese name from the bundled
        cluster list when ``lang`` is Chinese).
    region, names, lang, ax
        As in :func:`choropleth`.
    legend
        Draw the role legend (below the map).

    Returns
    -------
    matplotlib.axes.Axes
        The map; a city with two roles is hatched and its label names both.
    """
    _check_assignments(assignments)
    st = style(lang)
    roles = _roles_by_city(assignments, cluster)
    codes = sorted(roles) or ["310000"]
    region = region or _infer_region(codes)  # type: ignore[assignment]
    units = _units("city", region)  # type: ignore[arg-type]
    _check_codes(codes if roles else [], units, "assignments", "city", region)  # type: ignore[arg-type]
    order = role_order([r for rs in roles.values() for r in rs])
    m = _base("city", region, lang=lang, ax=ax, bottom=1.0)  # type: ignore[arg-type]
    specs = _draw_roles(m, roles, order, names, 7.5)
    if legend and order:
        leg = m.ax.legend(
            handles=_role_handles(order, st), loc="upper center", bbox_to_anchor=(0.5, -0.06),
            ncol=min(len(order), 5), prop=st.prop(8), frameon=False,
        )
        leg.set_in_layout(True)
    _finish(m, title or _cluster_title(assignments, cluster, st), specs)
    return m.ax


def role_maps(
    assignments: pd.DataFrame,
    clusters: Sequence[str] | None = None,
    *,
    ncols: int = 3,
    panel_width: float = 4.2,
    title: str | None = None,
    region: geo.Region | None = None,
    names: Mapping[str, str] | None = None,
    lang: Lang = "auto",
) -> Figure:
    """Small multiples: one role map per cluster, one shared legend below.

    Parameters
    ----------
    assignments
        As in :func:`role_map`.
    clusters
        Cluster ids to draw, in this order (default: all, as they appear).
    ncols
        Panels per row.
    panel_width
        Width of one map, inches.
    title
        Figure title.
    region, names, lang
        As in :func:`choropleth`.

    Returns
    -------
    matplotlib.figure.Figure
        The grid; ``fig.axes`` holds one Axes per cluster.
    """
    _check_assignments(assignments)
    st = style(lang)
    ids = list(clusters) if clusters is not None else list(dict.fromkeys(assignments["cluster"].astype(str)))
    if not ids:
        raise InputError("no cluster to draw", table="assignments", field="cluster")
    all_roles = {k: _roles_by_city(assignments, k) for k in ids}
    codes = sorted({c for r in all_roles.values() for c in r}) or ["310000"]
    region = region or _infer_region(codes)  # type: ignore[assignment]
    units = _units("city", region)  # type: ignore[arg-type]
    _check_codes([c for r in all_roles.values() for c in r], units, "assignments", "city", region)  # type: ignore[arg-type]
    order = role_order([r for rs in all_roles.values() for x in rs.values() for r in x])
    import shapely

    b = shapely.total_bounds(units["geometry"].to_numpy())
    aspect = 1 / np.cos(np.radians((b[1] + b[3]) / 2))
    ph = panel_width * (b[3] - b[1]) * aspect / (b[2] - b[0])
    ncols = max(1, min(ncols, len(ids)))
    nrows = int(np.ceil(len(ids) / ncols))
    head, gap, foot = (0.45 if title else 0.1), 0.6, 0.6
    fig = plt.figure(figsize=(ncols * (panel_width + 0.2) + 0.2, nrows * (ph + gap) + head + foot))
    W, H = fig.get_size_inches()
    for i, k in enumerate(ids):
        r, c = divmod(i, ncols)
        left = (0.2 + c * (panel_width + 0.2)) / W
        bottom = (foot + (nrows - 1 - r) * (ph + gap)) / H
        ax = fig.add_axes((left, bottom, panel_width / W, ph / H))
        m = _base("city", region, lang=lang, ax=ax, scale_bar=(i == 0))  # type: ignore[arg-type]
        specs = _draw_roles(m, all_roles[k], order, names, 6.5)
        _finish(m, _cluster_title(assignments, k, st), specs, fontsize=6.5)
    if order:
        fig.legend(
            handles=_role_handles(order, st), loc="lower center", bbox_to_anchor=(0.5, 0.1 / H),
            ncol=min(len(order), 6), prop=st.prop(9), frameon=False,
        )
    if title:
        fig.suptitle(wrap(title, W - 0.4, 13, st), y=1 - 0.05 / H, va="top", **st.font(13))
    return fig
