"""Charts the worked examples need: signed gains, revenue splits, the role matrix.

They take plain tables keyed by codes or labels, need no boundary data, and
put legends outside the bars.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from ..errors import InputError
from ._labels import renderer_of
from ._style import (
    Lang,
    fmt,
    known_names,
    quantity_of,
    role_color,
    role_label,
    role_order,
    style,
    unit_of,
    with_unit,
    wrap,
)

__all__ = ["gains_bar", "role_matrix_heatmap", "splits_bar"]

_POS, _NEG = "#0072B2", "#D55E00"
_PARTNER_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
_SHORT_EN = {"manufacturing": "Mfg.", "logistics": "Logist.", "supplier": "Supplier"}


def _series(values: pd.Series | pd.DataFrame, column: str | None, table: str) -> tuple[pd.Series, str | None]:
    if isinstance(values, pd.DataFrame):
        if column is None:
            cands = [c for c in values.columns if str(c).startswith("gain")] if table == "gains" else []
            column = cands[0] if cands else None
        if column is None or column not in values.columns:
            raise InputError(f"pass column= naming one of {list(values.columns)[:12]}", table=table, field="column")
        s = values[column]
    else:
        s = values
        column = column or (str(values.name) if values.name is not None else None)
    num = pd.to_numeric(s, errors="coerce")
    if num.isna().any():
        raise InputError("values must be numbers", table=table, row=num.index[num.isna()][0], field=column)
    num.index = num.index.map(str)
    return num, column


def _finish_title(ax: Axes, title: str | None, st: Any) -> None:
    if title:
        width_in = ax.get_window_extent(renderer_of(ax)).width / ax.figure.dpi
        ax.set_title(wrap(title, width_in, 11, st), loc="left", **st.font(11))


def gains_bar(
    values: pd.Series | pd.DataFrame,
    column: str | None = None,
    *,
    unit: str | None = None,
    label: str | None = None,
    title: str | None = None,
    names: Mapping[str, str] | None = None,
    sort: bool = True,
    lang: Lang = "auto",
    ax: Axes | None = None,
) -> Axes:
    """Signed horizontal bars, e.g. the gain from trade by province or city.

    Parameters
    ----------
    values
        A Series indexed by code (or any label), or a DataFrame with the values
        in ``column`` — e.g. a land result's ``gains`` (index ``province``,
        default column the first ``gain*`` one) or ``regions``.
    column
        Column to draw (DataFrame only).
    unit, label
        Axis unit and quantity; by default read from the column name
        (``gain_10k_cny`` -> "Gain (10k CNY)").
    title
        Title, wrapped to the axes' width.
    names
        Labels per index entry. By default codes are named from the bundled
        data (and :mod:`regionopt.geo` when installed); a ``name`` column of
        ``values`` is used in English.
    sort
        Sort bars by value (largest on top).
    lang, ax
        As in :func:`regionopt.plot.choropleth`.

    Returns
    -------
    matplotlib.axes.Axes
        Gains in blue, losses in orange-red, each bar labelled with its value.
    """
    st = style(lang)
    s, column = _series(values, column, "gains")
    own = None
    if isinstance(values, pd.DataFrame) and "name" in values.columns and st.lang == "en":
        own = {str(k): str(v) for k, v in values["name"].items()}
    nm = known_names(list(s.index), st, {**(own or {}), **dict(names or {})})
    if sort:
        s = s.sort_values()
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 1.2 + 0.32 * len(s)), layout="constrained")
    colors = [_POS if v >= 0 else _NEG for v in s]
    y = np.arange(len(s))
    ax.barh(y, s.to_numpy(), color=colors, height=0.65, zorder=2)
    ax.axvline(0, color="#333333", lw=0.8, zorder=3)
    ax.set_yticks(y, [nm.get(c, c) for c in s.index], **st.font(9))
    lo, hi = min(0.0, float(s.min())), max(0.0, float(s.max()))
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - (0.2 * span if lo < 0 else 0.02 * span), hi + (0.2 * span if hi > 0 else 0.02 * span))
    for yi, v in zip(y, s, strict=True):
        ax.text(
            float(v) + (0.01 * span if v >= 0 else -0.01 * span), float(yi), fmt(float(v)),
            ha="left" if v >= 0 else "right", va="center", **st.font(8),
        )
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v)))
    u = unit if unit is not None else unit_of(column, st)
    ax.set_xlabel(with_unit(label or quantity_of(column, st) or st.pick("Value", "数值"), u), **st.font(9))
    for t in ax.get_xticklabels():
        t.set_fontfamily(list(st.family))
    ax.grid(axis="x", color="#e5e5e5", zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.02)
    _finish_title(ax, title, st)
    return ax


def splits_bar(
    table: pd.DataFrame,
    *,
    unit: str = "",
    title: str | None = None,
    names: Mapping[str, str] | None = None,
    lang: Lang = "auto",
    ax: Axes | None = None,
) -> Axes:
    """How each method splits a total between partners: one stacked bar per method.

    Parameters
    ----------
    table
        Index: partners (who receives a share); columns: methods or scenarios
        (``"shapley"``, ``"nucleolus"``, ``"round ratio"``...); values in
        ``unit`` — the comparison table of the enclave notebook as it is.
        Negative shares are stacked to the left of zero.
    unit
        Unit of the values, e.g. ``"10k CNY/yr"``.
    title, names, lang, ax
        As in :func:`gains_bar`; ``names`` relabels partners.

    Returns
    -------
    matplotlib.axes.Axes
        Each segment is labelled with its share of the bar's total where it
        is wide enough; the legend sits below the axes, never over a bar.
    """
    st = style(lang)
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise InputError("expected a non-empty DataFrame (partners x methods)", table="splits")
    num = table.apply(pd.to_numeric, errors="coerce")
    if num.isna().any().any():
        r, c = np.argwhere(num.isna().to_numpy())[0]
        raise InputError("values must be numbers", table="splits", row=table.index[r], field=str(table.columns[c]))
    partners = [str(p) for p in num.index]
    labels = [(names or {}).get(p, p) for p in partners]
    methods = [str(c) for c in num.columns]
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 1.6 + 0.45 * len(methods) + 0.25 * int(np.ceil(len(partners) / 3))), layout="constrained")
    y = np.arange(len(methods))
    pos_left = np.zeros(len(methods))
    neg_left = np.zeros(len(methods))
    totals = num.clip(lower=0).sum(axis=0).to_numpy()
    span = float(max(totals.max(), 1e-12))
    for i, p in enumerate(num.index):
        v = num.loc[p].to_numpy(dtype=float)
        left = np.where(v >= 0, pos_left, neg_left + v)
        ax.barh(y, np.abs(v), left=left, height=0.6, color=_PARTNER_COLORS[i % len(_PARTNER_COLORS)],
                edgecolor="white", lw=0.8, label=labels[i], zorder=2)
        for yi, (lft, val, tot) in enumerate(zip(left, v, totals, strict=True)):
            if tot > 0 and abs(val) / span > 0.08:
                share = val / tot
                ax.text(lft + abs(val) / 2, yi, f"{share:.0%}", ha="center", va="center", color="white",
                        fontweight="bold", **st.font(8))
        pos_left = np.where(v >= 0, pos_left + v, pos_left)
        neg_left = np.where(v < 0, neg_left + v, neg_left)
    ax.set_yticks(y, methods, **st.font(9))
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.8, zorder=3)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt(v)))
    ax.set_xlabel(with_unit(st.pick("Share of the total", "分配额"), unit), **st.font(9))
    ax.grid(axis="x", color="#e5e5e5", zorder=0)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 if len(methods) > 2 else -0.3),
              ncol=min(len(partners), 3), frameon=False, prop=st.prop(8.5))
    _finish_title(ax, title, st)
    return ax


def role_matrix_heatmap(
    role_matrix: pd.DataFrame,
    *,
    title: str | None = None,
    names: Mapping[str, str] | None = None,
    cluster_names: Mapping[str, str] | None = None,
    drop_empty: bool = True,
    lang: Lang = "auto",
    ax: Axes | None = None,
) -> Axes:
    """City × cluster grid coloured by role, with the role written in each cell.

    Parameters
    ----------
    role_matrix
        Index: city codes; columns: cluster ids; values: role strings, ``""``
        or NaN where a city has no role — a cluster result's ``role_matrix``
        as it is.
    title
        Title, wrapped to the axes' width.
    names
        City labels per code (default: bundled names).
    cluster_names
        Column labels per cluster id (default: the ids).
    drop_empty
        Leave out cities with no role in any cluster.
    lang, ax
        As in :func:`gains_bar`.

    Returns
    -------
    matplotlib.axes.Axes
        The grid; the legend (below) gives the full role names.
    """
    st = style(lang)
    rm = role_matrix.copy()
    rm.index = rm.index.map(str)
    rm = rm.fillna("").astype(str)
    if drop_empty:
        rm = rm.loc[(rm != "").any(axis=1)]
    if rm.empty:
        raise InputError("no city holds a role", table="role_matrix")
    roles = role_order(sorted({v for v in rm.to_numpy().ravel() if v}))
    codes = {"": 0} | {r: i + 1 for i, r in enumerate(roles)}
    grid = rm.apply(lambda col: col.map(codes)).to_numpy(dtype=float)
    cmap = ListedColormap(["#ffffff"] + [role_color(r, roles) for r in roles])
    nm = known_names(list(rm.index), st, names)
    cols = [str(c) for c in rm.columns]
    col_labels = [(cluster_names or {}).get(c, c) for c in cols]
    if ax is None:
        w = 2.2 + 1.1 * len(cols)
        _, ax = plt.subplots(figsize=(max(5.5, w), 1.8 + 0.3 * len(rm)), layout="constrained")
    ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(roles) + 0.5, aspect="auto", interpolation="nearest")
    for (i, j), v in np.ndenumerate(rm.to_numpy()):
        if v:
            short = st.pick(_SHORT_EN.get(v, role_label(v, st)), role_label(v, st))
            ax.text(j, i, short, ha="center", va="center", color="white", fontweight="bold", **st.font(7.5))
    ax.set_xticks(np.arange(len(cols)), [wrap(c, 1.3, 8, st) for c in col_labels], **st.font(8))
    ax.set_yticks(np.arange(len(rm)), [nm.get(c, c) for c in rm.index], **st.font(8.5))
    ax.xaxis.tick_top()
    ax.set_xticks(np.arange(-0.5, len(cols)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(rm)), minor=True)
    ax.grid(which="minor", color="#cccccc", lw=0.6)
    ax.tick_params(which="minor", length=0)
    ax.tick_params(which="major", length=0)
    handles = [Patch(facecolor=role_color(r, roles), label=role_label(r, st)) for r in roles]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=min(len(roles), 5),
              frameon=False, prop=st.prop(8))
    _finish_title(ax, title, st)
    return ax
