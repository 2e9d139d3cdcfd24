"""Who gains from trade: price rent and red-line share explain every region's gain.

For an LP plan, each region's part of the plan is optimal for that region at the
plan's shadow prices (Lagrangian decomposition), and the autarky plan is open to
it. So a region can end worse off than in autarky only by trading units at a
price that is not its own shadow price (statutory platform prices, contract
prices, arcs at a bound) or by giving up room under a shared red line:
``gain >= price rent + red-line share`` (docs/land.md, "Who gains").
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from regionopt import InfeasibleError
from regionopt.land import LandQuotaProblem, random_instance

from .land_checks import instances
from .test_land_properties import SETTINGS


def _platform_frames() -> dict:
    """Seller S (province P1) reclaims grain capacity at 1.0 万元/100 kg; buyer B
    (province P2) could reclaim its own at 1.5, buy bilaterally for 0.3 transport,
    or use the national platform at the statutory 2.0 (coefficient 1.0 both ways)."""
    regions = pd.DataFrame({"province": ["P1", "P2"]}, index=pd.Index(["S", "B"], name="region"))
    provinces = pd.DataFrame({"platform_coefficient": [1.0, 1.0]}, index=pd.Index(["P1", "P2"], name="province"))
    projects = pd.DataFrame(
        {"region": ["B"], "land_mu": [10.0], "farmland_mu": [0.0], "paddy_mu": [0.0], "grain_100kg": [100.0],
         "value_10k_cny": [1000.0]},
        index=pd.Index(["JB"], name="project"),
    )
    allocations = pd.DataFrame([("B", "construction", 10.0)], columns=["region", "ledger", "amount"])
    reserves = pd.DataFrame(
        [("S", "consolidation", 1000.0, 1.0, 0.0, 0.0, 0.0, 1.0), ("B", "consolidation", 1000.0, 1.5, 0.0, 0.0, 0.0, 1.0)],
        columns=["region", "tier", "potential_mu", "cost_10k_cny_per_mu", "construction_per_mu", "area_per_mu",
                 "paddy_per_mu", "grain_100kg_per_mu"],
    )
    pairs = pd.DataFrame([("S", "B", "grain", 0.3)], columns=["seller", "buyer", "ledger", "cost_10k_cny_per_unit"])
    return dict(regions=regions, provinces=provinces, projects=projects, allocations=allocations, reserves=reserves,
                pairs=pairs)


def test_platform_at_statutory_price_leaves_the_buyer_worse_off_and_says_why() -> None:
    """Hand-computed. The platform costs the regions nothing (charge = payout), so
    the plan routes B's 100 units through it: S reclaims at 1.0 and is paid 2.0; B
    pays 2.0 for units it could make at 1.5. B: 1000 - 200 = 800 against 850 in
    autarky (gain -50), shadow price 1.0, so price rent (1.0 - 2.0) x 100 = -100.
    S: paid 200 for a cost of 100 (gain 100 = price rent)."""
    res = LandQuotaProblem.from_frames(**_platform_frames(), settings={"within_province": False}).solve()
    reg = res.regions
    assert res.flows["channel"].eq("platform").all()
    assert reg.at["B", "gain_10k_cny"] == pytest.approx(-50.0)
    assert reg.at["B", "price_rent_10k_cny"] == pytest.approx(-100.0)
    assert reg.at["S", "gain_10k_cny"] == pytest.approx(100.0)
    assert reg.at["S", "price_rent_10k_cny"] == pytest.approx(100.0)
    assert res.gain_from_trade == pytest.approx(50.0)
    (note,) = [n for n in res.notes if "worse off than in autarky" in n]
    assert "B (-50; price rent -100" in note and "S (" not in note
    assert res.gains.loc["P2", "price_rent_10k_cny"] == pytest.approx(-100.0)


def test_at_market_clearing_prices_nobody_loses() -> None:
    """Without the platform B buys bilaterally at the clearing price 1.3 - 0.3 = 1.0
    (its shadow price net of the transport it bears): B gains 150 - 130 = 20, S
    breaks even, price rent 0 for both, and there is no note."""
    res = LandQuotaProblem.from_frames(**_platform_frames(), settings={"within_province": False, "platform": False}).solve()
    reg = res.regions
    assert reg.at["B", "gain_10k_cny"] == pytest.approx(20.0)
    assert reg.at["S", "gain_10k_cny"] == pytest.approx(0.0, abs=1e-7)
    assert reg["price_rent_10k_cny"].abs().max() == pytest.approx(0.0, abs=1e-7)
    assert not [n for n in res.notes if "worse off" in n]


def _solve_and_check_bound(problem: LandQuotaProblem):
    """Solve; assert gain >= price rent + red-line share for every region (None if infeasible)."""
    try:
        res = problem.solve()
    except InfeasibleError:
        return None
    reg = res.regions
    tol = 1e-6 * max(1.0, abs(res.welfare))
    slack = reg["gain_10k_cny"] - reg["price_rent_10k_cny"] - reg["red_line_share_10k_cny"]
    assert slack.min() >= -tol, reg
    return res


@SETTINGS
@given(problem=instances)
def test_gain_is_at_least_price_rent_plus_red_line_share(problem) -> None:
    """On random LP instances (platform, bilateral pairs, province red lines that may
    follow trade) every region's gain covers its price rent plus red-line share."""
    res = _solve_and_check_bound(problem)
    if res is None:
        return
    reg = res.regions
    tol = 1e-6 * max(1.0, abs(res.welfare))
    assert res.gain_from_trade >= -tol
    # the note names exactly the regions that lose
    losers = set(reg.index[reg["gain_10k_cny"] < -tol])
    noted = [n for n in res.notes if "worse off than in autarky" in n]
    assert bool(losers) == bool(noted)
    for r in losers:
        assert f"{r} (" in noted[0]


def test_binary_projects_note_says_prices_cannot_explain_all_of_a_loss() -> None:
    """With all-or-nothing projects the duality bound does not hold; the note says so."""
    res = random_instance(20, 4, seed=2, red_lines=True, binary_projects=True).solve()
    (note,) = [n for n in res.notes if "worse off than in autarky" in n]
    assert "all-or-nothing" in note
    assert (res.regions["gain_10k_cny"] < 0).any()


@SETTINGS
@given(problem=instances, seed=st.integers(0, 10_000))
def test_bound_holds_with_contract_prices_and_capped_arcs(problem, seed) -> None:
    """The same bound when some pairs carry a contract price or a cap on the flow:
    those units trade off the margin, and the price rent must account for them."""
    rng = np.random.default_rng(seed)
    pairs = {}
    for key, row in problem.inputs.pairs.items():
        update = {}
        if rng.random() < 0.4:
            update["price_10k_cny_per_unit"] = float(rng.uniform(0.0, 60.0 if key[2] == "construction" else 5.0))
        if rng.random() < 0.4:
            update["max_amount"] = float(rng.uniform(0.0, 2000.0))
        pairs[key] = row.model_copy(update=update)
    _solve_and_check_bound(LandQuotaProblem(dataclasses.replace(problem.inputs, pairs=pairs)))
