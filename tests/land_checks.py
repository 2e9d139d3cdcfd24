"""Independent checks of a land-quota plan, recomputed from the inputs and result tables only."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from regionopt.land import LEDGERS, PLATFORM, LandQuotaProblem, LandQuotaResult, random_instance

TOL = 1e-5


def _need(p, led):
    return {"construction": p.land_mu, "area": p.farmland_mu, "paddy": p.paddy_mu, "grain": p.grain_100kg}[led]


def _yield(t, led):
    return {"construction": t.construction_per_mu, "area": t.area_per_mu, "paddy": t.paddy_per_mu, "grain": t.grain_100kg_per_mu}[led]


def ledger_balances(problem: LandQuotaProblem, res: LandQuotaResult) -> dict[tuple[str, str, int], float]:
    """alloc + reclaimed + inflow - outflow - use + banked_in - banked_out for every region, ledger, period."""
    inp = problem.inputs
    bal: dict[tuple[str, str, int], float] = defaultdict(float)
    for r in inp.regions:
        for led in LEDGERS:
            for t in inp.periods:
                bal[(r, led, t)] += inp.allocations.get((r, led, t), 0.0)
    for j, row in res.projects.iterrows():
        p = inp.projects[j]
        for led in LEDGERS:
            bal[(p.region, led, p.period)] -= _need(p, led) * row["realised_share"]
    for _, row in res.reclamation.iterrows():
        tier = inp.reserves[(row["region"], row["tier"])]
        for led in LEDGERS:
            bal[(row["region"], led, int(row["period"]))] += _yield(tier, led) * row["reclaimed_mu"]
    for _, f in res.flows.iterrows():
        t = int(f["period"])
        if f["seller"] != PLATFORM:
            bal[(f["seller"], f["ledger"], t)] -= f["amount"]
        if f["buyer"] != PLATFORM:
            bal[(f["buyer"], f["ledger"], t)] += f["amount"]
    for _, b in res.banked.iterrows():
        t = int(b["period"])
        bal[(b["region"], b["ledger"], t)] -= b["banked"]
        bal[(b["region"], b["ledger"], t + 1)] += b["banked"]
    return dict(bal)


def assert_plan_valid(problem: LandQuotaProblem, res: LandQuotaResult) -> None:
    """Every rule of the plan, recomputed independently of the model code."""
    inp = problem.inputs
    st = inp.settings
    # 1. every ledger balances per region and period
    for key, v in ledger_balances(problem, res).items():
        assert v >= -TOL * max(1.0, abs(v)) - 1e-4, f"ledger balance violated at {key}: {v}"
    # 2. flows non-negative and only on open channels / allowed pairs
    f = res.flows
    if len(f):
        assert (f["amount"] > 0).all()
        for _, row in f[f["channel"] == "bilateral"].iterrows():
            assert (row["seller"], row["buyer"], row["ledger"]) in inp.pairs, "flow on a pair that is not allowed"
        for _, row in f[f["channel"] == "within_province"].iterrows():
            assert inp.regions[row["seller"]].province == inp.regions[row["buyer"]].province
        plat = f[f["channel"] == "platform"]
        for _, row in plat[plat["seller"] == PLATFORM].iterrows():
            assert inp.provinces[inp.regions[row["buyer"]].province].platform_coefficient is not None
            assert row["ledger"] != "construction"
        if not st.bilateral:
            assert (f["channel"] != "bilateral").all()
        if not st.within_province:
            assert (f["channel"] != "within_province").all()
        if not st.platform:
            assert (f["channel"] != "platform").all()
    # 3. red lines hold (province floors, moved by cross-province trade when configured)
    for (p, _t), row in res.farmland.iterrows():
        floor = inp.provinces[p].farmland_floor_mu
        if floor is None:
            continue
        retained = row["baseline_mu"] - row["occupied_mu"] + row["reclaimed_mu"]
        assert abs(retained - row["retained_mu"]) <= 1e-6 * max(1, retained)
        eff = floor
        if st.red_line_follows_trade and len(f):
            cross = f[(f["ledger"] == "area") & (f["channel"] != "within_province") & (f["period"] <= _t)]
            for _, fr in cross.iterrows():
                sp = inp.regions[fr["seller"]].province if fr["seller"] != PLATFORM else None
                bp = inp.regions[fr["buyer"]].province if fr["buyer"] != PLATFORM else None
                if sp == bp:
                    continue
                if sp == p:
                    eff += fr["amount"]
                if bp == p:
                    eff -= fr["amount"]
        assert retained >= eff - 1e-4 * max(1.0, abs(eff)) - 1e-3, f"red line of {p} violated: {retained} < {eff}"
    # 3b. regional and national red lines
    occ: dict[str, float] = defaultdict(float)
    rec: dict[str, float] = defaultdict(float)
    for j, row in res.projects.iterrows():
        occ[row["region"]] += inp.projects[j].farmland_mu * row["realised_share"]
    for _, row in res.reclamation.iterrows():
        rec[row["region"]] += inp.reserves[(row["region"], row["tier"])].area_per_mu * row["reclaimed_mu"]
    for r, reg in inp.regions.items():
        if reg.farmland_floor_mu is not None:
            assert (reg.farmland_mu or 0.0) - occ[r] + rec[r] >= reg.farmland_floor_mu - 1e-4
    if st.national_floor_mu is not None:
        total = res.farmland.xs(max(inp.periods), level="period")["retained_mu"].sum()
        assert total >= st.national_floor_mu - 1e-3
    # 4. project shares within bounds, reclamation within potential
    assert (res.projects["realised_share"] >= -TOL).all() and (res.projects["realised_share"] <= 1 + TOL).all()
    if len(res.reclamation):
        tot = res.reclamation.groupby(["region", "tier"])["reclaimed_mu"].sum()
        for (r, k), g in tot.items():
            assert g <= inp.reserves[(r, k)].potential_mu + 1e-4
    # 5. welfare adds up: regions' welfare sums to the objective (transfers cancel)
    assert abs(res.regions["welfare_10k_cny"].sum() - res.welfare) <= 1e-5 * max(1.0, abs(res.welfare)) + 1e-3


def tiny_frames() -> dict:
    regions = pd.DataFrame(
        {"province": ["P1", "P1", "P2"], "name": ["Aville", "Btown", "Ccity"], "farmland_mu": [1000.0, 800.0, 5000.0]},
        index=pd.Index(["A", "B", "C"], name="region"),
    )
    provinces = pd.DataFrame(
        {"name": ["North", "South"], "platform_coefficient": [1.5, np.nan]},
        index=pd.Index(["P1", "P2"], name="province"),
    )
    projects = pd.DataFrame(
        {"region": ["A", "B", "C"], "land_mu": [100.0, 50.0, 20.0], "farmland_mu": [60.0, 30.0, 10.0],
         "paddy_mu": [30.0, 0.0, 5.0], "grain_100kg": [250.0, 120.0, 40.0], "value_10k_cny": [5000.0, 800.0, 300.0]},
        index=pd.Index(["J1", "J2", "J3"], name="project"),
    )
    allocations = pd.DataFrame(
        [("A", "construction", 40.0), ("B", "construction", 60.0), ("C", "construction", 30.0), ("C", "area", 20.0)],
        columns=["region", "ledger", "amount"],
    )
    reserves = pd.DataFrame(
        [("C", "consolidation", 200.0, 4.0, 0.0, 1.0, 0.5, 4.5)],
        columns=["region", "tier", "potential_mu", "cost_10k_cny_per_mu", "construction_per_mu", "area_per_mu",
                 "paddy_per_mu", "grain_100kg_per_mu"],
    )
    pairs = pd.DataFrame([("C", "A", None, 0.5)], columns=["seller", "buyer", "ledger", "cost_10k_cny_per_unit"])
    return dict(regions=regions, projects=projects, provinces=provinces, allocations=allocations, reserves=reserves, pairs=pairs)


#: Random land instances of every size and red-line setting (hypothesis strategy).
instances = st.builds(
    random_instance,
    n_regions=st.integers(3, 10),
    n_provinces=st.integers(1, 3),
    projects_per_region=st.integers(1, 3),
    pairs_per_region=st.integers(0, 3),
    seed=st.integers(0, 10_000),
    red_lines=st.booleans(),
    red_line_follows_trade=st.booleans(),
)
