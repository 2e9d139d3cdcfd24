"""Zero-cost platform round trips are removed in closed form, and exactly (regionopt.land.roundtrips)."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import regionopt.land.problem as lpm
import regionopt.land.roundtrips as rt
from regionopt.land import PLATFORM, random_instance
from regionopt.land.roundtrips import drop_round_trips, zero_margin_purchases
from regionopt.solve import Solution, SolveOptions
from regionopt.solve.highs import CompiledModel, LiveModel

from .land_checks import assert_plan_valid, ledger_balances
from .land_instances import rich_instance

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-6


def _point(cm: CompiledModel, sol: Solution) -> tuple[float, np.ndarray, np.ndarray]:
    """Objective, row activities and column values of a solution, evaluated on the compiled model."""
    x = np.array([sol.value(n, i) for n, i in cm.col_keys])
    ax = np.zeros(len(cm.row_keys))
    np.add.at(ax, np.repeat(np.arange(len(cm.row_keys)), np.diff(cm.start)), cm.value * x[cm.index])
    return float(cm.c @ x + cm.offset), ax, x


def _assert_feasible(cm: CompiledModel, sol: Solution) -> float:
    obj, ax, x = _point(cm, sol)
    scale = 1 + np.abs(ax)
    bad = np.flatnonzero((ax < cm.row_lo - TOL * scale) | (ax > cm.row_hi + TOL * scale))
    assert not bad.size, [cm.row_keys[i] for i in bad[:5]]
    badc = np.flatnonzero((x < cm.col_lo - TOL) | (x > cm.col_hi + TOL))
    assert not badc.size, [cm.col_keys[i] for i in badc[:5]]
    return obj


def _solved_lp(seed: int, kind: int):  # type: ignore[no-untyped-def]
    """A random LP (projects relaxed), its compiled and live model, the run and its solution; None without duals."""
    if kind == 0:
        prob = random_instance(int(seed % 9) + 3, int(seed % 3) + 1, seed=seed, red_lines=seed % 2 == 0,
                               red_line_follows_trade=seed % 4 < 2, pairs_per_region=int(seed % 4))
    else:
        prob = rich_instance(seed)
    if prob.settings.binary_projects:
        prob = prob.with_settings(binary_projects=False)
    cm = prob.compile()
    live = LiveModel(cm)
    rep = live.run(SolveOptions())
    if rep.duals is None:
        return None
    return prob, cm, live, rep, live.solution(rep.duals)


@SETTINGS
@given(st.integers(0, 100_000), st.integers(0, 1))
def test_cleanup_keeps_every_rule_and_the_optimum(seed: int, kind: int) -> None:
    """Random LPs (red lines that follow trade or not, banking, free or costly pools): the cleaned plan
    satisfies every row of the LP, has the same welfare, and leaves no round trip of the three kinds."""
    solved = _solved_lp(seed, kind)
    if solved is None:
        return
    prob, cm, _, rep, sol = solved
    clean, needs_lp = drop_round_trips(prob.inputs, prob.index, sol)
    assert _assert_feasible(cm, clean) == pytest.approx(rep.objective, rel=1e-9, abs=1e-6)
    ix = prob.index
    zero = zero_margin_purchases(ix)
    buy, sell = clean.var("plat_buy"), clean.var("plat_sell")
    # 1. nobody buys and sells the same ledger in the same period at zero margin
    for k in zero:
        assert min(buy.get(k, 0.0), sell.get(k, 0.0)) <= 1e-7, k
    # 2. with a free provincial pool, no province buys at zero margin and sells to the platform in the same period
    if prob.settings.within_province and prob.settings.intra_cost_10k_cny_per_unit == 0:
        bought, sold = defaultdict(float), defaultdict(float)
        for k in zero:
            bought[(ix.province_of[k[0]], k[1], k[2])] += buy.get(k, 0.0)
        for k, v in sell.items():
            sold[(ix.province_of[k[0]], k[1], k[2])] += v
        for key, b in bought.items():
            if key[0] not in ix.single_region_provinces:
                assert min(b, sold[key]) <= 1e-6, key
    # 3. no zero-margin purchase is left unused where the closed form applies
    if not needs_lp:
        _, ax, _ = _point(cm, clean)
        row_of = {k: i for i, k in enumerate(cm.row_keys)}
        for k in zero:
            if buy.get(k, 0.0) <= 1e-7:
                continue
            i = row_of[("balance", k)]
            unused = cm.row_hi[i] - ax[i]
            banked = clean.value("bank", k)
            held = prob.settings.red_line_follows_trade and k[1] == "area"
            assert unused <= 1e-6 * max(1.0, abs(cm.row_hi[i])) or banked > 0 or held, (k, unused)


@SETTINGS
@given(st.integers(0, 100_000), st.integers(0, 1))
def test_least_purchases_on_the_optimal_face(seed: int, kind: int) -> None:
    """The fallback re-solve stays optimal and feasible, buys no more than the closed form, and restores the model."""
    solved = _solved_lp(seed, kind)
    if solved is None:
        return
    prob, cm, live, rep, sol = solved
    least = lpm._least_platform_purchases(live, prob.index, sol)
    assert least is not None
    assert _assert_feasible(cm, least) == pytest.approx(rep.objective, rel=1e-9, abs=1e-6)
    clean, _ = drop_round_trips(prob.inputs, prob.index, sol)
    assert sum(least.var("plat_buy").values()) <= sum(clean.var("plat_buy").values()) + 1e-6
    again = live.run(SolveOptions())  # bounds and costs are back
    assert again.objective == pytest.approx(rep.objective, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", [6, 8, 14])
def test_solve_takes_the_fallback_when_told(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the closed form reports a round trip it cannot reach, solve() re-solves on the optimal face."""
    prob = random_instance(10, 3, seed=seed, red_lines=False)
    plain = prob.solve(autarky=False)
    calls: list[int] = []
    real = lpm._least_platform_purchases

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(rt, "_chains_remain", lambda plan, zero: True)
    monkeypatch.setattr(lpm, "_least_platform_purchases", spy)
    res = prob.solve(autarky=False)
    assert calls and res.welfare == pytest.approx(plain.welfare, rel=1e-9)
    assert_plan_valid(prob, res)
    buys = res.flows[res.flows["seller"] == PLATFORM]["amount"].sum()
    assert buys <= plain.flows[plain.flows["seller"] == PLATFORM]["amount"].sum() + 1e-6
    left = ledger_balances(prob, res)
    for _, row in res.flows[res.flows["seller"] == PLATFORM].iterrows():
        assert left[(row["buyer"], row["ledger"], row["period"])] <= 1e-4


def test_netting_a_region_against_itself_changes_no_welfare() -> None:
    """Hand-made round trip: a region that sells and buys the same units keeps only the difference,
    and nobody's welfare moves (charge = payout)."""
    prob = random_instance(6, 2, seed=0, red_lines=False)  # province P00 buys at coefficient 1.0 = the payout
    live = LiveModel(prob.compile())
    rep = live.run(SolveOptions())
    sol = live.solution(rep.duals)
    ix = prob.index
    k = zero_margin_purchases(ix)[0]
    loop = sol.updated({"plat_buy": {**sol.var("plat_buy"), k: sol.value("plat_buy", k) + 50.0},
                        "plat_sell": {**sol.var("plat_sell"), k: sol.value("plat_sell", k) + 50.0}})
    from regionopt.land.readback import read_tables

    before = read_tables(prob.inputs, ix, loop).regions["welfare_10k_cny"]
    plan = rt._Plan(prob.inputs, ix, loop)
    rt._net(plan, zero_margin_purchases(ix))  # step 1 alone
    netted = loop.updated({"plat_buy": plan.buy, "plat_sell": plan.sell})
    assert min(netted.value("plat_buy", k), netted.value("plat_sell", k)) == pytest.approx(0.0, abs=1e-9)
    after = read_tables(prob.inputs, ix, netted).regions["welfare_10k_cny"]
    np.testing.assert_allclose(after.to_numpy(), before.to_numpy(), rtol=1e-12, atol=1e-6)
    # and the whole cleanup ends where it ends without the added loop
    a, _ = drop_round_trips(prob.inputs, ix, loop)
    b, _ = drop_round_trips(prob.inputs, ix, sol)
    for name in ("plat_buy", "plat_sell"):
        assert a.var(name) == pytest.approx(b.var(name), abs=1e-9)
