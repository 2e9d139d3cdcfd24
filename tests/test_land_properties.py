"""Invariants of the land-quota plan on random instances (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pyomo.environ as pyo
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.land import LEDGERS, random_instance
from regionopt.solve import solve_model

from .land_checks import assert_plan_valid, instances, ledger_balances

SETTINGS = settings(max_examples=12)

def _solve_or_infeasible(problem):
    from regionopt import InfeasibleError

    try:
        return problem.solve()
    except InfeasibleError as exc:
        # only the red lines can make these instances infeasible: the diagnosis must say so
        assert any("red line" in c.rule or "bound" in c.rule for c in exc.conflicts), exc
        return None


@SETTINGS
@given(instances)
def test_plan_rules_hold_and_trade_never_hurts(problem) -> None:
    res = _solve_or_infeasible(problem)
    if res is None:
        return
    assert res.status.value == "optimal"
    assert_plan_valid(problem, res)
    # autarky is feasible in the trade model, so trade can only add welfare
    if not math.isnan(res.autarky_welfare):
        assert res.welfare >= res.autarky_welfare - 1e-6 * max(1.0, abs(res.welfare))


@SETTINGS
@given(instances)
def test_complementary_slackness(problem) -> None:
    """A positive quota price only where the balance is tight; prices are never negative."""
    res = _solve_or_infeasible(problem)
    if res is None:
        return
    bal = ledger_balances(problem, res)
    for (r, led, t), price in res.prices["shadow_price_10k_cny_per_unit"].items():
        assert price >= 0
        slack = bal[(r, led, t)]
        assert price * slack <= 1e-4 * max(1.0, abs(res.welfare)), (r, led, t, price, slack)


@SETTINGS
@given(instances)
def test_price_is_marginal_value_of_quota(problem) -> None:
    """The reported price equals the welfare gain of one more unit (finite difference), where the basis is stable."""
    res = _solve_or_infeasible(problem)
    if res is None:
        return
    prices = res.prices["shadow_price_10k_cny_per_unit"]
    (r, led, t), lam = max(prices.items(), key=lambda kv: kv[1])
    m = problem.to_pyomo()
    if (r, led, t) not in m.balance:
        return
    con = m.balance[r, led, t]
    eps = 1e-3
    con.set_value((None, con.body, pyo.value(con.upper) + eps))
    rep = solve_model(m)
    slope = (rep.objective - res.welfare) / eps
    # dual is a subgradient: the right derivative is at most the dual and, on a stable basis, equal
    assert slope <= lam + 1e-3 * max(1.0, lam)
    assert slope >= -1e-6


@SETTINGS
@given(st.integers(0, 10_000), st.integers(3, 7))
def test_binary_projects_are_all_or_nothing_and_bounded_by_lp(seed, n) -> None:
    cont = random_instance(n, 2, seed=seed, red_lines=False)
    binp = cont.with_settings(binary_projects=True)
    rc = cont.solve(autarky=False)
    rb = binp.solve(autarky=False)
    shares = rb.projects["realised_share"].to_numpy()
    assert np.all(np.isclose(shares, 0) | np.isclose(shares, 1))
    assert rb.welfare <= rc.welfare + 1e-6 * max(1.0, abs(rc.welfare))
    assert_plan_valid(binp, rb)
    # MIP prices come from the LP with the decisions fixed, and are reported as such
    assert any("fixed" in n for n in rb.notes)
    assert rb.prices["shadow_price_10k_cny_per_unit"].notna().all()


def test_ledgers_are_the_four_of_the_design() -> None:
    assert LEDGERS == ("construction", "area", "paddy", "grain")
