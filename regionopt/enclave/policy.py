"""Policy layer: what is shareable, and turning an allocation into a negotiable ratio.

- Only the *locally retained* part of each tax is shared between partner
  governments: VAT is split 50:50 central:local since the 2016 reform, corporate
  income tax (CIT) 60:40 (docs/policy.md, "Tax layers"); how the local part splits
  between province, city and county differs by province and is a parameter.
- 存量不动、增量分成: a pre-existing base stays with the host; only the increment
  above it is shared.
- Floors and caps per partner; rounding to negotiable ratios (e.g. 5 % steps)
  with the loss of stability reported; a separate GDP-statistics split.
- Baseline: the cross-province CIT apportionment rule (财预〔2012〕40号): head
  office 50 %, branches the other 50 % by revenue 0.35, payroll 0.35, assets 0.30.

See docs/enclave.md, "Policy layer".
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import InputError
from ..schema import FREE_COLUMNS, FREE_PREFIXES, NonNegFloat, RowModel, validate_table
from ._result import as_vector
from .core import CoreCheck, core_check
from .game import CooperativeGame

__all__ = [
    "CIT_APPORTIONMENT_WEIGHTS",
    "RoundedSplit",
    "TaxLayers",
    "apply_floors_caps",
    "cit_apportionment",
    "gdp_statistics_split",
    "incremental_base",
    "round_ratios",
    "shareable_revenue",
]

#: 财预〔2012〕40号 / SAT 2012 No. 57: branch apportionment weights.
CIT_APPORTIONMENT_WEIGHTS = {"revenue": 0.35, "payroll": 0.35, "assets": 0.30}


@dataclass(frozen=True)
class TaxLayers:
    """Which part of each tax stays local, and which local layers take part in the sharing.

    Formulation and sources: docs/enclave.md, "Policy layer".

    Parameters
    ----------
    local_share
        Locally retained share per tax. Defaults: VAT 0.5 (50:50 central:local
        since 2016), CIT 0.4 (60:40) — docs/policy.md, "Tax layers".
    layer_split
        Split of the local part between government layers, per tax, e.g.
        ``{"vat": {"province": 0.25, "city": 0.25, "county": 0.5}}``. Differs
        by province: a parameter with no sourced default (the default keeps
        the whole local part at one "local" layer).
    shared_layers
        Layers whose part enters the partners' sharing (default all). Each
        must name a layer of ``layer_split``. A tax without a ``layer_split``
        has one local layer and is shared in full.
    """

    local_share: Mapping[str, float] = field(default_factory=lambda: {"vat": 0.5, "cit": 0.4})
    layer_split: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    shared_layers: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        for tax, s in self.local_share.items():
            if not 0 <= s <= 1:
                raise InputError("must be in [0, 1]", table="tax layers", row=tax, field="local_share", value=s)
        for tax, split in self.layer_split.items():
            tot = sum(split.values())
            if any(v < 0 for v in split.values()) or abs(tot - 1) > 1e-9:
                raise InputError(f"layer shares must be >= 0 and sum to 1 (sum {tot:.6g})", table="tax layers",
                                 row=tax, field="layer_split", value=dict(split))
        if self.shared_layers is not None:
            known = {k for split in self.layer_split.values() for k in split} | {"local"}
            for layer in self.shared_layers:
                if layer not in known:
                    raise InputError(f"unknown layer; layers of layer_split: {sorted(known - {'local'})}",
                                     table="tax layers", row=layer, field="shared_layers")

    def shareable_fraction(self, tax: str) -> float:
        """Fraction of a tax's total that the partners share."""
        if tax not in self.local_share:
            raise InputError(f"unknown tax; known: {sorted(self.local_share)}", table="tax layers", row=tax,
                             field="local_share")
        split = self.layer_split.get(tax)
        if not split or self.shared_layers is None:
            return float(self.local_share[tax])
        return float(self.local_share[tax] * sum(v for k, v in split.items() if k in self.shared_layers))


def shareable_revenue(taxes: pd.DataFrame, layers: TaxLayers | None = None) -> pd.DataFrame:
    """Locally retained (shareable) part of each tax, per row (e.g. per year).

    Parameters
    ----------
    taxes
        Columns ``<tax>_10k_cny`` (e.g. ``vat_10k_cny``, ``cit_10k_cny``): total
        tax collected from the park's firms, 万元.
    layers
        :class:`TaxLayers` (defaults: VAT 50 %, CIT 40 % local).

    Returns
    -------
    pandas.DataFrame
        ``<tax>_local_10k_cny`` per tax and ``shareable_10k_cny`` (their sum).
    """
    layers = layers or TaxLayers()
    if not isinstance(taxes, pd.DataFrame):
        raise InputError(f"expected a DataFrame with one '<tax>_10k_cny' column per tax, got {type(taxes).__name__}",
                         table="taxes")
    cols = [c for c in taxes.columns if str(c).endswith("_10k_cny")]
    # a tax column without its unit (``vat``) used to be dropped in silence, and VAT with it
    unitless = [str(c) for c in taxes.columns if c not in cols and str(c) not in ("year", *FREE_COLUMNS)
                and not str(c).startswith(FREE_PREFIXES)]
    if unitless:
        c = unitless[0]
        raise InputError(f"column {c!r} has no unit: tax columns are '<tax>_10k_cny' (万元), e.g. {c + '_10k_cny'!r}",
                         table="taxes", field=c)
    if not cols:
        raise InputError("no '<tax>_10k_cny' columns (e.g. vat_10k_cny, cit_10k_cny)", table="taxes")
    out = pd.DataFrame(index=taxes.index)
    for col in cols:
        tax = str(col)[: -len("_10k_cny")]
        vals = pd.to_numeric(taxes[col], errors="coerce")
        bad = vals[~np.isfinite(vals) | (vals < 0)]
        if len(bad):
            raise InputError("must be a finite number >= 0", table="taxes", row=bad.index[0], field=str(col),
                             value=taxes[col].loc[bad.index[0]])
        out[f"{tax}_local_10k_cny"] = vals * layers.shareable_fraction(tax)
    out["shareable_10k_cny"] = out.sum(axis=1)
    return out


def incremental_base(revenue: pd.Series, base: float | pd.Series) -> pd.DataFrame:
    """存量不动、增量分成: the base stays with the host, only the increment is shared.

    Parameters
    ----------
    revenue
        Shareable revenue per period, 万元.
    base
        Pre-existing base per period (or one number), 万元.

    Returns
    -------
    pandas.DataFrame
        ``host_base_10k_cny`` (``min(revenue, base)``) and ``increment_10k_cny``
        (``max(0, revenue − base)``), per period.
    """
    r_ser = pd.Series(revenue)
    r = pd.to_numeric(r_ser, errors="coerce").to_numpy(dtype=float)
    if isinstance(base, pd.Series):
        b = base.reindex(r_ser.index).to_numpy(dtype=float)
    else:
        b = np.full(r.size, float(base))
    for arr, what, table in ((r, "revenue_10k_cny", "revenue"), (b, "base_10k_cny", "base")):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
        if bad.size:
            raise InputError("must be given for every period and be >= 0", table=table, row=r_ser.index[bad[0]],
                             field=what, value=arr[bad[0]])
    return pd.DataFrame({"host_base_10k_cny": np.minimum(r, b), "increment_10k_cny": np.maximum(0.0, r - b)},
                        index=r_ser.index)


def _shares(allocation: pd.Series) -> pd.Series:
    a = pd.Series(allocation, dtype=float)
    tot = a.sum()
    if not np.isfinite(tot) or tot <= 0 or (a < -1e-12).any():
        raise InputError("allocation must be >= 0 with a positive total to be written as ratios",
                         table="allocation")
    return (a.clip(lower=0) / a.clip(lower=0).sum()).rename("share")


def _bounds(given: Mapping[str, float] | pd.Series | None, players: pd.Index, default: float,
            what: str) -> pd.Series:
    """Per-player floor or cap as a Series over ``players``; unknown names and non-numbers raise."""
    b = pd.Series(given if given is not None else {}, dtype=object)
    b.index = [str(i) for i in b.index]
    for p, val in b.items():
        if p not in players:
            raise InputError(f"unknown partner; partners are {list(players)}", table="floors and caps", row=p,
                             field=what, value=val)
        num = pd.to_numeric(pd.Series([val]), errors="coerce").iloc[0]
        if not np.isfinite(num) or not 0 <= num <= 1:
            raise InputError("must be a share in [0, 1]", table="floors and caps", row=p, field=what, value=val)
    return pd.to_numeric(b, errors="coerce").astype(float).reindex(players).fillna(default)


def apply_floors_caps(
    shares: pd.Series,
    floors: Mapping[str, float] | pd.Series | None = None,
    caps: Mapping[str, float] | pd.Series | None = None,
) -> pd.Series:
    """Move shares into ``[floor_i, cap_i]`` keeping the sum 1, as little as possible.

    The Euclidean projection onto ``{s : floor ≤ s ≤ cap, Σ s = 1}``:
    ``s_i = clip(s_i + λ, floor_i, cap_i)`` with ``λ`` found by bisection.
    """
    s = _shares(shares)
    lo = _bounds(floors, s.index, 0.0, "floor")
    hi = _bounds(caps, s.index, 1.0, "cap")
    for p in s.index:
        if not 0 <= lo[p] <= hi[p] <= 1:
            raise InputError("need 0 <= floor <= cap <= 1", table="floors and caps", row=p, field="floor",
                             value=(lo[p], hi[p]))
    if lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
        raise InputError(f"floors sum to {lo.sum():.4g} and caps to {hi.sum():.4g}: no split sums to 100 %",
                         table="floors and caps")
    sv, lv, hv = s.to_numpy(), lo.to_numpy(), hi.to_numpy()
    a, b = -1.0, 1.0
    for _ in range(100):
        mid = (a + b) / 2
        if np.clip(sv + mid, lv, hv).sum() > 1:
            b = mid
        else:
            a = mid
    out = np.clip(sv + (a + b) / 2, lv, hv)
    out = out / out.sum()
    return pd.Series(out, index=s.index, name="share")


@dataclass
class RoundedSplit:
    """A negotiable ratio and what rounding cost in stability (docs/enclave.md, "Policy layer").

    Attributes
    ----------
    ratios
        Shares in multiples of ``step`` summing to 1.
    payoff
        ``ratios × v(N)`` in the game's unit.
    check
        :class:`CoreCheck` of the rounded payoff.
    max_excess_before, max_excess_after
        Largest coalition excess before / after rounding (万元).
    stability_loss
        ``max(0, after) − max(0, before)``: how much more the worst-off
        coalition could gain by leaving because of rounding (万元).
    """

    ratios: pd.Series
    payoff: pd.Series
    check: CoreCheck
    max_excess_before: float
    max_excess_after: float
    stability_loss: float

    def as_text(self) -> str:
        return " : ".join(f"{p} {100 * r:.0f} %" for p, r in self.ratios.items())


def round_ratios(
    game: CooperativeGame,
    allocation: pd.Series,
    step: float = 0.05,
    *,
    floors: Mapping[str, float] | None = None,
    caps: Mapping[str, float] | None = None,
) -> RoundedSplit:
    """Round an allocation to negotiable ratios (multiples of ``step``).

    Shares are first moved into the floors/caps (:func:`apply_floors_caps`),
    then every rounding of each share down or up to the ``step`` grid that sums to
    100 % (and respects floors/caps) is tried; the one with the smallest
    largest coalition excess wins (ties: closest to the allocation). The
    stability lost by rounding is reported. For ``n ≤ 12`` partners.
    """
    if not 0 < step <= 0.5 or abs(round(1 / step) - 1 / step) > 1e-9:
        raise InputError("step must divide 1 (e.g. 0.05, 0.1)", table="rounding", field="step", value=step)
    if game.n > 12:
        raise InputError("rounding search is for at most 12 partners", table="rounding")
    x = as_vector(game, allocation)
    s = _shares(pd.Series(x, index=list(game.players)))
    if floors or caps:
        s = apply_floors_caps(s, floors, caps)
    lo = _bounds(floors, s.index, 0.0, "floor").to_numpy()
    hi = _bounds(caps, s.index, 1.0, "cap").to_numpy()
    units = round(1 / step)
    base = np.floor(s.to_numpy() * units + 1e-9).astype(int)
    vN = game.grand_value
    before = core_check(game, x).max_excess
    tie = 1e-9 * max(1.0, float(np.max(np.abs(game.values(purpose="round_ratios")))))
    best: tuple[float, float, np.ndarray] | None = None
    for ups in itertools.product((0, 1), repeat=game.n):
        k = base + np.array(ups)
        if k.sum() != units:
            continue
        r = k / units
        if np.any(r < lo - 1e-12) or np.any(r > hi + 1e-12):
            continue
        e = core_check(game, r * vN).max_excess
        dist = float(np.abs(r - s.to_numpy()).sum())
        # smallest largest excess; among (numerically) equal excesses, the closest to the allocation
        if best is None or e < best[0] - tie or (e <= best[0] + tie and dist < best[1] - 1e-12):
            best = (e, dist, r)
    if best is None:
        raise InputError("no rounded split satisfies the floors and caps", table="rounding")
    r = best[2]
    ratios = pd.Series(r, index=pd.Index(list(game.players), name="player"), name="ratio")
    payoff = (ratios * vN).rename(f"payoff_{game.unit}")
    chk = core_check(game, payoff)
    return RoundedSplit(ratios, payoff, chk, before, chk.max_excess,
                        max(0.0, chk.max_excess) - max(0.0, before))


def gdp_statistics_split(gdp: pd.Series | float, ratios: Mapping[str, float] | pd.Series) -> pd.DataFrame:
    """Split GDP statistics (统计分成) separately from the tax split.

    Parameters
    ----------
    gdp
        Park GDP per period (Series, 万元) or one number.
    ratios
        Statistical attribution per partner (sums to 1), agreed separately from
        the tax ratio (e.g. by where the activity happens vs who brought it).

    Returns
    -------
    pandas.DataFrame
        Periods × partners, ``gdp_10k_cny`` attributed to each.
    """
    r = pd.Series(ratios, dtype=float)
    for p, val in r.items():
        if not np.isfinite(val) or val < 0:
            raise InputError("must be a finite share >= 0", table="gdp ratios", row=p, field="ratio", value=val)
    if abs(r.sum() - 1) > 1e-9:
        raise InputError(f"ratios must be >= 0 and sum to 1 (sum {r.sum():.6g})", table="gdp ratios",
                         field="ratio")
    g = pd.Series([gdp], dtype=float) if np.isscalar(gdp) else pd.Series(gdp, dtype=float)
    for period, val in g.items():
        if not np.isfinite(val) or val < 0:
            raise InputError("must be a finite number >= 0", table="gdp", row=period, field="gdp_10k_cny",
                             value=val)
    out = pd.DataFrame(np.outer(g.to_numpy(dtype=float), r.to_numpy()), index=g.index, columns=r.index)
    out.columns.name = "partner"
    out.attrs["unit"] = "gdp_10k_cny"
    return out


class _Unit(RowModel):
    unit: str
    revenue: NonNegFloat
    payroll: NonNegFloat
    assets: NonNegFloat


def cit_apportionment(units: pd.DataFrame, total_cit: float, head_office: str, *,
                      weights: Mapping[str, float] | None = None) -> pd.Series:
    """Cross-province CIT apportionment baseline (财预〔2012〕40号; SAT 2012 No. 57).

    The head office keeps 50 %; the branches share the other 50 % by
    ``0.35·revenue share + 0.35·payroll share + 0.30·assets share``.

    Parameters
    ----------
    units
        One row per unit (index = unit name, e.g. the partner where it sits)
        with ``revenue``, ``payroll``, ``assets`` (any consistent units; only
        shares among the branches matter).
    total_cit
        CIT of the enterprise (万元). Multiply by ``TaxLayers().local_share["cit"]``
        for the locally retained part.
    head_office
        Index label of the head office.
    """
    rows = validate_table(units, _Unit, "units", index_field="unit")
    names = [r.unit for r in rows]
    if head_office not in names:
        raise InputError("head office not among the units", table="units", row=head_office, field="unit")
    if not np.isfinite(total_cit) or total_cit < 0:
        raise InputError("must be a finite number >= 0", table="cit apportionment", field="total_cit",
                         value=total_cit)
    w = dict(CIT_APPORTIONMENT_WEIGHTS if weights is None else weights)
    for key, wk in w.items():
        if key not in CIT_APPORTIONMENT_WEIGHTS or not np.isfinite(wk) or wk < 0:
            raise InputError(f"weights are finite numbers >= 0 on {sorted(CIT_APPORTIONMENT_WEIGHTS)}",
                             table="cit apportionment", row=key, field="weight", value=wk)
    if sum(w.values()) <= 0:
        raise InputError("weights sum to 0", table="cit apportionment", field="weight")
    branches = [r for r in rows if r.unit != head_office]
    out = pd.Series(0.0, index=pd.Index(names, name="unit"), name="cit_10k_cny")
    if not branches:
        out[head_office] = total_cit
        return out
    out[head_office] = 0.5 * total_cit
    score = np.zeros(len(branches))
    for key, wk in w.items():
        vals = np.array([getattr(b, key) for b in branches], dtype=float)
        tot = vals.sum()
        score += wk * (vals / tot if tot > 0 else np.full(len(branches), 1 / len(branches)))
    score /= score.sum()
    for b, sc in zip(branches, score, strict=True):
        out[b.unit] = 0.5 * total_cit * sc
    out.attrs["rule"] = "财预〔2012〕40号: head office 50 %; branches by revenue 0.35, payroll 0.35, assets 0.30"
    return out


