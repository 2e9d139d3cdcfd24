r"""Two-stage stochastic plans: decide some things now, the rest once the scenario is known.

Scenarios \(s\) with probabilities \(p_s\) (e.g. uncertain project values or
reclamation yields) share the **first-stage** decisions \(x\), fixed before
the uncertainty resolves; every other decision \(y_s\) is **second-stage** and
adapts to its scenario. The extensive form is one model with one copy of the
problem per scenario (built with ``problem.build(block)``) and
non-anticipativity rows tying each copy's first-stage variables to one shared
variable:

.. math::

    RP = \max \sum_s p_s\, f_s(x, y_s) \quad\text{s.t. each copy's rules}, \quad
    x_s = \bar x \;\; \forall s .

For land (:func:`land_first_stage`) the first stage is the cross-province
trade agreed now: bilateral flows on arcs whose seller and buyer lie in
different provinces (every period) and sales to and purchases from the
national platform (every period). Projects realised, reclamation,
within-province adjustment, banking and bilateral flows inside a province are
second-stage.

Reported (maximisation): the wait-and-see value \(WS = \sum_s p_s \max f_s\)
(perfect information), the recourse value \(RP\), the expected-value problem
\(EV\) (one scenario with probability-weighted mean data) and \(EEV\), the
expected value of using EV's first-stage decisions in every scenario. Then
\(EVPI = WS - RP \ge 0\) and \(VSS = RP - EEV \ge 0\) (Birge and Louveaux,
*Introduction to Stochastic Programming*, ch. 4: \(WS \ge RP \ge EEV\) for a
maximisation).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ..contract import Problem, Result, make_settings
from ..errors import InputError
from ..solve import SolveOptions, SolveReport, Status, solve_checked
from ..solve.core import HIGHS_NAMES
from ..solve.highs import CompiledModel, LiveModel
from .edits import apply_settings_edits, apply_table_edits
from .scenario import ProblemFactory, Scenario

__all__ = ["StochasticResult", "expected_problem", "land_first_stage", "two_stage"]

Key = tuple[str, Hashable]


def land_first_stage(problem: Any) -> list[Key]:
    """First-stage decisions of a land plan: cross-province trade agreed now.

    Bilateral flows ``x[seller, buyer, ledger, period]`` on arcs between two
    provinces, and the national platform's ``plat_sell`` / ``plat_buy`` (every
    region, farmland ledger and period) when the platform is open.
    """
    ix = problem.index
    keys: list[Key] = [("x", (*a, t)) for a in ix.arcs if ix.province_of[a[0]] != ix.province_of[a[1]]
                       for t in ix.periods]
    if problem.settings.platform:
        keys += [("plat_sell", k) for k in ix.sell_keys] + [("plat_buy", k) for k in ix.buy_keys]
    return keys


def _first_stage_of(problem: Problem, first_stage: Callable[[Problem], Sequence[Key]] | None) -> list[Key]:
    if first_stage is not None:
        return list(first_stage(problem))
    if type(problem).__name__ == "LandQuotaProblem":
        return land_first_stage(problem)
    raise InputError(f"say which decisions of {type(problem).__name__} are first-stage: "
                     "first_stage=lambda problem: [(variable name, index), ...]", table="two_stage",
                     field="first_stage")


@dataclass(kw_only=True, repr=False)
class StochasticResult(Result):
    """A two-stage plan and the value of information (objective units, 万元 for land).

    Attributes
    ----------
    objective
        RP: the expected objective of the two-stage plan.
    ws, ev, eev
        Wait-and-see value, the expected-value problem's objective, and the
        expected objective of EV's first-stage decisions (``-inf`` if they leave
        a scenario without a feasible plan).
    vss, evpi
        ``RP - EEV`` and ``WS - RP``.
    first_stage
        One row per first-stage decision used by either plan: ``variable``,
        ``index``, ``rp_value`` (the two-stage plan), ``ev_value`` (the EV plan).
    scenarios
        Per scenario: ``name``, ``probability``, the parameters,
        ``ws_objective`` (best plan knowing the scenario), ``rp_objective`` (the
        two-stage plan in it), ``eev_objective`` (EV's first stage, best recourse).
    """

    ws: float
    ev: float
    eev: float
    vss: float
    evpi: float
    first_stage: pd.DataFrame
    scenarios: pd.DataFrame

    title: ClassVar[str] = "two-stage plan"

    @property
    def rp(self) -> float:
        """The recourse problem's value (= :attr:`objective`)."""
        return self.objective

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"scenarios": self.scenarios, "first_stage": self.first_stage}

    def summary(self) -> pd.DataFrame:
        rows = {"status": self.status.value, "scenarios": len(self.scenarios), "RP (two-stage plan)": self.objective,
                "WS (wait and see)": self.ws, "EV (mean scenario)": self.ev, "EEV (mean plan's first stage)": self.eev,
                "VSS = RP - EEV": self.vss, "EVPI = WS - RP": self.evpi, "solve_seconds": self.report.solve_seconds}
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)})


# --------------------------------------------------------------------------- the mean scenario


def _mean_column(cols: list[pd.Series], probs: np.ndarray, table: str, column: str) -> pd.Series:
    first = cols[0]
    if all(c.equals(first) for c in cols[1:]):
        return first
    if not all(pd.api.types.is_numeric_dtype(c.dtype) and not pd.api.types.is_bool_dtype(c.dtype) for c in cols):
        raise InputError("scenarios differ in a column that does not hold numbers, so there is no mean scenario",
                         table=table, field=column)
    arr = np.vstack([c.to_numpy(dtype=float, na_value=np.nan) for c in cols])
    nan = np.isnan(arr)
    mixed = nan.any(axis=0) & ~nan.all(axis=0)
    if mixed.any():
        i = int(np.flatnonzero(mixed)[0])
        raise InputError("a cell is empty in some scenarios and a number in others: no mean value", table=table,
                         row=first.index[i], field=column)
    return pd.Series(probs @ np.nan_to_num(arr), index=first.index, name=first.name).where(~nan.all(axis=0))


def _mean_settings(dumps: list[Any], probs: np.ndarray, path: str = "") -> Any:
    first = dumps[0]
    if isinstance(first, dict):
        return {k: _mean_settings([d[k] for d in dumps], probs, f"{path}.{k}" if path else k) for k in first}
    if all(d == first for d in dumps[1:]):
        return first
    if all(isinstance(d, (int, float)) and not isinstance(d, bool) for d in dumps):
        return float(probs @ np.array(dumps, dtype=float))
    raise InputError("scenarios set this setting differently and it is not a number: no mean scenario",
                     table="settings", field=path)


def expected_problem(factory: ProblemFactory, scenarios: Sequence[Scenario], probs: Sequence[float]) -> Problem:
    """The expected-value problem: every number the scenarios edit replaced by its probability-weighted mean.

    Raises
    ------
    InputError
        When scenarios differ in something that has no mean (text, switches,
        an empty cell against a number).
    """
    p = np.asarray(probs, dtype=float)
    base = factory.base
    dumps = []
    for s in scenarios:
        ch = apply_settings_edits(base.settings, s.settings_edits, scenario=s.name)
        dumps.append(make_settings(type(base.settings), base.settings, **ch).model_dump())
    settings = make_settings(type(base.settings), _mean_settings(dumps, p))
    edited = sorted({e.table for s in scenarios for e in s.table_edits})
    if not edited:
        return base.with_settings(**settings.model_dump())
    frames = [apply_table_edits(factory.frames, s.table_edits, scenario=s.name, schemas=type(base).tables)
              for s in scenarios]
    mean = dict(factory.frames)
    for t in edited:
        dfs = [f[t] for f in frames]
        shape = dfs[0].shape
        if any(d.shape != shape or not d.index.equals(dfs[0].index) or list(d.columns) != list(dfs[0].columns)
               for d in dfs[1:]):
            raise InputError("scenarios give this table different rows or columns: no mean scenario", table=t)
        mean[t] = pd.DataFrame({c: _mean_column([d[c] for d in dfs], p, t, str(c)) for c in dfs[0].columns},
                               index=dfs[0].index)
    kw = {k: v for k, v in mean.items() if k != "settings"}
    return type(base).from_frames(**kw, settings=settings)


# --------------------------------------------------------------------------- solve


def _solve_cm(cm: CompiledModel, opts: SolveOptions, live: LiveModel | None = None
              ) -> tuple[SolveReport, Any, LiveModel]:
    if live is None or not live.update(cm):
        live = LiveModel(cm)
    rep, sol = live.solve(opts)
    return rep, sol, live


def _fixed(cm: CompiledModel, values: Mapping[Key, float]) -> CompiledModel:
    lo, hi = cm.col_lo.copy(), cm.col_hi.copy()
    for j, key in enumerate(cm.col_keys):
        v = values.get(key)
        if v is not None:
            v = min(max(v, lo[j]), hi[j])
            lo[j] = hi[j] = v
    return dataclasses.replace(cm, col_lo=lo, col_hi=hi)


def two_stage(base: Problem, scenarios: Any, *, probabilities: Sequence[float] | None = None,
              first_stage: Callable[[Problem], Sequence[Key]] | None = None,
              options: SolveOptions | Mapping[str, Any] | None = None, frames: Mapping[str, Any] | None = None,
              **overrides: Any) -> StochasticResult:
    """Solve a two-stage stochastic plan as its extensive form; report WS, RP, EV, EEV, VSS and EVPI.

    Parameters
    ----------
    base
        The base problem (scenarios edit it).
    scenarios
        A :class:`~regionopt.scenarios.Sweep` or :class:`~regionopt.scenarios.Scenario` objects
        (a modest number: the extensive form holds one copy of the model per scenario).
    probabilities
        One per scenario, >= 0, summing to 1; default each scenario's
        ``probability``, else equal.
    first_stage
        ``problem -> [(variable name, index), ...]``; default for land:
        :func:`land_first_stage`.
    options, **overrides
        Solver options (HiGHS).

    Raises
    ------
    InputError
        Bad probabilities, scenarios whose first-stage decisions differ, a
        solver other than HiGHS.
    InfeasibleError
        If the two-stage plan is infeasible (naming the conflicting rules).
    """
    from .sweep import Sweep

    opts = SolveOptions.make(options, **overrides)
    if opts.solver not in HIGHS_NAMES:
        raise InputError("two-stage plans are solved with HiGHS", table="two_stage", field="solver",
                         value=opts.solver)
    if isinstance(scenarios, Sweep):
        scen = list(scenarios.scenarios)
        factory = scenarios._factory
    else:
        scen = [s if isinstance(s, Scenario) else Scenario(**s) for s in scenarios]
        factory = ProblemFactory(base, frames)
    if len(scen) < 1:
        raise InputError("a two-stage plan needs at least one scenario", table="two_stage")
    names = [s.name for s in scen]
    if len(set(names)) != len(names):
        raise InputError("scenario names must be unique", table="two_stage", field="name")
    if probabilities is None:
        given = [s.probability for s in scen]
        probabilities = ([1.0 / len(scen)] * len(scen) if all(g is None for g in given) else
                         [math.nan if g is None else g for g in given])
    probs = [float(x) for x in probabilities]
    if len(probs) != len(scen):
        raise InputError(f"{len(probs)} probabilities for {len(scen)} scenarios", table="two_stage",
                         field="probabilities")
    for s, pr in zip(scen, probs, strict=True):
        if not (math.isfinite(pr) and pr >= 0):
            raise InputError("a probability must be a number >= 0", table="two_stage", row=s.name,
                             field="probability", value=pr)
    if abs(sum(probs) - 1.0) > 1e-9:
        raise InputError(f"probabilities must sum to 1 (they sum to {sum(probs):.12g})", table="two_stage",
                         field="probabilities", value=sum(probs))
    problems = [factory.problem(s) for s in scen]
    keys = _first_stage_of(problems[0], first_stage)
    for s, pb in zip(scen[1:], problems[1:], strict=True):
        if _first_stage_of(pb, first_stage) != keys:
            raise InputError("this scenario's first-stage decisions differ from the first scenario's (it changes "
                             "the model's structure, e.g. closes a channel): they cannot be shared",
                             table="two_stage", row=s.name, field="first_stage")

    # ---- RP: the extensive form
    m = pyo.ConcreteModel(name="two_stage")
    m.S = pyo.Set(initialize=list(range(len(scen))), ordered=True, doc="scenarios")
    m.K = pyo.Set(initialize=list(range(len(keys))), ordered=True, doc="first-stage decisions")
    m.scen = pyo.Block(m.S)
    exprs = [pb.build(m.scen[i]) for i, pb in enumerate(problems)]
    m.first = pyo.Var(m.K, doc="first-stage decision {0}")

    def var(b: Any, key: Key) -> Any:
        comp = b.component(key[0])
        if comp is None or key[1] not in comp:
            raise InputError(f"first-stage decision {key[0]}[{key[1]}] is not a variable of the model",
                             table="two_stage", field="first_stage", value=str(key))
        return comp[key[1]]

    m.nonant = pyo.Constraint(m.S, m.K, rule=lambda m_, s, k: var(m_.scen[s], keys[k]) - m_.first[k] == 0,
                              doc="non-anticipativity: scenario {0} shares first-stage decision {1}")
    m.expected = pyo.Objective(expr=sum(p * e for p, e in zip(probs, exprs, strict=True)), sense=pyo.maximize)
    solved = solve_checked(m, opts, what="the two-stage plan", label=base.label)
    rep = solved.report
    notes = list(solved.notes)
    if solved.solution is None:
        raise InputError(f"the two-stage plan found no solution ({rep.status.value}); raise the time limit",
                         table="two_stage")
    rp = float(rep.objective)
    rp_s = [float(pyo.value(e)) for e in exprs]
    x_rp = {keys[k]: float(pyo.value(m.first[k])) for k in m.K}

    # ---- WS and EEV on each scenario's compiled model; EV on the mean scenario
    ev_problem = expected_problem(factory, scen, probs)
    if _first_stage_of(ev_problem, first_stage) != keys:
        raise InputError("the mean scenario's first-stage decisions differ from the scenarios'", table="two_stage")
    ev_rep, ev_sol, _ = _solve_cm(ev_problem.compile(), opts)
    if not ev_rep.status.has_solution or ev_sol is None:
        raise InputError(f"the expected-value problem has no plan ({ev_rep.status.value})", table="two_stage")
    x_ev = {k: ev_sol.value(k[0], k[1]) for k in keys}
    ws_s, eev_s = [], []
    bad: list[str] = []
    for s, pb in zip(scen, problems, strict=True):
        cm = pb.compile()
        r, _sol, live = _solve_cm(cm, opts)
        ws_s.append(float(r.objective) if r.status.has_solution else math.nan)
        r2, _sol2, _ = _solve_cm(_fixed(cm, x_ev), opts, live)
        if r2.status.has_solution:
            eev_s.append(float(r2.objective))
        else:
            eev_s.append(-math.inf)
            bad.append(s.name)
    p = np.asarray(probs)
    ws = float(p @ np.array(ws_s))
    eev = float(p @ np.array(eev_s)) if not bad else -math.inf
    if bad:
        notes.append(f"the mean scenario's first-stage decisions leave {len(bad)} scenario(s) without a feasible "
                     f"plan ({', '.join(bad[:5])}{' ...' if len(bad) > 5 else ''}): EEV = -inf, VSS = +inf")
    if rep.status != Status.OPTIMAL:
        notes.append(f"the two-stage plan stopped {rep.status.value} (gap {rep.mip_gap:.2%}): RP is a lower bound")
    first = pd.DataFrame(
        [{"variable": k[0], "index": k[1], "rp_value": x_rp[k], "ev_value": x_ev[k]} for k in keys
         if abs(x_rp[k]) > 1e-9 or abs(x_ev[k]) > 1e-9],
        columns=["variable", "index", "rp_value", "ev_value"])
    params = pd.DataFrame([dict(s.params) for s in scen])
    table = pd.concat([pd.DataFrame({"name": names, "probability": probs}), params], axis=1)
    table["ws_objective"] = ws_s
    table["rp_objective"] = rp_s
    table["eev_objective"] = eev_s
    return StochasticResult(status=rep.status, objective=rp, mip_gap=rep.mip_gap, report=rep, notes=notes,
                            ws=ws, ev=float(ev_rep.objective), eev=eev, vss=rp - eev, evpi=ws - rp,
                            first_stage=first, scenarios=table)

