"""Bundled Yangtze River Delta (长三角) data: 41 cities, 4 provinces, clusters.

Every number here was read from a cited public source; see
``regionopt/data/SOURCES.md`` (the ``source`` column of each table names the
keys). Missing values stay missing (NaN): nothing is filled in silently.

The only derived table is :attr:`DeltaData.distances_km`, the great-circle
(haversine) distance between city seats, computed from the bundled coordinates
(GCJ-02 datum; offsets of a few hundred metres do not matter at this scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["PROVINCE_CODES", "DeltaData", "data_path", "haversine_km", "haversine_pairs_km", "load_delta"]

#: Province name -> GB/T 2260 code, for the four Delta provinces.
PROVINCE_CODES: dict[str, str] = {
    "Shanghai": "310000",
    "Jiangsu": "320000",
    "Zhejiang": "330000",
    "Anhui": "340000",
}

EARTH_RADIUS_KM = 6371.0088


def data_path(name: str = "") -> Path:
    """Path of a bundled data file (``"cities.csv"``, ``"SOURCES.md"``...)."""
    return Path(str(resources.files("regionopt") / "data" / name))


def haversine_km(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle distances between all pairs of points, in km.

    Parameters
    ----------
    lat, lon
        Coordinates in decimal degrees, shape ``(n,)``.

    Returns
    -------
    numpy.ndarray
        ``(n, n)`` symmetric matrix of distances in km, zero diagonal.
    """
    phi = np.radians(np.asarray(lat, dtype=float))
    lam = np.radians(np.asarray(lon, dtype=float))
    dphi = phi[:, None] - phi[None, :]
    dlam = lam[:, None] - lam[None, :]
    a = np.sin(dphi / 2) ** 2 + np.cos(phi[:, None]) * np.cos(phi[None, :]) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_pairs_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    """Great-circle distances between paired points ``(lat1[i], lon1[i])`` and ``(lat2[i], lon2[i])``, km.

    The same formula as :func:`haversine_km`, for a list of pairs instead of
    all n² (so a sparse set of trading pairs needs no square table); entry
    ``i`` equals ``haversine_km(lat, lon)[s, b]`` for the points ``s`` and ``b``
    of pair ``i``.

    Parameters
    ----------
    lat1, lon1, lat2, lon2
        Coordinates in decimal degrees, shape ``(m,)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(m,)``, km.
    """
    p1 = np.radians(np.asarray(lat1, dtype=float))
    p2 = np.radians(np.asarray(lat2, dtype=float))
    dphi = p1 - p2
    dlam = np.radians(np.asarray(lon1, dtype=float)) - np.radians(np.asarray(lon2, dtype=float))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class DeltaData:
    """The bundled Delta dataset.

    Attributes
    ----------
    cities
        41 rows indexed by 6-digit code (str): ``name_en``, ``name_zh``,
        ``province`` (name), ``province_code``, ``lat``, ``lon`` (degrees,
        GCJ-02), ``area_km2``, ``population_10k`` (2020 census, 10,000 persons),
        ``gdp_billion_cny`` (current prices), ``gdp_year``, ``secondary_share``
        (% of GDP; NaN for 24 cities), ``source``.
    provinces
        4 rows indexed by province code: totals and the Third National Land
        Survey figures where found (Anhui only), in 10,000 mu.
    distances_km
        City x city great-circle distance in km.
    clusters
        Advanced-manufacturing clusters indexed by ``cluster_id``, with
        ``member_cities`` as a tuple of city codes (empty where the source
        names none).
    cluster_members
        Long table (``cluster_id``, ``city``) of the named members.
    """

    cities: pd.DataFrame
    provinces: pd.DataFrame
    distances_km: pd.DataFrame
    clusters: pd.DataFrame
    cluster_members: pd.DataFrame

    @property
    def sources(self) -> str:
        """The text of SOURCES.md."""
        return data_path("SOURCES.md").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _load() -> DeltaData:
    cities = pd.read_csv(data_path("cities.csv"), dtype={"code": str})
    cities = cities.set_index("code")
    cities.index.name = "code"
    cities.insert(3, "province_code", cities["province"].map(PROVINCE_CODES))
    provinces = pd.read_csv(data_path("provinces.csv"), dtype={"code": str}).set_index("code")
    d = haversine_km(cities["lat"].to_numpy(), cities["lon"].to_numpy())
    distances = pd.DataFrame(d, index=cities.index.copy(), columns=cities.index.copy())
    clusters = pd.read_csv(data_path("clusters.csv"), dtype={"member_cities": str}).set_index("cluster_id")
    members = clusters["member_cities"].fillna("")
    clusters["member_cities"] = [tuple(c for c in s.split(";") if c) for s in members]
    rows = [(cid, c) for cid, ms in clusters["member_cities"].items() for c in ms]
    cluster_members = pd.DataFrame(rows, columns=["cluster_id", "city"])
    return DeltaData(cities, provinces, distances, clusters, cluster_members)


def load_delta() -> DeltaData:
    """Load the bundled Yangtze River Delta dataset.

    Returns
    -------
    DeltaData
        Fresh copies of the tables (safe to modify).

    Examples
    --------
    >>> d = load_delta()
    >>> d.cities.loc["340100", "name_en"]
    'Hefei'
    """
    base = _load()
    return DeltaData(
        base.cities.copy(),
        base.provinces.copy(),
        base.distances_km.copy(),
        base.clusters.copy(),
        base.cluster_members.copy(),
    )
