"""`RegionalPlanResult`: the integrated plan as tables keyed by city and province names."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

from ..clusters.results import ClusterRoleResult
from ..contract import Result
from ..enclave import EnclaveGame, core_check, nucleolus, shapley
from ..enclave.examples import ramp_up_forecast
from ..enclave.production import default_park_technology
from ..enclave.schedule import ScheduleResult, sharing_schedule
from ..land.readback import LandTables, read_tables
from ..names import role_label
from ..solve import Solution, SolveOptions, SolveReport
from .attribution import city_cluster_values

if TYPE_CHECKING:
    from .coordination import FairSplit
    from .problem import RegionalPlan

__all__ = ["RegionalPlanResult"]

#: Illustrative park parameters of the enclave game (docs/plan.md, "Enclave splits").
PROJECT_AREA_MU = 50.0
BUILD_CAPITAL_10K_CNY = 20_000.0
LOCAL_TAX_10K_CNY_PER_MU = 6.0


@dataclass(kw_only=True, repr=False)
class RegionalPlanResult(Result):
    """The solved integrated plan.

    Attributes
    ----------
    problem
        The :class:`RegionalPlan` solved.
    roles
        One row per role: city (credited), host city (where it is sited; the same
        city unless in an enclave), names, province, cluster, role, fit, land (mu)
        and energy (10k tce) used at the host, value (万元).
    land
        The land-market tables (flows, prices, projects, reclamation, farmland,
        regions) of :mod:`regionopt.land.readback`; prices are duals of the LP with
        the role decisions fixed.
    cluster_plan
        The cluster-role result (assignments, role matrix, objective terms).
    enclaves
        One row per enclave used: source, host, roles, land (mu), yearly
        retained tax (万元), the source's share and how it was set (given, or
        the pair's enclave game with its core check).
    schedules
        (source, host) -> the :class:`~regionopt.enclave.ScheduleResult` of that enclave.
    provinces
        Per province: land welfare at market prices, cluster value (enclave values
        split), welfare, roles credited and hosted, role land and energy against
        budgets, whether a red line binds; ``transfer_10k_cny`` after :meth:`fair_split`.
    terms
        Objective terms, 万元: ``land_welfare``, ``cluster_value``, ``enclave_cost``, ``total``.
    """

    problem: RegionalPlan
    roles: pd.DataFrame
    land: LandTables | None
    cluster_plan: ClusterRoleResult
    enclaves: pd.DataFrame
    schedules: dict[tuple[str, str], ScheduleResult] = field(default_factory=dict)
    provinces: pd.DataFrame = field(default_factory=pd.DataFrame)
    terms: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    options: SolveOptions = field(default_factory=SolveOptions)
    _cache: dict[str, Any] = field(default_factory=dict)

    title: ClassVar[str] = "integrated plan"

    # ------------------------------------------------------------------ readback
    @classmethod
    def read(cls, plan: RegionalPlan, rep: SolveReport, sol: Solution | None, options: SolveOptions,
             notes: list[str]) -> RegionalPlanResult:
        """Read the plan back from a solution (``None``: no plan was found)."""
        inp = plan.inputs
        cl_prob = inp.clusters
        if sol is None:
            cl = ClusterRoleResult.read(cl_prob, rep, None, options)
            e = pd.DataFrame()
            return cls(status=rep.status, objective=math.nan, mip_gap=math.nan, report=rep, notes=notes,
                       problem=plan, roles=e, land=None, cluster_plan=cl, enclaves=e, options=options)
        st = inp.settings
        V = st.value_per_point_10k_cny
        land = read_tables(inp.land.inputs, inp.land.index, sol.within("land"))
        csol = sol.within("clusters")
        cl = ClusterRoleResult.read(cl_prob, rep, csol, options)
        cl = replace(cl, objective=float(cl.objective_terms["total"]))
        ix = plan.index
        used = [k for k, v in sol.var("e").items() if v > 0.5]
        host_of = {(k[0], k[2], k[3]): k[1] for k in used}  # type: ignore[index]
        names = cl_prob.inputs.names
        ci = cl_prob.inputs
        rows = []
        for c, k, r in cl.plan:
            h = host_of.get((c, k, r), c)
            d = ix.dist.get((c, h), 0.0) if h != c else 0.0
            fit = ci.fit[c, k, r]
            rows.append({
                "city": c, "city_name": names.get(c, c), "province": ix.province_of[c],
                "cluster": k, "cluster_name": names.get(k, k), "role": r,
                "host": h, "host_name": names.get(h, h), "host_province": ix.province_of[h],
                "enclave": h != c, "fit": fit, "enclave_km": d,
                "land_mu": ix.land_of.get((k, r), 0.0), "energy_10k_tce": ix.energy_of.get((k, r), 0.0),
                "value_10k_cny": V * (cl_prob.settings.fit_weight * fit - st.enclave_penalty_points_per_km * d),
            })
        roles = pd.DataFrame(rows, columns=["city", "city_name", "province", "cluster", "cluster_name", "role",
                                            "host", "host_name", "host_province", "enclave", "fit", "enclave_km",
                                            "land_mu", "energy_10k_tce", "value_10k_cny"])
        book = plan.names()
        roles = book.beside(roles, "city", "province", "cluster", "host", "host_province")
        roles.insert(list(roles.columns).index("role") + 1, "role_name", [role_label(r) for r in roles["role"]])
        enclaves, schedules, shares = _enclave_splits(plan, roles, land)
        terms = pd.Series({
            "land_welfare": float(land.regions["welfare_10k_cny"].sum()),
            "cluster_value": V * float(cl.objective_terms["total"]),
            "enclave_cost": V * st.enclave_penalty_points_per_km * float(roles["enclave_km"].sum()),
        }, name="10k_cny")
        terms["total"] = terms["land_welfare"] + terms["cluster_value"] - terms["enclave_cost"]
        provinces = _province_table(plan, land, sol, roles, shares)
        out = cls(status=rep.status, objective=rep.objective, mip_gap=rep.mip_gap, report=rep, notes=list(notes),
                  problem=plan, roles=roles, land=land, cluster_plan=cl, enclaves=enclaves, schedules=schedules,
                  provinces=provinces, terms=terms, options=options)
        gap = abs(terms["total"] - rep.objective)
        if gap > 1e-6 * max(1.0, abs(rep.objective)):
            out.notes.append(f"objective terms add up to {terms['total']:,.2f} 万元 against the solver's "
                             f"{rep.objective:,.2f} (a difference of {gap:,.2f})")
        return out

    # ------------------------------------------------------------------ tables
    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"provinces": self.provinces, "roles": self.roles, "enclaves": self.enclaves,
               "terms": self.terms.to_frame()}
        if self.land is not None:
            out.update({"land_flows": self.land.flows, "land_prices": self.land.prices,
                        "land_projects": self.land.projects, "farmland": self.land.farmland})
        if "coordination" in self._cache:
            out["coordination"] = self._cache["coordination"]
        if "split" in self._cache:
            out["fair_split"] = self._cache["split"].table
        return out

    def summary(self) -> pd.DataFrame:
        d: dict[str, Any] = self.report.as_dict()
        d.update({f"{k}_10k_cny": v for k, v in self.terms.items()})
        d["roles"] = len(self.roles)
        d["roles_in_enclaves"] = int(self.roles["enclave"].sum()) if len(self.roles) else 0
        return pd.DataFrame({"value": pd.Series(d, dtype=object)})

    # ------------------------------------------------------------------ coordination
    @property
    def coordination(self) -> pd.DataFrame:
        """Welfare by province under four regimes: alone, land trade only, enclaves only, joint (万元).

        Computed on first access (three more solves of the same model); see
        :func:`regionopt.plan.coordination.coordination_table`.
        """
        if "coordination" not in self._cache:
            from .coordination import coordination_table

            self._cache["coordination"] = coordination_table(self.problem, self.options)
        return self._cache["coordination"]

    def fair_split(self, rule: str = "nucleolus") -> FairSplit:
        """The provinces' cooperative game and each province's transfer into or out of the joint fund.

        ``v(S)`` = the welfare the plan gains when the provinces of S coordinate
        (trade land and host enclaves across their borders) and the others plan
        alone, over everyone planning alone (16 plans for 4 provinces). ``rule``:
        ``"nucleolus"`` or ``"shapley"``. See :class:`regionopt.plan.coordination.FairSplit`.
        """
        from .coordination import fair_split

        key = f"split:{rule}"
        if key not in self._cache:
            self._cache[key] = fair_split(self, rule)
        split = self._cache[key]
        self._cache["split"] = split
        self.provinces["transfer_10k_cny"] = split.table["transfer_10k_cny"]
        return split


def _contributions(source: str, host: str, land_mu: float, price_host: float, price_source: float) -> pd.DataFrame:
    """Illustrative contributions of an enclave pair (docs/plan.md, "Enclave splits")."""
    n = land_mu / PROJECT_AREA_MU
    return pd.DataFrame({
        "role": ["source", "host"],
        "projects": [n, 0.0],
        "capital_10k_cny": [n * (BUILD_CAPITAL_10K_CNY + PROJECT_AREA_MU * price_host), n * 5_000.0],
        "home_land_mu": [0.0, 0.0],
        "land_mu": [0.0, land_mu],
        "service_capacity": [0.0, n],
    }, index=pd.Index([source, host], name="partner"))


def _enclave_splits(plan: RegionalPlan, roles: pd.DataFrame, land: LandTables
                    ) -> tuple[pd.DataFrame, dict[tuple[str, str], ScheduleResult], dict[tuple[str, str], float]]:
    st = plan.settings
    links = plan.inputs.links
    cols = ["source", "source_name", "host", "host_name", "roles", "clusters", "land_mu", "tax_10k_cny_per_year",
            "source_share", "share_rule", "in_core", "first_phase_source_pct", "payback_year_source"]
    if not len(roles) or not roles["enclave"].any():
        return pd.DataFrame(columns=cols), {}, {}
    rows, schedules, shares = [], {}, {}
    price = land.prices["shadow_price_10k_cny_per_unit"]
    t0 = st.period
    for (a, h), grp in roles[roles["enclave"]].groupby(["city", "host"]):
        a, h = str(a), str(h)
        L = float(grp["land_mu"].sum())
        tax = st.tax_10k_cny_per_mu_per_year * L
        given = links.enclaves[a, h].source_share
        ph = float(price.get((h, "construction", t0), 0.0))
        ps = float(price.get((a, "construction", t0), 0.0))
        in_core: bool | None = None
        if given is not None:
            share, rule = float(given), "given"
        else:
            tech = default_park_technology(project_area_mu=PROJECT_AREA_MU, build_capital_10k_cny=BUILD_CAPITAL_10K_CNY,
                                           host_land_price_10k_cny_per_mu=ph,
                                           home_land_price_10k_cny_per_mu=max(ps, ph),
                                           park_tax_10k_cny_per_mu=st.tax_10k_cny_per_mu_per_year,
                                           local_tax_10k_cny_per_mu=LOCAL_TAX_10K_CNY_PER_MU)
            game = EnclaveGame(_contributions(a, h, L, ph, ps), tech, name=f"enclave {a}->{h}")
            x = nucleolus(game) if st.enclave_split == "nucleolus" else shapley(game)
            total = float(x.sum())
            share = float(x[a]) / total if total > 0 else 0.5
            rule = st.enclave_split
            in_core = bool(core_check(game, x).in_core)
        shares[a, h] = share
        # the governments' up-front costs: the host's land at its quota price (the firms' building
        # capital is private, not a cost of either government)
        la, lh = plan.inputs.label(a), plan.inputs.label(h)
        costs = {la: 0.0, lh: L * ph}
        fc = ramp_up_forecast(tax, years=st.schedule_years)
        try:
            sch = sharing_schedule(fc, {la: share, lh: 1 - share}, costs, discount_rate=st.discount_rate)
            schedules[a, h] = sch
            first = float(sch.table.iloc[0][la]) if len(sch.table) else math.nan
            payback = sch.npv.loc[la, "payback_year"] if len(sch.npv) else None
        except Exception as exc:  # the revenue may not cover the costs: say so in the table
            first, payback = math.nan, None
            plan_note = f"no schedule: {exc}"
            schedules.pop((a, h), None)
            rule = f"{rule}; {plan_note}"
        rows.append({
            "source": a, "source_name": plan.inputs.label(a), "host": h, "host_name": plan.inputs.label(h),
            "roles": len(grp), "clusters": ", ".join(sorted(set(grp["cluster"]))), "land_mu": L,
            "tax_10k_cny_per_year": tax, "source_share": share, "share_rule": rule, "in_core": in_core,
            "first_phase_source_pct": first, "payback_year_source": payback,
        })
    return pd.DataFrame(rows, columns=cols), schedules, shares


def _province_table(plan: RegionalPlan, land: LandTables, sol: Solution, roles: pd.DataFrame,
                    shares: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Welfare per province: land at market prices plus the cluster value its cities get
    (:func:`~regionopt.plan.attribution.city_cluster_values`)."""
    inp = plan.inputs
    csol = sol.within("clusters")
    vals = {"z": csol.var("z"), "w": csol.var("w"), "h": csol.var("h"), "e": sol.var("e")}
    city_value = city_cluster_values(plan, lambda name, key: vals[name].get(key, 0.0), shares,
                                     list(vals["w"]), list(vals["h"]))  # type: ignore[arg-type]
    lr = land.regions
    prov = {r: plan.inputs.land.inputs.regions[r].province for r in lr.index}
    df = pd.DataFrame({"land_welfare_10k_cny": lr["welfare_10k_cny"].groupby(prov).sum()})
    cv = pd.Series({c: v for c, v in city_value.items()}, dtype=float)
    df["cluster_value_10k_cny"] = cv.groupby(lambda c: prov.get(c, c)).sum().reindex(df.index).fillna(0.0)
    df["welfare_10k_cny"] = df["land_welfare_10k_cny"] + df["cluster_value_10k_cny"]
    df["roles_credited"] = roles.groupby("province").size().reindex(df.index).fillna(0).astype(int)
    df["roles_hosted"] = roles.groupby("host_province").size().reindex(df.index).fillna(0).astype(int)
    df["role_land_mu"] = roles.groupby("host_province")["land_mu"].sum().reindex(df.index).fillna(0.0)
    df["role_energy_10k_tce"] = roles.groupby("host_province")["energy_10k_tce"].sum().reindex(df.index).fillna(0.0)
    budgets = inp.clusters.inputs.prov_energy
    ix = plan.index
    cl_prov = {ix.province_of[c]: ix.cluster_province_of[c] for c in ix.cities}  # land code -> cluster id
    df["energy_budget_10k_tce"] = [budgets.get(cl_prov.get(p, p), math.nan) for p in df.index]
    fb = land.farmland
    df["red_line_binding"] = [bool(fb.xs(p, level="province")["binding"].any()) if p in fb.index.get_level_values(0)
                              else False for p in df.index]
    names = {p: (inp.land.inputs.provinces[p].name or p) for p in df.index}
    df.insert(0, "name", pd.Series(names))
    df.index.name = "province"
    df = plan.names().first(df)
    df["transfer_10k_cny"] = math.nan
    return df
