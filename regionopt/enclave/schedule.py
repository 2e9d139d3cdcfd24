"""Phased sharing schedule: ratios per period whose NPV matches a chosen allocation.

Given a yearly forecast of shareable revenue ``R_t`` (万元), each partner's
up-front cost ``C_i`` (万元, spent in year 0), a discount rate ``ρ`` and target
shares ``a_i`` (from Shapley, the nucleolus, Nash ...), find ratios
``r_{k,i}`` per phase ``k`` (e.g. years 1–5, 6–10, 11+) such that

- each phase splits 100 %: ``Σ_i r_{k,i} = 1``;
- NPV of receipts matches the target: costs are recovered first, the rest is
  split by the allocation, ``NPV_i = C_i + a_i (Σ_t δ_t R_t − Σ_j C_j)``
  (``target="net"``) or ``NPV_i = a_i Σ_t δ_t R_t`` (``target="gross"``);
- cost recovery comes as early as possible: the discounted shortfall
  ``max(0, C_i − cumulative receipts by the end of phase k)`` is minimised,
  earlier phases weighted more.

It is an LP (a named Pyomo model, solved through :func:`regionopt.solve.solve_model`),
solved lexicographically: first the NPV deviation, then the early-recovery
objective with a small penalty on ratio changes between phases.
See docs/enclave.md, "Sharing schedule".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ..errors import InfeasibleError, InputError
from ..solve import SolveOptions, raise_infeasible, raise_solver_failure, solve_model
from .forecast import read_forecast
from .policy import _bounds

__all__ = ["ScheduleResult", "sharing_schedule"]

Phase = tuple[int, int | None]


@dataclass
class ScheduleResult:
    """Output of :func:`sharing_schedule` (formulation: docs/enclave.md, "Sharing schedule").

    Attributes
    ----------
    table
        Phases (rows, e.g. ``"years 1–5"``) × partners: ratio in percent —
        the table to paste into an agreement.
    npv
        Per partner: ``target_share_pct``, ``cost_10k_cny``,
        ``target_npv_10k_cny``, ``npv_10k_cny`` (achieved), ``npv_gap_10k_cny``
        (achieved − target; non-zero only after rounding or binding bounds),
        ``net_npv_10k_cny``, ``payback_year``.
    yearly
        Years × partners: receipts in 万元 (undiscounted).
    model
        The solved Pyomo model (components ``ratio``, ``phase_total``,
        ``npv_target``, ``cost_recovery`` ...).
    """

    table: pd.DataFrame
    npv: pd.DataFrame
    yearly: pd.DataFrame
    model: pyo.ConcreteModel

    def clause(self, what: str = "the locally retained tax revenue of the park") -> str:
        """The schedule as a contract sentence."""
        parts = []
        for phase, row in self.table.iterrows():
            split = " : ".join(f"{p} {v:g} %" for p, v in row.items())
            parts.append(f"in {phase}, {split}")
        return f"Partners share {what} as follows: " + "; ".join(parts) + "."


def _label(k: Phase) -> str:
    a, b = k
    return f"years {a}+" if b is None else (f"year {a}" if a == b else f"years {a}–{b}")


def sharing_schedule(
    forecast: pd.Series,
    allocation: pd.Series | Mapping[str, float],
    costs: pd.Series | Mapping[str, float] | None = None,
    *,
    discount_rate: float = 0.05,
    phases: Sequence[Phase] = ((1, 5), (6, 10), (11, None)),
    target: str = "net",
    floors: Mapping[str, float] | None = None,
    caps: Mapping[str, float] | None = None,
    step: float | None = None,
    options: SolveOptions | None = None,
) -> ScheduleResult:
    """Find a phased ratio schedule whose NPV shares match ``allocation``.

    Parameters
    ----------
    forecast
        Shareable revenue per year, 万元, indexed by year number 1, 2, ...
        (year 1 = first year of operation).
    allocation
        Target split per partner (any non-negative amounts; normalised to
        shares ``a_i``), e.g. a Shapley or nucleolus Series.
    costs
        Up-front cost per partner (万元, year 0); default 0.
    discount_rate
        Yearly rate ``ρ``; ``δ_t = (1 + ρ)^{-t}``.
    phases
        ``(first_year, last_year)`` per phase, ``None`` = open end. Must
        cover every forecast year exactly once.
    target
        ``"net"`` (costs first, then the surplus by ``a``) or ``"gross"``.
    floors, caps
        Bounds on each partner's ratio in every phase (shares in [0, 1]).
    step
        If given (e.g. 0.05), ratios are then rounded to this grid per phase
        (largest remainder) and the NPV columns report the rounded schedule.
    """
    if not isinstance(forecast, pd.Series) or forecast.empty:
        raise InputError("forecast must be a non-empty Series of yearly revenue (万元) by year", table="forecast")
    forecast = read_forecast(forecast)  # year labels: whole numbers from 1 ("Y1" is an InputError)
    years = [int(y) for y in forecast.index]
    if len(set(years)) != len(years):
        dup = next(y for y in years if years.count(y) > 1)
        raise InputError("year given twice", table="forecast", row=dup, field="year")
    rev = pd.to_numeric(forecast, errors="coerce").to_numpy(dtype=float)
    for y, r in zip(years, rev, strict=True):
        if y < 1:
            raise InputError("years are numbered from 1", table="forecast", row=y, field="year")
        if not np.isfinite(r) or r < 0:
            raise InputError("revenue must be finite and >= 0", table="forecast", row=y, field="revenue_10k_cny",
                             value=r)
    if not 0 <= discount_rate < 1:
        raise InputError("must be in [0, 1)", table="schedule", field="discount_rate", value=discount_rate)
    if target not in ("net", "gross"):
        raise InputError("must be 'net' or 'gross'", table="schedule", field="target", value=target)
    a = pd.Series(allocation, dtype=float)
    a.index = [str(i) for i in a.index]
    for p, val in a.items():
        if not np.isfinite(val) or val < -1e-9:
            raise InputError("must be a finite number >= 0", table="allocation", row=p, field="payoff", value=val)
    if a.sum() <= 0:
        raise InputError("allocation must be >= 0 with a positive total", table="allocation")
    a = a.clip(lower=0) / a.clip(lower=0).sum()
    partners = list(a.index)
    c = pd.Series(costs if costs is not None else {}, dtype=float)
    c.index = [str(i) for i in c.index]
    unknown = [p for p in c.index if p not in partners]
    if unknown:
        raise InputError("cost for a partner not in the allocation", table="costs", row=unknown[0], field="cost_10k_cny")
    for p, val in c.items():
        if not np.isfinite(val) or val < 0:
            raise InputError("must be a finite number >= 0", table="costs", row=p, field="cost_10k_cny", value=val)
    c = c.reindex(partners).fillna(0.0)
    if step is not None and (not 0 < step <= 0.5 or abs(round(1 / step) - 1 / step) > 1e-9):
        raise InputError("step must divide 1 (e.g. 0.05, 0.1)", table="schedule", field="step", value=step)
    lo_r = _bounds(floors, pd.Index(partners), 0.0, "floor").to_dict()
    hi_r = _bounds(caps, pd.Index(partners), 1.0, "cap").to_dict()
    phase_of: dict[int, int] = {}
    for k, (lo, hi) in enumerate(phases):
        for y in years:
            if y >= lo and (hi is None or y <= hi):
                if y in phase_of:
                    raise InputError("phases overlap", table="phases", row=_label(phases[k]), value=y)
                phase_of[y] = k
    missing = [y for y in years if y not in phase_of]
    if missing:
        raise InputError("a forecast year is in no phase", table="phases", row=missing[0])
    disc = np.array([(1 + discount_rate) ** -y for y in years])
    pv = rev * disc
    total_pv = float(pv.sum())
    total_cost = float(c.sum())
    if target == "net":
        if total_pv < total_cost - 1e-9:
            raise InfeasibleError(
                f"the discounted revenue ({total_pv:,.1f} 万元) does not cover the up-front costs "
                f"({total_cost:,.1f} 万元): no schedule recovers them"
            )
        tgt = c + a * (total_pv - total_cost)
    else:
        tgt = a * total_pv
    labels = [_label(k) for k in phases]
    pv_phase = {labels[k]: float(sum(pv[j] for j, y in enumerate(years) if phase_of[y] == k)) for k in range(len(phases))}
    # cumulative PV up to the end of each phase
    cum_phase: dict[str, dict[str, float]] = {}
    for k in range(len(phases)):
        cum_phase[labels[k]] = {labels[q]: pv_phase[labels[q]] for q in range(k + 1)}
    scale = max(total_pv, 1.0)

    m = pyo.ConcreteModel(name="sharing schedule")
    m.partners = pyo.Set(initialize=partners, ordered=True)
    m.phases = pyo.Set(initialize=labels, ordered=True)
    m.ratio = pyo.Var(m.phases, m.partners, bounds=lambda _m, k, i: (lo_r[i], hi_r[i]),
                      doc="share of partner {1} in {0}")
    m.dev_up = pyo.Var(m.partners, within=pyo.NonNegativeReals)
    m.dev_down = pyo.Var(m.partners, within=pyo.NonNegativeReals)
    m.shortfall = pyo.Var(m.phases, m.partners, within=pyo.NonNegativeReals)
    m.change = pyo.Var(m.phases, m.partners, within=pyo.NonNegativeReals)
    m.phase_total = pyo.Constraint(m.phases, rule=lambda _m, k: sum(_m.ratio[k, i] for i in partners) == 1,
                                   doc="ratios of {0} sum to 100 %")
    m.npv_target = pyo.Constraint(
        m.partners,
        rule=lambda _m, i: sum(pv_phase[k] * _m.ratio[k, i] for k in labels) - _m.dev_up[i] + _m.dev_down[i]
        == float(tgt[i]),
        doc="NPV of {0}'s receipts matches its target",
    )
    m.cost_recovery = pyo.Constraint(
        m.phases, m.partners,
        rule=lambda _m, k, i: sum(v * _m.ratio[q, i] for q, v in cum_phase[k].items()) + _m.shortfall[k, i]
        >= float(c[i]),
        doc="{1} recovers its up-front cost by the end of {0}",
    )

    def _chg_rule(_m: pyo.ConcreteModel, k: str, i: str, sign: int) -> pyo.Expression:
        pos = labels.index(k)
        if pos == 0:
            return pyo.Constraint.Skip
        return _m.change[k, i] >= sign * (_m.ratio[k, i] - _m.ratio[labels[pos - 1], i])

    m.change_up = pyo.Constraint(m.phases, m.partners, rule=lambda _m, k, i: _chg_rule(_m, k, i, 1))
    m.change_down = pyo.Constraint(m.phases, m.partners, rule=lambda _m, k, i: _chg_rule(_m, k, i, -1))
    m.npv_deviation = pyo.Objective(expr=sum(m.dev_up[i] + m.dev_down[i] for i in partners) / scale)
    opts = options or SolveOptions()
    rep = solve_model(m, opts)
    if rep.status.value == "infeasible":
        raise_infeasible(m, "sharing schedule", options=opts)
    raise_solver_failure(rep, "sharing schedule")
    if not rep.status.has_solution:
        raise InfeasibleError(f"sharing schedule: solver status {rep.status.value}")
    best = rep.objective
    m.npv_deviation.deactivate()
    m.npv_fixed = pyo.Constraint(expr=sum(m.dev_up[i] + m.dev_down[i] for i in partners) / scale <= best + 1e-9)
    nk = len(labels)
    m.early_recovery = pyo.Objective(
        expr=sum((nk - q) * m.shortfall[labels[q], i] for q in range(nk) for i in partners) / scale
        + 1e-3 * sum(m.change[k, i] for k in labels for i in partners)
    )
    rep = solve_model(m, opts)
    if not rep.status.has_solution:  # pragma: no cover - stage 1 was feasible
        raise InfeasibleError(f"sharing schedule: solver status {rep.status.value}")
    ratios = pd.DataFrame([[pyo.value(m.ratio[k, i]) for i in partners] for k in labels],
                          index=pd.Index(labels, name="phase"), columns=pd.Index(partners, name="partner"))
    ratios = ratios.clip(lower=0)
    ratios = ratios.div(ratios.sum(axis=1), axis=0)
    if step is not None:
        units = round(1 / step)
        lo_u = np.array([lo_r[p] for p in partners]) * units
        hi_u = np.array([hi_r[p] for p in partners]) * units
        rounded = []
        for phase, row in ratios.iterrows():
            raw = row.to_numpy() * units
            base = np.floor(raw + 1e-9)
            # largest remainder, but never below a floor or above a cap (the rounded schedule
            # must keep the bounds the LP respected): shares under their floor go up first
            up = base + 1 <= hi_u + 1e-9
            must = (base < lo_u - 1e-9) & up
            rest = int(units - base.sum())
            order = [int(j) for j in np.flatnonzero(must)]
            order += [int(j) for j in np.argsort(-(raw - base), kind="stable") if up[j] and not must[j]]
            base[order[: max(rest, 0)]] += 1
            if base.sum() != units or np.any(base < lo_u - 1e-9) or np.any(base > hi_u + 1e-9):
                raise InputError(f"no split of {phase} on the {step:g} grid respects the floors and caps",
                                 table="floors and caps", field="step", value=step)
            rounded.append(base / units)
        ratios = pd.DataFrame(rounded, index=ratios.index, columns=ratios.columns)
    yearly = pd.DataFrame(
        [[rev[j] * ratios.iloc[phase_of[y]][i] for i in partners] for j, y in enumerate(years)],
        index=pd.Index(years, name="year"), columns=pd.Index(partners, name="partner"),
    )
    npv = (yearly.mul(disc, axis=0)).sum()
    cum = yearly.mul(disc, axis=0).cumsum()
    payback = {}
    for i in partners:
        ok = cum.index[cum[i] >= c[i] - 1e-9]
        payback[i] = int(ok[0]) if len(ok) else None
    npv_table = pd.DataFrame({
        "target_share_pct": 100 * a,
        "cost_10k_cny": c,
        "target_npv_10k_cny": tgt,
        "npv_10k_cny": npv,
        "npv_gap_10k_cny": npv - tgt,
        "net_npv_10k_cny": npv - c,
        "payback_year": pd.Series(payback, dtype="object"),
    })
    npv_table.index.name = "partner"
    npv_table.attrs.update(discount_rate=discount_rate, target=target, total_pv_10k_cny=total_pv)
    table = (100 * ratios).round(2)
    table.attrs["unit"] = "percent of shareable revenue"
    return ScheduleResult(table, npv_table, yearly, m)
