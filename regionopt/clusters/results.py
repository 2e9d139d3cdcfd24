"""`ClusterRoleResult`: the plan as tables, alternatives and drop-one sensitivity."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd
import pyomo.environ as pyo
from pyomo.common.modeling import unique_component_name

from ..contract import Result
from ..errors import RegionoptError
from ..names import role_label
from ..solve import Solution, SolveOptions, SolveReport, Status, extract_solution, solve_model

if TYPE_CHECKING:
    from .problem import ClusterRoleProblem

__all__ = ["Alternatives", "ClusterRoleResult"]


def _plan_from_solution(sol: Solution) -> list[tuple[str, str, str]]:
    z = sol.var("z")
    return [t for t, v in z.items() if (v or 0.0) > 0.5]  # type: ignore[misc]


@dataclass(kw_only=True, repr=False)
class ClusterRoleResult(Result):
    """A solved cluster-role plan: tables keyed by city, cluster and role names.

    Holds no Pyomo object (it pickles); :meth:`alternatives` and
    :meth:`sensitivity` rebuild the model from :attr:`problem`.

    Attributes
    ----------
    problem
        The :class:`ClusterRoleProblem` solved.
    plan
        The assignments (city, cluster, role) of the plan.
    report
        :class:`regionopt.SolveReport` (status, objective, bound, gap, seconds).
    options
        The solve options (re-used by the what-ifs).
    rank, objective_loss
        For plans from :meth:`alternatives`: 0 for the optimum, and the objective
        given up against it.
    """

    problem: ClusterRoleProblem
    plan: list[tuple[str, str, str]] = field(default_factory=list)
    options: SolveOptions = field(default_factory=SolveOptions)
    term_values: dict[str, float] = field(default_factory=dict)
    rank: int = 0
    objective_loss: float = 0.0

    title: ClassVar[str] = "cluster role plan"

    @classmethod
    def read(cls, problem: ClusterRoleProblem, report: SolveReport, sol: Solution | None,
             options: SolveOptions, *, rank: int = 0, objective_loss: float = 0.0) -> ClusterRoleResult:
        """The result of one solve (``sol`` scoped to the cluster block; ``None`` without a plan)."""
        plan = _plan_from_solution(sol) if sol is not None and report.status.has_solution else []
        terms: dict[str, float] = {}
        if sol is not None and report.status.has_solution:
            inp = problem.inputs
            terms["fit"] = float(sum(inp.fit[t] for t in plan))
            w = sol.var("w")
            terms["synergy"] = float(sum(inp.synergy[key[1], key[2]] * v for key, v in w.items()))  # type: ignore[index]
            h = sol.var("h")
            terms["homogeneity"] = float(sum(h.values())) if problem.settings.homogeneity == "penalty" else 0.0
            terms["changes"] = float(_change_count(problem, plan))
        return cls(status=report.status, objective=report.objective, mip_gap=report.mip_gap, report=report,
                   notes=[] if report.status.has_solution else
                   [f"no solution: solver status {report.status.value} ({report.termination})"],
                   problem=problem, plan=plan, options=options, term_values=terms, rank=rank,
                   objective_loss=objective_loss)

    @property
    def has_plan(self) -> bool:
        """False when the solve stopped (time limit) before finding any plan."""
        return self.report.status.has_solution

    def _require_plan(self, what: str) -> None:
        if not self.has_plan:
            raise RegionoptError(f"{what}: no plan was found ({self.report.status.value}); "
                                 "raise the time limit or relax the rules")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by sheet name (as written by :meth:`to_excel`)."""
        return {"assignments": self.assignments, "role_matrix": self.role_matrix,
                "province_summary": self.province_summary, "dropped": self.dropped,
                "objective_terms": self.objective_terms.to_frame()}

    # ------------------------------------------------------------------ tables
    @property
    def assignments(self) -> pd.DataFrame:
        """One row per assignment: city, names, province, cluster, role, fit score, change.

        ``change`` is ``"kept"`` (member before, in the same role where the role was
        given), ``"role changed"`` or ``"new"``.
        """
        inp = self.problem.inputs
        rows = []
        for c, k, r in self.plan:
            cur = inp.current.get((c, k), "-")
            if cur == "-":
                chg = "new"
            elif cur is None or cur == r:
                chg = "kept"
            else:
                chg = "role changed"
            rows.append({
                "city": c, "city_name": inp.names.get(c, c), "province": inp.province_of[c],
                "cluster": k, "cluster_name": inp.names.get(k, k), "role": r, "fit": inp.fit[c, k, r],
                "current_role": None if cur == "-" else (cur if cur is not None else "member"),
                "change": chg,
            })
        cols = ["city", "city_name", "province", "cluster", "cluster_name", "role", "fit", "current_role", "change"]
        df = inp.name_book().beside(pd.DataFrame(rows, columns=cols), "city", "province", "cluster")
        df.insert(list(df.columns).index("role") + 1, "role_name", [role_label(r) for r in df["role"]])
        return df

    @property
    def dropped(self) -> pd.DataFrame:
        """Current (city, cluster) memberships that the plan does not keep."""
        inp = self.problem.inputs
        held = {(c, k) for c, k, _ in self.plan}
        rows = [{"city": c, "city_name": inp.names.get(c, c), "cluster": k, "current_role": r or "member"}
                for (c, k), r in inp.current.items() if (c, k) not in held]
        return inp.name_book().beside(pd.DataFrame(rows, columns=["city", "city_name", "cluster", "current_role"]),
                                      "city", "cluster")

    @property
    def role_matrix(self) -> pd.DataFrame:
        """City x cluster table of roles (empty string where the city has no role; no rows without a plan)."""
        inp = self.problem.inputs
        if not self.has_plan:
            return pd.DataFrame(index=pd.Index([], name="city"), columns=pd.Index(inp.clusters, name="cluster"))
        mat = pd.DataFrame("", index=pd.Index(inp.cities, name="city"),
                           columns=pd.Index(inp.clusters, name="cluster"), dtype=object)
        for c, k, r in self.plan:
            mat.loc[c, k] = r
        return mat

    @property
    def province_summary(self) -> pd.DataFrame:
        """Per province: roles, cores, land (mu) and energy (10k tce) used against budgets (no rows without a plan)."""
        inp = self.problem.inputs
        if not self.has_plan:
            return pd.DataFrame(index=pd.Index([], name="province"))
        rows = []
        for p in inp.provinces:
            ts = [t for t in self.plan if inp.province_of[t[0]] == p]
            rows.append({
                "province": p,
                "roles": len(ts),
                "cores": sum(1 for t in ts if t[2] == inp.core_role),
                "cities_with_roles": len({t[0] for t in ts}),
                "land_mu_used": sum(inp.use_land.get((k, r), 0.0) for _, k, r in ts),
                "land_mu_budget": inp.prov_land.get(p, math.nan),
                "energy_10k_tce_used": sum(inp.use_energy.get((k, r), 0.0) for _, k, r in ts),
                "energy_10k_tce_budget": inp.prov_energy.get(p, math.nan),
            })
        return inp.name_book().first(pd.DataFrame(rows).set_index("province"))

    @property
    def objective_terms(self) -> pd.Series:
        """Objective decomposition: weighted fit, synergy, homogeneity and change penalties, total.

        All NaN when no plan was found.
        """
        par = self.problem.settings
        if not self.has_plan:
            return pd.Series(math.nan, index=["fit", "synergy", "homogeneity_penalty", "change_penalty", "total"],
                             name="objective")
        t = self.term_values
        fit = par.fit_weight * t["fit"]
        syn = par.synergy_weight * t["synergy"]
        hom = -par.homogeneity_penalty * t["homogeneity"]
        chg = -par.change_penalty * t["changes"]
        return pd.Series({"fit": fit, "synergy": syn, "homogeneity_penalty": hom, "change_penalty": chg,
                          "total": fit + syn + hom + chg}, name="objective")

    @property
    def changes(self) -> int:
        """Number of (city, cluster) pairs whose status differs from the current layout."""
        self._require_plan("changes")
        return round(self.term_values["changes"])

    def summary(self) -> pd.DataFrame:
        """Status, objective, bound, gap, solve time, assignments and changes, as a one-column table."""
        d = self.report.as_dict()
        d["assignments"] = len(self.plan)
        d["changes"] = self.changes if self.has_plan else math.nan
        return pd.DataFrame({"value": pd.Series(d, dtype=object)})

    # ------------------------------------------------------------------ what-ifs
    def _exact_options(self) -> SolveOptions:
        if self.options.mip_gap is not None:
            return self.options
        return replace(self.options, mip_gap=1e-9)

    def alternatives(self, k: int = 3, *, options: SolveOptions | None = None) -> Alternatives:
        """The ``k`` best distinct plans, by successive no-good cuts.

        Plan ``i`` is the best plan different (in at least one assignment) from
        plans ``0..i-1``; plan 0 is this one. The cut for a plan with assignment
        set \\(S\\) is \\(\\sum_{a\\in S}(1-z_a) + \\sum_{a\\notin S} z_a \\ge 1\\).
        The model is rebuilt from :attr:`problem`.

        Parameters
        ----------
        k
            Number of plans including this one.
        options
            Solve options for the re-solves (default: those of this solve, with a
            relative MIP gap of 1e-9 unless one was set, so that the ranking is exact).

        Returns
        -------
        Alternatives
            ``.plans`` (results with ``rank`` and ``objective_loss``), ``.summary``
            and ``.exact``. If this plan or a re-solve was not proven optimal (a
            time limit, a MIP gap) or a re-solve beat this plan, ``exact`` is False:
            the plans are then sorted by objective, losses are measured against the
            best of them, and they are the best plans found, not provably the k best.
        """
        self._require_plan("alternatives")
        opts = options or self._exact_options()
        m = self.problem.to_pyomo()
        name = unique_component_name(m, "no_good")
        m.add_component(name, pyo.ConstraintList(doc="no-good cuts: differ from an earlier plan"))
        cuts = m.component(name)
        plans: list[ClusterRoleResult] = [self]
        best = self.objective
        for i in range(1, max(k, 1)):
            held = set(plans[-1].plan)
            cuts.add(pyo.quicksum(1 - m.z[t] for t in held) + pyo.quicksum(m.z[t] for t in m.Z if t not in held) >= 1)
            rep = solve_model(m, opts)
            if not rep.status.has_solution:
                break
            sol = extract_solution(m)
            plans.append(ClusterRoleResult.read(self.problem, rep, sol, opts, rank=i,
                                                objective_loss=best - rep.objective))
        top = max(p.objective for p in plans)
        tol = 1e-9 * max(1.0, abs(top))
        exact = all(p.status == Status.OPTIMAL for p in plans) and top <= best + tol
        if not exact:
            # plan 0 or a re-solve was not proven optimal: rank what was found by
            # objective and measure losses against the best of it
            order = sorted(plans, key=lambda p: -p.objective)
            plans = [replace(p, rank=r, objective_loss=top - p.objective) for r, p in enumerate(order)]
        return Alternatives(plans, exact=exact)

    def sensitivity(self, *, options: SolveOptions | None = None) -> pd.DataFrame:
        """Drop-one value of each city to each cluster it takes part in.

        For every assignment (c, k, ρ) of the plan, the model (rebuilt from
        :attr:`problem`) is re-solved with c barred from cluster k; the value is
        the objective lost. ``inf`` with status ``"infeasible"`` means the plan
        cannot do without c in k (a locked role, a minimum count, ...). Pairs not
        in the plan have value 0 and are not listed.

        Returns
        -------
        pandas.DataFrame
            Columns ``city, city_name, cluster, role, objective_without, value, status``,
            sorted by value (largest first).

        Re-solves use this solve's options with a relative MIP gap of 1e-9 unless
        one was set.
        """
        self._require_plan("sensitivity")
        opts = options or self._exact_options()
        inp = self.problem.inputs
        m = self.problem.to_pyomo()
        by_ck = self.problem.index.by_ck
        name = unique_component_name(m, "drop_one")
        rows = []
        for c, k, r in self.plan:
            m.add_component(name, pyo.Constraint(expr=pyo.quicksum(m.z[t] for t in by_ck[c, k]) <= 0))
            rep = solve_model(m, opts)
            m.del_component(name)
            if rep.status.has_solution:
                val, obj = self.objective - rep.objective, rep.objective
            elif rep.status == Status.INFEASIBLE:
                val, obj = math.inf, math.nan
            else:
                val, obj = math.nan, math.nan
            rows.append({"city": c, "city_name": inp.names.get(c, c), "cluster": k, "role": r,
                         "objective_without": obj, "value": val, "status": rep.status.value})
        cols = ["city", "city_name", "cluster", "role", "objective_without", "value", "status"]
        df = pd.DataFrame(rows, columns=cols)
        return df.sort_values("value", ascending=False, kind="stable").reset_index(drop=True)


def _change_count(problem: ClusterRoleProblem, plan: list[tuple[str, str, str]]) -> int:
    """(city, cluster) pairs whose status differs from the current layout (as the model's change_count)."""
    inp = problem.inputs
    held = {(c, k): r for c, k, r in plan}
    n = 0
    for (c, k), r0 in inp.current.items():
        r = held.get((c, k))
        if r is None or (r0 is not None and r != r0):
            n += 1
    n += sum(1 for ck in held if ck not in inp.current)
    return n


@dataclass
class Alternatives:
    """The k best distinct plans (see :meth:`ClusterRoleResult.alternatives`).

    ``exact`` is False when the ranking rests on a plan not proven optimal; the
    plans are then the best found, sorted by objective.
    """

    plans: list[ClusterRoleResult]
    exact: bool = True

    def __len__(self) -> int:
        return len(self.plans)

    def __getitem__(self, i: int) -> ClusterRoleResult:
        return self.plans[i]

    def __iter__(self) -> Any:
        return iter(self.plans)

    @property
    def summary(self) -> pd.DataFrame:
        """Per plan: objective, loss against the best, status, gap, and assignments changed vs plan 0."""
        base = set(self.plans[0].plan) if self.plans else set()
        rows = []
        for p in self.plans:
            s = set(p.plan)
            rows.append({"rank": p.rank, "objective": p.objective, "objective_loss": p.objective_loss,
                         "status": p.status.value, "mip_gap": p.mip_gap,
                         "differs_from_best": len(s ^ base)})
        return pd.DataFrame(rows).set_index("rank")
