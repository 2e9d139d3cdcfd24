"""Figures of a sweep's results: response curves, tornado charts, output scatters (matplotlib, ``plot`` extra).

Each function takes the table of :meth:`Sweep.results` (one row per scenario)
and returns the matplotlib ``Axes`` it drew on. Scenarios without a plan
(infeasible, failed) are left out of the lines and points; the legend or
title says how many.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, require

__all__ = ["response", "scatter", "tornado"]


def _axes(ax: Any) -> Any:
    require("matplotlib", extra="plot", what="sweep figures")
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _fig, ax = plt.subplots(figsize=(7, 4.5))
    return ax


def _frame(results: Any) -> pd.DataFrame:
    if hasattr(results, "results") and not isinstance(results, pd.DataFrame):
        results = results.results()
    if not isinstance(results, pd.DataFrame):
        raise InputError("expected the table of Sweep.results() (or a Sweep)", table="figure")
    return results


def _need(df: pd.DataFrame, *cols: str | None) -> None:
    for c in cols:
        if c is not None and c not in df.columns:
            raise InputError(f"no column {c!r} in the results; columns: {list(df.columns)}", table="figure",
                             field=c)


def _solved(df: pd.DataFrame, y: str) -> tuple[pd.DataFrame, int]:
    ok = df["status"].isin(["optimal", "feasible"]) if "status" in df.columns else pd.Series(True, df.index)
    ok &= df[y].notna()
    return df[ok], int((~ok).sum())


def response(results: Any, x: str, y: str, by: str | None = None, *, where: Mapping[str, Any] | None = None,
             ax: Any = None, **plot_kw: Any) -> Any:
    """An output against one parameter, one line per value of another.

    Parameters
    ----------
    results
        :meth:`Sweep.results` (or the sweep).
    x, y
        Parameter on the horizontal axis; output (``objective`` or an extracted column).
    by
        Parameter with one line per value (optional).
    where
        ``{parameter: value}``: keep only these scenarios (the other parameters
        of a grid must be fixed so that each point is one scenario).

    Raises
    ------
    InputError
        For an unknown column, or several scenarios on one point (name the
        parameters to fix in ``where``).
    """
    df = _frame(results)
    _need(df, x, y, by, *(where or {}))
    for k, v in (where or {}).items():
        df = df[df[k] == v]
    df, dropped = _solved(df, y)
    keys = [x] + ([by] if by else [])
    if df.duplicated(keys).any():
        others = [c for c in df.columns if c not in (*keys, y) and c in _param_columns(df)
                  and df[c].nunique(dropna=False) > 1]
        raise InputError(f"several scenarios share one point of ({', '.join(keys)}); fix the other parameters "
                         f"with where={{...}}: {others}", table="figure", field=x)
    ax = _axes(ax)
    groups = [(None, df)] if by is None else list(df.groupby(by, sort=True))
    for val, sub in groups:
        sub = sub.sort_values(x)
        ax.plot(sub[x].to_numpy(), sub[y].to_numpy(), marker="o", ms=3,
                label=None if by is None else f"{by} = {_fmt(val)}", **plot_kw)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if by is not None:
        ax.legend(fontsize="small", title=None)
    if dropped:
        ax.set_title(f"{dropped} scenario(s) without a plan left out", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def _param_columns(df: pd.DataFrame) -> list[str]:
    from .runner import RESERVED

    return [c for c in df.columns if c not in RESERVED]


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(v)


def tornado(results: Any, y: str = "objective", *, ax: Any = None, relative: bool = False) -> Any:
    """A tornado chart of one-at-a-time sensitivities (from :meth:`Sweep.one_at_a_time`).

    One bar per parameter, from the output at its low value to the output at
    its high value, drawn against the base scenario's output; the widest bar
    on top.

    Parameters
    ----------
    y
        Output column.
    relative
        Show changes in % of the base output instead of output units.
    """
    df = _frame(results)
    _need(df, y, "oat_param", "oat_level")
    base_rows = df[df["oat_level"] == "base"]
    if base_rows.empty or not np.isfinite(base_rows[y].iloc[0]):
        raise InputError("the base scenario has no output (not run, or no plan)", table="figure", field=y)
    base = float(base_rows[y].iloc[0])
    rows = []
    for p, sub in df[df["oat_level"] != "base"].groupby("oat_param", sort=False):
        lo = sub[sub["oat_level"] == "low"]
        hi = sub[sub["oat_level"] == "high"]
        vlo = float(lo[y].iloc[0]) if len(lo) else np.nan
        vhi = float(hi[y].iloc[0]) if len(hi) else np.nan
        xlo = lo["oat_value"].iloc[0] if len(lo) and "oat_value" in lo else ""
        xhi = hi["oat_value"].iloc[0] if len(hi) and "oat_value" in hi else ""
        rows.append((str(p), vlo, vhi, xlo, xhi))
    if not rows:
        raise InputError("no one-at-a-time scenarios (oat_level low/high) in the results", table="figure")
    scale = 100.0 / abs(base) if relative and base != 0 else 1.0
    def width(r: tuple[str, float, float, Any, Any]) -> float:
        ends = [v for v in (r[1], r[2], base) if np.isfinite(v)]
        return max(ends) - min(ends)

    rows.sort(key=width)  # the widest bar ends on top
    ax = _axes(ax)
    for i, (_p, vlo, vhi, _xlo, _xhi) in enumerate(rows):
        for v, colour, lab in ((vlo, "#4477aa", "low"), (vhi, "#cc6677", "high")):
            if np.isfinite(v):
                d = (v - base) * scale
                ax.barh(i, d, left=0.0, color=colour, alpha=0.85, label=lab if i == 0 else None)
            else:
                ax.text(0, i, f" {lab}: no plan", va="center", fontsize="small", color="0.3")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{p}\n({_fmt(xlo)} / {_fmt(xhi)})" for p, _a, _b, xlo, xhi in rows], fontsize="small")
    ax.axvline(0.0, color="0.2", lw=0.8)
    ax.set_xlabel(f"change of {y} from the base ({_fmt(base)})" + (", %" if relative else ""))
    ax.legend(fontsize="small", loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return ax


def scatter(results: Any, x: str, y: str, *, color: str | None = None, ax: Any = None, **scatter_kw: Any) -> Any:
    """Two outputs (or a parameter and an output) across scenarios, e.g. welfare against a province's gain.

    Parameters
    ----------
    x, y
        Columns of the results.
    color
        A column shown as colour (with a colour bar).
    """
    df = _frame(results)
    _need(df, x, y, color)
    df, dropped = _solved(df, y)
    df = df[df[x].notna()]
    ax = _axes(ax)
    kw: dict[str, Any] = {"s": 18, "alpha": 0.85, **scatter_kw}
    if color is not None:
        pts = ax.scatter(df[x], df[y], c=df[color].astype(float), cmap="viridis", **kw)
        ax.figure.colorbar(pts, ax=ax, label=color)
    else:
        ax.scatter(df[x], df[y], **kw)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if dropped:
        ax.set_title(f"{dropped} scenario(s) without a plan left out", fontsize="small")
    ax.grid(alpha=0.3)
    return ax
