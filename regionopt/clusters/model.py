"""The cluster-role MIP as constraint families on a Pyomo block (formulation: ``docs/clusters.md``).

Each ``define_*`` function adds one family, named like its section on the docs
page, with the formula in its docstring; :func:`build` is the flat list of
calls. Every constraint carries a ``doc`` format string in the user's words so
that infeasibility diagnoses read as rules ("at least 1 core city(ies) in
cluster Biomedicine (NAT22-03)").
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pyomo.environ as pyo

from .inputs import ClusterInputs, Triple
from .settings import ClusterSettings

__all__ = [
    "ClusterIndex",
    "build",
    "define_assignments",
    "define_budgets",
    "define_change",
    "define_city_capacity",
    "define_locked_forbidden",
    "define_near_core",
    "define_neighbour_cores",
    "define_objective",
    "define_one_role",
    "define_province_fairness",
    "define_role_counts",
    "define_synergy",
]


#: A Pyomo block (typed loosely: its components are added at run time).
Block: TypeAlias = Any


def _sum(terms: list[Any], none: Any) -> Any:
    return pyo.quicksum(terms) if terms else none


@dataclass(frozen=True)
class ClusterIndex:
    """Candidates grouped the ways the constraint families need them (computed once; picklable)."""

    cand: list[Triple]
    by_ck: dict[tuple[str, str], list[Triple]]
    by_kr: dict[tuple[str, str], list[Triple]]
    by_c: dict[str, list[Triple]]
    by_p: dict[str, list[Triple]]
    pos: dict[str, int]
    D: np.ndarray
    Dsym: np.ndarray
    core_cg: dict[tuple[str, str], list[Triple]]

    @classmethod
    def of(cls, inp: ClusterInputs) -> ClusterIndex:
        cand = list(inp.fit)
        by_ck: dict[tuple[str, str], list[Triple]] = defaultdict(list)
        by_kr: dict[tuple[str, str], list[Triple]] = defaultdict(list)
        by_c: dict[str, list[Triple]] = defaultdict(list)
        by_p: dict[str, list[Triple]] = defaultdict(list)
        core_cg: dict[tuple[str, str], list[Triple]] = defaultdict(list)
        for t in cand:
            c, k, r = t
            by_ck[c, k].append(t)
            by_kr[k, r].append(t)
            by_c[c].append(t)
            by_p[inp.province_of[c]].append(t)
            if r == inp.core_role:
                core_cg[c, inp.group_of[k]].append(t)
        # Distances of an asymmetric table (road km differ by direction) are read so that
        # the order of the cities never matters: the near-core rule reads D[supporter, core]
        # (the trip from the supporting city to the core, a directed relation), neighbours
        # and synergy proximity read Dsym = min(D, D.T) (a symmetric relation between two
        # places: close if either direction is within the radius).
        D = inp.dist.to_numpy()
        return cls(cand, dict(by_ck), dict(by_kr), dict(by_c), dict(by_p),
                   {c: i for i, c in enumerate(inp.cities)}, D, np.minimum(D, D.T), dict(core_cg))

    def y(self, b: Block, c: str, k: str) -> Any:
        """``y[c,k] = Σ_ρ z[c,k,ρ]``: city c takes part in cluster k."""
        return _sum([b.z[t] for t in self.by_ck.get((c, k), [])], b.none)


# --------------------------------------------------------------------------- sets and variables


def define_assignments(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    """Sets and the binary assignment ``z[c,k,ρ]`` over the candidates (rows of ``fit``); ``none`` = 0."""
    b.CITIES = pyo.Set(initialize=inp.cities, ordered=True, doc="cities")
    b.CLUSTERS = pyo.Set(initialize=inp.clusters, ordered=True, doc="clusters")
    b.ROLES = pyo.Set(initialize=inp.roles, ordered=True, doc="roles")
    b.PROVINCES = pyo.Set(initialize=inp.provinces, ordered=True, doc="provinces")
    b.Z = pyo.Set(initialize=ix.cand, dimen=3, ordered=True, doc="candidate (city, cluster, role)")
    b.z = pyo.Var(b.Z, within=pyo.Binary, doc="{0} takes role {2} in cluster {1}")
    # a column fixed to zero by its bounds: stands in for an empty sum so that a rule
    # without candidates stays a (diagnosable) constraint
    b.none = pyo.Var(bounds=(0, 0), doc="no candidate")


# --------------------------------------------------------------------------- constraint families


def define_role_counts(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""``role_min[k,ρ]``, ``role_max[k,ρ]``: \(\underline n_{k\rho} \le \sum_c z_{ck\rho} \le \overline n_{k\rho}\)."""
    kr_min = [(k, r) for (k, r), v in inp.req_min.items() if v > 0]
    b.role_min = pyo.Constraint(
        kr_min, rule=lambda b_, k, r: _sum([b_.z[t] for t in ix.by_kr.get((k, r), [])], b_.none) >= inp.req_min[k, r],
        doc="at least the required number of {1} cities in cluster {0}")
    kr_max = [(k, r) for (k, r) in inp.req_max if ix.by_kr.get((k, r))]
    b.role_max = pyo.Constraint(
        kr_max, rule=lambda b_, k, r: _sum([b_.z[t] for t in ix.by_kr[k, r]], b_.none) <= inp.req_max[k, r],
        doc="at most the allowed number of {1} cities in cluster {0}")


def define_one_role(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""``one_role[c,k]``: \(\sum_\rho z_{ck\rho} \le 1\) (aggregated: tighter than pairwise exclusions)."""
    multi = [ck for ck, ts in ix.by_ck.items() if len(ts) > 1]
    b.one_role = pyo.Constraint(multi, rule=lambda b_, c, k: pyo.quicksum(b_.z[t] for t in ix.by_ck[c, k]) <= 1,
                                doc="{0} takes at most one role in cluster {1}")


def define_city_capacity(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""``city_roles[c]``: \(\sum_{k,\rho} z \le M_c\); ``city_cores[c]``: \(\sum_k z_{ck,core} \le M^{core}_c\)."""
    core = inp.core_role
    cap_roles = [c for c in inp.cities if len(ix.by_c.get(c, [])) > inp.max_roles[c]]
    b.city_roles = pyo.Constraint(
        cap_roles, rule=lambda b_, c: pyo.quicksum(b_.z[t] for t in ix.by_c[c]) <= inp.max_roles[c],
        doc="{0} holds at most its maximum number of roles (max_roles)")
    core_of_c = {c: [t for t in ix.by_c.get(c, []) if t[2] == core] for c in inp.cities}
    cap_cores = [c for c in inp.cities if len(core_of_c[c]) > inp.max_cores[c]]
    b.city_cores = pyo.Constraint(
        cap_cores, rule=lambda b_, c: pyo.quicksum(b_.z[t] for t in core_of_c[c]) <= inp.max_cores[c],
        doc="{0} is core of at most its maximum number of clusters (max_cores)")


def define_near_core(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""``near_core[c,k]``: supporting roles lie within D km of a core of the same cluster.

    Aggregated over the near-core roles of one (city, cluster), no big-M:
    \(\sum_{\rho\in R^{near}} z_{ck\rho} \le \sum_{c'\ne c:\, d_{cc'} \le D} z_{c'k,core}\),
    with \(d_{cc'}\) read from the supporting city c to the core c'. It dominates the
    per-role rows (``one_role`` makes the left side at most 1).
    """
    core = inp.core_role
    cores_by_k: dict[str, list[str]] = defaultdict(list)
    for c, k, r in ix.cand:
        if r == core:
            cores_by_k[k].append(c)
    near_set: dict[tuple[str, str], list[str]] = {}
    near_roles: dict[tuple[str, str], list[Triple]] = {}
    if st.core_distance_km is not None:
        for (c, k), ts in ix.by_ck.items():
            tn = [t for t in ts if t[2] in inp.near_core_roles]
            if tn:
                near_roles[c, k] = tn
                near_set[c, k] = [c2 for c2 in cores_by_k.get(k, []) if c2 != c
                                  and ix.D[ix.pos[c], ix.pos[c2]] <= st.core_distance_km]  # D[supporter, core]
    b.NEAR = pyo.Set(initialize=list(near_roles), dimen=2, ordered=True,
                     doc="(city, cluster) with a near-core role candidate")
    roles_txt = " / ".join(inp.near_core_roles)
    b.near_core = pyo.Constraint(
        b.NEAR,
        rule=lambda b_, c, k: pyo.quicksum(b_.z[t] for t in near_roles[c, k])
        <= _sum([b_.z[c2, k, core] for c2 in near_set[c, k]], b_.none),
        doc=f"{{0}} as {roles_txt} of cluster {{1}} lies within {st.core_distance_km or 0:g} km "
        "of a core city of the cluster")


def define_neighbour_cores(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""Anti-homogeneity: ``neighbour_cores[c,c',g]``, ``core_in_group[c,g,k]``, ``u``, ``h``.

    For neighbours \(\min(d_{cc'}, d_{c'c}) \le D^{nb}\) both with a core candidate in
    group g: \(u_{cg} + u_{c'g} - h_{cc'g} \le 1\) (``h`` absent when forbidden), where
    \(u_{cg}\) ("c holds a core role in g") is \(z_{ck,core}\) for a one-cluster group and
    else a variable with \(u_{cg} \ge z_{ck,core}\) for each \(k \in g\) (``core_in_group``).
    """
    core = inp.core_role
    pairs: list[tuple[str, str, str]] = []
    if st.homogeneity != "off":
        cg_by_g: dict[str, list[str]] = defaultdict(list)
        for (c, g) in ix.core_cg:
            cg_by_g[g].append(c)
        for g, cs in cg_by_g.items():
            cs = sorted(cs, key=lambda c: ix.pos[c])
            for i, a in enumerate(cs):
                for c2 in cs[i + 1:]:
                    if ix.Dsym[ix.pos[a], ix.pos[c2]] <= st.neighbour_km:
                        pairs.append((a, c2, g))
    b.PAIRS = pyo.Set(initialize=pairs, dimen=3, ordered=True, doc="neighbour pairs with a shared core group")
    # A city holding two cores of one group is not a clash between neighbours; summing
    # its cores in the pair row counted it as one, and only when some neighbour had a candidate.
    multi_cg = sorted({(c, g) for (a, c2, g) in pairs for c in (a, c2) if len(ix.core_cg[c, g]) > 1},
                      key=lambda cg: (ix.pos[cg[0]], cg[1]))
    b.U = pyo.Set(initialize=multi_cg, dimen=2, ordered=True, doc="(city, group) with several core candidates")
    b.u = pyo.Var(b.U, bounds=(0, 1), doc="{0} holds a core role in group {1}")
    b.core_in_group = pyo.Constraint(
        [(c, g, t[1]) for (c, g) in multi_cg for t in ix.core_cg[c, g]],
        rule=lambda b_, c, g, k: b_.u[c, g] >= b_.z[c, k, core],
        doc="{0} holds a core role in group {1} if it is core of cluster {2}")

    def core_in(b_: Block, c: str, g: str) -> Any:
        return b_.u[c, g] if (c, g) in b_.U else b_.z[ix.core_cg[c, g][0]]

    if st.homogeneity == "penalty":
        b.h = pyo.Var(b.PAIRS, within=pyo.NonNegativeReals, doc="{0} and {1} both core in group {2}")

        def rule(b_: Block, a: str, c2: str, g: str) -> Any:
            return core_in(b_, a, g) + core_in(b_, c2, g) - b_.h[a, c2, g] <= 1
    else:

        def rule(b_: Block, a: str, c2: str, g: str) -> Any:
            return core_in(b_, a, g) + core_in(b_, c2, g) <= 1

    b.neighbour_cores = pyo.Constraint(
        b.PAIRS, rule=rule,
        doc=f"neighbours {{0}} and {{1}} (within {st.neighbour_km:g} km) do not both hold the core role in {{2}}")


def define_province_fairness(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""``province_min_cores[p]``, ``province_max_cores[p]``, ``province_core_share[p,side]``.

    \(\underline m_p \le \sum_{c\in p,k} z_{ck,core} \le \overline m_p\) and
    \(|\sum_{c\in p,k} z_{ck,core} - \sigma_p \sum_{c,k} z_{ck,core}| \le \tau\).
    """
    core = inp.core_role
    prov_core = {p: [t for t in ix.by_p.get(p, []) if t[2] == core] for p in inp.provinces}
    pmin = {p: max(inp.prov_min_cores.get(p, 0), st.min_cores_per_province) for p in inp.provinces}
    b.province_min_cores = pyo.Constraint(
        [p for p in inp.provinces if pmin[p] > 0],
        rule=lambda b_, p: _sum([b_.z[t] for t in prov_core[p]], b_.none) >= pmin[p],
        doc="province {0} hosts at least its minimum number of core roles")
    b.province_max_cores = pyo.Constraint(
        [p for p in inp.provinces if p in inp.prov_max_cores and len(prov_core[p]) > inp.prov_max_cores[p]],
        rule=lambda b_, p: pyo.quicksum(b_.z[t] for t in prov_core[p]) <= inp.prov_max_cores[p],
        doc="province {0} hosts at most its maximum number of core roles")
    all_core = [t for t in ix.cand if t[2] == core]
    sh = inp.prov_core_share
    tol = st.core_share_tolerance

    def share(b_: Block, p: str, side: str) -> Any:
        e = _sum([b_.z[t] for t in prov_core[p]], b_.none) - sh[p] * _sum([b_.z[t] for t in all_core], b_.none)
        return e >= -tol if side == "lower" else e <= tol

    b.province_core_share = pyo.Constraint(
        [(p, s) for p in inp.provinces if p in sh for s in ("lower", "upper")], rule=share,
        doc=f"province {{0}}'s core count stays within {tol:g} of its core_share of all cores ({{1}} side)")


def _use(b: Block, ts: list[Triple], use: dict[tuple[str, str], float]) -> list[Any]:
    return [use[t[1], t[2]] * b.z[t] for t in ts if use.get((t[1], t[2]), 0.0) > 0]


def define_budgets(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""Shared budgets ``province_land``, ``province_energy``, ``city_land``, ``city_energy``.

    \(\sum_{c\in p,k,\rho} u^{land}_{k\rho} z_{ck\rho} \le B^{land}_p\) (mu), the same for
    energy (10k tce) and per city with its capacity.
    """
    b.province_land = pyo.Constraint(
        [p for p in inp.provinces if p in inp.prov_land and _use(b, ix.by_p.get(p, []), inp.use_land)],
        rule=lambda b_, p: pyo.quicksum(_use(b_, ix.by_p[p], inp.use_land)) <= inp.prov_land[p],
        doc="land used by roles in province {0} stays within its land budget (mu)")
    b.province_energy = pyo.Constraint(
        [p for p in inp.provinces if p in inp.prov_energy and _use(b, ix.by_p.get(p, []), inp.use_energy)],
        rule=lambda b_, p: pyo.quicksum(_use(b_, ix.by_p[p], inp.use_energy)) <= inp.prov_energy[p],
        doc="energy used by roles in province {0} stays within its energy budget (10k tce)")
    b.city_land = pyo.Constraint(
        [c for c in inp.cities if c in inp.land_cap and _use(b, ix.by_c.get(c, []), inp.use_land)],
        rule=lambda b_, c: pyo.quicksum(_use(b_, ix.by_c[c], inp.use_land)) <= inp.land_cap[c],
        doc="land used by roles in {0} stays within its land capacity (mu)")
    b.city_energy = pyo.Constraint(
        [c for c in inp.cities if c in inp.energy_cap and _use(b, ix.by_c.get(c, []), inp.use_energy)],
        rule=lambda b_, c: pyo.quicksum(_use(b_, ix.by_c[c], inp.use_energy)) <= inp.energy_cap[c],
        doc="energy used by roles in {0} stays within its energy capacity (10k tce)")


def define_locked_forbidden(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""``locked``: \(z = 1\); ``forbidden``: \(z = 0\) (rules, not fixed bounds, so a diagnosis names them)."""
    b.locked = pyo.Constraint(list(dict.fromkeys(inp.locked)), rule=lambda b_, c, k, r: b_.z[c, k, r] >= 1,
                              doc="locked: {0} takes role {2} in cluster {1}")
    b.forbidden = pyo.Constraint(list(dict.fromkeys(inp.forbidden)), rule=lambda b_, c, k, r: b_.z[c, k, r] <= 0,
                                 doc="forbidden: {0} does not take role {2} in cluster {1}")


def define_change(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""``change_count`` (expression) and ``max_change``: one unit per (city, cluster) whose status changes.

    \(\sum_{(c,k)\in\Omega} (1 - z_{ck\rho_0}) + \sum_{(c,k)\notin\Omega} y_{ck} \le \Delta\).
    """
    terms: list[Any] = []
    const = 0
    for (c, k), ts in ix.by_ck.items():
        if (c, k) in inp.current:
            continue
        terms.extend(b.z[t] for t in ts)
    for (c, k), r0 in inp.current.items():
        ts = ix.by_ck.get((c, k), [])
        if r0 is not None:
            ts = [t for t in ts if t[2] == r0]
        const += 1
        terms.extend(-b.z[t] for t in ts)
    b.change_count = pyo.Expression(expr=const + _sum(terms, b.none),
                                    doc="number of (city, cluster) changes from the current layout")
    if st.max_changes is not None:
        b.max_change = pyo.Constraint(expr=b.change_count <= st.max_changes,
                                      doc=f"at most {st.max_changes} changes from the current layout")


def define_synergy(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> None:
    r"""Synergy ``w`` with ``synergy_host``, ``synergy_near``, and the cuts ``synergy_cap``, ``synergy_envelope``.

    \(w_{ckk'} \le y_{ck}\), \(w_{ckk'} \le \sum_{c':\,\bar d_{cc'} \le D^{syn}} y_{c'k'}\) (upper bounds
    only: w is maximised). Same-city synergy also gets the RLT cut
    \(\sum_{k'} s_{kk'} w_{ckk'} \le B_{ck}\, y_{ck}\) and the concave-envelope cuts
    \(\sum_{k,k'\in Q} s_{kk'} w_{ckk'} \le b_i + a_i \sum_{k\in Q} y_{ck}\) (docs/clusters.md).
    """
    syn_idx: list[Triple] = []
    syn_near: dict[Triple, list[str]] = {}
    if inp.synergy:
        links: dict[str, list[str]] = defaultdict(list)
        for (k, k2) in inp.synergy:
            links[k].append(k2)
        hosts_by_k: dict[str, list[str]] = defaultdict(list)
        for (c, k) in ix.by_ck:
            hosts_by_k[k].append(c)
        for (c, k) in ix.by_ck:
            for k2 in links.get(k, []):
                near = [c2 for c2 in hosts_by_k.get(k2, []) if ix.Dsym[ix.pos[c], ix.pos[c2]] <= st.synergy_km]
                if near:
                    syn_idx.append((c, k, k2))
                    syn_near[c, k, k2] = near
    b.W = pyo.Set(initialize=syn_idx, dimen=3, ordered=True, doc="(city, cluster, linked cluster)")
    b.w = pyo.Var(b.W, bounds=(0, 1), doc="{0} hosts cluster {1} with linked cluster {2} nearby")
    b.synergy_host = pyo.Constraint(b.W, rule=lambda b_, c, k, k2: b_.w[c, k, k2] <= ix.y(b_, c, k),
                                    doc="synergy of {1} with {2} at {0} needs {0} in cluster {1}")
    b.synergy_near = pyo.Constraint(
        b.W, rule=lambda b_, c, k, k2: b_.w[c, k, k2] <= pyo.quicksum(ix.y(b_, c2, k2) for c2 in syn_near[c, k, k2]),
        doc=f"synergy of {{1}} with {{2}} at {{0}} needs {{2}} within {st.synergy_km:g} km")
    # RLT cut for same-city synergy: multiply city_roles by y[c,k]; a city hosting k hosts at
    # most max_roles - 1 other clusters. Weighted form: sum_k' s[k,k'] w[c,k,k'] <= B[c,k] y[c,k]
    # with B the sum of the max_roles - 1 largest weights s[k,.] (bounds the objective term directly).
    w_by_ck: dict[tuple[str, str], list[Triple]] = defaultdict(list)
    for t in syn_idx:
        if syn_near[t] == [t[0]]:
            w_by_ck[t[0], t[1]].append(t)
    cap_idx = [ck for ck, ts in w_by_ck.items() if len(ts) > inp.max_roles[ck[0]] - 1]
    cap_b: dict[tuple[str, str], float] = {}
    for c, k in cap_idx:
        ws = sorted((inp.synergy[k, t[2]] for t in w_by_ck[c, k]), reverse=True)
        cap_b[c, k] = float(sum(ws[: max(inp.max_roles[c] - 1, 0)]))
    b.synergy_cap = pyo.Constraint(
        cap_idx,
        rule=lambda b_, c, k: pyo.quicksum(inp.synergy[k, t[2]] * b_.w[t] for t in w_by_ck[c, k])
        <= cap_b[c, k] * ix.y(b_, c, k),
        doc="synergies of cluster {1} at {0} are limited by {0}'s other roles (max_roles - 1)")
    # Envelope cut, per city and connected group of linked clusters Q: with t = the number
    # of clusters of Q that c hosts (t <= max_roles), the synergy collected is at most g(t)
    # = the largest weight of links inside a t-subset of Q, hence at most the concave
    # envelope of g at sum_{k in Q} y[c,k]. Unlike synergy_cap, it sees that the M_c
    # clusters c can host cannot all be linked to each other when Q is sparse.
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

    def env(b_: Block, c: str, k0: str, i: int) -> Any:
        comp, cts, slope, icpt = env_rows[c, k0, i]
        return pyo.quicksum(inp.synergy[t[1], t[2]] * b_.w[t] for t in cts) <= icpt + slope * pyo.quicksum(
            ix.y(b_, c, k) for k in comp)

    b.synergy_envelope = pyo.Constraint(
        list(env_rows), rule=env,
        doc="synergies at {0} among the clusters linked with {1} are limited by how many of them {0} can host "
        "(envelope facet {2})")


def define_objective(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex) -> Any:
    r"""Objective terms ``fit_term``, ``synergy_term``, ``homogeneity_term`` (expressions); returns the objective.

    \(\lambda_{fit}\,\texttt{fit\_term} + \lambda_{syn}\,\texttt{synergy\_term}
    - \lambda_{hom}\,\texttt{homogeneity\_term} - \lambda_{chg}\,\texttt{change\_count}\) (points).
    """
    b.fit_term = pyo.Expression(expr=_sum([inp.fit[t] * b.z[t] for t in ix.cand if inp.fit[t] != 0], 0.0),
                                doc="fit of the assignments, points")
    b.synergy_term = pyo.Expression(expr=_sum([inp.synergy[k, k2] * b.w[c, k, k2] for (c, k, k2) in b.W], 0.0),
                                    doc="synergy collected, link weight")
    b.homogeneity_term = pyo.Expression(
        expr=_sum([b.h[p] for p in b.PAIRS], 0.0) if st.homogeneity == "penalty" else 0.0,
        doc="neighbour pairs both holding a core role in a group")
    return (st.fit_weight * b.fit_term + st.synergy_weight * b.synergy_term
            - st.homogeneity_penalty * b.homogeneity_term - st.change_penalty * b.change_count)


def build(b: Block, inp: ClusterInputs, st: ClusterSettings, ix: ClusterIndex | None = None) -> Any:
    """Add every family of the cluster-role model to ``b``; return the objective expression (points)."""
    ix = ix or ClusterIndex.of(inp)
    define_assignments(b, inp, st, ix)
    define_role_counts(b, inp, st, ix)
    define_one_role(b, inp, st, ix)
    define_city_capacity(b, inp, st, ix)
    define_near_core(b, inp, st, ix)
    define_neighbour_cores(b, inp, st, ix)
    define_province_fairness(b, inp, st, ix)
    define_budgets(b, inp, st, ix)
    define_locked_forbidden(b, inp, st, ix)
    define_change(b, inp, st, ix)
    define_synergy(b, inp, st, ix)
    return define_objective(b, inp, st, ix)


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
