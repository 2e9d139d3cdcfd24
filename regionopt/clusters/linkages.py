r"""Input-output linkages as synergy weights between clusters.

With the technical-coefficient matrix \(A\) (\(a_{ij}\) = input from sector i per
unit of output of sector j) and the Leontief inverse \(L = (I - A)^{-1}\):

- backward linkage (Rasmussen power of dispersion, 影响力系数) of sector j:
  \[ BL_j = \frac{\sum_i l_{ij}}{\frac{1}{n}\sum_{i,j} l_{ij}} \]
- forward linkage (sensitivity of dispersion, 感应度系数) of sector i:
  \[ FL_i = \frac{\sum_j l_{ij}}{\frac{1}{n}\sum_{i,j} l_{ij}} \]
  (``method="direct"`` uses \(A\) instead of \(L\): Chenery-Watanabe style
  direct linkages \(\sum_i a_{ij}\) and \(\sum_j a_{ij}\), scaled the same way.)
- synergy weight of placing clusters k and k' close together, with sectors
  \(s(k), s(k')\): \(s_{kk'} = \tfrac12 (a_{s(k)s(k')} + a_{s(k')s(k)})\)
  (direct two-way dependence; ``method="leontief"`` uses \(L\) instead), times
  ``scale``; by default only for clusters of different sectors.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["backward_forward_linkages", "leontief_inverse", "synergy_weights"]


def _coefficients(a: pd.DataFrame, name: str = "io_coefficients") -> pd.DataFrame:
    if not isinstance(a, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(a).__name__}", table=name)
    if list(a.index) != list(a.columns):
        raise InputError("must be square with the same sector labels on rows and columns", table=name)
    x = a.apply(pd.to_numeric, errors="coerce").astype(float)  # text -> NaN, reported below
    arr = x.to_numpy()
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise InputError("coefficient must be a finite number >= 0", table=name, row=a.index[i],
                         field=str(a.columns[j]), value=a.iat[i, j])
    colsum = arr.sum(axis=0)
    if (colsum >= 1).any():
        j = int(np.argmax(colsum >= 1))
        raise InputError(f"column sum {colsum[j]:.4g} must be < 1 (productive economy)", table=name,
                         field=str(a.columns[j]))
    return x


def leontief_inverse(a: pd.DataFrame) -> pd.DataFrame:
    """Leontief inverse \\(L = (I - A)^{-1}\\) of a technical-coefficient table.

    Parameters
    ----------
    a
        Square sector x sector table of technical coefficients (input of the row
        sector per unit output of the column sector), column sums < 1.
    """
    x = _coefficients(a)
    n = x.shape[0]
    inv = np.linalg.inv(np.eye(n) - x.to_numpy())
    return pd.DataFrame(inv, index=x.index, columns=x.columns)


def backward_forward_linkages(a: pd.DataFrame, *, method: str = "leontief") -> pd.DataFrame:
    """Backward and forward linkage indices of every sector.

    Parameters
    ----------
    a
        Technical coefficients (see :func:`leontief_inverse`).
    method
        ``"leontief"`` (Rasmussen, from L) or ``"direct"`` (from A).

    Returns
    -------
    pandas.DataFrame
        Indexed by sector: ``backward``, ``forward`` (mean 1 over sectors; > 1 =
        above-average linkage) and ``key_sector`` (both > 1).
    """
    if method not in ("leontief", "direct"):
        raise InputError("must be 'leontief' or 'direct'", table="parameters", field="method", value=method)
    m = leontief_inverse(a) if method == "leontief" else _coefficients(a)
    arr = m.to_numpy()
    n = arr.shape[0]
    mean = arr.sum() / n
    if mean <= 0:
        raise InputError("all coefficients are zero", table="io_coefficients")
    bl = arr.sum(axis=0) / mean
    fl = arr.sum(axis=1) / mean
    return pd.DataFrame({"backward": bl, "forward": fl, "key_sector": (bl > 1) & (fl > 1)}, index=m.index)


def synergy_weights(
    a: pd.DataFrame,
    cluster_sector: Mapping[str, str] | pd.Series,
    *,
    method: str = "direct",
    scale: float = 1.0,
    threshold: float = 0.0,
    same_sector: bool = False,
) -> pd.DataFrame:
    """Synergy weights between clusters from the input-output linkages of their sectors.

    Parameters
    ----------
    a
        Technical coefficients by sector.
    cluster_sector
        Cluster id -> sector label of ``a``.
    method
        ``"direct"`` (from A) or ``"leontief"`` (off-diagonal of L).
    scale
        Multiplier (objective units per unit of linkage).
    threshold
        Pairs with a (scaled) weight <= threshold are left out.
    same_sector
        If False (default), clusters of the same sector get no synergy: they are
        rivals for the same inputs (the anti-homogeneity rule's concern), not
        complements; the diagonal of A/L measures intra-sector flows.

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster, other, weight`` for ordered pairs of distinct clusters
        (symmetric: both orders appear), ready for ``ClusterRoleProblem.from_frames(synergy=...)``.
    """
    if method not in ("leontief", "direct"):
        raise InputError("must be 'leontief' or 'direct'", table="parameters", field="method", value=method)
    m = leontief_inverse(a) if method == "leontief" else _coefficients(a)
    cs = dict(cluster_sector)
    for k, s in cs.items():
        if s not in m.index:
            raise InputError(f"sector {s!r} is not in the coefficient table", table="cluster_sector", row=k,
                             field="sector", value=s)
    rows = []
    ks = list(cs)
    for k in ks:
        for k2 in ks:
            if k == k2:
                continue
            s1, s2 = cs[k], cs[k2]
            if s1 == s2 and not same_sector:
                continue
            arr = m.to_numpy()
            i1, i2 = m.index.get_loc(s1), m.index.get_loc(s2)
            wgt = scale * 0.5 * (float(arr[i1, i2]) + float(arr[i2, i1]))
            if wgt > threshold:
                rows.append({"cluster": k, "other": k2, "weight": wgt})
    return pd.DataFrame(rows, columns=["cluster", "other", "weight"])
