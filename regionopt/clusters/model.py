"""Pyomo formulation of the cluster-role model (see ``docs/clusters.md``).

Component names here are the names on the docs page. Every constraint carries a
``doc`` format string in the user's words so that infeasibility diagnoses read
as rules ("at least 1 core city(ies) in cluster Biomedicine (NAT22-03)").
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo

from .inputs import ClusterInputs, Triple

__all__ = ["ModelParams", "build_model"]


@dataclass(frozen=True)
class ModelParams:
    """Scalar parameters of the model (weights and distances).

    Attributes
    ----------
    core_distance_km
        D: every near-core role (supplier, manufacturing by default) must be within
        this distance (km) of a core city of the same cluster, measured from the
        supporting city to the core (row = supporter, column = core of an asymmetric
        ``distances_km`` table). ``None`` = no rule.
    neighbour_km
        Two cities within this distance (km) are neighbours for the anti-homogeneity
        rule; with an asymmetric table, if either direction is within it
        (``min(d[c,c'], d[c',c])``).
    homogeneity
        ``"penalty"`` (pay ``homogeneity_penalty`` per neighbour pair holding the
        core role in the same cluster group), ``"forbid"`` (no such pair) or ``"off"``.
    homogeneity_penalty
        Objective units per duplicated neighbour core pair.
    synergy_km
        A cluster placed in city c gains the linkage weight to another cluster if
        that cluster is placed in a city within this distance of c (0 = same city);
        with an asymmetric table, either direction (``min(d[c,c'], d[c',c])``).
    fit_weight, synergy_weight
        Weights of the fit and synergy terms.
    change_penalty
        Objective units per change from the current layout.
    max_changes
        Cap on the number of (city, cluster) changes from the current layout.
    min_cores_per_province
        Every province of table ``cities`` hosts at least this many core roles.
    core_share_tolerance
        With a ``core_share`` column in ``provinces``: each province's core count
        is within this many cores of ``core_share`` x total cores.
    """

    core_distance_km: float | None = 150.0
    neighbour_km: float = 60.0
    homogeneity: str = "penalty"
    homogeneity_penalty: float = 1.0
    synergy_km: float = 0.0
    fit_weight: float = 1.0
    synergy_weight: float = 1.0
    change_penalty: float = 0.0
    max_changes: int | None = None
    min_cores_per_province: int = 0
    core_share_tolerance: float = 1.0


def _sum(terms: list[Any], none: Any) -> Any:
    return pyo.quicksum(terms) if terms else none


def build_model(inp: ClusterInputs, par: ModelParams) -> pyo.ConcreteModel:
    """Build the Pyomo model for validated inputs ``inp`` and parameters ``par``."""
    lab = inp.label
    m = pyo.ConcreteModel(name="cluster_roles")
    cand: list[Triple] = [t for t in inp.fit]
    core = inp.core_role
    m.CITIES = pyo.Set(initialize=inp.cities, ordered=True, doc="cities")
    m.CLUSTERS = pyo.Set(initialize=inp.clusters, ordered=True, doc="clusters")
    m.ROLES = pyo.Set(initialize=inp.roles, ordered=True, doc="roles")
    m.PROVINCES = pyo.Set(initialize=inp.provinces, ordered=True, doc="provinces")
    m.Z = pyo.Set(initialize=cand, dimen=3, ordered=True, doc="candidate (city, cluster, role)")
    m.z = pyo.Var(m.Z, within=pyo.Binary, doc="{0} takes role {2} in cluster {1}")
    # a column fixed to zero by its bounds: stands in for an empty sum so that a rule
    # without candidates stays a (diagnosable) constraint
    m.none = pyo.Var(bounds=(0, 0), doc="no candidate")

    by_ck: dict[tuple[str, str], list[Triple]] = defaultdict(list)
    by_kr: dict[tuple[str, str], list[Triple]] = defaultdict(list)
    by_c: dict[str, list[Triple]] = defaultdict(list)
    by_p: dict[str, list[Triple]] = defaultdict(list)
    for t in cand:
        c, k, r = t
        by_ck[c, k].append(t)
        by_kr[k, r].append(t)
        by_c[c].append(t)
        by_p[inp.province_of[c]].append(t)
    m._by_ck = dict(by_ck)

    def y(c: str, k: str) -> Any:
        return _sum([m.z[t] for t in by_ck.get((c, k), [])], m.none)

    # ---- role counts per cluster
    kr_min = [(k, r) for (k, r), v in inp.req_min.items() if v > 0]
    m.role_min = pyo.Constraint(
        kr_min, rule=lambda _m, k, r: _sum([m.z[t] for t in by_kr.get((k, r), [])], m.none) >= inp.req_min[k, r],
        doc="at least the required number of {1} cities in cluster {0}",
    )
    kr_max = [(k, r) for (k, r) in inp.req_max if by_kr.get((k, r))]
    m.role_max = pyo.Constraint(
        kr_max, rule=lambda _m, k, r: _sum([m.z[t] for t in by_kr[k, r]], m.none) <= inp.req_max[k, r],
        doc="at most the allowed number of {1} cities in cluster {0}",
    )
    # ---- one role per city per cluster (aggregated: tighter than pairwise)
    multi = [ck for ck, ts in by_ck.items() if len(ts) > 1]
    m.one_role = pyo.Constraint(
        multi, rule=lambda _m, c, k: pyo.quicksum(m.z[t] for t in by_ck[c, k]) <= 1,
        doc="{0} takes at most one role in cluster {1}",
    )
    # ---- city capacity
    cap_roles = [c for c in inp.cities if len(by_c.get(c, [])) > inp.max_roles[c]]
    m.city_roles = pyo.Constraint(
        cap_roles, rule=lambda _m, c: pyo.quicksum(m.z[t] for t in by_c[c]) <= inp.max_roles[c],
        doc="{0} holds at most its maximum number of roles (max_roles)",
    )
    core_of_c: dict[str, list[Triple]] = {c: [t for t in by_c.get(c, []) if t[2] == core] for c in inp.cities}
    cap_cores = [c for c in inp.cities if len(core_of_c[c]) > inp.max_cores[c]]
    m.city_cores = pyo.Constraint(
        cap_cores, rule=lambda _m, c: pyo.quicksum(m.z[t] for t in core_of_c[c]) <= inp.max_cores[c],
        doc="{0} is core of at most its maximum number of clusters (max_cores)",
    )
    # ---- near-core rule, aggregated over the near-core roles of one (city, cluster):
    #      sum_rho z[c,k,rho] <= sum of cores within D. It dominates the per-role rows
    #      (one_role makes the left side at most 1) and needs no big-M.
    # Distances of an asymmetric table (road km differ by direction) are read so that
    # the order of the cities never matters: the near-core rule reads D[supporter, core]
    # (the trip from the supporting city to the core, a directed relation), neighbours
    # and synergy proximity read Dsym = min(D, D.T) (a symmetric relation between two
    # places: close if either direction is within the radius).
    D = inp.dist.to_numpy()
    Dsym = np.minimum(D, D.T)
    pos = {c: i for i, c in enumerate(inp.cities)}
    cores_by_k: dict[str, list[str]] = defaultdict(list)
    for c, k, r in cand:
        if r == core:
            cores_by_k[k].append(c)
    near_set: dict[tuple[str, str], list[str]] = {}
    near_roles: dict[tuple[str, str], list[Triple]] = {}
    if par.core_distance_km is not None:
        for (c, k), ts in by_ck.items():
            tn = [t for t in ts if t[2] in inp.near_core_roles]
            if tn:
                near_roles[c, k] = tn
                near_set[c, k] = [c2 for c2 in cores_by_k.get(k, []) if c2 != c
                                  and D[pos[c], pos[c2]] <= par.core_distance_km]  # D[supporter, core]
    m.NEAR = pyo.Set(initialize=list(near_roles), dimen=2, ordered=True,
                     doc="(city, cluster) with a near-core role candidate")
    roles_txt = " / ".join(inp.near_core_roles)
    m.near_core = pyo.Constraint(
        m.NEAR,
        rule=lambda _m, c, k: pyo.quicksum(m.z[t] for t in near_roles[c, k])
        <= _sum([m.z[c2, k, core] for c2 in near_set[c, k]], m.none),
        doc=f"{{0}} as {roles_txt} of cluster {{1}} lies within {par.core_distance_km or 0:g} km "
        "of a core city of the cluster",
    )
    # ---- anti-homogeneity between neighbours holding the core role in the same group
    groups: dict[str, list[str]] = defaultdict(list)
    for k in inp.clusters:
        groups[inp.group_of[k]].append(k)
    core_cg: dict[tuple[str, str], list[Triple]] = defaultdict(list)
    for t in cand:
        if t[2] == core:
            core_cg[t[0], inp.group_of[t[1]]].append(t)
    pairs: list[tuple[str, str, str]] = []
    if par.homogeneity != "off":
        cg_by_g: dict[str, list[str]] = defaultdict(list)
        for (c, g) in core_cg:
            cg_by_g[g].append(c)
        for g, cs in cg_by_g.items():
            cs = sorted(cs, key=lambda c: pos[c])
            for i, a in enumerate(cs):
                for b in cs[i + 1:]:
                    if Dsym[pos[a], pos[b]] <= par.neighbour_km:
                        pairs.append((a, b, g))
    m.PAIRS = pyo.Set(initialize=pairs, dimen=3, ordered=True, doc="neighbour pairs with a shared core group")
    # "c holds a core role in group g": the core indicator itself when c has one core
    # candidate in g, else u[c,g] >= z[c,k,core] for each k in g (u is pushed down to
    # the largest of them by the penalty, or by the forbidding row). A city holding
    # two cores of one group is not a clash between neighbours; summing its cores in
    # the pair row counted it as one, and only when some neighbour had a candidate.
    multi_cg = sorted({(c, g) for (a, b, g) in pairs for c in (a, b) if len(core_cg[c, g]) > 1},
                      key=lambda cg: (pos[cg[0]], cg[1]))
    m.U = pyo.Set(initialize=multi_cg, dimen=2, ordered=True, doc="(city, group) with several core candidates")
    m.u = pyo.Var(m.U, bounds=(0, 1), doc="{0} holds a core role in group {1}")
    m.core_in_group = pyo.Constraint(
        [(c, g, t[1]) for (c, g) in multi_cg for t in core_cg[c, g]],
        rule=lambda _m, c, g, k: m.u[c, g] >= m.z[c, k, core],
        doc="{0} holds a core role in group {1} if it is core of cluster {2}",
    )

    def _core_in(c: str, g: str) -> Any:
        return m.u[c, g] if (c, g) in m.U else m.z[core_cg[c, g][0]]

    if par.homogeneity == "penalty":
        m.h = pyo.Var(m.PAIRS, within=pyo.NonNegativeReals, doc="{0} and {1} both core in group {2}")

        def _nb(_m: Any, a: str, b: str, g: str) -> Any:
            return _core_in(a, g) + _core_in(b, g) - m.h[a, b, g] <= 1
    else:

        def _nb(_m: Any, a: str, b: str, g: str) -> Any:
            return _core_in(a, g) + _core_in(b, g) <= 1

    m.neighbour_cores = pyo.Constraint(
        m.PAIRS, rule=_nb,
        doc=f"neighbours {{0}} and {{1}} (within {par.neighbour_km:g} km) do not both hold the core role in {{2}}",
    )
    # ---- province fairness
    prov_core: dict[str, list[Triple]] = {p: [t for t in by_p.get(p, []) if t[2] == core] for p in inp.provinces}
    pmin = {p: max(inp.prov_min_cores.get(p, 0), par.min_cores_per_province) for p in inp.provinces}
    m.province_min_cores = pyo.Constraint(
        [p for p in inp.provinces if pmin[p] > 0],
        rule=lambda _m, p: _sum([m.z[t] for t in prov_core[p]], m.none) >= pmin[p],
        doc="province {0} hosts at least its minimum number of core roles",
    )
    m.province_max_cores = pyo.Constraint(
        [p for p in inp.provinces if p in inp.prov_max_cores and len(prov_core[p]) > inp.prov_max_cores[p]],
        rule=lambda _m, p: pyo.quicksum(m.z[t] for t in prov_core[p]) <= inp.prov_max_cores[p],
        doc="province {0} hosts at most its maximum number of core roles",
    )
    all_core = [t for t in cand if t[2] == core]
    sh = inp.prov_core_share
    tol = par.core_share_tolerance
    m.province_core_share = pyo.Constraint(
        [(p, s) for p in inp.provinces if p in sh for s in ("lower", "upper")],
        rule=lambda _m, p, s: (
            _sum([m.z[t] for t in prov_core[p]], m.none) - sh[p] * _sum([m.z[t] for t in all_core], m.none)
            >= -tol
            if s == "lower"
            else _sum([m.z[t] for t in prov_core[p]], m.none) - sh[p] * _sum([m.z[t] for t in all_core], m.none)
            <= tol
        ),
        doc=f"province {{0}}'s core count stays within {tol:g} of its core_share of all cores ({{1}} side)",
    )
    # ---- shared land and energy budgets (province) and city capacities
    def _use(ts: list[Triple], use: dict[tuple[str, str], float]) -> list[Any]:
        return [use[t[1], t[2]] * m.z[t] for t in ts if use.get((t[1], t[2]), 0.0) > 0]

    m.province_land = pyo.Constraint(
        [p for p in inp.provinces if p in inp.prov_land and _use(by_p.get(p, []), inp.use_land)],
        rule=lambda _m, p: pyo.quicksum(_use(by_p[p], inp.use_land)) <= inp.prov_land[p],
        doc="land used by roles in province {0} stays within its land budget (mu)",
    )
    m.province_energy = pyo.Constraint(
        [p for p in inp.provinces if p in inp.prov_energy and _use(by_p.get(p, []), inp.use_energy)],
        rule=lambda _m, p: pyo.quicksum(_use(by_p[p], inp.use_energy)) <= inp.prov_energy[p],
        doc="energy used by roles in province {0} stays within its energy budget (10k tce)",
    )
    m.city_land = pyo.Constraint(
        [c for c in inp.cities if c in inp.land_cap and _use(by_c.get(c, []), inp.use_land)],
        rule=lambda _m, c: pyo.quicksum(_use(by_c[c], inp.use_land)) <= inp.land_cap[c],
        doc="land used by roles in {0} stays within its land capacity (mu)",
    )
    m.city_energy = pyo.Constraint(
        [c for c in inp.cities if c in inp.energy_cap and _use(by_c.get(c, []), inp.use_energy)],
        rule=lambda _m, c: pyo.quicksum(_use(by_c[c], inp.use_energy)) <= inp.energy_cap[c],
        doc="energy used by roles in {0} stays within its energy capacity (10k tce)",
    )
    # ---- locked / forbidden (as rules, so that a diagnosis can name them)
    m.locked = pyo.Constraint(list(dict.fromkeys(inp.locked)), rule=lambda _m, c, k, r: m.z[c, k, r] >= 1,
                              doc="locked: {0} takes role {2} in cluster {1}")
    m.forbidden = pyo.Constraint(list(dict.fromkeys(inp.forbidden)), rule=lambda _m, c, k, r: m.z[c, k, r] <= 0,
                                 doc="forbidden: {0} does not take role {2} in cluster {1}")
    # ---- change from the current layout: one unit per (city, cluster) whose status changes
    change_terms: list[Any] = []
    const_changes = 0
    for (c, k), ts in by_ck.items():
        if (c, k) in inp.current:
            continue
        change_terms.extend(m.z[t] for t in ts)
    for (c, k), r0 in inp.current.items():
        if r0 is None:
            ts = by_ck.get((c, k), [])
        else:
            ts = [t for t in by_ck.get((c, k), []) if t[2] == r0]
        const_changes += 1
        change_terms.extend(-m.z[t] for t in ts)
    m.change_count = pyo.Expression(expr=const_changes + _sum(change_terms, m.none),
                                    doc="number of (city, cluster) changes from the current layout")
    if par.max_changes is not None:
        m.max_change = pyo.Constraint(expr=m.change_count <= par.max_changes,
                                      doc=f"at most {par.max_changes} changes from the current layout")
    # ---- synergy between linked clusters placed close together
    syn_idx: list[Triple] = []
    syn_near: dict[Triple, list[str]] = {}
    if inp.synergy:
        links: dict[str, list[str]] = defaultdict(list)
        for (k, k2) in inp.synergy:
            links[k].append(k2)
        hosts_by_k: dict[str, list[str]] = defaultdict(list)
        for (c, k) in by_ck:
            hosts_by_k[k].append(c)
        for (c, k) in by_ck:
            for k2 in links.get(k, []):
                near = [c2 for c2 in hosts_by_k.get(k2, []) if Dsym[pos[c], pos[c2]] <= par.synergy_km]
                if near:
                    syn_idx.append((c, k, k2))
                    syn_near[c, k, k2] = near
    m.W = pyo.Set(initialize=syn_idx, dimen=3, ordered=True, doc="(city, cluster, linked cluster)")
    m.w = pyo.Var(m.W, bounds=(0, 1), doc="{0} hosts cluster {1} with linked cluster {2} nearby")
    m.synergy_host = pyo.Constraint(m.W, rule=lambda _m, c, k, k2: m.w[c, k, k2] <= y(c, k),
                                    doc="synergy of {1} with {2} at {0} needs {0} in cluster {1}")
    m.synergy_near = pyo.Constraint(
        m.W, rule=lambda _m, c, k, k2: m.w[c, k, k2] <= pyo.quicksum(y(c2, k2) for c2 in syn_near[c, k, k2]),
        doc=f"synergy of {{1}} with {{2}} at {{0}} needs {{2}} within {par.synergy_km:g} km",
    )
    # RLT cut for same-city synergy: multiply city_roles by y[c,k]; a city hosting k hosts at
    # most max_roles - 1 other clusters, so sum_k' w[c,k,k'] <= (max_roles - 1) y[c,k].
    # It closes most of the gap of the LP relaxation, where y spreads thinly over all clusters.
    w_by_ck: dict[tuple[str, str], list[Triple]] = defaultdict(list)
    for t in syn_idx:
        if syn_near[t] == [t[0]]:
            w_by_ck[t[0], t[1]].append(t)
    # Weighted form: sum_k' s[k,k'] w[c,k,k'] <= B[c,k] y[c,k] with B the sum of the
    # max_roles - 1 largest weights s[k,.] (bounds the objective term directly).
    cap_idx = [ck for ck, ts in w_by_ck.items() if len(ts) > inp.max_roles[ck[0]] - 1]
    cap_b: dict[tuple[str, str], float] = {}
    for c, k in cap_idx:
        ws = sorted((inp.synergy[k, t[2]] for t in w_by_ck[c, k]), reverse=True)
        cap_b[c, k] = float(sum(ws[: max(inp.max_roles[c] - 1, 0)]))
    m.synergy_cap = pyo.Constraint(
        cap_idx,
        rule=lambda _m, c, k: pyo.quicksum(inp.synergy[k, t[2]] * m.w[t] for t in w_by_ck[c, k])
        <= cap_b[c, k] * y(c, k),
        doc="synergies of cluster {1} at {0} are limited by {0}'s other roles (max_roles - 1)",
    )
    # Envelope cut for same-city synergy, per city and connected group of linked
    # clusters Q: with t = the number of clusters of Q that c hosts (t <= max_roles),
    # the synergy collected is at most g(t) = the largest weight of links inside a
    # t-subset of Q, hence at most the concave envelope of g at sum_{k in Q} y[c,k].
    # Unlike synergy_cap, it sees that the M_c clusters c can host cannot all be
    # linked to each other when Q is sparse (the RLT row is loose there).
    env_rows: dict[tuple[str, str, int], tuple[list[str], list[Triple], float, float]] = {}
    same_by_c: dict[str, list[Triple]] = defaultdict(list)
    for ts in w_by_ck.values():
        for t in ts:
            same_by_c[t[0]].append(t)
    for c, ts in same_by_c.items():
        for comp, cts in _components(ts):
            wts = {(t[1], t[2]): inp.synergy[t[1], t[2]] for t in cts}
            facets = _envelope(_subset_weights(comp, wts, inp.max_roles[c]))
            for i, (slope, icpt) in enumerate(facets):
                if icpt < sum(wts.values()) - 1e-12:
                    env_rows[c, comp[0], i] = (comp, cts, slope, icpt)

    def _env(_m: Any, c: str, k0: str, i: int) -> Any:
        comp, cts, slope, icpt = env_rows[c, k0, i]
        return pyo.quicksum(inp.synergy[t[1], t[2]] * m.w[t] for t in cts) <= icpt + slope * pyo.quicksum(
            y(c, k) for k in comp)

    m.synergy_envelope = pyo.Constraint(
        list(env_rows), rule=_env,
        doc="synergies at {0} among the clusters linked with {1} are limited by how many of them {0} can host "
        "(envelope facet {2})",
    )
    # ---- objective
    m.fit_term = pyo.Expression(expr=_sum([inp.fit[t] * m.z[t] for t in cand if inp.fit[t] != 0], 0.0))
    m.synergy_term = pyo.Expression(expr=_sum([inp.synergy[k, k2] * m.w[c, k, k2] for (c, k, k2) in syn_idx], 0.0))
    if par.homogeneity == "penalty":
        m.homogeneity_term = pyo.Expression(expr=_sum([m.h[p] for p in pairs], 0.0))
    else:
        m.homogeneity_term = pyo.Expression(expr=0.0)
    m.objective = pyo.Objective(
        expr=par.fit_weight * m.fit_term
        + par.synergy_weight * m.synergy_term
        - par.homogeneity_penalty * m.homogeneity_term
        - par.change_penalty * m.change_count,
        sense=pyo.maximize,
    )
    m._regionopt_label = lab
    m._near_set = near_set
    return m


def _components(ts: list[Triple]) -> list[tuple[list[str], list[Triple]]]:
    """Connected groups of clusters linked at one city: (clusters, their synergy triples)."""
    adj: dict[str, set[str]] = defaultdict(set)
    for _, k, k2 in ts:
        adj[k].add(k2)
        adj[k2].add(k)
    seen: set[str] = set()
    out = []
    for start in sorted(adj):
        if start in seen:
            continue
        comp, stack = [], [start]
        seen.add(start)
        while stack:
            u = stack.pop()
            comp.append(u)
            for v in sorted(adj[u] - seen):
                seen.add(v)
                stack.append(v)
        cs = set(comp)
        out.append((sorted(comp), [t for t in ts if t[1] in cs]))
    return out


def _subset_weights(nodes: list[str], wts: dict[tuple[str, str], float], max_roles: int,
                    budget: int = 5000) -> list[float]:
    """g(t), t = 0..min(max_roles, |nodes|): largest total link weight inside a t-subset.

    Exact by depth-first enumeration while at most ``budget`` subsets are visited;
    beyond that an upper bound (each member keeps its t - 1 largest out-links; the t
    largest such sums), which keeps the envelope cut valid, only weaker.
    """
    n = len(nodes)
    top = min(max_roles, n)
    if sum(math.comb(n, t) for t in range(top + 1)) > budget:
        out_w: dict[str, list[float]] = defaultdict(list)
        for (a, _), v in wts.items():
            out_w[a].append(v)
        total = float(sum(wts.values()))
        bound = [0.0] * (top + 1)
        for t in range(2, top + 1):
            row = sorted((sum(sorted(out_w[a], reverse=True)[: t - 1]) for a in nodes), reverse=True)
            bound[t] = min(total, float(sum(row[:t])))
        return bound
    pair = [[wts.get((a, b), 0.0) + wts.get((b, a), 0.0) for b in nodes] for a in nodes]
    best = [0.0] * (top + 1)

    def grow(members: list[int], weight: float, nxt: int) -> None:
        t = len(members)
        if weight > best[t]:
            best[t] = weight
        if t == top:
            return
        for j in range(nxt, n):
            grow([*members, j], weight + sum(pair[i][j] for i in members), j + 1)

    grow([], 0.0, 0)
    for t in range(1, top + 1):  # more clusters never collect less synergy
        best[t] = max(best[t], best[t - 1])
    return best


def _envelope(g: list[float]) -> list[tuple[float, float]]:
    """Facets (slope, intercept) of the upper concave envelope of the points (t, g[t])."""
    hull: list[tuple[int, float]] = []
    for p in enumerate(g):
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (y2 - y1) * (p[0] - x1) <= (p[1] - y1) * (x2 - x1) + 1e-12:
                hull.pop()
            else:
                break
        hull.append(p)
    return [((y2 - y1) / (x2 - x1), y1 - (y2 - y1) / (x2 - x1) * x1)
            for (x1, y1), (x2, y2) in itertools.pairwise(hull)]
