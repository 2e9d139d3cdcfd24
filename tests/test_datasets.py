"""The bundled Delta dataset: shape, sources, no silent filling."""

from __future__ import annotations

import numpy as np
import pandas as pd

from regionopt import load_delta
from regionopt.datasets import PROVINCE_CODES, haversine_km


def test_cities_table() -> None:
    d = load_delta()
    c = d.cities
    assert len(c) == 41 and c.index.is_unique
    assert all(isinstance(i, str) and len(i) == 6 and i.isdigit() for i in c.index)
    assert set(c["province_code"]) == set(PROVINCE_CODES.values())
    for col in ("name_en", "name_zh", "province", "lat", "lon", "area_km2", "population_10k", "gdp_billion_cny", "gdp_year", "secondary_share", "source"):
        assert col in c.columns
    assert c["source"].notna().all()
    # SOURCES.md: secondary share known for 17 of 41 cities; the rest stay missing
    assert c["secondary_share"].notna().sum() == 17
    assert c.loc["340100", "name_en"] == "Hefei"


def test_census_sums_match_province_totals() -> None:
    """SOURCES.md: city census figures sum exactly to the provincial 2020 totals (JS, ZJ, AH)."""
    d = load_delta()
    sums = d.cities.groupby("province_code")["population_10k"].sum() * 1e4
    for code in ("320000", "330000", "340000"):
        assert round(sums[code]) == int(d.provinces.loc[code, "population_census2020"])


def test_distances_are_great_circle() -> None:
    d = load_delta()
    D = d.distances_km
    assert D.shape == (41, 41)
    assert np.allclose(D.to_numpy(), D.to_numpy().T)
    assert np.allclose(np.diag(D.to_numpy()), 0)
    # Shanghai - Hefei is about 400 km as the crow flies
    assert 380 < D.loc["310000", "340100"] < 420
    # haversine against a known value: one degree of latitude ~ 111.2 km
    assert abs(haversine_km(np.array([0.0, 1.0]), np.array([0.0, 0.0]))[0, 1] - 111.19) < 0.1


def test_clusters_and_members() -> None:
    d = load_delta()
    cl = d.clusters
    nat = cl[cl["level"] == "national"]
    assert len(nat) == 24  # 18 of the 2022 list + 6 found from 2024
    members = d.cluster_members
    assert set(members["city"]) <= set(d.cities.index)
    tlx = cl.loc["NAT22-03", "member_cities"]
    assert set(tlx) == {"321200", "320700", "320200"}  # Taizhou-Lianyungang-Wuxi biomedicine
    prov = cl[cl["level"] == "provincial"]
    assert all(len(m) == 0 for m in prov["member_cities"])  # documents name no member cities


def test_copies_are_independent() -> None:
    a = load_delta()
    a.cities.loc["310000", "population_10k"] = -1
    b = load_delta()
    assert b.cities.loc["310000", "population_10k"] > 0
    assert isinstance(b.sources, str) and "S01" in b.sources
    assert isinstance(b.provinces, pd.DataFrame)
