"""`RegionalPlan`: cluster roles on traded land quota, enclaves and shared budgets in one model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
import pyomo.environ as pyo

from ..clusters.problem import ClusterRoleProblem
from ..contract import Problem, make_settings
from ..errors import InputError
from ..io.excel import TableSpec
from ..land.problem import LandQuotaProblem
from ..names import Names
from ..solve import Solution, SolveOptions, SolveReport, solve_checked
from . import model as plan_model
from .inputs import TABLES as LINK_TABLES
from .inputs import PlanLinks, PlanSettings, validate_links
from .model import PlanIndex

if TYPE_CHECKING:
    from .pareto import ParetoFront
    from .results import RegionalPlanResult

__all__ = ["PlanInputs", "RegionalPlan"]


@dataclass(frozen=True)
class PlanInputs:
    """The two problems, the validated linking tables and the plan's settings."""

    land: LandQuotaProblem
    clusters: ClusterRoleProblem
    links: PlanLinks
    settings: PlanSettings

    def label(self, key: Any) -> str:
        k = str(key)
        if k in self.land.inputs.regions or k in self.land.inputs.provinces:
            return self.land.inputs.label(k)
        return self.clusters.inputs.label(k)


def _prefixed(prefix: str, tables: Mapping[str, TableSpec]) -> dict[str, TableSpec]:
    return {f"{prefix}_{k}": v for k, v in tables.items()}


class RegionalPlan(Problem):
    r"""The integrated Delta plan: cluster roles on traded land quota, enclaves, shared budgets.

    One Pyomo model with two blocks and linking rows (docs/plan.md):

    - ``land``: the land-quota market (:class:`~regionopt.land.LandQuotaProblem`), with
      ``external_use`` and ``external_farmland`` in its quota balances and red lines;
    - ``clusters``: the cluster roles (:class:`~regionopt.clusters.ClusterRoleProblem`)
      without their land and energy budgets;
    - enclaves ``e[a,b,k,ρ]``: a role credited to source a, sited in host b;
    - linking rows ``link_quota[c,ℓ]``, ``link_farmland[c]``: the construction land (and
      farmland, paddy, grain capacity, by the ``land_shares`` table) of the roles hosted
      in city c is covered by c's own quota, within-province adjustment, bilateral
      trade or the national platform, at the market's shadow price;
    - shared rows ``energy_province[p]``, ``energy_city[c]``, ``land_city[c]`` counted
      where roles are hosted.

    maximise  land welfare + V × cluster objective − V κ Σ d_ab e_abkρ   (万元)

    with V = ``value_per_point_10k_cny`` and κ = ``enclave_penalty_points_per_km``
    (both illustrative). The land model's equity rules apply to the joint plan;
    :meth:`pareto` traces the efficiency–equity front (AUGMECON2).
    """

    settings_class = PlanSettings
    objective_name = "welfare"
    objective_doc = "welfare of the integrated plan, 万元"
    what = "the integrated plan"
    block_name = "plan"
    tables: ClassVar[dict[str, TableSpec]] = {
        **_prefixed("land", LandQuotaProblem.tables),
        **_prefixed("clusters", ClusterRoleProblem.tables),
        **LINK_TABLES,
    }
    _solve_keywords = ("regime",)

    def __init__(self, inputs: PlanInputs) -> None:
        self.inputs = inputs
        self._index: PlanIndex | None = None

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_problems(
        cls,
        land: LandQuotaProblem,
        clusters: ClusterRoleProblem,
        *,
        land_shares: pd.DataFrame | None = None,
        enclaves: pd.DataFrame | None = None,
        settings: PlanSettings | Mapping[str, Any] | None = None,
        **setting_values: Any,
    ) -> RegionalPlan:
        """Link a land problem and a cluster problem.

        Parameters
        ----------
        land, clusters
            The two problems. Every city of ``clusters`` must be a region of ``land``.
        land_shares
            Indexed by city: ``farmland_share``, ``paddy_share``, ``grain_100kg_per_mu``
            (a city without a row: role land occupies no farmland).
        enclaves
            ``source, host`` and optional ``source_share``, ``max_roles``, ``note``.
        settings, **setting_values
            :class:`PlanSettings`.

        Raises
        ------
        InputError
            Naming the table, row and field.
        """
        st = make_settings(PlanSettings, settings, **setting_values)
        links = validate_links(land.inputs, clusters.inputs, land_shares, enclaves)
        _check_settings(st, land)
        return cls(PlanInputs(land, clusters, links, st))

    @classmethod
    def from_frames(  # type: ignore[override]
        cls,
        *,
        land: Mapping[str, Any],
        clusters: Mapping[str, Any],
        land_shares: pd.DataFrame | None = None,
        enclaves: pd.DataFrame | None = None,
        settings: PlanSettings | Mapping[str, Any] | None = None,
    ) -> RegionalPlan:
        """Build from the land tables, the cluster tables and the linking tables.

        ``land`` and ``clusters`` are the keyword tables of
        :meth:`LandQuotaProblem.from_frames` and :meth:`ClusterRoleProblem.from_frames`
        (with their own ``settings``). ``settings`` may also carry keys
        ``land.<field>`` and ``clusters.<field>`` for the two models' settings.
        """
        plan_st: dict[str, Any] = {}
        land_kw, cl_kw = dict(land), dict(clusters)
        given = settings.model_dump() if isinstance(settings, PlanSettings) else dict(settings or {})
        for k, v in given.items():
            if k.startswith("land."):
                land_kw.setdefault("settings", {})
                land_kw["settings"] = {**dict(land_kw["settings"] or {}), k[5:]: v}
            elif k.startswith("clusters."):
                cl_kw[k[9:]] = v
            else:
                plan_st[k] = v
        lp = LandQuotaProblem.from_frames(**land_kw)
        cp = ClusterRoleProblem.from_frames(**cl_kw)
        return cls.from_problems(lp, cp, land_shares=land_shares, enclaves=enclaves, settings=plan_st)

    @classmethod
    def _workbook_keywords(cls, frames: dict[str, Any]) -> dict[str, Any]:
        land = {k[5:]: v for k, v in frames.items() if k.startswith("land_") and k != "land_shares"}
        clusters = {k[9:]: v for k, v in frames.items() if k.startswith("clusters_")}
        if "roles" in clusters:
            from ..clusters.inputs import roles_from_table

            clusters.update(roles_from_table(clusters.pop("roles")))
        return {"land": land, "clusters": clusters, "land_shares": frames.get("land_shares"),
                "enclaves": frames.get("enclaves")}

    # ------------------------------------------------------------------ variants
    @property
    def settings(self) -> PlanSettings:
        return self.inputs.settings

    def with_settings(self, **changes: Any) -> RegionalPlan:
        """A copy with some :class:`PlanSettings` changed (``land=`` / ``clusters=`` dicts change theirs)."""
        land_ch = changes.pop("land", None)
        cl_ch = changes.pop("clusters", None)
        inp = self.inputs
        land = inp.land.with_settings(**land_ch) if land_ch else inp.land
        cl = inp.clusters.with_settings(**cl_ch) if cl_ch else inp.clusters
        st = make_settings(PlanSettings, inp.settings, **changes)
        _check_settings(st, land)
        return RegionalPlan(PlanInputs(land, cl, inp.links, st))

    @property
    def index(self) -> PlanIndex:
        if self._index is None:
            self._index = PlanIndex.of(self.inputs.land.inputs, self.inputs.clusters.inputs, self.inputs.links)
        return self._index

    def __getstate__(self) -> dict[str, Any]:
        return {"inputs": self.inputs, "_index": None}

    def names(self) -> Names:
        """English and Chinese names of the regions, provinces, cities and clusters of both models."""
        land = self.inputs.land.inputs
        cl = self.inputs.clusters.inputs
        en = ({r: row.name for r, row in land.regions.items()} | {p: row.name for p, row in land.provinces.items()}
              | dict(cl.names))
        zh = ({r: row.name_zh for r, row in land.regions.items()}
              | {p: row.name_zh for p, row in land.provinces.items()} | dict(cl.names_zh))
        return Names.of(en, zh)

    def _size_text(self) -> str:
        cl = self.inputs.clusters.inputs
        return (f"{len(self.inputs.land.inputs.regions)} land regions, {len(cl.clusters)} clusters, "
                f"{len(self.inputs.links.enclaves)} enclave pairs")

    # ------------------------------------------------------------------ model
    def build(self, block: pyo.Block) -> Any:
        """The land block, the cluster block and the linking rows on ``block``; return welfare (万元)."""
        inp = self.inputs
        expr = plan_model.build(block, inp.land.inputs, inp.land.index, inp.clusters.inputs,
                                inp.clusters.settings, inp.links, inp.settings, self.index)
        self._apply(block, self._default_regime())
        return expr

    def _default_regime(self) -> tuple[bool, bool, frozenset[str] | None]:
        st = self.settings
        return (st.cross_province_trade, st.cross_border_enclaves,
                None if st.coalition is None else frozenset(st.coalition))

    def _apply(self, m: pyo.Block, regime: tuple[bool, bool, frozenset[str] | None]) -> None:
        trade, encl, coal = regime
        plan_model.apply_regime(m, self.inputs.land.inputs, self.inputs.land.index, self.index, trade=trade,
                                enclaves=encl, coalition=coal)

    # ------------------------------------------------------------------ solve
    def solve(self, options: SolveOptions | Mapping[str, Any] | None = None, **overrides: Any) -> RegionalPlanResult:
        """Solve the plan (HiGHS by default; ``time_limit``, ``mip_gap``, ... as plain keywords).

        The result has roles (with their host city), land flows and prices
        (duals of the LP with the role decisions fixed), projects, enclaves with
        their splits and schedules, a province summary, and, on demand, the
        coordination table and the provinces' fair split.
        """
        return super().solve(options, **overrides)

    def _solve(self, options: SolveOptions,  # type: ignore[override]
               regime: tuple[bool, bool, frozenset[str] | None] | None = None,
               model: pyo.Block | None = None) -> RegionalPlanResult:
        """Solve and read back; ``regime`` overrides the settings' one, on ``model`` if given (built once
        by the callers that solve many regimes: the coordination table, the provinces' game)."""
        from .results import RegionalPlanResult

        m = model if model is not None else self.to_pyomo()
        if regime is not None or model is not None:
            self._apply(m, regime if regime is not None else self._default_regime())
        solved = solve_checked(m, options, what=self.what, label=self.inputs.label, prices=True)
        return RegionalPlanResult.read(self, solved.report, solved.solution, options, solved.notes)

    def solve_regime(self, *, trade: bool, enclaves: bool, coalition: frozenset[str] | None = None,
                     options: SolveOptions | None = None, model: pyo.Block | None = None,
                     ) -> tuple[SolveReport, Solution | None]:
        """Solve under a coordination regime (see :func:`~regionopt.plan.model.apply_regime`); no readback.

        ``model``: a model of this plan (:meth:`to_pyomo`) to re-use; the regime is applied to it.
        """
        m = model if model is not None else self.to_pyomo()
        self._apply(m, (trade, enclaves, coalition))
        solved = solve_checked(m, options or SolveOptions(), what=self.what, label=self.inputs.label)
        return solved.report, solved.solution

    def pareto(self, equity: str = "min_province_gain", points: int = 10, *,
               options: SolveOptions | None = None) -> ParetoFront:
        """The efficiency–equity front by the augmented ε-constraint method (AUGMECON2).

        Parameters
        ----------
        equity
            ``"min_province_gain"`` (the smallest province gain over planning
            alone, 万元; maximised), ``"per_capita_gain_spread"`` (max − min
            province gain per 10,000 persons, 万元; minimised) or
            ``"gini_per_capita_gain"`` (sum of absolute differences of per-capita
            gains over province pairs, the Gini numerator; minimised; the Gini
            coefficient itself is reported).
        points
            Grid points of the equity range.

        Returns
        -------
        ParetoFront
            ``.table`` (one row per efficient plan: welfare, equity, province
            gains) and ``.plot()``.
        """
        from .pareto import augmecon2

        return augmecon2(self, equity, points, options or SolveOptions())


def _check_settings(st: PlanSettings, land: LandQuotaProblem) -> None:
    """The settings that refer to the land model: coalition provinces and the roles' period."""
    if st.coalition is not None:
        for p in st.coalition:
            if p not in land.inputs.provinces:
                raise InputError("unknown province", table="settings", row=p, field="coalition", value=p)
    if st.period not in land.inputs.periods:
        raise InputError(f"the land model has periods {list(land.inputs.periods)}", table="settings",
                         field="period", value=st.period)
