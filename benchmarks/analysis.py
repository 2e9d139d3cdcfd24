"""Summaries of stored runs: shifted geometric means, performance profiles, agreement checks.

Conventions (as in H. Mittelmann's benchmarks, where they apply):

* **Solved**: status ``optimal`` (LP optimal, or MIP gap target reached) within
  the time limit (``time_s <= time_limit_s``).
* **Time**: ``time_s`` — wall clock from reading the model file to the end of
  the solve, measured outside the solver. An unsolved run (time limit, killed,
  error, wrong status) counts at the time limit. ``solve_cpu_s``, the CPU time
  of the same span, gives a second ranking that a shared machine distorts less
  (one thread per solver).
* **Repeats**: per (instance, solver), the run with the median time (the lower
  median for an even count) represents the pair: its status, time and values.
* **Shifted geometric mean** with shift ``s = 10`` s:
  ``exp(mean(log(t_i + s))) - s`` over all instances of a set, then divided by
  the smallest one of the set (best solver = 1.00).
* **Performance profile** (Dolan and Moré 2002): ``r_ps = t_ps / min_s t_ps``
  with ``t_ps = inf`` if solver ``s`` did not solve ``p``;
  ``rho_s(tau) = |{p : r_ps <= tau}| / |P|``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "SHIFT_S",
    "aggregate",
    "check_agreement",
    "effective_times",
    "performance_profile",
    "sgm_table",
    "shifted_geometric_mean",
]

SHIFT_S = 10.0
REL_FLOOR = 1e-6


def shifted_geometric_mean(times: Iterable[float], shift: float = SHIFT_S) -> float:
    """``exp(mean(log(t + shift))) - shift`` (NaN for no times)."""
    t = np.asarray(list(times), dtype=float)
    if t.size == 0:
        return math.nan
    return float(np.exp(np.mean(np.log(t + shift))) - shift)


def effective_times(runs: pd.DataFrame) -> pd.DataFrame:
    """``runs`` with ``solved``, ``t_eff`` (time if solved, else the time limit) and ``t_eff_cpu`` (the same with CPU time)."""
    out = runs.copy()
    out["solved"] = out["status"].eq("optimal") & (out["time_s"] <= out["time_limit_s"])
    out["t_eff"] = np.where(out["solved"], out["time_s"], out["time_limit_s"])
    if "solve_cpu_s" in out:
        out["t_eff_cpu"] = np.where(out["solved"], out["solve_cpu_s"], out["time_limit_s"])
    return out


def aggregate(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (set, instance, solver): the median-time run, plus ``repeats``."""
    r = effective_times(runs)
    rows = []
    for _key, g in r.groupby(["set", "instance", "solver"], sort=False):
        g = g.sort_values(["t_eff", "repeat"], kind="stable")
        rep = g.iloc[(len(g) - 1) // 2].copy()
        rep["repeats"] = len(g)
        rows.append(rep)
    return pd.DataFrame(rows).reset_index(drop=True)


def sgm_table(agg: pd.DataFrame, solvers: Sequence[str], shift: float = SHIFT_S, column: str = "t_eff") -> pd.DataFrame:
    """Per set (and ``all``) and solver: ``n``, ``solved``, ``sgm`` (s) and ``ratio`` to the best solver.

    ``column`` is the effective time to average: ``t_eff`` (wall clock) or
    ``t_eff_cpu`` (CPU time of solved runs, the time limit otherwise).

    A solver without a result on every instance of the set gets NaN (it is
    not compared on a subset).
    """
    out = []
    groups: list[tuple[str, pd.DataFrame]] = [(str(s), g) for s, g in agg.groupby("set", sort=False)]
    if len(groups) > 1:
        groups.append(("all", agg))
    for set_name, g in groups:
        insts = g["instance"].unique()
        row: dict[str, object] = {"set": set_name, "instances": len(insts)}
        sgms = {}
        for s in solvers:
            gs = g[g["solver"] == s]
            if set(gs["instance"]) != set(insts):
                sgms[s] = math.nan
                row[f"{s}_solved"] = math.nan
                continue
            sgms[s] = shifted_geometric_mean(gs[column], shift)
            row[f"{s}_solved"] = int(gs["solved"].sum())
        best = min((v for v in sgms.values() if math.isfinite(v)), default=math.nan)
        for s in solvers:
            row[f"{s}_sgm"] = sgms[s]
            row[f"{s}_ratio"] = sgms[s] / best if math.isfinite(sgms[s]) and best > 0 else math.nan
        out.append(row)
    return pd.DataFrame(out)


def performance_profile(times: pd.DataFrame, taus: Sequence[float] | np.ndarray) -> pd.DataFrame:
    """Dolan–Moré profile.

    Parameters
    ----------
    times
        Index: instances; columns: solvers; values: time of a solved run,
        ``inf`` (or NaN) if unsolved.
    taus
        Ratios at which to evaluate ``rho``.

    Returns
    -------
    pandas.DataFrame
        Index ``taus``, one column per solver: the share of instances solved
        within ``tau`` times the fastest solver's time.
    """
    t = times.astype(float).fillna(math.inf)
    best = t.min(axis=1)
    ratios = t.div(best.where(np.isfinite(best), math.inf), axis=0)
    ratios[~np.isfinite(ratios)] = math.inf
    n = len(t)
    data = {s: [float((ratios[s] <= tau).sum()) / n if n else math.nan for tau in taus] for s in t.columns}
    return pd.DataFrame(data, index=pd.Index(list(taus), name="tau"))


def profile_times(agg: pd.DataFrame) -> pd.DataFrame:
    """Instance x solver table of times of solved runs (``inf`` if unsolved)."""
    a = agg.assign(t=np.where(agg["solved"], agg["t_eff"], math.inf))
    return a.pivot_table(index="instance", columns="solver", values="t", aggfunc="first", sort=False)


def _allowed_gap(row: pd.Series) -> float:
    g = float(row["mip_gap"]) if row["kind"] == "MIP" else 0.0
    achieved = float(row["gap"])
    if math.isfinite(achieved):
        g = max(g, achieved)
    return g


def check_agreement(runs: pd.DataFrame, rel_floor: float = REL_FLOOR) -> pd.DataFrame:
    """Pairs of runs of *different* solvers on the same instance that contradict each other.

    Two checks:

    ``objective``
        Both report ``optimal``; flagged if
        ``|obj_a - obj_b| > max(g_a, g_b, rel_floor) * max(1, |obj_a|, |obj_b|)``,
        where ``g`` is the relative gap a run's optimality claim allows (the
        MIP gap target, or the run's own gap if larger; 0 for an LP).
    ``bound``
        Run ``a`` has a solution and run ``b`` a bound; flagged if ``a``'s
        objective is better than ``b``'s proven bound by more than
        ``rel_floor * max(1, |obj_a|, |bound_b|)`` (for a maximisation:
        ``obj_a > bound_b + tol``). This also catches a wrong bound or a wrong
        "optimal" in runs that hit the time limit.

    Returns
    -------
    pandas.DataFrame
        One row per contradiction: ``instance, check, solver_a, repeat_a,
        value_a, solver_b, repeat_b, value_b, difference, tolerance``.
    """
    cols = ["instance", "check", "solver_a", "repeat_a", "value_a", "solver_b", "repeat_b", "value_b",
            "difference", "tolerance"]
    flags: list[dict[str, object]] = []
    for inst, g in runs.groupby("instance", sort=False):
        recs = list(g.to_dict("records"))
        for i, a in enumerate(recs):
            for j, b in enumerate(recs):
                if a["solver"] == b["solver"]:
                    continue
                oa, ob = float(a["objective"]), float(b["objective"])
                if (i < j and a["status"] == "optimal" and b["status"] == "optimal" and a["has_solution"]
                        and b["has_solution"] and math.isfinite(oa) and math.isfinite(ob)):
                    tol = max(_allowed_gap(pd.Series(a)), _allowed_gap(pd.Series(b)), rel_floor) * max(1.0, abs(oa), abs(ob))
                    if abs(oa - ob) > tol:
                        flags.append({"instance": inst, "check": "objective", "solver_a": a["solver"],
                                      "repeat_a": a["repeat"], "value_a": oa, "solver_b": b["solver"],
                                      "repeat_b": b["repeat"], "value_b": ob, "difference": abs(oa - ob),
                                      "tolerance": tol})
                bb = float(b["bound"])
                if a["has_solution"] and math.isfinite(oa) and math.isfinite(bb):
                    tol = rel_floor * max(1.0, abs(oa), abs(bb))
                    beyond = oa - bb if a["sense"] == "max" else bb - oa
                    if beyond > tol:
                        flags.append({"instance": inst, "check": "bound", "solver_a": a["solver"],
                                      "repeat_a": a["repeat"], "value_a": oa, "solver_b": b["solver"],
                                      "repeat_b": b["repeat"], "value_b": bb, "difference": beyond,
                                      "tolerance": tol})
    return pd.DataFrame(flags, columns=cols)
