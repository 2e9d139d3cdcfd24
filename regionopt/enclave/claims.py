"""Claims (bankruptcy) rules and two classic games with closed-form solutions.

A claims problem: an estate ``E ≥ 0`` (e.g. a year's shareable tax, 万元) and
claims ``c_i ≥ 0`` with ``Σ c_i ≥ E``. Rules: proportional, constrained equal
awards (CEA), constrained equal losses (CEL) and the Talmud rule (Aumann and
Maschler 1985). The bankruptcy game ``v(S) = max(0, E − c(N∖S))`` has the
Talmud rule as its nucleolus. The airport game (Littlechild and Owen 1973)
``c(S) = max_{i∈S} c_i`` has the sequential rule as its Shapley value.
See docs/enclave.md, "Claims rules".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError
from .game import CooperativeGame, subset_sums

__all__ = [
    "airport_game",
    "bankruptcy_game",
    "cea",
    "cel",
    "claims_rule",
    "proportional_claims",
    "sequential_airport_rule",
    "talmud",
]


def _claims(claims: pd.Series | Mapping[str, float], table: str = "claims") -> pd.Series:
    c = pd.Series(claims, dtype=float)
    c.index = [str(i) for i in c.index]
    if c.empty:
        raise InputError("no claimants", table=table)
    if c.index.duplicated().any():
        raise InputError("duplicate claimant", table=table, row=c.index[c.index.duplicated()][0], field="claimant")
    for k, val in c.items():
        if not np.isfinite(val) or val < 0:
            raise InputError("claim must be finite and >= 0", table=table, row=k, field="claim_10k_cny", value=val)
    return c


def _check_estate(estate: float, c: pd.Series) -> float:
    e = float(estate)
    if not np.isfinite(e) or e < 0:
        raise InputError("estate must be finite and >= 0", table="claims problem", field="estate_10k_cny", value=estate)
    if e > c.sum() + 1e-9 * max(1.0, e):
        raise InputError(f"estate {e:.6g} exceeds total claims {c.sum():.6g}: not a claims problem",
                         table="claims problem", field="estate_10k_cny", value=estate)
    return e


def _cea_vec(e: float, c: np.ndarray) -> np.ndarray:
    """min(c_i, λ) with Σ = e (exact, by sorting)."""
    order = np.sort(c)
    n = c.size
    remaining = e
    for k, ck in enumerate(order):
        if ck * (n - k) >= remaining:
            lam = remaining / (n - k)
            return np.minimum(c, lam)
        remaining -= ck
    return c.copy()


def _out(x: np.ndarray, c: pd.Series, name: str, e: float) -> pd.Series:
    s = pd.Series(x, index=pd.Index(list(c.index), name="player"), name=name)
    s.attrs.update(concept=name, estate_10k_cny=e, claims=c.to_dict())
    return s


def proportional_claims(estate: float, claims: pd.Series | Mapping[str, float]) -> pd.Series:
    """``x_i = c_i / Σc · E``."""
    c = _claims(claims)
    e = _check_estate(estate, c)
    tot = c.sum()
    x = c.to_numpy() / tot * e if tot > 0 else np.zeros(len(c))
    return _out(x, c, "proportional_claims", e)


def cea(estate: float, claims: pd.Series | Mapping[str, float]) -> pd.Series:
    """Constrained equal awards: ``x_i = min(c_i, λ)``, ``λ`` such that ``Σ x_i = E``."""
    c = _claims(claims)
    e = _check_estate(estate, c)
    return _out(_cea_vec(e, c.to_numpy()), c, "cea", e)


def cel(estate: float, claims: pd.Series | Mapping[str, float]) -> pd.Series:
    """Constrained equal losses: ``x_i = max(0, c_i − λ)``, ``Σ x_i = E``."""
    c = _claims(claims)
    e = _check_estate(estate, c)
    cv = c.to_numpy()
    losses = _cea_vec(cv.sum() - e, cv)  # losses are CEA of the total loss
    return _out(cv - losses, c, "cel", e)


def talmud(estate: float, claims: pd.Series | Mapping[str, float]) -> pd.Series:
    """Talmud rule (Aumann–Maschler 1985).

    If ``E ≤ Σc/2``: CEA on the half-claims; else each gets ``c_i/2`` plus CEL
    on the half-claims of ``E − Σc/2``.
    """
    c = _claims(claims)
    e = _check_estate(estate, c)
    half = c.to_numpy() / 2
    if e <= half.sum():
        x = _cea_vec(e, half)
    else:
        loss = _cea_vec(half.sum() - (e - half.sum()), half)
        x = half + (half - loss)
    return _out(x, c, "talmud", e)


def claims_rule(estate: float, claims: pd.Series | Mapping[str, float], rule: str = "talmud") -> pd.Series:
    """Dispatch: ``rule`` in ``proportional``, ``cea``, ``cel``, ``talmud``."""
    rules = {"proportional": proportional_claims, "cea": cea, "cel": cel, "talmud": talmud}
    if rule not in rules:
        raise InputError(f"rule must be one of {sorted(rules)}", table="claims problem", field="rule", value=rule)
    return rules[rule](estate, claims)


def bankruptcy_game(estate: float, claims: pd.Series | Mapping[str, float]) -> CooperativeGame:
    """``v(S) = max(0, E − Σ_{i∉S} c_i)``: what S gets after paying everyone else in full."""
    c = _claims(claims)
    e = _check_estate(estate, c)
    cs = subset_sums(c.to_numpy())
    grand = (1 << len(c)) - 1
    comp = cs[grand ^ np.arange(grand + 1)]
    return CooperativeGame(list(c.index), np.maximum(0.0, e - comp), name="bankruptcy")


def airport_game(costs: pd.Series | Mapping[str, float]) -> CooperativeGame:
    """Airport *cost* game: ``c(S) = max_{i∈S} c_i`` (a runway long enough for the largest)."""
    c = _claims(costs, "costs")
    n = len(c)
    cv = c.to_numpy()
    vals = np.zeros(1 << n)
    for i in range(n):  # max over members via doubling
        half = vals[: 1 << i]
        vals[1 << i: 1 << (i + 1)] = np.maximum(half, cv[i])
    return CooperativeGame(list(c.index), vals, name="airport (cost)")


def sequential_airport_rule(costs: pd.Series | Mapping[str, float]) -> pd.Series:
    """Littlechild–Owen (1973): each cost increment is shared equally by those who need it.

    With costs sorted ``c_(1) ≤ ... ≤ c_(n)``:
    ``x_(k) = Σ_{j ≤ k} (c_(j) − c_(j−1)) / (n − j + 1)``.
    """
    c = _claims(costs, "costs")
    order = np.argsort(c.to_numpy(), kind="stable")
    sc = c.to_numpy()[order]
    n = sc.size
    inc = np.diff(np.concatenate([[0.0], sc])) / (n - np.arange(n))
    x_sorted = np.cumsum(inc)
    x = np.empty(n)
    x[order] = x_sorted
    s = pd.Series(x, index=pd.Index(list(c.index), name="player"), name="sequential_airport")
    s.attrs["concept"] = "sequential_airport"
    return s
