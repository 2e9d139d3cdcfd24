"""The integrated plan: the land block, the cluster block and their linking rows (docs/plan.md).

Each ``define_*`` function adds one family to the top block; :func:`build` is
the flat list. The land block is ``m.land`` (built with ``external_use`` and
``external_farmland``), the cluster block ``m.clusters`` (built without its
land and energy budgets: land comes from the market, energy and city
capacities are shared rows here, counted where the role is hosted).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, TypeAlias

import pyomo.environ as pyo

from ..clusters import model as cluster_model
from ..clusters.inputs import ClusterInputs, Triple
from ..clusters.settings import ClusterSettings
from ..land import model as land_model
from ..land.index import LandIndex
from ..land.inputs import LandInputs
from .inputs import PlanLinks, PlanSettings

__all__ = [
    "PlanIndex",
    "apply_regime",
    "build",
    "define_enclaves",
    "define_hosting",
    "define_land_link",
    "define_objective",
    "define_shared_budgets",
]

Block: TypeAlias = Any
#: An enclave decision: (source, host, cluster, role).
EnclaveKey = tuple[str, str, str, str]
LEDGER_OF_SHARE = ("construction", "area", "paddy", "grain")


@dataclass(frozen=True)
class PlanIndex:
    """Derived sets of the plan: enclave keys, distances, the ledger need of one mu of role land per city."""

    cities: list[str]
    province_of: dict[str, str]  # city -> land province code
    cluster_province_of: dict[str, str]  # city -> the cluster model's province id (its budgets are keyed so)
    enclave_keys: list[EnclaveKey]
    enclave_pairs: list[tuple[str, str]]
    dist: dict[tuple[str, str], float]
    per_mu: dict[str, dict[str, float]]  # city -> ledger -> units per mu of role land
    farmland_per_mu: dict[str, float]
    land_of: dict[tuple[str, str], float]  # (cluster, role) -> mu
    energy_of: dict[tuple[str, str], float]  # (cluster, role) -> 10k tce
    cand: list[Triple]

    @classmethod
    def of(cls, land: LandInputs, clusters: ClusterInputs, links: PlanLinks) -> PlanIndex:
        prov = {c: land.regions[c].province for c in clusters.cities}
        keys: list[EnclaveKey] = []
        for (a, b) in links.enclaves:
            for (c, k, r) in clusters.fit:
                if c == a:
                    keys.append((a, b, k, r))
        d = clusters.dist
        dist = {(a, b): float(min(d.at[a, b], d.at[b, a])) for (a, b) in links.enclaves}
        per_mu: dict[str, dict[str, float]] = {}
        farm: dict[str, float] = {}
        for c in clusters.cities:
            sh = links.shares.get(c)
            f = sh.farmland_share if sh else 0.0
            farm[c] = f
            per_mu[c] = {"construction": 1.0, "area": f, "paddy": f * (sh.paddy_share if sh else 0.0),
                         "grain": f * (sh.grain_100kg_per_mu if sh else 0.0)}
        return cls(list(clusters.cities), prov, dict(clusters.province_of), keys, list(links.enclaves), dist, per_mu, farm,
                    dict(clusters.use_land), dict(clusters.use_energy), list(clusters.fit))


def cluster_inputs_without_budgets(inp: ClusterInputs) -> ClusterInputs:
    """The cluster inputs with land and energy budgets and city capacities removed (the plan counts them by host)."""
    return dataclasses.replace(inp, prov_land={}, prov_energy={}, land_cap={}, energy_cap={})


# --------------------------------------------------------------------------- families


def define_enclaves(m: Block, ix: PlanIndex, links: PlanLinks) -> None:
    r"""Enclave decisions ``e[a,b,k,ρ]`` (binary), ``enclave_within_role`` and ``enclave_capacity``.

    \(\sum_b e_{abk\rho} \le z_{ak\rho}\): a role of source a is sited in at most one host,
    and only if a takes it; \(\sum_{k,\rho} e_{abk\rho} \le \bar e_{ab}\) where the pair has a cap.
    """
    m.E = pyo.Set(initialize=ix.enclave_keys, dimen=4, ordered=True, doc="(source, host, cluster, role)")
    m.e = pyo.Var(m.E, within=pyo.Binary, doc="{0} takes role {3} in cluster {2} in an enclave hosted by {1}")
    by_role: dict[Triple, list[EnclaveKey]] = defaultdict(list)
    by_pair: dict[tuple[str, str], list[EnclaveKey]] = defaultdict(list)
    for key in ix.enclave_keys:
        by_role[key[0], key[2], key[3]].append(key)
        by_pair[key[0], key[1]].append(key)
    m.enclave_within_role = pyo.Constraint(
        list(by_role), rule=lambda m_, a, k, r: pyo.quicksum(m_.e[key] for key in by_role[a, k, r])
        <= m_.clusters.z[a, k, r],
        doc="{0}'s role {2} in cluster {1} is sited in at most one enclave, and only if {0} takes it")
    capped = [p for p in by_pair if links.enclaves[p].max_roles is not None]
    m.enclave_capacity = pyo.Constraint(
        capped, rule=lambda m_, a, b: pyo.quicksum(m_.e[key] for key in by_pair[a, b])
        <= float(links.enclaves[a, b].max_roles or 0.0),
        doc="the enclave {0} -> {1} carries at most its maximum number of roles")


def define_hosting(m: Block, ix: PlanIndex) -> None:
    r"""Expressions ``hosted_land[c]`` (mu) and ``hosted_energy[c]`` (10k tce): what the roles sited in c use.

    \(\text{hosted}_c = \sum_{k,\rho} u_{k\rho}\big(z_{ck\rho} - \sum_b e_{cbk\rho}\big)
    + \sum_{a,k,\rho} u_{k\rho}\, e_{ack\rho}\).
    """
    out_of: dict[str, list[EnclaveKey]] = defaultdict(list)
    into: dict[str, list[EnclaveKey]] = defaultdict(list)
    for key in ix.enclave_keys:
        out_of[key[0]].append(key)
        into[key[1]].append(key)
    by_c: dict[str, list[Triple]] = defaultdict(list)
    for t in ix.cand:
        by_c[t[0]].append(t)

    def hosted(m_: Block, c: str, use: dict[tuple[str, str], float]) -> Any:
        e: Any = pyo.quicksum(use.get((k, r), 0.0) * m_.clusters.z[c, k, r] for (_, k, r) in by_c.get(c, [])
                              if use.get((k, r), 0.0))
        e -= pyo.quicksum(use.get((k, r), 0.0) * m_.e[a, b, k, r] for (a, b, k, r) in out_of.get(c, []))
        e += pyo.quicksum(use.get((k, r), 0.0) * m_.e[a, b, k, r] for (a, b, k, r) in into.get(c, []))
        return e

    m.CITIES = pyo.Set(initialize=ix.cities, ordered=True, doc="cities of the cluster model (land regions)")
    m.hosted_land = pyo.Expression(m.CITIES, rule=lambda m_, c: hosted(m_, c, ix.land_of),
                                   doc="construction land of the roles sited in {0}, mu")
    m.hosted_energy = pyo.Expression(m.CITIES, rule=lambda m_, c: hosted(m_, c, ix.energy_of),
                                     doc="energy of the roles sited in {0}, 10k tce")


def define_land_link(m: Block, ix: PlanIndex, land: LandInputs, st: PlanSettings) -> None:
    r"""Linking rows ``link_quota[c,ℓ]`` and ``link_farmland[c]``: roles use the host city's land quota.

    \(\text{external\_use}_{c\ell t^*} = n_{c\ell}\,\text{hosted\_land}_c\) for the four ledgers
    (construction 1, area \(f_c\), paddy \(f_c p_c\), grain \(f_c g_c\) per mu) and
    \(\text{external\_farmland}_{ct^*} = f_c\,\text{hosted\_land}_c\) in the roles' period
    \(t^*\); zero in other periods and in regions that are not cities of the cluster model.
    """
    t0 = st.period
    lb = m.land
    cities = set(ix.cities)
    for (r, _led, t), v in lb.external_use.items():
        if r not in cities or t != t0:
            v.fix(0.0)
    for (r, t), v in lb.external_farmland.items():
        if r not in cities or t != t0:
            v.fix(0.0)
    m.link_quota = pyo.Constraint(
        m.CITIES, list(LEDGER_OF_SHARE),
        rule=lambda m_, c, led: m_.land.external_use[c, led, t0] == ix.per_mu[c][led] * m_.hosted_land[c],
        doc="the roles sited in {0} use its quota of {1}")
    m.link_farmland = pyo.Constraint(
        m.CITIES, rule=lambda m_, c: m_.land.external_farmland[c, t0] == ix.farmland_per_mu[c] * m_.hosted_land[c],
        doc="the roles sited in {0} occupy its farmland")


def define_shared_budgets(m: Block, ix: PlanIndex, clusters: ClusterInputs) -> None:
    r"""Shared rows counted where roles are hosted: ``energy_province[p]``, ``energy_city[c]``, ``land_city[c]``.

    \(\sum_{c \in p} \text{hosted\_energy}_c \le B^{en}_p\) (10k tce); per city
    \(\text{hosted\_energy}_c \le b^{en}_c\) and \(\text{hosted\_land}_c \le b^{land}_c\) (mu, the
    land a city can give to roles).
    """
    provs = sorted({ix.cluster_province_of[c] for c in ix.cities})
    m.energy_province = pyo.Constraint(
        [p for p in provs if p in clusters.prov_energy],
        rule=lambda m_, p: pyo.quicksum(m_.hosted_energy[c] for c in ix.cities if ix.cluster_province_of[c] == p)
        <= clusters.prov_energy[p],
        doc="energy used by roles sited in province {0} stays within its energy budget (10k tce)")
    m.energy_city = pyo.Constraint(
        [c for c in ix.cities if c in clusters.energy_cap],
        rule=lambda m_, c: m_.hosted_energy[c] <= clusters.energy_cap[c],
        doc="energy used by roles sited in {0} stays within its capacity (10k tce)")
    m.land_city = pyo.Constraint(
        [c for c in ix.cities if c in clusters.land_cap],
        rule=lambda m_, c: m_.hosted_land[c] <= clusters.land_cap[c],
        doc="land of the roles sited in {0} stays within its land capacity (mu)")


def define_objective(m: Block, ix: PlanIndex, st: PlanSettings, land_welfare: Any, cluster_points: Any) -> Any:
    r"""Objective terms in 万元: ``land_welfare``, ``cluster_value``, ``enclave_cost``; returns their total.

    \(W^{land} + V\,(\text{cluster objective}) - V\,\kappa \sum d_{ab}\, e_{abk\rho}\), with
    \(V\) = ``value_per_point_10k_cny`` (illustrative) and \(\kappa\) =
    ``enclave_penalty_points_per_km``.
    """
    V = st.value_per_point_10k_cny
    m.land_welfare = pyo.Expression(expr=land_welfare, doc="land-market welfare, 万元")
    m.cluster_value = pyo.Expression(expr=V * cluster_points, doc="value of the cluster plan, 万元")
    m.enclave_cost = pyo.Expression(
        expr=V * st.enclave_penalty_points_per_km * pyo.quicksum(ix.dist[a, b] * m.e[a, b, k, r]
                                                                for (a, b, k, r) in ix.enclave_keys),
        doc="fit lost to the distance of enclaves, 万元")
    return m.land_welfare + m.cluster_value - m.enclave_cost


def build(m: Block, land: LandInputs, land_ix: LandIndex, clusters: ClusterInputs, cl_settings: ClusterSettings,
          links: PlanLinks, st: PlanSettings, ix: PlanIndex) -> Any:
    """Both blocks and the linking rows on ``m``; returns the plan's welfare expression (万元)."""
    m.land = pyo.Block()
    m.clusters = pyo.Block()
    land_welfare = land_model.build(m.land, land, land_ix, external=True)
    cl = cluster_inputs_without_budgets(clusters)
    points = cluster_model.build(m.clusters, cl, cl_settings)
    define_enclaves(m, ix, links)
    define_hosting(m, ix)
    define_land_link(m, ix, land, st)
    define_shared_budgets(m, ix, clusters)
    return define_objective(m, ix, st, land_welfare, points)


def apply_regime(m: Block, land: LandInputs, land_ix: LandIndex, ix: PlanIndex, *, trade: bool, enclaves: bool,
                 coalition: frozenset[str] | None) -> None:
    """Close cross-border coordination outside the regime by fixing its variables at 0.

    Cross-province land trade (bilateral arcs between provinces and the
    national platform) is open only with ``trade`` and only among the
    provinces of ``coalition`` (all when ``None``; a coalition of one province
    has no partner); cross-border enclaves likewise with ``enclaves``. Within a
    province everything stays open. Calling it again first frees what an
    earlier call fixed.
    """
    provinces = set(land_ix.provinces)
    members = provinces if coalition is None else set(coalition)
    lb = m.land
    for a in land_ix.arcs:
        ps, pb = land_ix.province_of[a[0]], land_ix.province_of[a[1]]
        open_ = ps == pb or (trade and ps in members and pb in members)
        for t in land_ix.periods:
            v = lb.x[(*a, t)]
            if open_:
                if v.fixed:
                    v.unfix()
            else:
                v.fix(0.0)
    platform_open = trade and len(members) >= 2
    for comp in (lb.plat_sell, lb.plat_buy):
        for key, v in comp.items():
            if platform_open and land_ix.province_of[key[0]] in members:
                if v.fixed:
                    v.unfix()
            else:
                v.fix(0.0)
    for ekey in ix.enclave_keys:
        pa, pb_ = ix.province_of[ekey[0]], ix.province_of[ekey[1]]
        open_ = pa == pb_ or (enclaves and pa in members and pb_ in members)
        ev = m.e[ekey]
        if open_:
            if ev.fixed:
                ev.unfix()
        else:
            ev.fix(0)
