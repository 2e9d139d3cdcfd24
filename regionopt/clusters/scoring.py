r"""Fit-score builders common in Chinese regional-planning studies.

- :func:`location_quotient` (区位熵, LQ) and :func:`rca` (Balassa revealed
  comparative advantage, 显示性比较优势) from a region x sector table of output
  or employment:
  \[ LQ_{ij} = \frac{x_{ij} / \sum_{j'} x_{ij'}}{\sum_{i'} x_{i'j} / \sum_{i'j'} x_{i'j'}} \]
- :func:`entropy_weights` (熵权法) for indicator weights:
  min-max normalise (benefit: \(x' = (x-\min)/(\max-\min)\); cost: \(x' =
  (\max-x)/(\max-\min)\)), \(p_{ij} = x'_{ij}/\sum_i x'_{ij}\),
  \(e_j = -\frac{1}{\ln n}\sum_i p_{ij}\ln p_{ij}\) (with \(0 \ln 0 = 0\)),
  \(d_j = 1 - e_j\), \(w_j = d_j / \sum_{j'} d_{j'}\).
- :func:`topsis` (逼近理想解排序法): vector-normalise \(r_{ij} = x_{ij} /
  \sqrt{\sum_i x_{ij}^2}\), weight \(v_{ij} = w_j r_{ij}\), ideal \(A^+_j = \max_i
  v_{ij}\) for benefit (min for cost) and anti-ideal \(A^-_j\), distances
  \(D^\pm_i = \lVert v_i - A^\pm \rVert_2\), closeness \(C_i = D^-_i / (D^+_i + D^-_i)\).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["entropy_weights", "location_quotient", "rca", "topsis"]


def _numeric(table: pd.DataFrame, name: str, *, nonneg: bool = True) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(table).__name__}", table=name)
    if table.empty:
        raise InputError("table is empty", table=name)
    for col in table.columns:
        s = pd.to_numeric(table[col], errors="coerce")
        bad = s.isna() | ~np.isfinite(s.astype(float))
        if nonneg:
            bad |= s < 0
        if bad.any():
            row = table.index[bad.to_numpy()][0]
            raise InputError("must be a finite number" + (" >= 0" if nonneg else ""), table=name, row=row,
                             field=str(col), value=table.loc[row, col])
    return table.astype(float)


def location_quotient(table: pd.DataFrame, *, name: str = "output") -> pd.DataFrame:
    """Location quotient (LQ) of every region (rows) in every sector (columns).

    Parameters
    ----------
    table
        Region x sector output (e.g. billion CNY) or employment (persons), >= 0.
    name
        Table name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Same shape; ``LQ > 1`` means the region is more specialised in the sector
        than the whole set of regions.
    """
    x = _numeric(table, name)
    row = x.sum(axis=1)
    col = x.sum(axis=0)
    tot = float(x.to_numpy().sum())
    for lab, v in row.items():
        if v <= 0:
            raise InputError("row total must be > 0", table=name, row=lab)
    for lab, v in col.items():
        if v <= 0:
            raise InputError("column total must be > 0", table=name, field=str(lab))
    return x.div(row, axis=0).div(col / tot, axis=1)


def rca(table: pd.DataFrame, *, name: str = "exports") -> pd.DataFrame:
    """Balassa revealed comparative advantage; the same formula as :func:`location_quotient`
    applied to exports (or output) by region x product."""
    return location_quotient(table, name=name)


def _direction(columns: Iterable[str], cost: Iterable[str], name: str) -> np.ndarray:
    cols = list(columns)
    cost = list(cost)
    for c in cost:
        if c not in cols:
            raise InputError(f"cost indicator {c!r} is not a column", table=name, field=str(c))
    return np.array([c in cost for c in cols])


def entropy_weights(indicators: pd.DataFrame, *, cost: Iterable[str] = (), name: str = "indicators") -> pd.Series:
    """Entropy-weight method: indicator weights from their dispersion across regions.

    Parameters
    ----------
    indicators
        Region x indicator table (any units; finite values).
    cost
        Indicators where smaller is better (others are benefit indicators).
    name
        Table name used in error messages.

    Returns
    -------
    pandas.Series
        Weights summing to 1, indexed by indicator. A constant indicator gets 0.
    """
    x = _numeric(indicators, name, nonneg=False).to_numpy()
    n = x.shape[0]
    if n < 2:
        raise InputError("needs at least two regions", table=name)
    is_cost = _direction(indicators.columns, cost, name)
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    xn = np.where(is_cost, (hi - x) / span, (x - lo) / span)
    colsum = xn.sum(axis=0)
    p = np.divide(xn, colsum, out=np.zeros_like(xn), where=colsum > 0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    e = np.where(colsum > 0, e, 1.0)  # constant indicator: no information
    d = 1.0 - e
    if d.sum() <= 0:
        raise InputError("every indicator is constant across regions; no weights can be derived", table=name)
    return pd.Series(d / d.sum(), index=indicators.columns, name="weight")


def topsis(
    indicators: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | None = None,
    *,
    cost: Iterable[str] = (),
    name: str = "indicators",
) -> pd.Series:
    """TOPSIS closeness of each region to the ideal region.

    Parameters
    ----------
    indicators
        Region x indicator table (finite values, a column not all zero).
    weights
        Indicator weights (normalised to sum 1); default: :func:`entropy_weights`.
    cost
        Indicators where smaller is better.
    name
        Table name used in error messages.

    Returns
    -------
    pandas.Series
        Closeness in [0, 1] per region (1 = the ideal on every indicator).
    """
    xdf = _numeric(indicators, name, nonneg=False)
    cost = list(cost)
    if weights is None:
        w = entropy_weights(indicators, cost=cost, name=name)
    else:
        w = pd.Series(dict(weights), dtype=float)
        for c in xdf.columns:
            if c not in w.index:
                raise InputError(f"no weight for indicator {c!r}", table="weights", field=str(c))
            if not (np.isfinite(w[c]) and w[c] >= 0):
                raise InputError("weight must be finite and >= 0", table="weights", field=str(c), value=w[c])
        w = w[list(xdf.columns)]
        if w.sum() <= 0:
            raise InputError("weights must not all be 0", table="weights")
        w = w / w.sum()
    x = xdf.to_numpy()
    norm = np.sqrt((x**2).sum(axis=0))
    for j, v in enumerate(norm):
        if v == 0:
            raise InputError("indicator is zero in every region", table=name, field=str(xdf.columns[j]))
    v = x / norm * w.to_numpy()
    is_cost = _direction(xdf.columns, cost, name)
    best = np.where(is_cost, v.min(axis=0), v.max(axis=0))
    worst = np.where(is_cost, v.max(axis=0), v.min(axis=0))
    dp = np.sqrt(((v - best) ** 2).sum(axis=1))
    dm = np.sqrt(((v - worst) ** 2).sum(axis=1))
    den = dp + dm
    c = np.divide(dm, den, out=np.full_like(dm, 0.5), where=den > 0)
    return pd.Series(c, index=xdf.index, name="closeness")
