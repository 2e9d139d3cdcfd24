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

It is an LP with the same contract as every model (:class:`SharingSchedule`,
a :class:`~regionopt.contract.Problem`), solved lexicographically: first the
NPV deviation, then the early-recovery objective with a small penalty on ratio
changes between phases. See docs/enclave.md, "Sharing schedule".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pydantic import BaseModel, ConfigDict, Field

from ..contract import Problem, Result, make_settings
from ..errors import InfeasibleError, InputError
from ..solve import (
    Solution,
    SolveOptions,
    SolveReport,
    extract_solution,
    solve_checked,
    solve_model,
)
from .policy import _bounds

__all__ = ["ScheduleResult", "ScheduleSettings", "SharingSchedule", "sharing_schedule"]

Phase = tuple[int, int | None]
Block: TypeAlias = Any


class ScheduleSettings(BaseModel):
    """Settings of a sharing schedule."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    discount_rate: float = Field(default=0.05, ge=0, lt=1, description="yearly discount rate ρ; δ_t = (1 + ρ)^-t")
    phases: tuple[tuple[int, int | None], ...] = Field(
        default=((1, 5), (6, 10), (11, None)),
        description="(first year, last year) per phase, last year empty = open end; together they cover every "
        "forecast year once")
    target: str = Field(default="net", description="'net': up-front costs are recovered first, then the surplus "
                        "is split by the allocation; 'gross': the whole NPV is split by it")
    step: float | None = Field(default=None, description="round the ratios to this grid per phase (e.g. 0.05); "
                               "empty = no rounding")


def _label(k: Phase) -> str:
    a, b = k
    return f"years {a}+" if b is None else (f"year {a}" if a == b else f"years {a}–{b}")


def _year(y: Any) -> int:
    """A forecast year label as a whole number (1, 2, ...); 'Y1' or 1.5 is an InputError."""
    try:
        f = float(y)
    except (TypeError, ValueError):
        raise InputError("year labels must be whole numbers 1, 2, ... (year 1 = first year of operation)",
                         table="forecast", row=y, field="year", value=y) from None
    if not math.isfinite(f) or f != int(f):
        raise InputError("year labels must be whole numbers 1, 2, ...", table="forecast", row=y, field="year",
                         value=y)
    return int(f)


@dataclass(frozen=True)
class ScheduleInputs:
    """Validated inputs of a schedule (see :meth:`SharingSchedule.from_frames`)."""

    years: list[int]
    revenue: np.ndarray
    shares: pd.Series
    costs: pd.Series
    floors: dict[str, float]
    caps: dict[str, float]
    settings: ScheduleSettings
    phase_of: dict[int, int]
    labels: list[str]
    pv: np.ndarray
    target_npv: pd.Series

    @property
    def partners(self) -> list[str]:
        return list(self.shares.index)

    @property
    def total_pv(self) -> float:
        return float(self.pv.sum())

    @property
    def pv_phase(self) -> dict[str, float]:
        return {lab: float(sum(self.pv[j] for j, y in enumerate(self.years) if self.phase_of[y] == k))
                for k, lab in enumerate(self.labels)}

    def label(self, key: Any) -> str:
        return str(key)


def _validate(forecast: pd.Series, allocation: pd.Series | Mapping[str, float],
              costs: pd.Series | Mapping[str, float] | None, floors: Mapping[str, float] | None,
              caps: Mapping[str, float] | None, st: ScheduleSettings) -> ScheduleInputs:
    if not isinstance(forecast, pd.Series) or forecast.empty:
        raise InputError("forecast must be a non-empty Series of yearly revenue (万元) by year", table="forecast")
    years = [_year(y) for y in forecast.index]
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
    if st.target not in ("net", "gross"):
        raise InputError("must be 'net' or 'gross'", table="schedule", field="target", value=st.target)
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
        raise InputError("cost for a partner not in the allocation", table="costs", row=unknown[0],
                         field="cost_10k_cny")
    for p, val in c.items():
        if not np.isfinite(val) or val < 0:
            raise InputError("must be a finite number >= 0", table="costs", row=p, field="cost_10k_cny", value=val)
    c = c.reindex(partners).fillna(0.0)
    step = st.step
    if step is not None and (not 0 < step <= 0.5 or abs(round(1 / step) - 1 / step) > 1e-9):
        raise InputError("step must divide 1 (e.g. 0.05, 0.1)", table="schedule", field="step", value=step)
    lo = _bounds(floors, pd.Index(partners), 0.0, "floor").to_dict()
    hi = _bounds(caps, pd.Index(partners), 1.0, "cap").to_dict()
    phase_of: dict[int, int] = {}
    for k, (first, last) in enumerate(st.phases):
        for y in years:
            if y >= first and (last is None or y <= last):
                if y in phase_of:
                    raise InputError("phases overlap", table="phases", row=_label(st.phases[k]), value=y)
                phase_of[y] = k
    missing = [y for y in years if y not in phase_of]
    if missing:
        raise InputError("a forecast year is in no phase", table="phases", row=missing[0])
    pv = rev * np.array([(1 + st.discount_rate) ** -y for y in years])
    total_pv, total_cost = float(pv.sum()), float(c.sum())
    if st.target == "net":
        if total_pv < total_cost - 1e-9:
            raise InfeasibleError(
                f"the discounted revenue ({total_pv:,.1f} 万元) does not cover the up-front costs "
                f"({total_cost:,.1f} 万元): no schedule recovers them")
        tgt = c + a * (total_pv - total_cost)
    else:
        tgt = a * total_pv
    return ScheduleInputs(years, rev, a, c, lo, hi, st, phase_of, [_label(k) for k in st.phases], pv, tgt)


# --------------------------------------------------------------------------- families


def define_ratios(b: Block, inp: ScheduleInputs) -> None:
    """Sets ``partners``, ``phases``; ``ratio[k,i]`` in [floor_i, cap_i] and ``phase_total[k]``: Σ_i r = 1."""
    b.partners = pyo.Set(initialize=inp.partners, ordered=True)
    b.phases = pyo.Set(initialize=inp.labels, ordered=True)
    b.ratio = pyo.Var(b.phases, b.partners, bounds=lambda _b, k, i: (inp.floors[i], inp.caps[i]),
                      doc="share of partner {1} in {0}")
    b.phase_total = pyo.Constraint(b.phases, rule=lambda b_, k: sum(b_.ratio[k, i] for i in inp.partners) == 1,
                                   doc="ratios of {0} sum to 100 %")


def define_npv_target(b: Block, inp: ScheduleInputs) -> None:
    """``npv_target[i]``: Σ_k PV_k r_{k,i} − dev⁺_i + dev⁻_i = target NPV_i (万元)."""
    pv_phase = inp.pv_phase
    b.dev_up = pyo.Var(b.partners, within=pyo.NonNegativeReals, doc="NPV of {0} above its target")
    b.dev_down = pyo.Var(b.partners, within=pyo.NonNegativeReals, doc="NPV of {0} below its target")
    b.npv_target = pyo.Constraint(
        b.partners,
        rule=lambda b_, i: sum(pv_phase[k] * b_.ratio[k, i] for k in inp.labels) - b_.dev_up[i] + b_.dev_down[i]
        == float(inp.target_npv[i]),
        doc="NPV of {0}'s receipts matches its target")


def define_cost_recovery(b: Block, inp: ScheduleInputs) -> None:
    """``cost_recovery[k,i]``: cumulative PV of receipts by the end of phase k + shortfall ≥ C_i."""
    pv_phase = inp.pv_phase
    cum = {inp.labels[k]: {inp.labels[q]: pv_phase[inp.labels[q]] for q in range(k + 1)}
           for k in range(len(inp.labels))}
    b.shortfall = pyo.Var(b.phases, b.partners, within=pyo.NonNegativeReals,
                          doc="cost of {1} not yet recovered by the end of {0}")
    b.cost_recovery = pyo.Constraint(
        b.phases, b.partners,
        rule=lambda b_, k, i: sum(v * b_.ratio[q, i] for q, v in cum[k].items()) + b_.shortfall[k, i]
        >= float(inp.costs[i]),
        doc="{1} recovers its up-front cost by the end of {0}")


def define_changes(b: Block, inp: ScheduleInputs) -> None:
    """``change_up``, ``change_down``: change[k,i] ≥ |r_{k,i} − r_{k−1,i}|."""
    labels = inp.labels
    b.change = pyo.Var(b.phases, b.partners, within=pyo.NonNegativeReals, doc="change of {1}'s ratio into {0}")

    def rule(b_: Block, k: str, i: str, sign: int) -> Any:
        pos = labels.index(k)
        if pos == 0:
            return pyo.Constraint.Skip
        return b_.change[k, i] >= sign * (b_.ratio[k, i] - b_.ratio[labels[pos - 1], i])

    b.change_up = pyo.Constraint(b.phases, b.partners, rule=lambda b_, k, i: rule(b_, k, i, 1))
    b.change_down = pyo.Constraint(b.phases, b.partners, rule=lambda b_, k, i: rule(b_, k, i, -1))


def define_objectives(b: Block, inp: ScheduleInputs) -> Any:
    """``npv_deviation`` (stage 1) and ``early_recovery`` (stage 2) expressions; returns −npv_deviation."""
    scale = max(inp.total_pv, 1.0)
    nk = len(inp.labels)
    b.npv_deviation = pyo.Expression(expr=sum(b.dev_up[i] + b.dev_down[i] for i in inp.partners) / scale,
                                     doc="total NPV deviation from the targets, share of the total PV")
    b.early_recovery = pyo.Expression(
        expr=sum((nk - q) * b.shortfall[inp.labels[q], i] for q in range(nk) for i in inp.partners) / scale
        + 1e-3 * sum(b.change[k, i] for k in inp.labels for i in inp.partners),
        doc="weighted shortfall of cost recovery, earlier phases weighted more, plus a small penalty on changes")
    return -b.npv_deviation


# --------------------------------------------------------------------------- problem and result


class SharingSchedule(Problem):
    """A phased ratio schedule whose NPV shares match an allocation (docs/enclave.md, "Sharing schedule")."""

    settings_class = ScheduleSettings
    objective_name = "npv_fit"
    objective_doc = "minus the NPV deviation from the targets (stage 1 of the lexicographic solve)"
    what = "sharing schedule"
    block_name = "schedule"

    def __init__(self, inputs: ScheduleInputs) -> None:
        self.inputs = inputs

    @classmethod
    def from_frames(  # type: ignore[override]
        cls,
        forecast: pd.Series,
        allocation: pd.Series | Mapping[str, float],
        costs: pd.Series | Mapping[str, float] | None = None,
        *,
        floors: Mapping[str, float] | None = None,
        caps: Mapping[str, float] | None = None,
        settings: ScheduleSettings | Mapping[str, Any] | None = None,
        **setting_values: Any,
    ) -> SharingSchedule:
        """Validate the forecast (万元 by year 1, 2, ...), the target allocation, costs (万元), floors and caps.

        Raises
        ------
        InputError
            Naming the table (forecast, allocation, costs, floors and caps, phases, schedule), row and field.
        InfeasibleError
            With ``target="net"``, if the discounted revenue does not cover the costs.
        """
        st = make_settings(ScheduleSettings, settings, **setting_values)
        return cls(_validate(forecast, allocation, costs, floors, caps, st))

    def with_settings(self, **changes: Any) -> SharingSchedule:
        """A copy with some settings changed (re-validated)."""
        inp = self.inputs
        return SharingSchedule.from_frames(
            pd.Series(inp.revenue, index=inp.years), inp.shares, inp.costs, floors=inp.floors, caps=inp.caps,
            settings=make_settings(ScheduleSettings, inp.settings, **changes))

    def build(self, block: pyo.Block) -> Any:
        """Add the schedule's variables and constraint families to ``block``; return −NPV deviation."""
        define_ratios(block, self.inputs)
        define_npv_target(block, self.inputs)
        define_cost_recovery(block, self.inputs)
        define_changes(block, self.inputs)
        return define_objectives(block, self.inputs)

    def _solve(self, options: SolveOptions, **_: Any) -> ScheduleResult:
        m = self.to_pyomo()
        first = solve_checked(m, options, what=self.what, label=self.label)
        if first.solution is None:
            return ScheduleResult.empty(self, first.report, first.notes)
        notes = list(first.notes)
        best = -first.report.objective
        m.npv_fit.deactivate()
        m.npv_fixed = pyo.Constraint(expr=m.npv_deviation <= best + 1e-9)
        m.recovery_objective = pyo.Objective(expr=m.early_recovery)
        rep = solve_model(m, options)
        if rep.status.has_solution:
            sol = extract_solution(m)
        else:
            sol, rep = first.solution, first.report
            notes.append(f"the early-recovery stage stopped {rep.status.value}: ratios are those of the NPV stage")
        return ScheduleResult.read(self, rep, sol, notes)


@dataclass(kw_only=True, repr=False)
class ScheduleResult(Result):
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
    problem
        The :class:`SharingSchedule` solved.
    objective
        Total absolute NPV deviation from the targets, 万元 (0 unless rounding or
        floors and caps move a partner off its target).
    """

    table: pd.DataFrame
    npv: pd.DataFrame
    yearly: pd.DataFrame
    problem: SharingSchedule
    title: ClassVar[str] = "sharing schedule"

    @property
    def model(self) -> pyo.ConcreteModel:
        """The schedule's Pyomo model (components ``ratio``, ``phase_total``, ``npv_target``, ``cost_recovery``
        ...), rebuilt from :attr:`problem`."""
        return self.problem.to_pyomo()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"schedule": self.table, "npv": self.npv, "yearly": self.yearly}

    def clause(self, what: str = "the locally retained tax revenue of the park") -> str:
        """The schedule as a contract sentence."""
        parts = []
        for phase, row in self.table.iterrows():
            split = " : ".join(f"{p} {v:g} %" for p, v in row.items())
            parts.append(f"in {phase}, {split}")
        return f"Partners share {what} as follows: " + "; ".join(parts) + "."

    @classmethod
    def empty(cls, problem: SharingSchedule, rep: SolveReport, notes: list[str]) -> ScheduleResult:
        e = pd.DataFrame()
        return cls(status=rep.status, objective=math.nan, mip_gap=math.nan, report=rep, notes=notes,
                   table=e, npv=e, yearly=e, problem=problem)

    @classmethod
    def read(cls, problem: SharingSchedule, rep: SolveReport, sol: Solution, notes: list[str]) -> ScheduleResult:
        inp = problem.inputs
        partners, labels, years = inp.partners, inp.labels, inp.years
        ratio = sol.var("ratio")
        ratios = pd.DataFrame([[ratio.get((k, i), 0.0) for i in partners] for k in labels],
                              index=pd.Index(labels, name="phase"), columns=pd.Index(partners, name="partner"))
        ratios = ratios.clip(lower=0)
        ratios = ratios.div(ratios.sum(axis=1), axis=0)
        step = inp.settings.step
        if step is not None:
            ratios = _round(ratios, step, inp)
        rev = inp.revenue
        yearly = pd.DataFrame(
            [[rev[j] * ratios.iloc[inp.phase_of[y]][i] for i in partners] for j, y in enumerate(years)],
            index=pd.Index(years, name="year"), columns=pd.Index(partners, name="partner"))
        disc = np.array([(1 + inp.settings.discount_rate) ** -y for y in years])
        npv = yearly.mul(disc, axis=0).sum()
        cum = yearly.mul(disc, axis=0).cumsum()
        c = inp.costs
        payback = {}
        for i in partners:
            ok = cum.index[cum[i] >= c[i] - 1e-9]
            payback[i] = int(ok[0]) if len(ok) else None
        tgt = inp.target_npv
        npv_table = pd.DataFrame({
            "target_share_pct": 100 * inp.shares,
            "cost_10k_cny": c,
            "target_npv_10k_cny": tgt,
            "npv_10k_cny": npv,
            "npv_gap_10k_cny": npv - tgt,
            "net_npv_10k_cny": npv - c,
            "payback_year": pd.Series(payback, dtype="object"),
        })
        npv_table.index.name = "partner"
        npv_table.attrs.update(discount_rate=inp.settings.discount_rate, target=inp.settings.target,
                               total_pv_10k_cny=inp.total_pv)
        table = (100 * ratios).round(2)
        table.attrs["unit"] = "percent of shareable revenue"
        dev = float(np.abs(npv_table["npv_gap_10k_cny"]).sum())
        return cls(status=rep.status, objective=dev, mip_gap=rep.mip_gap, report=rep, notes=notes, table=table,
                   npv=npv_table, yearly=yearly, problem=problem)


def _round(ratios: pd.DataFrame, step: float, inp: ScheduleInputs) -> pd.DataFrame:
    """Round each phase to the ``step`` grid by largest remainder, never below a floor or above a cap."""
    partners = list(ratios.columns)
    units = round(1 / step)
    lo_u = np.array([inp.floors[p] for p in partners]) * units
    hi_u = np.array([inp.caps[p] for p in partners]) * units
    rounded = []
    for phase, row in ratios.iterrows():
        raw = row.to_numpy() * units
        base = np.floor(raw + 1e-9)
        # shares under their floor go up first
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
    return pd.DataFrame(rounded, index=ratios.index, columns=ratios.columns)


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
    options
        Solve options. A time limit with no schedule found returns a result
        with status ``TIME_LIMIT_NO_SOLUTION`` and empty tables, as every model does.

    Returns
    -------
    ScheduleResult
    """
    for name, val in (("discount_rate", discount_rate),):
        if not isinstance(val, (int, float)) or not 0 <= val < 1:
            raise InputError("must be in [0, 1)", table="schedule", field=name, value=val)
    prob = SharingSchedule.from_frames(
        forecast, allocation, costs, floors=floors, caps=caps,
        settings={"discount_rate": discount_rate, "phases": tuple(tuple(p) for p in phases), "target": target,
                  "step": step},
    )
    return prob.solve(options)
