"""Random land instances with every feature switched on or off at random (for route comparisons)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from regionopt.land import LEDGERS, LandQuotaProblem, random_instance
from regionopt.land.inputs import LandInputs


def frames_of(inp: LandInputs) -> dict[str, Any]:
    """The input tables of validated inputs (long distance table)."""
    regions = pd.DataFrame([r.model_dump() for r in inp.regions.values()]).set_index("region")
    provinces = pd.DataFrame([p.model_dump() for p in inp.provinces.values()]).set_index("province")
    projects = pd.DataFrame([p.model_dump() for p in inp.projects.values()]).set_index("project")
    alloc = pd.DataFrame([(r, led, a, t) for (r, led, t), a in inp.allocations.items()],
                         columns=["region", "ledger", "amount", "period"])
    reserves = pd.DataFrame([t.model_dump() for t in inp.reserves.values()],
                            columns=["region", "tier", "potential_mu", "cost_10k_cny_per_mu", "construction_per_mu",
                                     "area_per_mu", "paddy_per_mu", "grain_100kg_per_mu"])
    seen = set()
    prow = []
    for (s, b, led), pr in inp.pairs.items():
        d = pr.model_dump()
        d["ledger"] = led
        prow.append(d)
        seen.add((s, b))
    pairs = pd.DataFrame(prow, columns=["seller", "buyer", "ledger", "price_10k_cny_per_unit", "cost_10k_cny_per_unit",
                                        "max_amount", "min_amount", "allowed"])
    dist = pd.DataFrame([(s, b, km) for (s, b), km in inp.distances_km.items()], columns=["from", "to", "km"])
    caps = pd.DataFrame([(r, led, c) for (r, led), c in inp.export_caps.items()], columns=["region", "ledger", "cap"])
    return dict(regions=regions, provinces=provinces, projects=projects, allocations=alloc, reserves=reserves,
                pairs=pairs, distances_km=dist, export_caps=caps)


def rich_instance(seed: int, *, max_regions: int = 9) -> LandQuotaProblem:
    """A small random instance where each feature of the land model is on or off at random.

    Periods 1-3 (banking, 以补定占), regional / provincial / national red lines
    (following trade or not), export caps, purchase-share caps, budgets,
    contract prices, capped and forced arcs, zero coefficients, a region
    without projects, provinces of one region, closed channels, the equity
    spread (cap or penalty), the Gini cap and binary projects.
    """
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, max_regions + 1))
    base = random_instance(n, int(rng.integers(1, 4)), projects_per_region=int(rng.integers(1, 4)),
                           pairs_per_region=int(rng.integers(0, 4)), seed=seed, red_lines=bool(rng.random() < 0.7))
    f = frames_of(base.inputs)
    regions, projects, provinces = f["regions"], f["projects"], f["provinces"]
    n_periods = int(rng.choice([1, 1, 2, 3]))
    if n_periods > 1:  # copy projects and allocations into later periods
        parts, alloc = [projects], [f["allocations"]]
        for t in range(2, n_periods + 1):
            later = projects.sample(frac=float(rng.uniform(0.3, 1.0)), random_state=seed + t).copy()
            later.index = later.index + f"-t{t}"
            later["period"] = t
            parts.append(later)
            al = f["allocations"].copy()
            al["period"] = t
            al["amount"] = al["amount"] * rng.uniform(0.0, 1.0, len(al))
            alloc.append(al)
        projects = pd.concat(parts)
        f["allocations"] = pd.concat(alloc, ignore_index=True)
    # zero coefficients and a region without projects
    for col in ("paddy_mu", "grain_100kg", "value_10k_cny"):
        projects.loc[rng.random(len(projects)) < 0.15, col] = 0.0
    if len(regions) > 2 and rng.random() < 0.4:
        projects = projects[projects["region"] != regions.index[0]]
    res = f["reserves"]
    if len(res) and rng.random() < 0.3:  # a region without reclamation tiers
        res = res[res["region"] != res["region"].iloc[-1]].copy()
        f["reserves"] = res
    res.loc[rng.random(len(res)) < 0.2, "area_per_mu"] = 0.0
    res.loc[rng.random(len(res)) < 0.2, "cost_10k_cny_per_mu"] = 0.0
    # regional rules
    regions["import_share_cap"] = np.where(rng.random(len(regions)) < 0.3, rng.uniform(0, 0.6, len(regions)), np.nan)
    regions["budget_10k_cny"] = np.where(rng.random(len(regions)) < 0.3, rng.uniform(0, 5e4, len(regions)), np.nan)
    regions["min_demand_share"] = np.where(rng.random(len(regions)) < 0.3, rng.uniform(0, 0.3, len(regions)), np.nan)
    fl = regions["farmland_mu"] * (1 - rng.uniform(0.0, 0.004, len(regions)))
    regions["farmland_floor_mu"] = np.where(rng.random(len(regions)) < 0.3, fl.round(0), np.nan)
    provinces["prior_added_mu"] = np.where(rng.random(len(provinces)) < 0.6, rng.uniform(0, 3000, len(provinces)),
                                           np.nan)
    # pairs: contract prices, caps, forced minimum flows, costs 0
    pr = f["pairs"]
    if len(pr):
        pr["price_10k_cny_per_unit"] = np.where(rng.random(len(pr)) < 0.3, rng.uniform(0, 30, len(pr)), np.nan)
        pr["max_amount"] = np.where(rng.random(len(pr)) < 0.3, rng.uniform(0, 500, len(pr)), np.nan)
        forced = rng.random(len(pr)) < 0.1
        pr["min_amount"] = np.where(forced, np.minimum(rng.uniform(0, 50, len(pr)), pr["max_amount"].fillna(np.inf)),
                                    0.0)
        pr.loc[rng.random(len(pr)) < 0.2, "cost_10k_cny_per_unit"] = 0.0
        if rng.random() < 0.5:  # some pairs trade one ledger only
            pr = pr[(rng.random(len(pr)) < 0.6) | (pr["ledger"] == "area")].reset_index(drop=True)
            f["pairs"] = pr
    caps = pd.DataFrame([(r, led, float(rng.uniform(0, 800))) for r in regions.index for led in LEDGERS
                         if rng.random() < 0.15], columns=["region", "ledger", "cap"])
    f.update(regions=regions, projects=projects, provinces=provinces, export_caps=caps)
    coefs = provinces["platform_coefficient"].dropna()
    st: dict[str, Any] = {
        "within_province": bool(rng.random() < 0.8),
        "bilateral": bool(rng.random() < 0.8),
        "platform": bool(rng.random() < 0.8),
        "intra_cost_10k_cny_per_unit": float(rng.choice([0.0, 0.1])),
        "transport_cost_10k_cny_per_unit_km": float(rng.choice([0.0, 0.001])),
        "platform_payout_coefficient": float(min(1.0, coefs.min())) if len(coefs) else 1.0,
        "red_line_follows_trade": bool(rng.random() < 0.5),
        "national_floor_mu": (float(regions["farmland_mu"].sum() * (1 - rng.uniform(0, 0.002)))
                              if rng.random() < 0.3 else None),
        "binary_projects": bool(rng.random() < 0.2),
        "banking": bool(rng.random() < 0.7),
        "yibu_dingzhan": bool(rng.random() < 0.3),
    }
    if not st["bilateral"]:
        pr["min_amount"] = 0.0
    eq = rng.random()
    if eq < 0.2:
        st["per_capita_spread_cap"] = float(rng.uniform(5, 40))
    elif eq < 0.35:
        st["spread_penalty_10k_cny"] = float(rng.uniform(0, 1e4))
    elif eq < 0.5:
        st["gini_cap"] = float(rng.uniform(0.05, 0.5))
    return LandQuotaProblem.from_frames(**f, settings=st)
