"""Each rule of the land model does what the formulation page says."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

import regionopt.land.problem as lpm
import regionopt.solve.pipeline as pipeline
from regionopt import Status
from regionopt.land import LandQuotaProblem, StatutoryPrice, delta_example, random_instance
from regionopt.solve import SolveOptions, solve_model

from .land_checks import assert_plan_valid, tiny_frames


def test_statutory_price_worked_example() -> None:
    """POLICY.md: Shanghai buying paddy with 500 kg/mu capacity pays (20 + 5 x 2) x 2 = 60 万元/亩."""
    sp = StatutoryPrice()
    assert sp.charge_per_mu(2.0, paddy=True, capacity_kg_per_mu=500) == pytest.approx(60.0)
    # the per-ledger decomposition used by the model adds up to the same charge
    per_ledger = sp.unit_price("area", 2.0) + sp.unit_price("paddy", 2.0) + 5 * sp.unit_price("grain", 2.0)
    assert per_ledger == pytest.approx(60.0)
    assert np.isnan(sp.unit_price("area", float("nan")))


def _two_period_frames(banking_alloc_period: int) -> dict:
    f = tiny_frames()
    pr = f["projects"].copy()
    pr["period"] = [2, 2, 1]
    al = pd.DataFrame(
        [("A", led, 500.0, banking_alloc_period) for led in ("construction", "area", "paddy", "grain")]
        + [("A", "construction", 0.0, 2)],
        columns=["region", "ledger", "amount", "period"],
    )
    return {**f, "projects": pr, "allocations": al, "pairs": f["pairs"].iloc[0:0], "reserves": f["reserves"].iloc[0:0]}


def test_banking_carries_quota_forward() -> None:
    f = _two_period_frames(1)
    with_bank = LandQuotaProblem.from_frames(**f, settings={"within_province": False}).solve(autarky=False)
    no_bank = LandQuotaProblem.from_frames(**f, settings={"within_province": False, "banking": False}).solve(autarky=False)
    assert with_bank.projects.loc["J1", "realised_share"] == pytest.approx(1.0)
    assert no_bank.projects.loc["J1", "realised_share"] == pytest.approx(0.0)
    assert len(with_bank.banked) and (with_bank.banked["period"] == 1).all()
    assert_plan_valid(LandQuotaProblem.from_frames(**f, settings={"within_province": False}), with_bank)


def test_yibu_dingzhan_limits_next_period_occupation() -> None:
    p = random_instance(8, 2, seed=3, red_lines=False)
    # two periods: copy each project into period 2
    inp = p.inputs
    projects = pd.DataFrame([{**r.model_dump(), "period": 2} for r in inp.projects.values()]).set_index("project")
    projects.index = projects.index + "-t2"
    base = pd.DataFrame([r.model_dump() for r in inp.projects.values()]).set_index("project")
    allp = pd.concat([base, projects])
    frames = dict(
        regions=pd.DataFrame([r.model_dump() for r in inp.regions.values()]).set_index("region"),
        provinces=pd.DataFrame([r.model_dump() for r in inp.provinces.values()]).set_index("province"),
        projects=allp,
        allocations=pd.DataFrame([(r, led, a, t) for (r, led, t), a in inp.allocations.items()], columns=["region", "ledger", "amount", "period"]),
        reserves=pd.DataFrame([r.model_dump() for r in inp.reserves.values()]),
    )
    res = LandQuotaProblem.from_frames(**frames, settings={"yibu_dingzhan": True, "platform": False}).solve(autarky=False)
    prov_of = {r: inp.regions[r].province for r in inp.regions}
    pj = res.projects.copy()
    pj["province"] = pj["region"].map(prov_of)
    farm = {j: (inp.projects.get(j) or inp.projects[j.removesuffix("-t2")]).farmland_mu for j in pj.index}
    pj["occ"] = pj["realised_share"] * pd.Series(farm)
    rec = res.reclamation.copy()
    rec["province"] = rec["region"].map(prov_of)
    for p_ in {*prov_of.values()}:
        occ1 = pj[(pj["province"] == p_) & (pj["period"] == 1)]["occ"].sum()
        occ2 = pj[(pj["province"] == p_) & (pj["period"] == 2)]["occ"].sum()
        added1 = rec[(rec["province"] == p_) & (rec["period"] == 1)]["reclaimed_mu"].sum()
        assert occ2 <= added1 - occ1 + 1e-6  # the net increase of the period before


def test_spread_and_gini_caps_hold() -> None:
    base = random_instance(8, 2, seed=11, red_lines=False)
    free = base.solve(autarky=False)

    def per_capita(res) -> pd.Series:
        land = res.projects.groupby("region")["realised_land_mu"].sum()
        pop = pd.Series({r: base.inputs.regions[r].population_10k for r in base.inputs.regions})
        return (land.reindex(pop.index, fill_value=0.0) / pop).astype(float)

    pc = per_capita(free)
    cap = 0.5 * (pc.max() - pc.min())
    capped = base.with_settings(per_capita_spread_cap=cap).solve(autarky=False)
    pc2 = per_capita(capped)
    assert pc2.max() - pc2.min() <= cap + 1e-6
    assert capped.welfare <= free.welfare + 1e-6

    def gini(x: np.ndarray) -> float:
        return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))

    g0 = gini(pc.to_numpy())
    gcap = 0.5 * g0
    g_res = base.with_settings(gini_cap=gcap).solve(autarky=False)
    assert gini(per_capita(g_res).to_numpy()) <= gcap + 1e-6


def test_export_import_and_budget_caps() -> None:
    f = tiny_frames()
    free = LandQuotaProblem.from_frames(**f).solve()
    bil = free.flows[free.flows["channel"] == "bilateral"]
    assert bil["amount"].sum() > 10
    # export cap on C's construction quota
    caps = pd.DataFrame([("C", "construction", 5.0)], columns=["region", "ledger", "cap"])
    r1 = LandQuotaProblem.from_frames(**f, export_caps=caps).solve()
    out = r1.flows[(r1.flows["seller"] == "C") & (r1.flows["ledger"] == "construction")]["amount"].sum()
    assert out <= 5.0 + 1e-6
    # purchase-share cap for A: at most 20 % of its use may be bought, per ledger
    regs = f["regions"].copy()
    regs["import_share_cap"] = [0.2, np.nan, np.nan]
    f2 = {**f, "regions": regs}
    r2 = LandQuotaProblem.from_frames(**f2).solve()
    use = r2.projects.loc["J1", "realised_share"] * 100.0
    bought = r2.flows[(r2.flows["buyer"] == "A") & (r2.flows["ledger"] == "construction")]["amount"].sum()
    assert bought <= 0.2 * use + 1e-6
    # budget at the charged price (contract price): 1 万元 per unit, budget 10 万元 -> at most 10 units
    pairs = f["pairs"].copy()
    pairs["price_10k_cny_per_unit"] = 1.0
    regs3 = f["regions"].copy()
    regs3["budget_10k_cny"] = [10.0, np.nan, np.nan]
    r3 = LandQuotaProblem.from_frames(**{**f, "pairs": pairs, "regions": regs3}).solve()
    paid = r3.flows[(r3.flows["buyer"] == "A") & (r3.flows["channel"] == "bilateral")]["payment_10k_cny"].sum()
    assert paid <= 10.0 + 1e-6


def test_platform_charges_statutory_price() -> None:
    p = delta_example(bilateral=False)
    res = p.solve(autarky=False)
    plat = res.flows[res.flows["channel"] == "platform"]
    assert len(plat), "with bilateral trade closed, the platform must carry cross-province trade"
    buys = plat[plat["seller"] == "PLATFORM"]
    sp = StatutoryPrice()
    coef = {"310000": 2.0, "320000": 1.5, "330000": 1.5}
    for _, row in buys.iterrows():
        prov = p.inputs.regions[row["buyer"]].province
        assert prov != "340000"  # Anhui's coefficient is unverified: it cannot buy
        assert row["price_10k_cny_per_unit"] == pytest.approx(sp.unit_price(row["ledger"], coef[prov]))
    assert_plan_valid(p, res)
    # the platform clears: as much sold to it as bought from it, per ledger
    sold = plat[plat["buyer"] == "PLATFORM"].groupby("ledger")["amount"].sum()
    bought = buys.groupby("ledger")["amount"].sum()
    pd.testing.assert_series_equal(sold, bought, check_names=False, rtol=1e-6)


def test_delta_example_is_sourced_plus_labelled_illustrative() -> None:
    from regionopt.land import delta_example_frames

    f = delta_example_frames()
    assert len(f["regions"]) == 41
    for name in ("regions", "projects", "allocations", "reserves", "pairs", "provinces"):
        assert f[name].attrs.get("illustrative") is True, name
    # Anhui's farmland is the sourced Third National Land Survey total
    ah = f["regions"][f["regions"]["province"] == "340000"]["farmland_mu"].sum()
    assert ah == pytest.approx(8320.35e4, rel=1e-6)
    prob = LandQuotaProblem.from_frames(**f)
    res = prob.solve()
    assert res.status == Status.OPTIMAL
    assert_plan_valid(prob, res)
    assert set(res.gains.index) == {"310000", "320000", "330000", "340000"}


def test_tightening_anhui_red_line_never_raises_welfare() -> None:
    f_base = delta_example()
    base = f_base.solve(autarky=False)
    from regionopt.land import delta_example_frames

    f = delta_example_frames()
    prov = f["provinces"].copy()
    row = base.farmland.loc[("340000", 1)]
    net_exports = row["effective_floor_mu"] - row["floor_mu"]
    # a floor above what the base plan retains (net of exports): the base plan becomes infeasible
    prov.loc["340000", "farmland_floor_mu"] = row["retained_mu"] - net_exports + 10_000
    tight = LandQuotaProblem.from_frames(**{**f, "provinces": prov}).solve(autarky=False)
    assert tight.welfare < base.welfare
    assert tight.farmland.loc[("340000", 1), "binding"]
    assert tight.farmland.loc[("340000", 1), "shadow_price_10k_cny_per_mu"] > 0


@pytest.mark.parametrize("time_limit", [0.2, 1.0])
def test_time_limit_reports_incumbent_and_gap(time_limit: float) -> None:
    prob = random_instance(300, 4, seed=5, binary_projects=True, red_lines=True)
    res = prob.solve(time_limit=time_limit, autarky=False)
    assert res.status in (Status.FEASIBLE, Status.OPTIMAL, Status.TIME_LIMIT_NO_SOLUTION)
    if res.status == Status.FEASIBLE:
        assert res.mip_gap > 0 and np.isfinite(res.objective)
        assert_plan_valid(prob, res)
    if res.status == Status.OPTIMAL:  # never a silent optimal: the gap must be proven
        assert res.mip_gap <= 1e-4 + 1e-9


@pytest.mark.parametrize("binary", [False, True])
def test_second_solver_cbc_agrees(binary: bool) -> None:
    """The to_pyomo() model solved by CBC gives the same optimum as the HiGHS route."""
    for seed in range(3):
        prob = random_instance(6, 2, seed=seed, binary_projects=binary)
        m = prob.to_pyomo()
        rep_cbc = solve_model(m, SolveOptions(solver="cbc"))
        rep_highs = solve_model(prob.to_pyomo(), SolveOptions())
        assert rep_cbc.status == rep_highs.status
        if rep_highs.status.has_solution:
            assert rep_cbc.objective == pytest.approx(rep_highs.objective, rel=1e-6, abs=1e-4)
        via_api = prob.solve(solver="cbc", autarky=False) if rep_highs.status.has_solution else None
        if via_api is not None:
            assert via_api.welfare == pytest.approx(rep_highs.objective, rel=1e-6, abs=1e-4)


def test_to_pyomo_has_named_components() -> None:
    m = random_instance(5, 2, seed=2, national_floor_mu=1.0).to_pyomo()
    for name in ("y", "g", "x", "pool_out", "pool_in", "plat_sell", "plat_buy", "balance", "reserve_potential",
                 "red_line_province", "red_line_national", "welfare"):
        assert hasattr(m, name), name
    assert isinstance(m.welfare, pyo.Objective)


def test_default_coefficients_follow_province_codes() -> None:
    f = tiny_frames()
    regs = f["regions"].copy()
    regs["province"] = ["310000", "310000", "340000"]
    # no provinces table: Shanghai gets its verified coefficient 2, Anhui none
    prob = LandQuotaProblem.from_frames(regs, f["projects"], allocations=f["allocations"], reserves=f["reserves"])
    assert prob.inputs.provinces["310000"].platform_coefficient == 2.0
    assert prob.inputs.provinces["340000"].platform_coefficient is None
    # an explicit empty cell means no platform purchases
    prov = pd.DataFrame({"platform_coefficient": [np.nan, np.nan]}, index=pd.Index(["310000", "340000"], name="province"))
    prob2 = LandQuotaProblem.from_frames(regs, f["projects"], provinces=prov)
    assert prob2.inputs.provinces["310000"].platform_coefficient is None


def test_regional_and_national_red_lines_hold() -> None:
    base = random_instance(8, 2, seed=21, red_lines=False)
    free = base.solve(autarky=False)
    total = free.farmland["retained_mu"].sum()
    nat = base.with_settings(national_floor_mu=float(total) + 500.0)
    res = nat.solve(autarky=False)
    assert res.farmland["retained_mu"].sum() >= total + 500.0 - 1e-3
    assert res.welfare <= free.welfare + 1e-6
    assert_plan_valid(nat, res)


def test_platform_arbitrage_is_refused() -> None:
    """A buyer coefficient below the payout would let a region buy and resell without limit."""
    from regionopt import InputError
    from regionopt.land import delta_example_frames

    f = delta_example_frames()
    prov = f["provinces"].copy()
    prov.loc["340000", "platform_coefficient"] = 0.8  # the often-quoted, unverified Anhui tier
    with pytest.raises(InputError) as info:
        LandQuotaProblem.from_frames(**{**f, "provinces": prov})
    assert (info.value.table, info.value.row, info.value.field) == ("provinces", "340000", "platform_coefficient")
    settings = f["settings"].model_copy(update={"platform_payout_coefficient": 0.8})
    res = LandQuotaProblem.from_frames(**{**f, "provinces": prov, "settings": settings}).solve(autarky=False)
    assert res.status == Status.OPTIMAL


def test_threads_can_change_between_solves() -> None:
    prob = random_instance(6, 2, seed=1)
    a = prob.solve(threads=1, autarky=False)
    b = prob.solve(threads=2, autarky=False)
    assert a.status == b.status == Status.OPTIMAL
    assert a.welfare == pytest.approx(b.welfare, rel=1e-9)


def test_equity_penalty_trades_welfare_for_a_smaller_spread() -> None:
    base = random_instance(8, 2, seed=11, red_lines=False, spread_penalty_10k_cny=0.0)
    free = base.solve(autarky=False)
    pen = base.with_settings(spread_penalty_10k_cny=1e5)
    res = pen.solve(autarky=False)

    def spread(r) -> float:
        land = r.projects.groupby("region")["realised_land_mu"].sum()
        pop = pd.Series({k: v.population_10k for k, v in base.inputs.regions.items()})
        pc = land.reindex(pop.index, fill_value=0.0) / pop
        return float(pc.max() - pc.min())

    assert spread(res) <= spread(free) + 1e-9
    assert res.welfare <= free.welfare + 1e-6
    assert res.objective <= res.welfare + 1e-9
    assert any("penalty" in n for n in res.notes)
    assert_plan_valid(pen, res)


@pytest.mark.parametrize("seed", [6, 8, 14])
def test_no_region_buys_platform_quota_it_does_not_use(seed: int) -> None:
    """Where the buyer coefficient equals the payout (1.0 = 1.0), selling to the platform and
    buying back is free in the objective; the plan used to carry such round trips, so a region
    paid the statutory charge for quota it then left unused (tens of thousands of 万元 on these
    seeds) and another was paid for it: total welfare right, regional welfare wrong."""
    from regionopt.land import PLATFORM

    from .land_checks import ledger_balances

    prob = random_instance(10, 3, seed=seed, red_lines=False)
    assert any(p.platform_coefficient == prob.settings.platform_payout_coefficient for p in prob.inputs.provinces.values())
    res = prob.solve(autarky=False)
    assert_plan_valid(prob, res)
    left_over = ledger_balances(prob, res)
    buys = res.flows[res.flows["seller"] == PLATFORM]
    assert len(buys)
    for _, row in buys.iterrows():
        assert left_over[(row["buyer"], row["ledger"], row["period"])] <= 1e-4, row.to_dict()


def _bilateral_values(prob, res):
    """(price, buyer's marginal value net of its cost, seller's marginal value) per interior bilateral flow."""
    inp = prob.inputs
    lam = res.prices["shadow_price_10k_cny_per_unit"]
    relief = res.farmland["shadow_price_10k_cny_per_mu"]
    out = []
    for _, f in res.flows[res.flows["channel"] == "bilateral"].iterrows():
        pr = inp.pairs[(f["seller"], f["buyer"], f["ledger"])]
        if f["amount"] <= pr.min_amount + 1e-6 or (pr.max_amount is not None and f["amount"] >= pr.max_amount - 1e-6):
            continue
        ps, pb = inp.regions[f["seller"]].province, inp.regions[f["buyer"]].province
        moves_red_line = inp.settings.red_line_follows_trade and f["ledger"] == "area" and ps != pb
        later = [t for t in inp.periods if t >= f["period"]]
        buyer = lam[(f["buyer"], f["ledger"], f["period"])] + (sum(relief[(pb, t)] for t in later) if moves_red_line else 0.0)
        seller = lam[(f["seller"], f["ledger"], f["period"])] + (sum(relief[(ps, t)] for t in later) if moves_red_line else 0.0)
        cost = inp.pairs[(f["seller"], f["buyer"], f["ledger"])].cost_10k_cny_per_unit + (
            inp.settings.transport_cost_10k_cny_per_unit_km * inp.distances_km.get((f["seller"], f["buyer"]), 0.0)
        )
        out.append((f["price_10k_cny_per_unit"], buyer - cost, seller))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3, -1])
def test_bilateral_price_without_contract_clears_the_market(seed: int) -> None:
    """The buyer bears the transaction and transport cost, so the market-clearing price is its
    marginal value net of that cost (= the seller's marginal value for a flow between its
    bounds). It used to be the buyer's full shadow price, so a buyer paid price + cost, more than
    one unit was worth to it, and regions showed losses from trade; and with red lines following
    trade an area unit that relieved the buyer's red line was paid 0 (Anhui -> Shanghai)."""
    if seed == 0:
        prob = LandQuotaProblem.from_frames(**tiny_frames())
    elif seed == -1:  # the Delta example: red lines follow trade, Shanghai's binds
        prob = delta_example()
    else:
        prob = random_instance(10, 3, seed=seed, red_lines=True, red_line_follows_trade=seed % 2 == 1)
    res = prob.solve(autarky=False)
    vals = _bilateral_values(prob, res)
    assert vals
    for price, buyer_net, seller in vals:
        assert price == pytest.approx(buyer_net, rel=1e-6, abs=1e-6)
        assert price == pytest.approx(seller, rel=1e-6, abs=1e-6)
    assert_plan_valid(prob, res)


def test_gains_from_trade_warn_when_a_solve_stopped_early(monkeypatch: pytest.MonkeyPatch) -> None:
    # A benchmark or plan that stopped at a limit makes gains from trade one-sided:
    # the result must say so. Solves are real; only their status is rewritten.
    real = lpm.solve_model
    calls: list[int] = []

    def stopped(model: pyo.ConcreteModel, options: SolveOptions | None = None):  # type: ignore[no-untyped-def]
        rep = real(model, options)
        calls.append(1)
        return dataclasses.replace(rep, status=Status.FEASIBLE, mip_gap=0.05)

    monkeypatch.setattr(lpm, "solve_model", stopped)
    monkeypatch.setattr(pipeline, "solve_model", stopped)
    res = random_instance(6, 2, seed=1).solve()
    assert len(calls) >= 2
    assert any("autarky (no trade) stopped feasible" in n and "overstated" in n for n in res.notes)
    assert any("trade plan stopped feasible" in n and "understated" in n for n in res.notes)
    monkeypatch.setattr(lpm, "solve_model", real)
    monkeypatch.setattr(pipeline, "solve_model", real)
    clean = random_instance(6, 2, seed=1).solve()
    assert not any("stopped" in n for n in clean.notes)


def test_lp_stopped_before_optimality_has_no_prices(monkeypatch: pytest.MonkeyPatch) -> None:
    # An LP point from a limit carries no duals. It used to be sent through the
    # MIP re-solve, which solved the LP again to optimality behind the limit.
    real = lpm.solve_model
    first: list[bool] = []

    def stopped(model: pyo.ConcreteModel, options: SolveOptions | None = None):  # type: ignore[no-untyped-def]
        rep = real(model, options)
        if not first:
            first.append(True)
            return dataclasses.replace(rep, status=Status.FEASIBLE, mip_gap=math.inf, duals=None)
        return rep

    monkeypatch.setattr(lpm, "solve_model", stopped)
    monkeypatch.setattr(pipeline, "solve_model", stopped)
    monkeypatch.setattr(pipeline, "resolve_with_integers_fixed", lambda *a, **k: pytest.fail("LP sent to the MIP re-solve"))
    res = random_instance(6, 2, seed=1).solve(autarky=False)
    assert res.status == Status.FEASIBLE
    assert any("prices are not available" in n for n in res.notes)
    assert res.prices["shadow_price_10k_cny_per_unit"].isna().all()


def test_summary_lists_each_binding_red_line_once_with_its_periods() -> None:
    # a province binding in two periods used to be listed twice ("P1, P1")
    res = random_instance(6, 2, seed=1).solve(autarky=False)
    idx = pd.MultiIndex.from_tuples([("P1", 1), ("P1", 2), ("P2", 1), ("P2", 2)], names=["province", "period"])
    farm = pd.DataFrame({"binding": [True, True, False, True]}, index=idx)
    two = dataclasses.replace(res, farmland=farm).summary().loc["binding_red_lines", "value"]
    assert two == "P1 (period 1, 2), P2 (period 2)"
    one = dataclasses.replace(res, farmland=farm.xs(1, level="period", drop_level=False)).summary()
    assert one.loc["binding_red_lines", "value"] == "P1"


def test_red_line_with_40_mu_to_spare_is_not_binding() -> None:
    # The binding flag used a tolerance of 1e-6 x baseline, about 83 mu for Anhui's
    # 83 million mu, so a red line with tens of mu to spare was reported as binding.
    from regionopt.land import delta_example_frames

    base = delta_example().solve(autarky=False)
    row = base.farmland.loc[("340000", 1)]
    f = delta_example_frames()
    prov = f["provinces"].copy()
    prov.loc["340000", "farmland_floor_mu"] = row["floor_mu"] + row["slack_mu"] - 40.0
    res = LandQuotaProblem.from_frames(**{**f, "provinces": prov}).solve(autarky=False)
    new = res.farmland.loc[("340000", 1)]
    assert new["slack_mu"] == pytest.approx(40.0, abs=1e-3)  # the same plan, 40 mu to spare
    assert not new["binding"]
    assert new["shadow_price_10k_cny_per_mu"] == pytest.approx(0.0, abs=1e-9)


def test_readme_spread_cap_example_binds(delta_land) -> None:  # type: ignore[no-untyped-def]
    """The README shows a setting that changes the plan (the old example, a cap of 20, did not bind)."""
    free = delta_land.solve(autarky=False)
    pr = free.projects.groupby("region")["realised_land_mu"].sum()
    pc = [pr.get(r, 0.0) / row.population_10k for r, row in delta_land.inputs.regions.items()]
    assert max(pc) - min(pc) > 15.0  # the unconstrained spread exceeds the cap
    tight = delta_land.with_settings(per_capita_spread_cap=15.0).solve(autarky=False)
    assert free.welfare - tight.welfare == pytest.approx(28_862, abs=1.0)
