"""Results of a scenario solved on the fast path (compiled model in a live HiGHS model).

The fast path solves ``problem.compile()`` in a :class:`~regionopt.solve.highs.LiveModel`
and reads the solution back with the model's own readback, so the result is
the one ``problem.solve()`` returns (for land: ``solve(autarky=False)``).
A model without a reader here is solved with its own ``solve()``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..contract import Problem, Result
from ..solve import Solution, SolveOptions, SolveReport, Status

__all__ = ["READERS", "Reader", "reader_for"]


@dataclass(frozen=True)
class Reader:
    """How a model reads a fast-path solution back into its result.

    Attributes
    ----------
    read
        ``(problem, report, solution, options) -> Result``.
    needs_full
        ``(problem, report, solution) -> bool``: True when this solution needs
        the model's own solve (e.g. a land plan with idle platform round trips,
        which ``solve`` removes with a second solve).
    full_keywords
        Keywords of the model's ``solve`` for that case (land: ``autarky=False``).
    """

    read: Callable[[Any, SolveReport, Solution, SolveOptions], Result]
    needs_full: Callable[[Any, SolveReport, Solution], bool] = lambda p, r, s: False
    full_keywords: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- land


def _land_read(problem: Any, rep: SolveReport, sol: Solution, options: SolveOptions) -> Result:
    """The land result of ``solve(autarky=False)`` from a solution of ``problem.compile()``."""
    from ..land.readback import read_tables
    from ..land.results import LandQuotaResult

    tables = read_tables(problem.inputs, problem.index, sol)
    notes: list[str] = []
    if rep.duals is None:
        notes.append(f"the LP stopped {rep.status.value} before optimality: prices are not available (NaN)")
    penalty = 0.0
    st = problem.settings
    if st.spread_penalty_10k_cny > 0:
        penalty = st.spread_penalty_10k_cny * (sol.value("pc_max") - sol.value("pc_min"))
        notes.append(f"objective includes an equity penalty of {penalty:,.2f} 万元 (welfare excludes it)")
    regions = tables.regions
    regions["autarky_welfare_10k_cny"] = math.nan
    regions["gain_10k_cny"] = regions["welfare_10k_cny"] - regions["autarky_welfare_10k_cny"]
    regions["red_line_share_10k_cny"] = math.nan
    gains = regions.groupby("province")[
        ["welfare_10k_cny", "autarky_welfare_10k_cny", "gain_10k_cny", "price_rent_10k_cny",
         "red_line_share_10k_cny"]
    ].sum(min_count=1)
    names = {p: (problem.inputs.provinces[p].name or p) for p in gains.index}
    gains.insert(0, "name", pd.Series(names))
    return LandQuotaResult(
        status=rep.status, objective=rep.objective, mip_gap=rep.mip_gap, report=rep, notes=notes,
        flows=tables.flows, prices=tables.prices, projects=tables.projects, reclamation=tables.reclamation,
        farmland=tables.farmland, welfare=rep.objective + penalty, autarky_welfare=math.nan, regions=regions,
        gains=gains, banked=tables.banked, autarky_report=None,
    )


def _land_needs_full(problem: Any, rep: SolveReport, sol: Solution) -> bool:
    """MIPs (prices need the LP with integers fixed) and plans with idle platform round trips."""
    if problem.settings.binary_projects:
        return True
    ix = problem.index
    if not ix.buy_keys or rep.duals is None:
        return False
    buy = sol.var("plat_buy")
    return any(abs(ix.charge[k] - ix.payout[k[1]]) <= 1e-12 and buy.get(k, 0.0) > 1e-9 for k in ix.buy_keys)


# --------------------------------------------------------------------------- clusters


def _cluster_read(problem: Any, rep: SolveReport, sol: Solution, options: SolveOptions) -> Result:
    from ..clusters.results import ClusterRoleResult

    return ClusterRoleResult.read(problem, rep, sol, options)


#: Readers by problem class name.
READERS: dict[str, Reader] = {
    "LandQuotaProblem": Reader(_land_read, _land_needs_full, {"autarky": False}),
    "ClusterRoleProblem": Reader(_cluster_read),
}


def reader_for(problem: Problem) -> Reader | None:
    """The fast-path reader of a problem's model, or ``None`` (then its own ``solve`` is used)."""
    for klass in type(problem).__mro__:
        r = READERS.get(klass.__name__)
        if r is not None:
            return r
    return None


def has_solution(status: Status) -> bool:
    return status.has_solution
