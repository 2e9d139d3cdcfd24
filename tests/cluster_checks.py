"""Cluster-role instances and an independent checker of every rule, shared by the cluster tests.

``tiny_tables`` builds random tiny instances; :class:`Checker` evaluates a plan
from the tables alone (no model code); ``brute_force`` enumerates every plan.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from regionopt.clusters import ClusterRoleProblem, default_requirements
from regionopt.datasets import haversine_km
from regionopt.errors import InputError

ROLES = ["core", "supplier"]


def tiny_tables(seed: int, n_cities: int = 4, n_clusters: int = 2) -> tuple[dict, dict]:
    """A random tiny instance: tables and parameters."""
    rng = np.random.default_rng(seed)
    ids = [f"c{i}" for i in range(n_cities)]
    cities = pd.DataFrame({
        "name": [f"City{i}" for i in range(n_cities)],
        "province": rng.choice(["P", "Q"], n_cities),
        "lat": 31 + rng.uniform(0, 1.2, n_cities),
        "lon": 120 + rng.uniform(0, 1.2, n_cities),
        "max_roles": rng.integers(1, 4, n_cities),
        "max_cores": rng.integers(1, 3, n_cities),
    }, index=ids)
    kids = [f"k{j}" for j in range(n_clusters)]
    clusters = pd.DataFrame({"name": [f"Cl{j}" for j in range(n_clusters)]}, index=kids)
    fit = pd.DataFrame([(c, k, r, round(float(rng.normal(0.5, 1)), 3))
                        for c in ids for k in kids for r in ROLES if rng.random() < 0.9],
                       columns=["city", "cluster", "role", "score"])
    req = default_requirements(kids, ROLES, cores=(1, int(rng.integers(1, 3))),
                               others={"supplier": (int(rng.integers(0, 2)), int(rng.integers(1, 4)))})
    use = pd.DataFrame([{"cluster": k, "role": r, "land_mu": float(rng.integers(1, 5)) * 100,
                         "energy_10k_tce": float(rng.integers(0, 3))} for k in kids for r in ROLES])
    provinces = pd.DataFrame({"land_mu": [float(rng.integers(2, 10)) * 100] * 2,
                              "energy_10k_tce": [float(rng.integers(2, 8))] * 2,
                              "max_cores": [int(rng.integers(2, 4))] * 2}, index=["P", "Q"])
    provinces = provinces.loc[sorted(set(cities["province"]))]
    syn = pd.DataFrame([{"cluster": "k0", "other": "k1", "weight": round(float(rng.uniform(0, 1)), 3)},
                        {"cluster": "k1", "other": "k0", "weight": round(float(rng.uniform(0, 1)), 3)}])
    cur_c = rng.choice(ids, 2, replace=False)
    current = pd.DataFrame({"city": cur_c, "cluster": ["k0", "k1"], "role": ["core", np.nan]})
    tables = {"cities": cities, "clusters": clusters, "fit": fit, "requirements": req, "roles": ROLES,
              "near_core_roles": ["supplier"], "resource_use": use, "provinces": provinces, "synergy": syn,
              "current": current}
    params = {
        "core_distance_km": float(rng.choice([60.0, 100.0, 200.0])),
        "neighbour_km": float(rng.choice([30.0, 80.0])),
        "homogeneity": str(rng.choice(["penalty", "forbid", "off"])),
        "homogeneity_penalty": round(float(rng.uniform(0, 1)), 3),
        "synergy_km": float(rng.choice([0.0, 60.0])),
        "change_penalty": round(float(rng.uniform(0, 0.3)), 3),
        "max_changes": None if rng.random() < 0.5 else int(rng.integers(2, 6)),
    }
    if n_clusters > 1 and np.random.default_rng(seed + 10_000).random() < 0.4:
        # one homogeneity group for all clusters (own stream: the other draws stay as they were)
        tables["clusters"] = clusters.assign(group="G")
    if rng.random() < 0.3:
        tables["locked"] = fit.sample(1, random_state=seed)[["city", "cluster", "role"]]
    if rng.random() < 0.3:
        tables["forbidden"] = fit.sample(1, random_state=seed + 1)[["city", "cluster", "role"]]
    return tables, params


class Checker:
    """Independent check of every rule of a plan, written without the model code."""

    def __init__(self, tables: dict, params: dict) -> None:
        cities, fit = tables["cities"], tables["fit"]
        self.ids = list(cities.index)
        if tables.get("distances_km") is not None:
            dt = tables["distances_km"]
            self.d = {(a, b): float(dt.loc[a, b]) for a in self.ids for b in self.ids}
        else:
            dm = haversine_km(cities["lat"].to_numpy(), cities["lon"].to_numpy())
            self.d = {(a, b): float(dm[i, j]) for i, a in enumerate(self.ids) for j, b in enumerate(self.ids)}
        self.fit = {(r.city, r.cluster, r.role): float(r.score) for r in fit.itertuples()}
        self.req = [(q.cluster, q.role, int(q.min), None if pd.isna(q.max) else int(q.max))
                    for q in tables["requirements"].itertuples()]
        self.max_roles = cities["max_roles"].to_dict()
        self.max_cores = cities["max_cores"].to_dict()
        self.prov = cities["province"].to_dict()
        self.near_roles = set(tables["near_core_roles"])
        self.clusters = list(tables["clusters"].index)
        cl = tables["clusters"]
        self.group = {k: (cl.loc[k, "group"] if "group" in cl else k) for k in self.clusters}
        self.use = {(u.cluster, u.role): (u.land_mu, u.energy_10k_tce) for u in tables["resource_use"].itertuples()}
        pv = tables["provinces"]
        self.budgets = {p: (pv.loc[p, "land_mu"], pv.loc[p, "energy_10k_tce"], pv.loc[p, "max_cores"])
                        for p in pv.index}
        self.locked = {tuple(t) for t in tables["locked"].itertuples(index=False)} if "locked" in tables else set()
        self.forbidden = (
            {tuple(t) for t in tables["forbidden"].itertuples(index=False)} if "forbidden" in tables else set()
        )
        self.current = {(r.city, r.cluster): (None if pd.isna(r.role) else r.role)
                        for r in tables["current"].itertuples()}
        self.synergy = [(s.cluster, s.other, float(s.weight)) for s in tables["synergy"].itertuples()]
        self.p = params

    def __call__(self, plan: set[tuple[str, str, str]]) -> float | None:
        """The objective of ``plan``, or None if it breaks a rule."""
        p, d = self.p, self.d
        if any(t not in self.fit for t in plan):
            return None
        held = {(c, k): r for c, k, r in plan}
        if len(held) != len(plan):
            return None
        for k, r, lo, hi in self.req:
            n = sum(1 for t in plan if t[1] == k and t[2] == r)
            if n < lo or (hi is not None and n > hi):
                return None
        for c in self.ids:
            if sum(1 for t in plan if t[0] == c) > self.max_roles[c]:
                return None
            if sum(1 for t in plan if t[0] == c and t[2] == "core") > self.max_cores[c]:
                return None
        cores = {(c, k) for c, k, r in plan if r == "core"}
        # distances as documented for an asymmetric table: near-core reads d[supporter, core];
        # neighbours and synergy proximity read the shorter of the two directions
        for c, k, r in plan:
            if r in self.near_roles and not any(
                (c2, k) in cores and c2 != c and d[c, c2] <= p["core_distance_km"] for c2 in self.ids
            ):
                return None
        pen = 0
        core_groups = {(c, self.group[k]) for c, k in cores}
        for a, b in itertools.combinations(self.ids, 2):
            if min(d[a, b], d[b, a]) <= p["neighbour_km"]:
                # one clash per pair of neighbouring cities both holding a core role in a group
                for g in set(self.group.values()):
                    if (a, g) in core_groups and (b, g) in core_groups:
                        if p["homogeneity"] == "forbid":
                            return None
                        if p["homogeneity"] == "penalty":
                            pen += 1
        for pr, (land, energy, maxc) in self.budgets.items():
            ts = [t for t in plan if self.prov[t[0]] == pr]
            if sum(self.use[t[1], t[2]][0] for t in ts) > land + 1e-9:
                return None
            if sum(self.use[t[1], t[2]][1] for t in ts) > energy + 1e-9:
                return None
            if sum(1 for t in ts if t[2] == "core") > maxc:
                return None
        if not self.locked <= plan or self.forbidden & plan:
            return None
        changes = 0
        for key in set(self.current) | set(held):
            if key not in held or key not in self.current:
                changes += 1
            elif self.current[key] is not None and self.current[key] != held[key]:
                changes += 1
        if p["max_changes"] is not None and changes > p["max_changes"]:
            return None
        syn = 0.0
        for k, k2, wgt in self.synergy:
            for c in self.ids:
                if (c, k) in held and any((c2, k2) in held and min(d[c, c2], d[c2, c]) <= p["synergy_km"] for c2 in self.ids):
                    syn += wgt
        return (sum(self.fit[t] for t in plan) + syn - p["homogeneity_penalty"] * pen
                - p["change_penalty"] * changes)


def evaluate(tables: dict, params: dict, plan: set[tuple[str, str, str]]) -> float | None:
    return Checker(tables, params)(plan)


def brute_force(tables: dict, params: dict) -> float | None:
    ids = list(tables["cities"].index)
    kids = list(tables["clusters"].index)
    pairs = [(c, k) for c in ids for k in kids]
    check = Checker(tables, params)
    best = None
    for choice in itertools.product([None, *ROLES], repeat=len(pairs)):
        plan = {(c, k, r) for (c, k), r in zip(pairs, choice, strict=True) if r is not None}
        v = check(plan)
        if v is not None and (best is None or v > best):
            best = v
    return best


def simple_tables() -> dict:
    cities = pd.DataFrame({"name": ["Alpha", "Beta", "Gamma"], "province": ["P", "P", "Q"],
                           "lat": [31.0, 31.2, 31.4], "lon": [120.0, 120.2, 120.4]}, index=["100", "200", "300"])
    clusters = pd.DataFrame({"name": ["Bio"]}, index=["K1"])
    fit = pd.DataFrame([(c, "K1", r, 1.0) for c in cities.index for r in ROLES],
                       columns=["city", "cluster", "role", "score"])
    return {"cities": cities, "clusters": clusters, "fit": fit, "roles": ROLES, "near_core_roles": ["supplier"],
            "requirements": default_requirements(["K1"], ROLES, cores=(1, 1), others={"supplier": (0, None)})}


def bad_input(**changes: object) -> InputError:
    t = simple_tables()
    t.update(changes)
    with pytest.raises(InputError) as ei:
        ClusterRoleProblem.from_frames(**t)  # type: ignore[arg-type]
    return ei.value
