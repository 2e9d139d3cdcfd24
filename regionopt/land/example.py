"""Worked instances: the 41-city Delta case and seeded random instances.

**Illustrative parameters.** No public source gives project values, quota
allocations, reclamation potentials or costs per city. They are generated here
by a documented, seeded rule from the sourced city data (GDP, population, area)
and every generated table carries ``attrs["illustrative"] = True`` and the rule
in ``attrs["rule"]``. Sourced inputs: city codes, names, provinces, population,
GDP, area and coordinates (``regionopt/data/SOURCES.md``); Anhui's cultivated
land (Third National Land Survey, 8,320.35万亩); the statutory price formula and
the verified buyer coefficients (Shanghai 2, Jiangsu 1.5, Zhejiang 1.5).

The rule (seed ``seed``, numpy ``default_rng``):

* farmland per city = area_km2 x 1,500 mu/km2 x province farmland fraction
  (Shanghai 0.25, Jiangsu 0.40, Zhejiang 0.20 — illustrative); Anhui's cities are
  scaled so that they sum to the sourced 83,203,500 mu;
* red line per province = farmland - headroom, headroom = 0.3 % (Shanghai),
  0.1 % (Jiangsu, Zhejiang), 0.05 % (Anhui) of farmland; the protection target
  moves with cross-province trade (``red_line_follows_trade=True``);
* project land demand per city = 10 mu per billion CNY of GDP, split 50/30/20 %
  into three projects worth v_c x (1.6, 1.0, 0.5) 万元/mu, with
  v_c = 30 x (GDP per capita / Delta mean) x lognormal(0, 0.2); 60 % of project
  land is farmland, of which paddy 80 % (SH), 60 % (JS, ZJ), 40 % (AH); grain
  capacity 450 kg/mu x lognormal(0, 0.1);
* own quota = 55 % (SH/JS/ZJ) or 70 % (AH) of construction demand; farmland
  indicators = 35 % (SH/JS/ZJ) or 80 % (AH) of each farmland need;
* reclamation tiers: ``consolidation`` (土地整治: potential 0.1/0.2/0.15/0.3 % of
  farmland for SH/JS/ZJ/AH, cost 12/8/10/4 万元/亩 x lognormal(0, 0.2), yields
  1 mu area, paddy at half the province's paddy share, 4 units of 100 kg grain
  capacity) and ``linkage`` (增减挂钩: potential 0.05 % of farmland, cost
  40/25/30/12 万元/亩, yields 1 mu construction quota, 1 mu area, 3.5 grain units);
* bilateral pairs: every Anhui city may sell every ledger to every city of
  Shanghai, Jiangsu and Zhejiang, with no contract price (payments at the
  market-clearing price; budgets, if set, are checked at the statutory
  price); transaction cost 0.5 万元/unit plus 0.002 万元/unit/km. The 增减挂钩
  surplus prices in docs/policy.md (70 万元/亩 SH, 50 JS/ZJ) are **UNVERIFIED** and are
  only shown for comparison (:data:`LINKAGE_PRICES_UNVERIFIED`);
* minimum development guarantee 30 % of each city's project land.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..datasets import PROVINCE_CODES, haversine_pairs_km, load_delta
from .inputs import LandSettings
from .pricing import DELTA_COEFFICIENTS, LEDGERS
from .problem import LandQuotaProblem

__all__ = ["delta_example", "delta_example_frames", "random_instance", "random_instance_frames"]

ANHUI_CULTIVATED_MU = 8320.35e4  # Third National Land Survey, 万亩 -> mu (SOURCES.md, P_AH_LAND)
_SH, _JS, _ZJ, _AH = (PROVINCE_CODES[p] for p in ("Shanghai", "Jiangsu", "Zhejiang", "Anhui"))
_FARM_FRAC = {_SH: 0.25, _JS: 0.40, _ZJ: 0.20}
_HEADROOM = {_SH: 0.003, _JS: 0.001, _ZJ: 0.001, _AH: 0.0005}
_PADDY = {_SH: 0.8, _JS: 0.6, _ZJ: 0.6, _AH: 0.4}
_OWN_CONSTR = {_SH: 0.55, _JS: 0.55, _ZJ: 0.55, _AH: 0.70}
_OWN_FARM = {_SH: 0.35, _JS: 0.35, _ZJ: 0.35, _AH: 0.80}
_CONS_POT = {_SH: 0.001, _JS: 0.002, _ZJ: 0.0015, _AH: 0.003}
_CONS_COST = {_SH: 12.0, _JS: 8.0, _ZJ: 10.0, _AH: 4.0}
_LINK_COST = {_SH: 40.0, _JS: 25.0, _ZJ: 30.0, _AH: 12.0}
#: 增减挂钩 surplus-quota buyer prices, 万元/亩 — UNVERIFIED (secondary source in docs/policy.md);
#: for comparison only, never used as a default.
LINKAGE_PRICES_UNVERIFIED = {_SH: 70.0, _JS: 50.0, _ZJ: 50.0}
RULE = "regionopt.land.example module docstring (seeded rule from sourced city data)"


def _mark(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    df.attrs["illustrative"] = True
    df.attrs["rule"] = RULE
    df.attrs["seed"] = seed
    return df


def delta_example_frames(seed: int = 2024) -> dict[str, Any]:
    """The input tables of the Delta example (see the module docstring for the rule)."""
    rng = np.random.default_rng(seed)
    d = load_delta()
    c = d.cities
    prov = c["province_code"].astype(str)
    farm = c["area_km2"] * 1500.0 * prov.map(_FARM_FRAC).fillna(0.0)
    ah = prov == _AH
    farm[ah] = c.loc[ah, "area_km2"] / c.loc[ah, "area_km2"].sum() * ANHUI_CULTIVATED_MU
    regions = pd.DataFrame(
        {
            "province": prov,
            "name": c["name_en"].astype(str),
            "population_10k": c["population_10k"],
            "farmland_mu": farm.round(0),
            "min_demand_share": 0.3,
        },
        index=c.index.copy(),
    )
    regions.index.name = "region"
    pfarm = regions.groupby("province")["farmland_mu"].sum()
    provinces = pd.DataFrame(
        {
            "name": [k for k in PROVINCE_CODES],
            "farmland_mu": [pfarm[v] for v in PROVINCE_CODES.values()],
            "platform_coefficient": [DELTA_COEFFICIENTS.get(v, np.nan) for v in PROVINCE_CODES.values()],
        },
        index=pd.Index(list(PROVINCE_CODES.values()), name="province"),
    )
    provinces["farmland_floor_mu"] = (provinces["farmland_mu"] * (1 - provinces.index.map(_HEADROOM))).round(0)

    gdp_pc = c["gdp_billion_cny"] / c["population_10k"]
    vc = 30.0 * gdp_pc / gdp_pc.mean() * rng.lognormal(0.0, 0.2, len(c))
    demand = 10.0 * c["gdp_billion_cny"]
    prow = []
    for code in c.index:
        p = prov[code]
        cap = 4.5 * rng.lognormal(0.0, 0.1)
        for i, (share, mult) in enumerate(zip((0.5, 0.3, 0.2), (1.6, 1.0, 0.5), strict=True)):
            land = round(float(demand[code] * share), 1)
            fl = round(0.6 * land, 1)
            pd_ = round(_PADDY[p] * fl, 1)
            prow.append((f"{code}-P{i + 1}", code, land, fl, pd_, round(fl * cap, 1), round(float(vc[code] * mult * land), 1)))
    projects = pd.DataFrame(
        prow, columns=["project", "region", "land_mu", "farmland_mu", "paddy_mu", "grain_100kg", "value_10k_cny"]
    ).set_index("project")

    need = projects.groupby("region")[["land_mu", "farmland_mu", "paddy_mu", "grain_100kg"]].sum()
    arow = []
    for code in c.index:
        p = prov[code]
        arow.append((code, "construction", round(_OWN_CONSTR[p] * need.at[code, "land_mu"], 1)))
        for led, col in (("area", "farmland_mu"), ("paddy", "paddy_mu"), ("grain", "grain_100kg")):
            arow.append((code, led, round(_OWN_FARM[p] * need.at[code, col], 1)))
    allocations = pd.DataFrame(arow, columns=["region", "ledger", "amount"])

    rrow = []
    for code in c.index:
        p = prov[code]
        f = float(regions.at[code, "farmland_mu"])
        rrow.append((code, "consolidation", round(_CONS_POT[p] * f, 0), round(_CONS_COST[p] * rng.lognormal(0, 0.2), 2),
                     0.0, 1.0, round(_PADDY[p] / 2, 3), 4.0))
        rrow.append((code, "linkage", round(0.0005 * f, 0), round(_LINK_COST[p] * rng.lognormal(0, 0.2), 2), 1.0, 1.0, 0.0, 3.5))
    reserves = pd.DataFrame(
        rrow,
        columns=["region", "tier", "potential_mu", "cost_10k_cny_per_mu", "construction_per_mu", "area_per_mu",
                 "paddy_per_mu", "grain_100kg_per_mu"],
    )
    sellers = c.index[ah]
    buyers = c.index[~ah]
    prs = []
    for s in sellers:
        for b in buyers:
            for led in LEDGERS:
                prs.append((s, b, led, np.nan, 0.5))
    pairs = pd.DataFrame(prs, columns=["seller", "buyer", "ledger", "price_10k_cny_per_unit", "cost_10k_cny_per_unit"])
    settings = LandSettings(
        intra_cost_10k_cny_per_unit=0.2,
        transport_cost_10k_cny_per_unit_km=0.002,
        red_line_follows_trade=True,
    )
    out: dict[str, Any] = {
        "regions": _mark(regions, seed),
        "provinces": _mark(provinces, seed),
        "projects": _mark(projects, seed),
        "allocations": _mark(allocations, seed),
        "reserves": _mark(reserves, seed),
        "pairs": _mark(pairs, seed),
        "distances_km": d.distances_km,
        "settings": settings,
    }
    return out


def delta_example(seed: int = 2024, **settings: Any) -> LandQuotaProblem:
    """The worked 41-city Delta instance (sourced city data + illustrative parameters).

    Parameters
    ----------
    seed
        Seed of the illustrative-parameter rule (see the module docstring).
    **settings
        Overrides of :class:`~regionopt.land.LandSettings` fields.
    """
    f = delta_example_frames(seed)
    if settings:
        f["settings"] = LandSettings(**{**f["settings"].model_dump(), **settings})
    return LandQuotaProblem.from_frames(**f)


def _others_index(q: np.ndarray, m: int, n_provinces: int) -> np.ndarray:
    """Positions in ``0..n-1`` of the ``q``-th regions outside residue class ``m`` (mod ``n_provinces``).

    Region ``i`` lies in province ``i % n_provinces``; the regions of other
    provinces, in order, skip one position per block of ``n_provinces``.
    """
    block, off = np.divmod(q, n_provinces - 1)
    return block * n_provinces + off + (off >= m)


def random_instance(
    n_regions: int = 20,
    n_provinces: int = 4,
    *,
    projects_per_region: int = 3,
    pairs_per_region: int = 4,
    seed: int = 0,
    red_lines: bool = True,
    **settings: Any,
) -> LandQuotaProblem:
    """A seeded random instance (for tests and benchmarks; entirely illustrative).

    The tables are :func:`random_instance_frames`; see there for the rule.
    """
    f = random_instance_frames(n_regions, n_provinces, projects_per_region=projects_per_region,
                               pairs_per_region=pairs_per_region, seed=seed, red_lines=red_lines, **settings)
    return LandQuotaProblem.from_frames(**f)


def random_instance_frames(
    n_regions: int = 20,
    n_provinces: int = 4,
    *,
    projects_per_region: int = 3,
    pairs_per_region: int = 4,
    seed: int = 0,
    red_lines: bool = True,
    **settings: Any,
) -> dict[str, Any]:
    """The input tables of :func:`random_instance` (keywords of :meth:`LandQuotaProblem.from_frames`).

    Regions are spread over ``n_provinces`` provinces at random coordinates; each
    has ``projects_per_region`` projects, two reclamation tiers and
    ``pairs_per_region`` allowed cross-province sales partners (all four
    ledgers per pair), drawn uniformly from the regions of the other provinces.

    Pairs and distances are built sparsely: the partners of each region are
    drawn by index (no list of the other regions) and only the distances of the
    pairs are computed (a long ``from, to, km`` table), so memory and time grow
    with ``n_regions x pairs_per_region``, not ``n_regions²`` (20,000 regions
    would need a 3.2 GB square table). The instance is the same as the one the
    square-table version drew for every seed and size.
    """
    rng = np.random.default_rng(seed)
    regs = [f"R{i:04d}" for i in range(n_regions)]
    provs = [f"P{k:02d}" for k in range(n_provinces)]
    prov_of = {r: provs[i % n_provinces] for i, r in enumerate(regs)}
    lat = rng.uniform(29, 35, n_regions)
    lon = rng.uniform(115, 122, n_regions)
    farm = rng.uniform(2e5, 2e6, n_regions).round(0)
    regions = pd.DataFrame(
        {"province": [prov_of[r] for r in regs], "population_10k": rng.uniform(20, 300, n_regions).round(1), "farmland_mu": farm},
        index=pd.Index(regs, name="region"),
    )
    pf = regions.groupby("province")["farmland_mu"].sum()
    provinces = pd.DataFrame(
        {
            "farmland_mu": pf,
            "platform_coefficient": [float(rng.choice([1.0, 1.5, 2.0])) if k % 2 == 0 else np.nan for k in range(len(pf))],
        },
        index=pd.Index(pf.index, name="province"),
    )
    if red_lines:
        provinces["farmland_floor_mu"] = (pf * (1 - rng.uniform(0.0005, 0.003, len(pf)))).round(0)
    prow, arow, rrow = [], [], []
    for r in regs:
        base = rng.uniform(500, 5000)
        for i in range(projects_per_region):
            land = round(base * rng.uniform(0.2, 1.0), 1)
            fl = round(land * rng.uniform(0.3, 0.8), 1)
            pdy = round(fl * rng.uniform(0.2, 0.8), 1)
            prow.append((f"{r}-J{i}", r, land, fl, pdy, round(fl * rng.uniform(3.5, 5.5), 1), round(land * rng.uniform(5, 80), 1)))
        for led, frac in (("construction", 0.6), ("area", 0.4), ("paddy", 0.4), ("grain", 0.4)):
            arow.append((r, led, round(base * frac * rng.uniform(0.3, 1.5), 1)))
        rrow.append((r, "consolidation", round(base * rng.uniform(0.1, 1.0), 0), round(rng.uniform(3, 15), 2), 0.0, 1.0, round(rng.uniform(0, 0.5), 2), 4.0))
        rrow.append((r, "linkage", round(base * rng.uniform(0.0, 0.3), 0), round(rng.uniform(12, 40), 2), 1.0, 1.0, 0.0, 3.5))
    projects = pd.DataFrame(prow, columns=["project", "region", "land_mu", "farmland_mu", "paddy_mu", "grain_100kg", "value_10k_cny"]).set_index("project")
    allocations = pd.DataFrame(arow, columns=["region", "ledger", "amount"])
    reserves = pd.DataFrame(rrow, columns=["region", "tier", "potential_mu", "cost_10k_cny_per_mu", "construction_per_mu", "area_per_mu", "paddy_per_mu", "grain_100kg_per_mu"])
    sellers: list[np.ndarray] = []
    buyers: list[np.ndarray] = []
    costs: list[float] = []
    for i in range(n_regions):
        m = i % n_provinces
        n_others = n_regions - ((n_regions - 1 - m) // n_provinces + 1)
        if n_others <= 0:
            continue
        k = min(pairs_per_region, n_others)
        j = _others_index(rng.choice(n_others, size=k, replace=False), m, n_provinces)
        sellers.append(np.full(k, i))
        buyers.append(j)
        costs.extend(round(float(rng.uniform(0.1, 1.0)), 2) for _ in range(k))
    s_idx = np.concatenate(sellers) if sellers else np.zeros(0, dtype=int)
    b_idx = np.concatenate(buyers) if buyers else np.zeros(0, dtype=int)
    names = np.array(regs, dtype=object)
    pairs = pd.DataFrame({"seller": names[s_idx], "buyer": names[b_idx], "ledger": None,
                          "cost_10k_cny_per_unit": np.array(costs, dtype=float)})
    dist = pd.DataFrame({"from": pairs["seller"], "to": pairs["buyer"],
                         "km": haversine_pairs_km(lat[s_idx], lon[s_idx], lat[b_idx], lon[b_idx])})
    st = LandSettings(**{"intra_cost_10k_cny_per_unit": 0.1, "transport_cost_10k_cny_per_unit_km": 0.001, **settings})
    return {"regions": regions, "projects": projects, "provinces": provinces, "allocations": allocations,
            "reserves": reserves, "pairs": pairs, "distances_km": dist, "settings": st}
