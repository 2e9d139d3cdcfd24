"""`ClusterRoleProblem`: which city takes which role in each shared cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
import pyomo.environ as pyo

from ..contract import Problem, deprecated_alias, make_settings
from ..io.excel import TableSpec
from ..solve import SolveOptions, diagnose_infeasibility, solve_checked
from .inputs import (
    DEFAULT_NEAR_CORE_ROLES,
    DEFAULT_ROLES,
    TABLES,
    ClusterInputs,
    roles_from_table,
    validate_inputs,
)
from .model import ClusterIndex, build
from .results import ClusterRoleResult
from .settings import ClusterSettings

__all__ = ["ClusterRoleProblem"]


class ClusterRoleProblem(Problem):
    r"""Assign differentiated roles to cities in shared advanced-manufacturing clusters.

    Formulation (full page with notation: ``docs/clusters.md``). Sets: cities
    \(c \in C\) in provinces \(p(c)\), clusters \(k \in K\) (in homogeneity groups
    \(g(k)\)), roles \(\rho \in R\) with a core role; candidates \(A \subseteq
    C\times K\times R\) are the rows of the ``fit`` table (locked and forbidden
    rows become rules, so a diagnosis can name them). Variables: binary ``z[c,k,ρ]``; ``h[c,c',g] >= 0`` for
    neighbour pairs; ``w[c,k,k'] in [0,1]`` for synergy.

    maximise  ``fit_weight * Σ fit[c,k,ρ] z[c,k,ρ] + synergy_weight * Σ s[k,k'] w[c,k,k']
    - homogeneity_penalty * Σ h - change_penalty * change_count``

    subject to (Pyomo component names)

    - ``role_min[k,ρ]`` / ``role_max[k,ρ]``: ``min <= Σ_c z[c,k,ρ] <= max``;
    - ``one_role[c,k]``: ``Σ_ρ z[c,k,ρ] <= 1``;
    - ``city_roles[c]``: ``Σ_{k,ρ} z <= max_roles[c]``; ``city_cores[c]``: ``Σ_k z[c,k,core] <= max_cores[c]``;
    - ``near_core[c,k]``, aggregated over the near-core roles (tighter than one row per role):
      ``Σ_{ρ near-core} z[c,k,ρ] <= Σ_{c' ≠ c, d(c,c') <= D} z[c',k,core]``, with ``d(c,c')``
      read from the supporting city c to the core c' (row c, column c' of ``distances_km``);
    - ``neighbour_cores[c,c',g]`` for neighbours ``min(d(c,c'), d(c',c)) <= neighbour_km``
      (either direction within the radius):
      ``u[c,g] + u[c',g] - h[c,c',g] <= 1`` (``h`` absent when forbidden), where ``u[c,g]``
      ("c holds a core role in group g") is ``z[c,k,core]`` for a one-cluster group and else a
      variable with ``core_in_group[c,g,k]``: ``u[c,g] >= z[c,k,core]`` for each ``k in g``;
    - ``province_min_cores[p]``, ``province_max_cores[p]``, ``province_core_share[p,side]``;
    - ``province_land[p]``, ``province_energy[p]``, ``city_land[c]``, ``city_energy[c]``:
      ``Σ use[k,ρ] z <= budget`` (mu, 10k tce);
    - ``locked[c,k,ρ]``: ``z = 1``; ``forbidden[c,k,ρ]``: ``z = 0``;
    - ``max_change``: ``change_count <= max_changes`` where ``change_count`` counts the
      (city, cluster) pairs whose status differs from the current layout;
    - ``synergy_host[c,k,k']``: ``w <= Σ_ρ z[c,k,ρ]``; ``synergy_near[c,k,k']``:
      ``w <= Σ_{c': min(d(c,c'), d(c',c)) <= synergy_km} Σ_ρ z[c',k',ρ]`` (upper bounds only: w is
      maximised);
    - ``synergy_cap[c,k]`` (same-city synergy, an RLT cut): ``Σ_k' s[k,k'] w[c,k,k'] <= B[c,k] Σ_ρ z[c,k,ρ]``
      with ``B`` the sum of the ``max_roles[c] - 1`` largest weights ``s[k,.]``;
    - ``synergy_envelope[c,k0,i]`` (same-city synergy): for each group Q of clusters linked at c
      (named by its first cluster k0), ``Σ_{k,k' in Q} s[k,k'] w[c,k,k'] <= b_i + a_i Σ_{k in Q} y[c,k]``
      for each facet ``a_i t + b_i`` of the concave envelope of g(t) = the largest link weight
      inside a t-subset of Q, ``t <= max_roles[c]``.

    Build with :meth:`from_frames`; :meth:`to_pyomo` gives the model, :meth:`solve`
    a :class:`ClusterRoleResult`.

    Distances may be asymmetric (road km differ by direction); each rule reads them in
    one fixed way, so the order of the cities in the tables never changes the plan:
    the near-core rule, a trip from a supporting city to its core, reads
    ``d[supporter, core]``; neighbour pairs and synergy proximity, relations between
    two places, read the shorter direction ``min(d[c,c'], d[c',c])``.
    """

    settings_class = ClusterSettings
    objective_name = "objective"
    objective_doc = "weighted fit + synergy - homogeneity and change penalties, points"
    what = "cluster role plan"
    block_name = "clusters"
    tables: ClassVar[dict[str, TableSpec]] = TABLES

    def __init__(self, inputs: ClusterInputs, settings: ClusterSettings | Mapping[str, Any] | None = None) -> None:
        self.inputs = inputs
        self._settings: ClusterSettings = make_settings(ClusterSettings, settings)
        self._index: ClusterIndex | None = None

    @property
    def settings(self) -> ClusterSettings:
        """The model's :class:`ClusterSettings`."""
        return self._settings

    @property
    def params(self) -> ClusterSettings:
        """Deprecated name of :attr:`settings`."""
        return self._settings

    @property
    def index(self) -> ClusterIndex:
        """Candidates grouped for the constraint families (computed once)."""
        if self._index is None:
            self._index = ClusterIndex.of(self.inputs)
        return self._index

    def __getstate__(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "_settings": self._settings, "_index": None}

    def _size_text(self) -> str:
        inp = self.inputs
        return (f"{len(inp.cities)} cities, {len(inp.clusters)} clusters, {len(inp.roles)} roles, "
                f"{len(inp.fit)} candidates")

    @classmethod
    def from_frames(  # type: ignore[override]
        cls,
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
        settings: ClusterSettings | Mapping[str, Any] | None = None,
        **setting_values: Any,
    ) -> ClusterRoleProblem:
        """Build a problem from tables.

        Parameters
        ----------
        cities
            Indexed by city code. Columns ``province`` (required), ``lat``, ``lon``
            (degrees; required unless ``distances_km`` is given), optional
            ``max_roles``, ``max_cores`` (counts, NaN = no limit),
            ``land_capacity_mu``, ``energy_capacity_10k_tce``, ``name``/``name_en``.
        clusters
            Indexed by cluster id (or with a ``cluster`` column); optional ``group``
            (clusters of one group count together in the anti-homogeneity rule,
            default: each cluster its own group) and ``name``/``name_en``.
        fit
            Columns ``city, cluster, role, score``: one row per candidate
            assignment. A (city, cluster, role) without a row cannot be assigned.
        requirements
            Columns ``cluster, role, min, max`` (counts of cities; ``max`` NaN = no
            limit). See :func:`default_requirements`.
        roles, core_role, near_core_roles
            Role names (default core, rd, manufacturing, supplier, logistics), the core
            role (default: the first) and the roles that must lie within
            ``core_distance_km`` of a core of the same cluster. Every near-core role
            named must be one of ``roles`` (the default's roles that are not in
            ``roles`` are left out).
        current
            Columns ``city, cluster`` and optional ``role`` (NaN = member, role
            unknown): the current layout.
        locked, forbidden
            Columns ``city, cluster, role`` (``forbidden.role`` NaN = every role).
        resource_use
            Columns ``cluster, role, land_mu, energy_10k_tce``: use of one assignment.
        provinces
            Indexed by province (as in ``cities.province``): optional ``min_cores``,
            ``max_cores``, ``land_mu``, ``energy_10k_tce`` (budgets), ``core_share``.
        synergy
            Columns ``cluster, other, weight`` (>= 0): gain when ``cluster`` sits in a
            city with ``other`` within ``synergy_km`` km (see :mod:`.linkages`).
        distances_km
            City x city distances (km), row = from, column = to; default: great-circle
            from lat/lon. May be asymmetric (road distances): the near-core rule reads
            ``distances_km.loc[supporter, core]`` (from the supporting city to the core);
            the neighbour rule (``neighbour_km``) and synergy proximity (``synergy_km``)
            read ``min(d[c,c'], d[c',c])``: two cities are that close if either
            direction is. The order of the cities never matters.
        settings
            :class:`ClusterSettings` or a mapping of its fields.
        **setting_values
            Settings given one by one (``core_distance_km=100``, ``homogeneity="forbid"``...);
            they override ``settings``.

        Raises
        ------
        InputError
            Naming the table, row and field of bad input.
        """
        st = make_settings(ClusterSettings, settings, **setting_values)
        inp = validate_inputs(
            cities=cities, clusters=clusters, fit=fit, requirements=requirements, roles=roles,
            core_role=core_role, near_core_roles=near_core_roles, current=current, locked=locked,
            forbidden=forbidden, resource_use=resource_use, provinces=provinces, synergy=synergy,
            distances_km=distances_km,
        )
        return cls(inp, st)

    @classmethod
    def _workbook_keywords(cls, frames: dict[str, Any]) -> dict[str, Any]:
        """The optional ``roles`` sheet (``role, core, near_core``) becomes the role keywords."""
        kw = dict(frames)
        roles = kw.pop("roles", None)
        if roles is not None and len(roles):
            kw.update(roles_from_table(roles))
        return kw

    def with_settings(self, **changes: Any) -> ClusterRoleProblem:
        """A copy with some :class:`ClusterSettings` changed (same tables)."""
        return ClusterRoleProblem(self.inputs, make_settings(ClusterSettings, self._settings, **changes))

    def to_frames(self) -> dict[str, Any]:
        """The input tables, role keywords and settings as ``from_frames`` keywords (see :mod:`.frames`).

        ``ClusterRoleProblem.from_frames(**p.to_frames())`` builds the same model as ``p``.
        """
        from .frames import cluster_frames

        return cluster_frames(self.inputs, self._settings)

    def with_params(self, **changes: Any) -> ClusterRoleProblem:
        """Deprecated alias of :meth:`with_settings` (removed in the next release)."""
        deprecated_alias("with_settings", "with_params")
        return self.with_settings(**changes)

    def build(self, block: pyo.Block) -> Any:
        """Add the cluster model's sets, variables and constraint families to ``block``; return the objective."""
        return build(block, self.inputs, self._settings, self.index)

    def solve(self, options: SolveOptions | Mapping[str, Any] | None = None, **overrides: Any) -> ClusterRoleResult:
        """Solve and return the plan.

        ``overrides``: ``solver`` (default ``"highs"``), ``time_limit`` (s),
        ``mip_gap``, ``threads``, ``tee``. A time limit returns the incumbent
        with status ``FEASIBLE`` and its gap; if the limit ends before any plan
        is found, the result has status ``TIME_LIMIT_NO_SOLUTION``, an empty plan
        and a NaN objective (as in :meth:`regionopt.LandQuotaProblem.solve`).

        Raises
        ------
        InfeasibleError
            With an elastic diagnosis: which rules must bend and by how much.
        RegionoptError
            If the solver failed (error, unbounded).
        """
        return super().solve(options, **overrides)

    def _solve(self, options: SolveOptions, **_: Any) -> ClusterRoleResult:
        m = self.to_pyomo()
        solved = solve_checked(m, options, what=self.what, label=self.label, bendable=_bendable,
                               weight=_weight)
        return ClusterRoleResult.read(self, solved.report, solved.solution, options)

    def diagnose(self, options: SolveOptions | None = None) -> pd.DataFrame:
        """Elastic diagnosis: the rules that must bend, and by how much.

        Returns
        -------
        pandas.DataFrame
            Columns ``rule`` (user's words), ``component``, ``index``, ``side``,
            ``violation`` (in the rule's unit: cities, cores, mu, 10k tce, changes);
            empty if the model is feasible.
        """
        m = self.to_pyomo()
        _method, conflicts = diagnose_infeasibility(m, self.label, options=options, method="elastic",
                                                    bendable=_bendable, weight=_weight)
        return pd.DataFrame(
            [{"rule": c.rule, "component": c.component, "index": c.index, "side": c.side,
              "violation": c.violation} for c in conflicts],
            columns=["rule", "component", "index", "side", "violation"],
        )


#: Rows that only link variables (or state that a city holds one role per
#: cluster): the elastic diagnosis never bends them, so it names planning rules.
STRUCTURAL_ROWS = frozenset({"one_role", "synergy_host", "synergy_near", "synergy_cap", "synergy_envelope",
                             "core_in_group"})


def _bendable(con: Any) -> bool:
    return con.parent_component().local_name not in STRUCTURAL_ROWS


#: Budget rows, measured in mu or 10k tce rather than in cities.
BUDGET_ROWS = frozenset({"province_land", "province_energy", "city_land", "city_energy"})


def _weight(con: Any) -> float:
    """Cost of bending a rule by one of its units.

    Counts (cities, cores, changes) cost 1 per unit. A budget (mu, 10k tce)
    bends in units of one typical assignment's use (the median coefficient of
    its row) at half the cost of a city: with a weight of 1 per mu, keeping one
    1,300-mu assignment cost 1,300 against 1 for leaving a role empty, so a
    zero budget was never named and the role minimums were blamed instead.
    """
    if con.parent_component().local_name in BUDGET_ROWS:
        from pyomo.repn.standard_repn import generate_standard_repn

        coefs = sorted(abs(float(c)) for c in generate_standard_repn(con.body, compute_values=True).linear_coefs
                       if c)
        if coefs:
            return 0.5 / coefs[len(coefs) // 2]
    return 1.0
