"""Seeded random instances of the cluster-role model (benchmarks and tests).

Nothing here is data: units are points in a 600 km x 600 km square, split into
provinces by quadrant; fit scores, linkages, resource use and budgets are random
draws from the stated distributions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .inputs import DEFAULT_ROLES
from .problem import ClusterRoleProblem

__all__ = ["random_problem", "random_tables"]


def random_tables(n_units: int, n_clusters: int, n_roles: int = 5, *, seed: int = 0,
                  candidate_share: float = 0.4, links_per_cluster: int = 2) -> dict[str, object]:
    """Tables of a random instance (keywords of :meth:`ClusterRoleProblem.from_frames`).

    Units lie uniformly in a 600 km square (coordinates converted to degrees near
    31°N); each unit is a candidate for a random ``candidate_share`` of clusters,
    in every role; scores ~ N(1, 1); per cluster 1-2 cores and at least one city
    in every other role; ``links_per_cluster`` random synergy links, weights ~
    U(0.1, 0.5); land use ~ U(500, 3000) mu per assignment with province budgets at
    60 % of the use of an average plan.
    """
    rng = np.random.default_rng(seed)
    roles = list(DEFAULT_ROLES[:n_roles]) if n_roles <= len(DEFAULT_ROLES) else [f"role{i}" for i in range(n_roles)]
    xy = rng.uniform(0, 600, size=(n_units, 2))
    ids = [f"U{i:04d}" for i in range(n_units)]
    prov = np.where(xy[:, 0] < 300, np.where(xy[:, 1] < 300, "P1", "P2"), np.where(xy[:, 1] < 300, "P3", "P4"))
    lat = 30.0 + xy[:, 1] / 111.0
    lon = 118.0 + xy[:, 0] / (111.0 * np.cos(np.radians(31.0)))
    cities = pd.DataFrame({"province": prov, "lat": lat, "lon": lon,
                           "max_roles": rng.integers(2, 6, n_units), "max_cores": rng.integers(1, 3, n_units)},
                          index=pd.Index(ids, name="city"))
    kids = [f"K{j:02d}" for j in range(n_clusters)]
    clusters = pd.DataFrame(index=pd.Index(kids, name="cluster"))
    rows = []
    for c in ids:
        member = rng.random(n_clusters) < candidate_share
        for jj in np.flatnonzero(member):
            sc = rng.normal(1.0, 1.0, len(roles))
            for r, s in zip(roles, sc, strict=True):
                rows.append((c, kids[int(jj)], r, round(float(s), 4)))
    fit = pd.DataFrame(rows, columns=["city", "cluster", "role", "score"])
    req = []
    for k in kids:
        for i, r in enumerate(roles):
            req.append({"cluster": k, "role": r, "min": 1, "max": 2 if i == 0 else 5})
    syn = []
    for jk, k in enumerate(kids):
        others = rng.choice([x for x in range(n_clusters) if x != jk], size=min(links_per_cluster, n_clusters - 1),
                            replace=False)
        for o in others:
            syn.append({"cluster": k, "other": kids[int(o)], "weight": round(float(rng.uniform(0.1, 0.5)), 3)})
    use = pd.DataFrame([{"cluster": k, "role": r, "land_mu": round(float(rng.uniform(500, 3000)), 1),
                         "energy_10k_tce": round(float(rng.uniform(1, 20)), 2)} for k in kids for r in roles])
    avg_plan_land = float(use["land_mu"].sum()) * 2.0
    share = pd.Series(prov).value_counts(normalize=True)
    provinces = pd.DataFrame({"land_mu": 0.6 * avg_plan_land * share,
                              "energy_10k_tce": 0.6 * float(use["energy_10k_tce"].sum()) * 2.0 * share})
    return {"cities": cities, "clusters": clusters, "fit": fit, "requirements": pd.DataFrame(req), "roles": roles,
            "synergy": pd.DataFrame(syn), "resource_use": use, "provinces": provinces}


def random_problem(n_units: int, n_clusters: int, n_roles: int = 5, *, seed: int = 0,
                   candidate_share: float = 0.4, links_per_cluster: int = 2,
                   core_distance_km: float = 150.0, neighbour_km: float = 40.0) -> ClusterRoleProblem:
    """A seeded random :class:`ClusterRoleProblem` (see :func:`random_tables`)."""
    t = random_tables(n_units, n_clusters, n_roles, seed=seed, candidate_share=candidate_share,
                      links_per_cluster=links_per_cluster)
    return ClusterRoleProblem.from_frames(**t, core_distance_km=core_distance_km,  # type: ignore[arg-type]
                                          neighbour_km=neighbour_km)
