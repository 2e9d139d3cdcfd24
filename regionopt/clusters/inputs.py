"""Input tables of the cluster-role model: row schemas, validation, defaults.

Every table is checked at the boundary with :func:`regionopt.schema.validate_table`;
cross-table references (a ``fit`` row naming an unknown city, say) raise
:class:`regionopt.InputError` naming the table, the row (as the user gave it) and
the field.

Units: land in mu (亩), energy in 10,000 tonnes of coal equivalent (万吨标准煤,
``10k_tce``), distances in km.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BeforeValidator, Field

from ..datasets import haversine_km
from ..errors import InputError
from ..io.excel import TableSpec
from ..names import Names
from ..schema import (
    Code,
    DistanceRow,
    FiniteFloat,
    Latitude,
    Longitude,
    NonNegFloat,
    OptCode,
    OptNonNegFloat,
    RowModel,
    read_distances,
    validate_table,
)

__all__ = [
    "DEFAULT_ROLES",
    "TABLES",
    "ClusterInputs",
    "default_requirements",
    "roles_from_table",
    "validate_inputs",
]

#: Default roles, in chain order.
DEFAULT_ROLES: tuple[str, ...] = ("core", "rd", "manufacturing", "supplier", "logistics")
#: Default roles that must lie within ``core_distance_km`` of a core of the same cluster.
DEFAULT_NEAR_CORE_ROLES: tuple[str, ...] = ("supplier", "manufacturing")


def _nan_none(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return v


OptCount = Annotated[Annotated[int, Field(ge=0)] | None, BeforeValidator(_nan_none)]
Count = Annotated[int, Field(ge=0)]


class CityRow(RowModel):
    """One city. Index: ``city`` (GB/T 2260 code)."""

    city: Code = Field(description="city code (index)")
    province: Code = Field(description="province code")
    lat: Latitude | None = Field(default=None, description="latitude, degrees (GCJ-02); needed without distances_km")
    lon: Longitude | None = Field(default=None, description="longitude, degrees (GCJ-02); needed without distances_km")
    max_roles: OptCount = Field(default=None, description="most roles the city may hold over all clusters; empty = "
                                "no limit")
    max_cores: OptCount = Field(default=None, description="most clusters the city may be core of; empty = no limit")
    land_capacity_mu: OptNonNegFloat = Field(default=None, description="land the city can give to roles, mu; "
                                             "empty = no limit")
    energy_capacity_10k_tce: OptNonNegFloat = Field(default=None, description="energy the city can give to roles, "
                                                    "10k tce; empty = no limit")


class ClusterRow(RowModel):
    """One cluster. Index: ``cluster`` id."""

    cluster: Code = Field(description="cluster id (index)")
    group: OptCode = Field(default=None, description="homogeneity group: clusters of one group count together in "
                           "the neighbour rule; empty = its own group")


class FitRow(RowModel):
    """A candidate assignment and its fit score."""

    city: Code = Field(description="city code")
    cluster: Code = Field(description="cluster id")
    role: Code = Field(description="role name")
    score: FiniteFloat = Field(description="fit score, points (objective units)")


class RequirementRow(RowModel):
    """How many cities a cluster needs in a role."""

    cluster: Code = Field(description="cluster id")
    role: Code = Field(description="role name")
    min: Count = Field(default=0, description="at least this many cities")
    max: OptCount = Field(default=None, description="at most this many cities; empty = no limit")


class AssignmentRow(RowModel):
    """A (city, cluster, role) of the current layout, or a locked / forbidden assignment."""

    city: Code = Field(description="city code")
    cluster: Code = Field(description="cluster id")
    role: OptCode = Field(default=None, description="role name; empty = member in an unknown role (current) or "
                          "every role (forbidden)")


class ResourceRow(RowModel):
    """Land and energy one assignment uses."""

    cluster: Code = Field(description="cluster id")
    role: Code = Field(description="role name")
    land_mu: NonNegFloat = Field(default=0.0, description="construction land one assignment uses, mu")
    energy_10k_tce: NonNegFloat = Field(default=0.0, description="energy one assignment uses, 10k tce")


class ProvinceRow(RowModel):
    """Province rules. Index: ``province`` code."""

    province: Code = Field(description="province code (index)")
    min_cores: OptCount = Field(default=None, description="at least this many core roles in the province")
    max_cores: OptCount = Field(default=None, description="at most this many core roles in the province")
    land_mu: OptNonNegFloat = Field(default=None, description="land budget for roles in the province, mu")
    energy_10k_tce: OptNonNegFloat = Field(default=None, description="energy budget for roles in the province, "
                                           "10k tce")
    core_share: OptNonNegFloat = Field(default=None, description="target share of all core roles, in [0, 1]")


class SynergyRow(RowModel):
    """A link between two clusters (from input-output linkages)."""

    cluster: Code = Field(description="cluster id")
    other: Code = Field(description="linked cluster id")
    weight: NonNegFloat = Field(description="gain when both sit within synergy_km, points")


class RoleRow(RowModel):
    """A role of the chain (Excel ``roles`` sheet)."""

    role: Code = Field(description="role name, in chain order")
    core: bool = Field(default=False, description="True for the core role (exactly one)")
    near_core: bool = Field(default=False, description="True if the role must lie within core_distance_km of a "
                            "core of the same cluster")


Triple = tuple[str, str, str]


@dataclass
class ClusterInputs:
    """Validated, normalised inputs (all ids are strings).

    Attributes mirror the tables of :meth:`ClusterRoleProblem.from_frames`.
    """

    cities: list[str]
    province_of: dict[str, str]
    clusters: list[str]
    group_of: dict[str, str]
    roles: list[str]
    core_role: str
    near_core_roles: list[str]
    fit: dict[Triple, float]
    req_min: dict[tuple[str, str], int]
    req_max: dict[tuple[str, str], int]
    max_roles: dict[str, int]
    max_cores: dict[str, int]
    land_cap: dict[str, float]
    energy_cap: dict[str, float]
    current: dict[tuple[str, str], str | None]
    locked: list[Triple]
    forbidden: list[Triple]
    use_land: dict[tuple[str, str], float]
    use_energy: dict[tuple[str, str], float]
    prov_min_cores: dict[str, int]
    prov_max_cores: dict[str, int]
    prov_land: dict[str, float]
    prov_energy: dict[str, float]
    prov_core_share: dict[str, float]
    synergy: dict[tuple[str, str], float]
    dist: pd.DataFrame
    names: dict[str, str] = field(default_factory=dict)
    names_zh: dict[str, str] = field(default_factory=dict)

    def name_book(self) -> Names:
        """English and Chinese names of cities, clusters and provinces (the tables', then the Delta's)."""
        return Names.of(self.names, self.names_zh)
    #: What the tables imply that a reader of the result should know (copied into the result's notes).
    notes: tuple[str, ...] = ()

    @property
    def provinces(self) -> list[str]:
        seen: dict[str, None] = {}
        for c in self.cities:
            seen.setdefault(self.province_of[c], None)
        return list(seen)

    def label(self, key: Hashable) -> str:
        """User wording of an id: ``"Hefei (340100)"`` when a name is known."""
        s = str(key)
        n = self.names.get(s)
        return f"{n} ({s})" if n and n != s else s


def default_requirements(
    clusters: Iterable[str],
    roles: Sequence[str] = DEFAULT_ROLES,
    *,
    cores: tuple[int, int] = (1, 2),
    others: Mapping[str, tuple[int, int | None]] | None = None,
) -> pd.DataFrame:
    """A requirements table: ``cores`` = (min, max) core cities, other roles per ``others``.

    Parameters
    ----------
    clusters
        Cluster ids.
    roles
        Role names; the first is taken as the core role.
    cores
        (min, max) number of core cities per cluster.
    others
        Role -> (min, max) count (``None`` = no upper limit). Roles not listed get
        ``(0, None)``. Every key must be one of ``roles`` other than the core role.

    Returns
    -------
    pandas.DataFrame
        Columns ``cluster, role, min, max``.

    Raises
    ------
    InputError
        For a key of ``others`` that is not a role, or is the core role.
    """
    others = dict(others or {})
    roles = list(roles)
    for r in others:
        if r not in roles:
            # a typo would silently leave the role without its count
            raise InputError(f"unknown role {r!r}; roles are {roles}", table="others", row=r, field="role",
                             value=r)
        if roles and r == roles[0]:
            raise InputError(f"{r!r} is the core role: give its counts as cores=(min, max)", table="others",
                             row=r, field="role", value=r)
    rows = []
    for k in clusters:
        for i, r in enumerate(roles):
            lo, hi = cores if i == 0 else others.get(r, (0, None))
            rows.append({"cluster": str(k), "role": r, "min": lo, "max": np.nan if hi is None else hi})
    df = pd.DataFrame(rows)
    df["max"] = df["max"].astype("Float64")
    return df


def _triples(df: pd.DataFrame | None, table: str, cities: set[str], clusters: set[str],
             roles: Sequence[str], *, role_optional: bool = False) -> list[AssignmentRow]:
    if df is None:
        return []
    rows = validate_table(df, AssignmentRow, table, id_fields=("city", "cluster", "role"))
    for row, rec in zip(rows, df.to_dict(orient="records"), strict=True):
        lab = f"{row.city}/{row.cluster}/{row.role}"
        if row.city not in cities:
            raise InputError(f"unknown city {row.city!r} (not in table 'cities')", table=table, row=lab,
                             field="city", value=rec.get("city"))
        if row.cluster not in clusters:
            raise InputError(f"unknown cluster {row.cluster!r} (not in table 'clusters')", table=table,
                             row=lab, field="cluster", value=rec.get("cluster"))
        if row.role is None and not role_optional:
            raise InputError("role is required", table=table, row=lab, field="role")
        if row.role is not None and row.role not in roles:
            raise InputError(f"unknown role {row.role!r}; roles are {list(roles)}", table=table, row=lab,
                             field="role", value=row.role)
    return rows


def validate_inputs(
    *,
    cities: pd.DataFrame,
    clusters: pd.DataFrame,
    fit: pd.DataFrame,
    requirements: pd.DataFrame | None = None,
    roles: Sequence[str] = DEFAULT_ROLES,
    core_role: str | None = None,
    near_core_roles: Sequence[str] = DEFAULT_NEAR_CORE_ROLES,
    current: pd.DataFrame | None = None,
    locked: pd.DataFrame | None = None,
    forbidden: pd.DataFrame | None = None,
    resource_use: pd.DataFrame | None = None,
    provinces: pd.DataFrame | None = None,
    synergy: pd.DataFrame | None = None,
    distances_km: pd.DataFrame | None = None,
) -> ClusterInputs:
    """Validate the user's tables and return normalised :class:`ClusterInputs`.

    Raises
    ------
    InputError
        Naming table, row and field of the first problem.
    """
    roles = [str(r) for r in roles]
    if not roles:
        raise InputError("at least one role is needed", table="roles")
    if len(set(roles)) != len(roles):
        raise InputError(f"duplicate role names in {roles}", table="roles")
    core = str(core_role) if core_role is not None else roles[0]
    if core not in roles:
        raise InputError(f"core role {core!r} is not among roles {roles}", table="roles", field="core_role")
    near_given = [str(r) for r in near_core_roles]
    unknown = [r for r in near_given if r not in roles]
    # the default names roles of DEFAULT_ROLES: with other roles, those that do not
    # exist are left out; a name the user gave must exist (a typo would silently
    # switch the near-core rule off)
    if unknown and tuple(near_given) != DEFAULT_NEAR_CORE_ROLES:
        raise InputError(f"unknown near-core role {unknown[0]!r}; roles are {roles}", table="roles",
                         field="near_core_roles", value=unknown[0])
    near = [r for r in near_given if r in roles]
    if core in near:
        raise InputError("the core role cannot be a near-core role", table="roles", field="near_core_roles")

    crow = validate_table(cities, CityRow, "cities", index_field="city")
    city_ids = [r.city for r in crow]
    city_set = set(city_ids)
    names: dict[str, str] = {}
    names_zh: dict[str, str] = {}
    for col, book in (("name", names), ("name_en", names), ("name_zh", names_zh)):
        if isinstance(cities, pd.DataFrame) and col in cities.columns:
            for code, nm in zip(city_ids, cities[col], strict=True):
                if isinstance(nm, str) and nm:
                    book.setdefault(code, nm)
    if distances_km is None:
        for r in crow:
            if r.lat is None or r.lon is None:
                raise InputError("lat and lon are needed when no distance table is given", table="cities",
                                 row=r.city, field="lat" if r.lat is None else "lon")
        d = haversine_km(np.array([r.lat for r in crow]), np.array([r.lon for r in crow]))
        dist = pd.DataFrame(d, index=city_ids, columns=city_ids)
    else:
        dist = read_distances(distances_km, "distances_km")
        for c in city_ids:
            if c not in dist.index:
                raise InputError("city missing from the distance table", table="distances_km", row=c)
            if c not in dist.columns:
                raise InputError("city missing from the distance table columns", table="distances_km",
                                 field=c)
        dist = dist.loc[city_ids, city_ids].astype(float)
        bad = ~np.isfinite(dist.to_numpy())
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise InputError(f"no distance from {city_ids[i]} to {city_ids[j]}: the model needs every pair of "
                             "cities", table="distances_km", row=city_ids[i], field=city_ids[j])
        diag = np.diag(dist.to_numpy())
        if (diag != 0).any():
            # a city is 0 km from itself; otherwise same-city synergy (synergy_km = 0) is lost
            i = int(np.flatnonzero(diag != 0)[0])
            raise InputError("a city's distance to itself must be 0 km", table="distances_km", row=city_ids[i],
                             field=city_ids[i], value=diag[i])

    if isinstance(clusters, pd.DataFrame) and "cluster" not in clusters.columns:
        krow = validate_table(clusters, ClusterRow, "clusters", index_field="cluster")
    else:
        krow = validate_table(clusters, ClusterRow, "clusters", id_fields=("cluster",))
    cluster_ids = [r.cluster for r in krow]
    if len(set(cluster_ids)) != len(cluster_ids):
        dup = next(k for k in cluster_ids if cluster_ids.count(k) > 1)
        raise InputError(f"duplicate id {dup!r}", table="clusters", row=dup, field="cluster")
    for col, book in (("name", names), ("name_en", names), ("name_zh", names_zh)):
        if isinstance(clusters, pd.DataFrame) and col in clusters.columns:
            for code, nm in zip(cluster_ids, clusters[col], strict=True):
                if isinstance(nm, str) and nm:
                    book.setdefault(code, nm)
    cl_set = set(cluster_ids)

    frows = validate_table(fit, FitRow, "fit", id_fields=("city", "cluster", "role"))
    fitd: dict[Triple, float] = {}
    for fr in frows:
        lab = f"{fr.city}/{fr.cluster}/{fr.role}"
        if fr.city not in city_set:
            raise InputError(f"unknown city {fr.city!r} (not in table 'cities')", table="fit", row=lab,
                             field="city")
        if fr.cluster not in cl_set:
            raise InputError(f"unknown cluster {fr.cluster!r} (not in table 'clusters')", table="fit", row=lab,
                             field="cluster")
        if fr.role not in roles:
            raise InputError(f"unknown role {fr.role!r}; roles are {roles}", table="fit", row=lab, field="role")
        key = (fr.city, fr.cluster, fr.role)
        if key in fitd:
            raise InputError("duplicate (city, cluster, role)", table="fit", row=lab, field="role")
        fitd[key] = float(fr.score)
    notes: list[str] = []
    if not fitd:
        notes.append("the fit table has no rows: no city can take any role, so the plan assigns nothing (give one "
                     "row per candidate assignment: city, cluster, role, score)")

    req_min: dict[tuple[str, str], int] = {}
    req_max: dict[tuple[str, str], int] = {}
    if requirements is not None:
        for q in validate_table(requirements, RequirementRow, "requirements", id_fields=("cluster", "role")):
            lab = f"{q.cluster}/{q.role}"
            if q.cluster not in cl_set:
                raise InputError(f"unknown cluster {q.cluster!r}", table="requirements", row=lab, field="cluster")
            if q.role not in roles:
                raise InputError(f"unknown role {q.role!r}; roles are {roles}", table="requirements", row=lab,
                                 field="role")
            if (q.cluster, q.role) in req_min:
                raise InputError("duplicate (cluster, role)", table="requirements", row=lab, field="role")
            if q.max is not None and q.max < q.min:
                raise InputError(f"max ({q.max}) is below min ({q.min})", table="requirements", row=lab,
                                 field="max", value=q.max)
            req_min[q.cluster, q.role] = q.min
            if q.max is not None:
                req_max[q.cluster, q.role] = q.max

    cur_rows = _triples(current, "current", city_set, cl_set, roles, role_optional=True)
    cur: dict[tuple[str, str], str | None] = {}
    for a in cur_rows:
        if (a.city, a.cluster) in cur:
            raise InputError("a city can hold one role per cluster in the current layout", table="current",
                             row=f"{a.city}/{a.cluster}/{a.role}", field="cluster")
        cur[a.city, a.cluster] = a.role
    locked_t: list[Triple] = []
    for a in _triples(locked, "locked", city_set, cl_set, roles):
        assert a.role is not None
        if (a.city, a.cluster, a.role) not in fitd:
            raise InputError("locked assignment has no fit row, so it is not a candidate", table="locked",
                             row=f"{a.city}/{a.cluster}/{a.role}", field="role", value=a.role)
        locked_t.append((a.city, a.cluster, a.role))
    forb_t: list[Triple] = []
    for a in _triples(forbidden, "forbidden", city_set, cl_set, roles, role_optional=True):
        for rl in [a.role] if a.role is not None else roles:
            if (a.city, a.cluster, rl) in fitd:
                forb_t.append((a.city, a.cluster, rl))

    use_land: dict[tuple[str, str], float] = {}
    use_energy: dict[tuple[str, str], float] = {}
    if resource_use is not None:
        for u in validate_table(resource_use, ResourceRow, "resource_use", id_fields=("cluster", "role")):
            lab = f"{u.cluster}/{u.role}"
            if u.cluster not in cl_set:
                raise InputError(f"unknown cluster {u.cluster!r}", table="resource_use", row=lab, field="cluster")
            if u.role not in roles:
                raise InputError(f"unknown role {u.role!r}", table="resource_use", row=lab, field="role")
            if (u.cluster, u.role) in use_land:
                raise InputError("duplicate (cluster, role)", table="resource_use", row=lab, field="role")
            use_land[u.cluster, u.role] = float(u.land_mu)
            use_energy[u.cluster, u.role] = float(u.energy_10k_tce)

    province_of = {r.city: r.province for r in crow}
    prov_set = set(province_of.values())
    pmin: dict[str, int] = {}
    pmax: dict[str, int] = {}
    pland: dict[str, float] = {}
    pen: dict[str, float] = {}
    pshare: dict[str, float] = {}
    if provinces is not None:
        for p in validate_table(provinces, ProvinceRow, "provinces", index_field="province"):
            if p.province not in prov_set:
                raise InputError(f"no city of table 'cities' is in province {p.province!r}", table="provinces",
                                 row=p.province, field="province")
            if p.min_cores is not None and p.max_cores is not None and p.max_cores < p.min_cores:
                raise InputError(f"max_cores ({p.max_cores}) is below min_cores ({p.min_cores})", table="provinces",
                                 row=p.province, field="max_cores", value=p.max_cores)
            if p.min_cores is not None:
                pmin[p.province] = p.min_cores
            if p.max_cores is not None:
                pmax[p.province] = p.max_cores
            if p.land_mu is not None:
                pland[p.province] = p.land_mu
            if p.energy_10k_tce is not None:
                pen[p.province] = p.energy_10k_tce
            if p.core_share is not None:
                if p.core_share > 1:
                    raise InputError("core_share must be in [0, 1]", table="provinces", row=p.province,
                                     field="core_share", value=p.core_share)
                pshare[p.province] = p.core_share

    syn: dict[tuple[str, str], float] = {}
    seen_syn: set[tuple[str, str]] = set()
    if synergy is not None:
        for s in validate_table(synergy, SynergyRow, "synergy", id_fields=("cluster", "other")):
            lab = f"{s.cluster}/{s.other}"
            for fld in ("cluster", "other"):
                if getattr(s, fld) not in cl_set:
                    raise InputError(f"unknown cluster {getattr(s, fld)!r}", table="synergy", row=lab, field=fld)
            if (s.cluster, s.other) in seen_syn:
                raise InputError("duplicate (cluster, other)", table="synergy", row=lab, field="other")
            seen_syn.add((s.cluster, s.other))
            if s.cluster == s.other:
                raise InputError("a cluster cannot be linked to itself", table="synergy", row=lab, field="other",
                                 value=s.other)
            if s.weight > 0:
                syn[s.cluster, s.other] = float(s.weight)

    big = 10**9
    return ClusterInputs(
        cities=city_ids,
        province_of=province_of,
        clusters=cluster_ids,
        group_of={r.cluster: (r.group if r.group is not None else r.cluster) for r in krow},
        roles=roles,
        core_role=core,
        near_core_roles=near,
        fit=fitd,
        req_min=req_min,
        req_max=req_max,
        max_roles={r.city: (r.max_roles if r.max_roles is not None else big) for r in crow},
        max_cores={r.city: (r.max_cores if r.max_cores is not None else big) for r in crow},
        land_cap={r.city: r.land_capacity_mu for r in crow if r.land_capacity_mu is not None},
        energy_cap={r.city: r.energy_capacity_10k_tce for r in crow if r.energy_capacity_10k_tce is not None},
        current=cur,
        locked=locked_t,
        forbidden=forb_t,
        use_land=use_land,
        use_energy=use_energy,
        prov_min_cores=pmin,
        prov_max_cores=pmax,
        prov_land=pland,
        prov_energy=pen,
        prov_core_share=pshare,
        synergy=syn,
        dist=dist,
        names=names,
        notes=tuple(notes),
    )


#: The model's input tables (Excel template, docs).
TABLES: dict[str, TableSpec] = {
    "cities": TableSpec(CityRow, "city", required=True, description="cities, their provinces and capacities",
                        notes=(("lat and lon are needed unless the distances_km sheet gives every pair of cities.",
                                "未提供完整的 distances_km 表时必须填写 lat 与 lon。"),)),
    "clusters": TableSpec(ClusterRow, "cluster", required=True, description="clusters and their groups"),
    "fit": TableSpec(FitRow, required=True, description="candidate assignments and their fit scores",
                     notes=(("Only the (city, cluster, role) rows listed in fit can be assigned: a missing row "
                             "means 'never', not 'score 0'.",
                             "只有 fit 表中列出的（城市，集群，角色）才可能被分配：缺少某行表示“不可能”，而不是“得 0 分”。"),)),
    "requirements": TableSpec(RequirementRow, description="cities needed per cluster and role",
                              notes=(("Without a requirements row a (cluster, role) needs no city and has no "
                                      "upper limit.", "没有 requirements 行的（集群，角色）不需要城市，也没有上限。"),)),
    "roles": TableSpec(RoleRow, description="roles in chain order (default: core, rd, manufacturing, supplier, "
                       "logistics)",
                       notes=(("Leave the roles sheet empty to use the default roles; if you fill it, mark exactly "
                               "one role core.", "roles 表留空即使用默认角色；如填写，须恰好标记一个核心角色。"),)),
    "current": TableSpec(AssignmentRow, description="the current layout"),
    "locked": TableSpec(AssignmentRow, description="assignments that must be made"),
    "forbidden": TableSpec(AssignmentRow, description="assignments that must not be made"),
    "resource_use": TableSpec(ResourceRow, description="land and energy one assignment uses"),
    "provinces": TableSpec(ProvinceRow, "province", description="province rules and budgets"),
    "synergy": TableSpec(SynergyRow, description="links between clusters"),
    "distances_km": TableSpec(
        DistanceRow, matrix=True,
        description="distances between cities, km: one row per pair (origin, destination, distance_km; a pair given "
        "one way counts both ways), or a square matrix (row = from, column = to)",
        notes=(("Without this sheet distances are great-circle km from lat/lon; with it, every pair of cities "
                "needs a distance, in km (not metres).",
                "没有此表时按经纬度计算大圆距离；提供此表时每对城市都需要距离，单位为公里（不是米）。"),)),
}


def roles_from_table(df: pd.DataFrame) -> dict[str, Any]:
    """``roles``, ``core_role``, ``near_core_roles`` keywords from a ``roles`` table.

    Raises
    ------
    InputError
        Unless exactly one role is marked core.
    """
    rows = validate_table(df, RoleRow, "roles", id_fields=("role",))
    cores = [r.role for r in rows if r.core]
    if len(cores) != 1:
        raise InputError(f"exactly one role must be marked core, got {cores}", table="roles", field="core")
    return {"roles": [r.role for r in rows], "core_role": cores[0],
            "near_core_roles": [r.role for r in rows if r.near_core]}
