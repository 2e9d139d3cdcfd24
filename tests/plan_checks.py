"""Tiny integrated plans and an independent brute force, written without the plan's model code.

``tiny_plan(seed)``: 3 cities (A, B in province P1, C in P2), one cluster K with
roles core and supplier, one enclave pair A -> C; every table drawn from ``seed``.
``brute_force(parts)``: every assignment of roles (and enclave siting) that keeps
the cluster rules is priced by solving the land LP with the roles' land as
committed zero-value projects in their host city; the best total is the optimum.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from regionopt import InfeasibleError
from regionopt.clusters import default_requirements
from regionopt.land import LandQuotaProblem
from regionopt.plan import RegionalPlan

CITIES = ["A", "B", "C"]
PROV = {"A": "P1", "B": "P1", "C": "P2"}
ROLES = ["core", "supplier"]
DIST = {("A", "B"): 40.0, ("A", "C"): 120.0, ("B", "C"): 90.0}


def _d(a: str, b: str) -> float:
    return 0.0 if a == b else DIST.get((a, b), DIST.get((b, a), 0.0))


def tiny_parts(seed: int) -> dict:
    """The tables of a tiny plan (land, clusters, links, settings)."""
    rng = np.random.default_rng(seed)
    regions = pd.DataFrame({"province": [PROV[c] for c in CITIES], "farmland_mu": [2000.0, 1500.0, 4000.0],
                            "population_10k": [100.0, 80.0, 120.0]}, index=pd.Index(CITIES, name="region"))
    provinces = pd.DataFrame({"platform_coefficient": [1.5, 1.0],
                              "farmland_floor_mu": [3500.0 - float(rng.integers(0, 200)), 4000.0 - 150.0]},
                             index=pd.Index(["P1", "P2"], name="province"))
    proj = []
    for c in CITIES:
        land = float(rng.integers(50, 200))
        proj.append((f"{c}1", c, land, round(0.5 * land, 1), 0.0, 0.0, float(rng.integers(20, 60)) * land))
    projects = pd.DataFrame(proj, columns=["project", "region", "land_mu", "farmland_mu", "paddy_mu", "grain_100kg",
                                           "value_10k_cny"]).set_index("project")
    alloc = pd.DataFrame([(c, "construction", float(rng.integers(0, 150))) for c in CITIES]
                         + [(c, "area", float(rng.integers(0, 80))) for c in CITIES],
                         columns=["region", "ledger", "amount"])
    reserves = pd.DataFrame([("C", "t1", float(rng.integers(100, 400)), float(rng.uniform(2, 8)), 1.0, 1.0, 0.0, 0.0),
                             ("A", "t1", 50.0, float(rng.uniform(10, 30)), 0.5, 1.0, 0.0, 0.0)],
                            columns=["region", "tier", "potential_mu", "cost_10k_cny_per_mu", "construction_per_mu",
                                     "area_per_mu", "paddy_per_mu", "grain_100kg_per_mu"])
    pairs = pd.DataFrame([("C", "A", None, 0.5), ("C", "B", None, 0.5)],
                         columns=["seller", "buyer", "ledger", "cost_10k_cny_per_unit"])
    land = {"regions": regions, "projects": projects, "provinces": provinces, "allocations": alloc,
            "reserves": reserves, "pairs": pairs}
    cities = pd.DataFrame({"province": [PROV[c] for c in CITIES]}, index=pd.Index(CITIES, name="city"))
    dist = pd.DataFrame([[_d(a, b) for b in CITIES] for a in CITIES], index=CITIES, columns=CITIES)
    fit = pd.DataFrame([(c, "K", r, round(float(rng.normal(1.0, 1.0)), 3)) for c in CITIES for r in ROLES],
                       columns=["city", "cluster", "role", "score"])
    use = pd.DataFrame([("K", "core", float(rng.integers(40, 120)), 2.0),
                        ("K", "supplier", float(rng.integers(20, 80)), 1.0)],
                       columns=["cluster", "role", "land_mu", "energy_10k_tce"])
    cl_prov = pd.DataFrame({"energy_10k_tce": [float(rng.choice([2.0, 3.0, 10.0])), 10.0]},
                           index=pd.Index(["P1", "P2"], name="province"))
    clusters = {"cities": cities, "clusters": pd.DataFrame(index=pd.Index(["K"], name="cluster")), "fit": fit,
                "requirements": default_requirements(["K"], ROLES, cores=(1, 1), others={"supplier": (0, 2)}),
                "roles": ROLES, "near_core_roles": [], "resource_use": use, "provinces": cl_prov,
                "distances_km": dist, "settings": {"core_distance_km": None, "homogeneity": "off"}}
    shares = pd.DataFrame({"farmland_share": [0.5, 0.3, 0.6]}, index=pd.Index(CITIES, name="city"))
    enclaves = pd.DataFrame([("A", "C", 0.6)], columns=["source", "host", "source_share"])
    settings = {"value_per_point_10k_cny": float(rng.choice([500.0, 3000.0])), "enclave_penalty_points_per_km": 0.002}
    return {"land": land, "clusters": clusters, "land_shares": shares, "enclaves": enclaves, "settings": settings}


def tiny_plan(seed: int, **settings: object) -> RegionalPlan:
    parts = tiny_parts(seed)
    parts["settings"] = {**parts["settings"], **settings}
    return RegionalPlan.from_frames(**parts)


def brute_force(parts: dict) -> float | None:
    """Best total welfare over every role assignment and enclave siting (None if none is feasible)."""
    land_t, cl_t, st = parts["land"], parts["clusters"], parts["settings"]
    V, kappa = st["value_per_point_10k_cny"], st["enclave_penalty_points_per_km"]
    fit = {(r.city, r.role): float(r.score) for r in cl_t["fit"].itertuples()}
    use = {r.role: (float(r.land_mu), float(r.energy_10k_tce)) for r in cl_t["resource_use"].itertuples()}
    energy = cl_t["provinces"]["energy_10k_tce"].to_dict()
    share = parts["land_shares"]["farmland_share"].to_dict()
    best: float | None = None
    for choice in itertools.product([None, *ROLES], repeat=len(CITIES)):
        held = {c: r for c, r in zip(CITIES, choice, strict=True) if r is not None}
        if sum(1 for r in held.values() if r == "core") != 1:
            continue
        sitings = [False, True] if "A" in held else [False]
        for enclave in sitings:
            host = {c: ("C" if (c == "A" and enclave) else c) for c in held}
            used_energy: dict[str, float] = {}
            for c, r in held.items():
                p = PROV[host[c]]
                used_energy[p] = used_energy.get(p, 0.0) + use[r][1]
            if any(v > energy[p] + 1e-9 for p, v in used_energy.items()):
                continue
            extra = [(f"role-{c}", host[c], use[r][0], round(share[host[c]] * use[r][0], 9), 0.0, 0.0, 0.0, 1.0)
                     for c, r in held.items()]
            projects = pd.concat([land_t["projects"].assign(min_share=np.nan),
                                  pd.DataFrame(extra, columns=["project", "region", "land_mu", "farmland_mu",
                                                               "paddy_mu", "grain_100kg", "value_10k_cny",
                                                               "min_share"]).set_index("project")])
            prob = LandQuotaProblem.from_frames(**{**land_t, "projects": projects})
            try:
                w = prob.solve(autarky=False).welfare
            except InfeasibleError:
                continue
            value = V * sum(fit[c, r] for c, r in held.items()) - (V * kappa * _d("A", "C") if enclave else 0.0)
            total = w + value
            if best is None or total > best:
                best = total
    return best
