"""The value of coordination and who pays whom (成本共担、利益共享, the joint fund).

Two questions a planner brings to the leading group:

1. What is integration worth, and where does it come from? :func:`coordination_table`
   solves the same plan under four regimes — every province alone (own quota,
   own cities, no cross-border enclaves), land trade only, enclaves only, and
   joint — and tabulates each province's welfare.
2. Who compensates whom? :func:`fair_split` treats the provinces as a
   cooperative game. With W(S) the plan's optimal welfare when the provinces of
   S coordinate across their borders (trade quota, host each other's
   enclaves) and every other province plans alone,

       v(S) = W(S) − W(∅),

   the welfare that S's coordination creates (a single province has no
   partner: v({i}) = 0). The rule (nucleolus or Shapley, by
   :mod:`regionopt.enclave`) splits v(N); province p's fair payoff is its
   welfare alone plus its share, and its transfer into (−) or out of (+) the
   joint fund is the fair payoff minus its welfare in the joint plan. The
   transfers sum to zero. When the core is empty, no split keeps every
   coalition content; the least core's ε says how much the most aggrieved
   coalition is short, and the nucleolus lies in the least core.

The game needs 2^n − n plans (12 distinct for the 4 Delta provinces; the
singletons equal W(∅)); this grows as 2^n, so the exact game is for n up to
about 10 provinces or city groups.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..enclave import CooperativeGame, core_check, least_core, nucleolus, shapley
from ..enclave.core import CoreCheck, LeastCore
from ..solve import SolveOptions

if TYPE_CHECKING:
    from .problem import RegionalPlan
    from .results import RegionalPlanResult

__all__ = ["REGIMES", "FairSplit", "coordination_table", "fair_split", "province_game"]

#: Regime name -> (cross-province land trade, cross-border enclaves).
REGIMES: dict[str, tuple[bool, bool]] = {
    "alone": (False, False),
    "land_trade_only": (True, False),
    "enclaves_only": (False, True),
    "joint": (True, True),
}


def coordination_table(plan: RegionalPlan, options: SolveOptions | None = None) -> pd.DataFrame:
    """Welfare of every province (万元) under the four regimes of :data:`REGIMES`, and the total.

    Columns ``alone_10k_cny``, ``land_trade_only_10k_cny``, ``enclaves_only_10k_cny``,
    ``joint_10k_cny`` and ``gain_joint_vs_alone_10k_cny``; ``attrs["status"]`` and
    ``attrs["mip_gap"]`` per regime.
    The totals are monotone (joint ≥ either single channel ≥ alone) up to the
    solver's gap: each regime is a relaxation of the one before.
    """
    opts = options or SolveOptions()
    cols: dict[str, pd.Series] = {}
    status, gaps = {}, {}
    names: pd.Series | None = None
    m = plan.to_pyomo()  # one model; each regime only fixes or frees the cross-border columns
    for name, (trade, encl) in REGIMES.items():
        res = plan._solve(opts, regime=(trade, encl, None), model=m)
        cols[f"{name}_10k_cny"] = res.provinces["welfare_10k_cny"]
        names = res.provinces["name"]
        status[name], gaps[name] = res.status.value, res.mip_gap
    df = pd.DataFrame(cols)
    df.loc["total"] = df.sum()
    df.insert(0, "name", pd.concat([names if names is not None else pd.Series(dtype=object),
                                    pd.Series({"total": "all provinces"})]))
    df["gain_joint_vs_alone_10k_cny"] = df["joint_10k_cny"] - df["alone_10k_cny"]
    df.index.name = "province"
    df = plan.names().first(df)  # name and name_zh beside each province code
    df.attrs.update(status=status, mip_gap=gaps, unit="10k_cny")
    return df


@dataclass
class FairSplit:
    """The provinces' cooperative game and its split (see the module docstring).

    Attributes
    ----------
    game
        The :class:`~regionopt.enclave.CooperativeGame` over provinces, v(S) in 万元.
    values
        One row per coalition: ``coalition``, ``W`` (welfare of the plan, 万元),
        ``v`` (W(S) − W(∅)), ``status``, ``mip_gap``.
    rule
        ``"nucleolus"`` or ``"shapley"``.
    allocation
        Each province's share of v(N), 万元.
    core
        :class:`~regionopt.enclave.core.CoreCheck` of the allocation (blocking coalitions, if any).
    least_core
        The least core (ε ≤ 0 iff the core is non-empty).
    table
        Per province: ``name``, ``alone_10k_cny``, ``share_10k_cny``, ``fair_payoff_10k_cny``,
        ``plan_welfare_10k_cny``, ``transfer_10k_cny`` (+ receives from the fund, − pays in).
    seconds
        Wall-clock time of the plans.
    """

    game: CooperativeGame
    values: pd.DataFrame
    rule: str
    allocation: pd.Series
    core: CoreCheck
    least_core: LeastCore
    table: pd.DataFrame
    seconds: float

    @property
    def core_is_empty(self) -> bool:
        return self.least_core.core_is_empty


def province_game(plan: RegionalPlan, options: SolveOptions | None = None
                  ) -> tuple[CooperativeGame, pd.DataFrame, pd.Series, float]:
    """The provinces' game: v(S) = W(S) − W(∅) over every coalition (2^n − n plans).

    Returns the game, the table of coalition values, each province's welfare
    when all plan alone, and the seconds spent.
    """
    opts = options or SolveOptions()
    # every plan of the game to a 1e-7 relative gap (HiGHS's default 1e-4 of a ~1e7 welfare would blur
    # coalition values of ~1e5 by up to 1e3), unless the caller asked for a gap
    opts = replace(opts, mip_gap=1e-7 if opts.mip_gap is None else opts.mip_gap)
    provinces = sorted({plan.index.province_of[c] for c in plan.index.cities})
    n = len(provinces)
    t0 = time.perf_counter()
    m = plan.to_pyomo()  # one model for every coalition: a coalition only fixes or frees cross-border columns
    alone = plan._solve(opts, regime=(True, True, frozenset()), model=m)
    w0 = alone.objective
    rows = [{"coalition": (), "W": w0, "v": 0.0, "status": alone.status.value, "mip_gap": alone.mip_gap}]
    values = np.zeros(1 << n)
    for size in range(1, n + 1):
        for combo in itertools.combinations(range(n), size):
            mask = sum(1 << i for i in combo)
            members = tuple(provinces[i] for i in combo)
            if size == 1:
                w, st, gap = w0, alone.status.value, alone.mip_gap
            else:
                rep, _ = plan.solve_regime(trade=True, enclaves=True, coalition=frozenset(members), options=opts,
                                           model=m)
                w, st, gap = rep.objective, rep.status.value, rep.mip_gap
            values[mask] = w - w0
            rows.append({"coalition": members, "W": w, "v": w - w0, "status": st, "mip_gap": gap})
    secs = time.perf_counter() - t0
    game = CooperativeGame.from_array(provinces, values, name="provinces' coordination game", unit="10k_cny")
    table = pd.DataFrame(rows)
    table.attrs["unit"] = "10k_cny"
    return game, table, alone.provinces["welfare_10k_cny"], secs


def fair_split(result: RegionalPlanResult, rule: str = "nucleolus") -> FairSplit:
    """Split the value of coordination among the provinces; transfers into or out of the joint fund."""
    if rule not in ("nucleolus", "shapley"):
        from ..errors import InputError

        raise InputError("rule must be 'nucleolus' or 'shapley'", table="fair_split", field="rule", value=rule)
    game, values, alone, secs = province_game(result.problem, result.options)
    x = nucleolus(game) if rule == "nucleolus" else shapley(game)
    check = core_check(game, x)
    lc = least_core(game)
    plan_w = result.provinces["welfare_10k_cny"]
    provinces = list(game.players)
    table = pd.DataFrame({
        "name": result.provinces["name"].reindex(provinces),
        "alone_10k_cny": alone.reindex(provinces),
        "share_10k_cny": x.reindex(provinces).to_numpy(),
    }, index=pd.Index(provinces, name="province"))
    table["fair_payoff_10k_cny"] = table["alone_10k_cny"] + table["share_10k_cny"]
    table["plan_welfare_10k_cny"] = plan_w.reindex(provinces)
    table["transfer_10k_cny"] = table["fair_payoff_10k_cny"] - table["plan_welfare_10k_cny"]
    table = result.problem.names().first(table)
    table.attrs.update(rule=rule, unit="10k_cny", in_core=check.in_core,
                       least_core_epsilon=lc.epsilon)
    resid = float(table["transfer_10k_cny"].sum())
    if not math.isfinite(resid) or abs(resid) > 1e-6 * max(1.0, float(values["W"].abs().max())):
        table.attrs["note"] = (f"transfers sum to {resid:,.2f} 万元, not 0: the joint plan solved for the game "
                               "differs from this result's plan (another optimum, or a gap)")
    return FairSplit(game, values, rule, x, check, lc, table, secs)
