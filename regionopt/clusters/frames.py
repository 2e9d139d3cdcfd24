"""The input tables of a cluster-role problem, back as DataFrames (:meth:`ClusterRoleProblem.to_frames`).

``ClusterRoleProblem.from_frames(**problem.to_frames())`` rebuilds a problem
with the same model. The tables are written from the validated inputs:
distances become an explicit ``distances_km`` table (lat/lon are not kept),
``forbidden`` rows are listed per role, and counts without a limit are empty.
Scenario sweeps (:mod:`regionopt.scenarios`) edit these tables and validate
them again.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .inputs import ClusterInputs

__all__ = ["cluster_frames"]

_BIG = 10**9  # what the validation stores for "no limit"


def _count(v: int | None) -> Any:
    return pd.NA if v is None or v >= _BIG else int(v)


def cluster_frames(inp: ClusterInputs, settings: Any) -> dict[str, Any]:
    """``from_frames`` keywords (tables, role keywords and ``settings``) that rebuild ``inp``."""
    cities = pd.DataFrame(
        {
            "province": [inp.province_of[c] for c in inp.cities],
            "name": [inp.names.get(c, np.nan) for c in inp.cities],
            "max_roles": pd.array([_count(inp.max_roles.get(c)) for c in inp.cities], dtype="Int64"),
            "max_cores": pd.array([_count(inp.max_cores.get(c)) for c in inp.cities], dtype="Int64"),
            "land_capacity_mu": [inp.land_cap.get(c, np.nan) for c in inp.cities],
            "energy_capacity_10k_tce": [inp.energy_cap.get(c, np.nan) for c in inp.cities],
        },
        index=pd.Index(list(inp.cities), name="city"),
    )
    clusters = pd.DataFrame(
        {"group": [inp.group_of[k] for k in inp.clusters],
         "name": [inp.names.get(k, np.nan) for k in inp.clusters]},
        index=pd.Index(list(inp.clusters), name="cluster"),
    )
    fit = pd.DataFrame([(c, k, r, s) for (c, k, r), s in inp.fit.items()],
                       columns=["city", "cluster", "role", "score"])
    keys = list(dict.fromkeys([*inp.req_min, *inp.req_max]))
    requirements = pd.DataFrame(
        {"cluster": [k for k, _ in keys], "role": [r for _, r in keys],
         "min": [int(inp.req_min.get(key, 0)) for key in keys],
         "max": pd.array([inp.req_max.get(key) for key in keys], dtype="Int64")},
    )
    current = pd.DataFrame([(c, k, r) for (c, k), r in inp.current.items()], columns=["city", "cluster", "role"])
    locked = pd.DataFrame(inp.locked, columns=["city", "cluster", "role"])
    forbidden = pd.DataFrame(inp.forbidden, columns=["city", "cluster", "role"])
    use_keys = list(dict.fromkeys([*inp.use_land, *inp.use_energy]))
    resource_use = pd.DataFrame(
        {"cluster": [k for k, _ in use_keys], "role": [r for _, r in use_keys],
         "land_mu": [inp.use_land.get(key, 0.0) for key in use_keys],
         "energy_10k_tce": [inp.use_energy.get(key, 0.0) for key in use_keys]},
    )
    provs = inp.provinces
    provinces = pd.DataFrame(
        {
            "min_cores": pd.array([inp.prov_min_cores.get(p) for p in provs], dtype="Int64"),
            "max_cores": pd.array([inp.prov_max_cores.get(p) for p in provs], dtype="Int64"),
            "land_mu": [inp.prov_land.get(p, np.nan) for p in provs],
            "energy_10k_tce": [inp.prov_energy.get(p, np.nan) for p in provs],
            "core_share": [inp.prov_core_share.get(p, np.nan) for p in provs],
        },
        index=pd.Index(provs, name="province"),
    )
    synergy = pd.DataFrame([(k, o, w) for (k, o), w in inp.synergy.items()], columns=["cluster", "other", "weight"])
    dist = inp.dist.copy()
    dist.index.name = "city"
    return {
        "cities": cities, "clusters": clusters, "fit": fit, "requirements": requirements,
        "roles": list(inp.roles), "core_role": inp.core_role, "near_core_roles": list(inp.near_core_roles),
        "current": current, "locked": locked, "forbidden": forbidden, "resource_use": resource_use,
        "provinces": provinces, "synergy": synergy, "distances_km": dist, "settings": settings,
    }
