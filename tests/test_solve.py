"""The shared solve layer: statuses, solver dispatch, diagnosis in the user's words."""

from __future__ import annotations

import math

import pandas as pd
import pyomo.environ as pyo
import pytest

import regionopt.solve.pipeline as pipeline
from regionopt import InputError, SolveOptions, SolverUnavailableError, Status
from regionopt.clusters.synthetic import random_problem
from regionopt.enclave import sharing_schedule
from regionopt.errors import RegionoptError
from regionopt.land import random_instance
from regionopt.solve import (
    SolveReport,
    describe_constraint,
    diagnose_infeasibility,
    resolve_with_integers_fixed,
    solve_model,
)


def _lp(cap: float = 3.0) -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.R = pyo.Set(initialize=["north", "south"])
    m.x = pyo.Var(m.R, bounds=(0, 5), doc="use of {0}")
    m.cap = pyo.Constraint(expr=m.x["north"] + m.x["south"] <= cap, doc="shared budget")
    m.need = pyo.Constraint(m.R, rule=lambda m, r: m.x[r] >= 2, doc="minimum use of region {0}")
    m.obj = pyo.Objective(expr=m.x["north"] + 2 * m.x["south"], sense=pyo.maximize)
    return m


def test_optimal_lp_with_duals() -> None:
    m = _lp(cap=6.0)
    rep = solve_model(m)
    assert rep.status == Status.OPTIMAL and rep.mip_gap == 0.0
    assert rep.objective == pytest.approx(2 + 2 * 4)
    assert rep.duals is not None
    assert rep.duals[m.cap] == pytest.approx(2.0)  # one more unit of budget goes to south: +2


def test_lp_with_fixed_binaries_has_duals_and_keeps_the_domain() -> None:
    # A user who fixes a model's integer decisions with .fix() has an LP: it must
    # price like one (HiGHS used to receive the integrality and return no duals).
    m = _lp(cap=6.0)
    m.open = pyo.Var(within=pyo.Binary)
    m.gate = pyo.Constraint(expr=m.x["south"] <= 5 * m.open)
    m.open.fix(1)
    rep = solve_model(m)
    assert rep.status == Status.OPTIMAL and rep.duals is not None
    assert rep.duals[m.cap] == pytest.approx(2.0)
    assert m.open.is_binary() and m.open.fixed and m.open.value == 1


def test_infeasible_lp_iis_names_rules() -> None:
    m = _lp(cap=3.0)
    rep = solve_model(m)
    assert rep.status == Status.INFEASIBLE and math.isnan(rep.objective)
    method, conflicts = diagnose_infeasibility(m, label=str.upper)
    assert method == "iis"
    rules = {c.rule for c in conflicts}
    assert rules == {"shared budget", "minimum use of region NORTH", "minimum use of region SOUTH"}


def test_elastic_says_how_much_to_bend() -> None:
    m = _lp(cap=3.0)
    method, conflicts = diagnose_infeasibility(m, method="elastic")
    assert method == "elastic"
    assert sum(c.violation for c in conflicts) == pytest.approx(1.0)


def test_mip_status_and_gap() -> None:
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(1, 6)
    w = {1: 3, 2: 4, 3: 5, 4: 6, 5: 7, 6: 8}
    m.z = pyo.Var(m.I, within=pyo.Binary)
    m.c = pyo.Constraint(expr=sum(w[i] * m.z[i] for i in m.I) <= 17)
    m.o = pyo.Objective(expr=sum((w[i] + 1) * m.z[i] for i in m.I), sense=pyo.maximize)
    rep = solve_model(m)
    assert rep.status == Status.OPTIMAL
    # brute force
    import itertools

    best = max(
        sum((w[i] + 1) * b for i, b in zip(w, bits, strict=True))
        for bits in itertools.product([0, 1], repeat=6)
        if sum(w[i] * b for i, b in zip(w, bits, strict=True)) <= 17
    )
    assert rep.objective == pytest.approx(best)
    assert rep.duals is None


def test_unbounded() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var(within=pyo.NonNegativeReals)
    m.o = pyo.Objective(expr=m.x, sense=pyo.maximize)
    assert solve_model(m).status == Status.UNBOUNDED


def test_unknown_solver_says_how_to_install() -> None:
    with pytest.raises(SolverUnavailableError) as info:
        solve_model(_lp(6.0), SolveOptions(solver="no_such_solver_xyz"))
    assert "install" in str(info.value)


def test_bad_options() -> None:
    with pytest.raises(InputError) as info:
        SolveOptions(time_limit=-1)
    assert info.value.field == "time_limit"
    with pytest.raises(InputError):
        SolveOptions(mip_gap=2.0)


def test_describe_constraint_without_doc() -> None:
    m = pyo.ConcreteModel()
    m.x = pyo.Var()
    m.c = pyo.Constraint(["a"], rule=lambda m, i: m.x >= 0)
    assert describe_constraint(m.c["a"]) == "c[a]"


def test_elastic_respects_bendable_and_weights() -> None:
    m = _lp(cap=3.0)
    # the shared budget may not bend: the minimum uses must give way, by 1 unit in total
    _, conflicts = diagnose_infeasibility(m, method="elastic", bendable=lambda c: c.parent_component().name != "cap")
    assert {c.component for c in conflicts} == {"need"}
    assert sum(c.violation for c in conflicts) == pytest.approx(1.0)
    # bending the budget is cheap, the minimum uses expensive: the budget gives way
    _, conflicts = diagnose_infeasibility(
        m, method="elastic", weight=lambda c: 0.1 if c.parent_component().name == "cap" else 10.0
    )
    assert [c.component for c in conflicts] == ["cap"]
    assert conflicts[0].violation == pytest.approx(1.0)


@pytest.mark.parametrize("status", [Status.TIME_LIMIT_NO_SOLUTION, Status.ERROR, Status.UNBOUNDED])
def test_models_answer_no_plan_statuses_alike(status: Status, monkeypatch: pytest.MonkeyPatch) -> None:
    """Land, clusters and the sharing schedule: a time limit without a plan is a flagged result, a failure raises."""
    def fake(model: object, options: object = None) -> SolveReport:
        return SolveReport(status, math.nan, math.nan, math.nan, 0.0, "highs", "fake " + status.value, None)

    monkeypatch.setattr(pipeline, "solve_model", fake)  # the one solve path of every model
    land = random_instance(6, 2, seed=0)
    clusters = random_problem(12, 3, 5, seed=0)
    forecast = pd.Series([100.0] * 12, index=range(1, 13))
    if status == Status.TIME_LIMIT_NO_SOLUTION:
        lr, cr = land.solve(autarky=False), clusters.solve()
        assert lr.status == cr.status == status
        assert math.isnan(lr.objective) and math.isnan(cr.objective)
        assert lr.flows.empty and cr.assignments.empty
        sr = sharing_schedule(forecast, {"A": 1.0, "B": 2.0})
        assert sr.status == status and sr.table.empty and math.isnan(sr.objective)
    else:
        with pytest.raises(RegionoptError, match=status.value):
            land.solve(autarky=False)
        with pytest.raises(RegionoptError, match=status.value):
            clusters.solve()
        with pytest.raises(RegionoptError, match=status.value):
            sharing_schedule(forecast, {"A": 1.0, "B": 2.0})


def test_resolve_with_integers_fixed_reports_the_plan_it_returns() -> None:
    """After a time limit the incumbent's continuous part may be poor: the re-solve keeps the
    integer decisions, improves the rest, and reports objective, gap and duals of that one plan."""
    m = pyo.ConcreteModel()
    m.y = pyo.Var(within=pyo.Binary)
    m.x = pyo.Var(bounds=(0, 5))
    m.cap = pyo.Constraint(expr=m.x + 4 * m.y <= 8)
    m.obj = pyo.Objective(expr=m.x + 3 * m.y, sense=pyo.maximize)
    m.y.set_value(1)
    m.x.set_value(1.0)  # feasible, not the best x for y = 1 (that is x = 4)
    incumbent = SolveReport(Status.FEASIBLE, 4.0, 8.0, 1.0, 0.1, "highs", "maxTimeLimit")
    lp, rep = resolve_with_integers_fixed(m, incumbent, SolveOptions(mip_gap=0.2))
    assert pyo.value(lp.y) == 1 and pyo.value(lp.x) == pytest.approx(4.0)
    assert rep.objective == pytest.approx(7.0) == pytest.approx(pyo.value(lp.obj))
    assert rep.bound == 8.0 and rep.mip_gap == pytest.approx(1 / 7)
    assert rep.status == Status.OPTIMAL  # 1/7 is within the requested 0.2
    assert rep.duals is not None and rep.duals[lp.cap] == pytest.approx(1.0)
    assert pyo.value(m.x) == 1.0  # the input model is left as it was
    _, rep2 = resolve_with_integers_fixed(m, incumbent, SolveOptions(mip_gap=0.1))
    assert rep2.status == Status.FEASIBLE
