"""Linear production games (Owen 1975) and the source-host enclave game.

Partners ``i`` own resources ``b_{i,r}`` (land in mu, capital in 万元, projects,
service capacity ...). A technology table gives, per activity ``j``, the use
``a_{j,r}`` of each resource per unit of activity and its revenue ``c_j``
(万元 per unit). A coalition ``S`` pools its resources:

\\[ v(S) = \\max_{y \\ge 0} \\; \\sum_j c_j y_j \\quad \\text{s.t.} \\quad
    \\sum_j a_{j,r} y_j \\le \\sum_{i \\in S} b_{i,r} \\;\\; \\forall r. \\]

One LP per coalition, cached, solved with HiGHS (one ``Highs`` object, only the
right-hand side changes). Owen's allocation pays each partner its resources at
the grand coalition's shadow prices ``p_r``: ``x_i = Σ_r p_r b_{i,r}``; it is in
the core. See docs/enclave.md, "Linear production games".
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from ..errors import InfeasibleError, InputError
from ..schema import check_unique
from ..solve import Status
from ._lp import HighsLP
from ._result import make_allocation
from .game import CooperativeGame

__all__ = ["EnclaveGame", "LinearProductionGame", "default_park_technology"]

REVENUE = "revenue_10k_cny"


class LinearProductionGame(CooperativeGame):
    """Owen's linear production game.

    Formulation: ``v(S) = max c·y  s.t.  Aᵀ y ≤ b(S), y ≥ 0`` with
    ``b(S) = Σ_{i∈S} b_i`` (docs/enclave.md, "Linear production games").

    Parameters
    ----------
    resources
        DataFrame, one row per partner (index = partner name), one column per
        resource, non-negative amounts in the unit the column name says
        (``land_mu``, ``capital_10k_cny``, ...).
    technology
        DataFrame, one row per activity (index = activity name): a column
        ``revenue_10k_cny`` (revenue per unit of activity, 万元) and one column
        per resource it uses (amount per unit of activity; missing resources
        count as 0). Optional column ``max_units`` caps an activity.
    name
        Label for reports.
    """

    def __init__(self, resources: pd.DataFrame, technology: pd.DataFrame, *, name: str = "production game"):
        if not isinstance(resources, pd.DataFrame):
            raise InputError(f"expected a DataFrame, got {type(resources).__name__}", table="resources")
        if not isinstance(technology, pd.DataFrame):
            raise InputError(f"expected a DataFrame, got {type(technology).__name__}", table="technology")
        partners = [str(p) for p in resources.index]
        check_unique(partners, "resources", "partner")
        check_unique([str(a) for a in technology.index], "technology", "activity")
        if REVENUE not in technology.columns:
            raise InputError(f"missing required column {REVENUE!r}", table="technology", field=REVENUE)
        res_cols = [str(c) for c in resources.columns]
        if not res_cols:
            raise InputError("no resource columns", table="resources")
        unknown = [c for c in technology.columns if c not in (REVENUE, "max_units") and str(c) not in res_cols]
        if unknown:
            raise InputError(f"activity uses a resource no partner has a column for; resources are {res_cols}",
                             table="technology", field=str(unknown[0]))
        b = self._numeric(resources, "resources", res_cols, nonneg=True)
        tech = technology.copy()
        for c in res_cols:
            if c not in tech.columns:
                tech[c] = 0.0
        a = self._numeric(tech, "technology", res_cols, nonneg=True)
        c_vec = self._numeric(tech, "technology", [REVENUE], nonneg=False)[:, 0]
        if "max_units" in tech.columns:
            cap = pd.to_numeric(tech["max_units"], errors="coerce").to_numpy(dtype=float)
            cap = np.where(np.isnan(cap), np.inf, cap)
            if np.any(cap < 0):
                j = int(np.flatnonzero(cap < 0)[0])
                raise InputError("must be >= 0", table="technology", row=tech.index[j], field="max_units",
                                 value=cap[j])
        else:
            cap = np.full(len(tech), np.inf)
        self.resources = pd.DataFrame(b, index=pd.Index(partners, name="partner"), columns=res_cols)
        self.technology = pd.DataFrame(a, index=pd.Index([str(j) for j in tech.index], name="activity"),
                                       columns=res_cols)
        self.technology[REVENUE] = c_vec
        self.technology["max_units"] = cap
        self._b = b
        self._a = a
        self._c = c_vec
        self._cap = cap
        self._lp: HighsLP | None = None
        self._lp_lock = threading.Lock()
        self.lp_solves = 0
        super().__init__(partners, func=self._solve_mask, name=name)

    @staticmethod
    def _numeric(df: pd.DataFrame, table: str, cols: list[str], *, nonneg: bool) -> np.ndarray:
        out = np.empty((len(df), len(cols)))
        for k, col in enumerate(cols):
            raw = df[col]
            vals = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
            bad = np.flatnonzero(~np.isfinite(vals) | ((vals < 0) if nonneg else False))
            if bad.size:
                j = int(bad[0])
                raise InputError("must be a finite number" + (" >= 0" if nonneg else ""), table=table,
                                 row=df.index[j], field=col, value=raw.iloc[j])
            out[:, k] = vals
        return out

    # ------------------------------------------------------------------ LP routes
    def _highs(self) -> HighsLP:
        if self._lp is None:
            lp = HighsLP(self._c, np.zeros(self._c.size), self._cap, maximize=True)
            lp.add_rows(self._a.T, np.full(self._a.shape[1], -np.inf), np.zeros(self._a.shape[1]))
            self._lp = lp
        return self._lp

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["_lp"] = None  # the HiGHS object is rebuilt on demand
        state.pop("_lp_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._lp_lock = threading.Lock()

    def _solve_rhs(self, rhs: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        # One HiGHS object serves every coalition (only the right-hand side changes), so
        # threads that evaluate this game at once take turns.
        with self._lp_lock:
            lp = self._highs()
            r = self._a.shape[1]
            lp.set_rows_bounds(np.arange(r), np.full(r, -np.inf), rhs)
            out = lp.solve()
            self.lp_solves += 1
        if out.status == Status.UNBOUNDED:
            raise InputError("revenue is unbounded: some activity with positive revenue uses no "
                             "resource and has no max_units", table="technology")
        if out.status != Status.OPTIMAL:
            raise InfeasibleError(f"production LP ended with status {out.status.value!r} ({out.detail})")
        return out.objective, out.x, out.row_dual

    def _solve_mask(self, mask: int) -> float:
        rhs = self._b[[i for i in range(self.n) if (mask >> i) & 1]].sum(axis=0)
        return self._solve_rhs(rhs)[0]

    def plan(self, coalition: Iterable[Hashable] | int | None = None) -> pd.DataFrame:
        """Optimal activity levels and shadow prices for a coalition (default N).

        Returns a DataFrame of activities with ``units`` and ``revenue_10k_cny``;
        ``attrs["shadow_prices"]`` is a Series of 万元 per unit of each resource.
        """
        mask = self.grand if coalition is None else self.mask(coalition)
        rhs = self._b[[i for i in range(self.n) if (mask >> i) & 1]].sum(axis=0)
        obj, y, duals = self._solve_rhs(rhs)
        df = pd.DataFrame({"units": y, REVENUE: y * self._c}, index=self.technology.index)
        df.attrs["shadow_prices"] = pd.Series(duals, index=self.resources.columns,
                                              name="shadow_price_10k_cny_per_unit")
        df.attrs["value_10k_cny"] = obj
        return df

    def shadow_prices(self) -> pd.Series:
        """Grand-coalition dual price of each resource, 万元 per unit of the resource."""
        return self.plan().attrs["shadow_prices"]

    def to_pyomo(self, coalition: Iterable[Hashable] | int | None = None) -> pyo.ConcreteModel:
        """The named Pyomo model of ``v(S)`` (default S = N).

        Components: sets ``activities``, ``resources``; variable
        ``activity_level[j]`` (units, ≥ 0, ≤ ``max_units``); constraint
        ``resource_limit[r]``: ``Σ_j a_{j,r} activity_level[j] ≤ b_r(S)``;
        objective ``revenue`` (万元, maximise).
        """
        mask = self.grand if coalition is None else self.mask(coalition)
        members = [i for i in range(self.n) if (mask >> i) & 1]
        rhs = dict(zip(self.resources.columns, self._b[members].sum(axis=0), strict=True))
        acts = list(self.technology.index)
        res = list(self.resources.columns)
        a = {(j, r): float(self._a[k, q]) for k, j in enumerate(acts) for q, r in enumerate(res)}
        cvec = dict(zip(acts, self._c, strict=True))
        cap = dict(zip(acts, self._cap, strict=True))
        m = pyo.ConcreteModel(name=f"{self.name}: v({' + '.join(self.coalition_names(mask)) or '∅'})")
        m.activities = pyo.Set(initialize=acts, ordered=True)
        m.resources = pyo.Set(initialize=res, ordered=True)
        m.activity_level = pyo.Var(
            m.activities, within=pyo.NonNegativeReals,
            bounds=lambda _m, j: (0.0, None if not np.isfinite(cap[j]) else float(cap[j])),
            doc="units of activity {0}",
        )
        m.resource_limit = pyo.Constraint(
            m.resources,
            rule=lambda _m, r: sum(a[j, r] * _m.activity_level[j] for j in acts if a[j, r] != 0) <= float(rhs[r])
            if any(a[j, r] != 0 for j in acts) else pyo.Constraint.Skip,
            doc="pooled resource {0} of the coalition",
        )
        m.revenue = pyo.Objective(expr=sum(cvec[j] * m.activity_level[j] for j in acts), sense=pyo.maximize)
        return m

    def owen_allocation(self) -> pd.Series:
        """Owen (1975): ``x_i = Σ_r p_r b_{i,r}`` with ``p`` the grand coalition's duals.

        Sums to ``v(N)`` by LP duality and lies in the core (``p`` is feasible
        for the dual of every coalition's LP). ``attrs["shadow_prices"]`` holds
        ``p`` (万元 per unit).
        """
        p = self.shadow_prices().to_numpy()
        x = self._b @ p
        return make_allocation(self, x, "owen", shadow_prices=self.shadow_prices(),
                               guarantee="in the core (LP duality)")


def default_park_technology(
    *,
    project_area_mu: float = 50.0,
    build_capital_10k_cny: float = 20_000.0,
    host_land_price_10k_cny_per_mu: float = 20.0,
    home_land_price_10k_cny_per_mu: float = 200.0,
    park_tax_10k_cny_per_mu: float = 20.0,
    local_tax_10k_cny_per_mu: float = 6.0,
    local_capital_10k_cny: float = 5_000.0,
) -> pd.DataFrame:
    """Illustrative technology of a source-host co-built park (all defaults *illustrative*).

    Three activities, each per project of ``project_area_mu``:

    - ``park_project``: a source project on the host's land; uses 1 unit of
      ``projects``, ``land_mu``, ``service_capacity`` (1 per project) and
      capital = build capital + area × host land price.
    - ``home_project``: the same project at home on the source's scarce land
      (``home_land_mu``) at the home land price.
    - ``host_local_project``: the host fills its land with local firms
      (lower tax per mu, smaller capital need, 1 service unit).

    Revenue is the yearly *locally retained* tax of the activity, 万元/yr.
    Defaults are illustrative: the 10:1 land-price ratio mirrors the sourced
    "land in Xuancheng under a tenth of Xiaoshan's" (xsnet.cn 2024-09-12); tax
    per mu is set below the 41万元/亩 the Longquan–Xiaoshan park reached
    (cs.zjol.com.cn, 2018-07-02).
    """
    a = project_area_mu
    rows = {
        "park_project": {
            "projects": 1.0, "land_mu": a, "home_land_mu": 0.0, "service_capacity": 1.0,
            "capital_10k_cny": build_capital_10k_cny + a * host_land_price_10k_cny_per_mu,
            REVENUE: a * park_tax_10k_cny_per_mu,
        },
        "home_project": {
            "projects": 1.0, "land_mu": 0.0, "home_land_mu": a, "service_capacity": 0.0,
            "capital_10k_cny": build_capital_10k_cny + a * home_land_price_10k_cny_per_mu,
            REVENUE: a * park_tax_10k_cny_per_mu,
        },
        "host_local_project": {
            "projects": 0.0, "land_mu": a, "home_land_mu": 0.0, "service_capacity": 1.0,
            "capital_10k_cny": local_capital_10k_cny + a * host_land_price_10k_cny_per_mu,
            REVENUE: a * local_tax_10k_cny_per_mu,
        },
    }
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "activity"
    df.attrs["illustrative"] = True
    return df


ENCLAVE_RESOURCES = ("projects", "land_mu", "home_land_mu", "service_capacity", "capital_10k_cny")


class EnclaveGame(LinearProductionGame):
    """A source-host co-built park as a linear production game.

    The source side (e.g. the sending city, its street office, its firms)
    brings ``projects`` and ``capital_10k_cny`` (and a little scarce
    ``home_land_mu``); the host brings ``land_mu`` and ``service_capacity``;
    investment companies bring capital. ``v(S)`` is the yearly locally
    retained tax coalition ``S`` can generate with the park technology
    (:func:`default_park_technology` unless given). What each partner earns
    alone, ``d_i = v({i})``, is the disagreement point of the bargaining.
    Formulation: docs/enclave.md, "Enclave game".

    Parameters
    ----------
    contributions
        One row per partner (index = name); columns among
        ``projects, land_mu, home_land_mu, service_capacity, capital_10k_cny``
        (missing ones = 0) and optionally ``role`` (``source``, ``host``,
        ``investor``).
    technology
        Activity table as for :class:`LinearProductionGame`.
    """

    def __init__(self, contributions: pd.DataFrame, technology: pd.DataFrame | None = None, *,
                 name: str = "enclave"):
        if not isinstance(contributions, pd.DataFrame):
            raise InputError(f"expected a DataFrame, got {type(contributions).__name__}", table="contributions")
        roles = contributions["role"].astype(str) if "role" in contributions.columns else None
        if roles is not None:
            bad = roles[~roles.isin(["source", "host", "investor", "other"])]
            if len(bad):
                raise InputError("role must be source, host, investor or other", table="contributions",
                                 row=bad.index[0], field="role", value=bad.iloc[0])
        unknown = [c for c in contributions.columns if c not in (*ENCLAVE_RESOURCES, "role")]
        if unknown:
            raise InputError(f"unknown column; use {list(ENCLAVE_RESOURCES)} and 'role'", table="contributions",
                             field=str(unknown[0]))
        res = pd.DataFrame(index=contributions.index)
        for c in ENCLAVE_RESOURCES:
            res[c] = contributions[c] if c in contributions.columns else 0.0
        super().__init__(res, technology if technology is not None else default_park_technology(), name=name)
        self.roles = (pd.Series(roles.to_numpy(), index=list(self.players), name="role")
                      if roles is not None else pd.Series("other", index=list(self.players), name="role"))

    @classmethod
    def from_contributions(cls, contributions: pd.DataFrame, **kw: Any) -> EnclaveGame:
        """Alias of the constructor, for readability in notebooks."""
        return cls(contributions, **kw)

    def disagreement_point(self) -> pd.Series:
        """``d_i = v({i})``: the yearly retained tax each partner earns going alone (万元/yr)."""
        return self.singleton_values().rename("disagreement_10k_cny")
