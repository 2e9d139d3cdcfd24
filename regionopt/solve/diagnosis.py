"""Why a plan is infeasible, in the user's words.

For LPs solved with HiGHS: an irreducible infeasible subsystem (IIS,
``Highs.getIis``): dropping any one of its rules makes the rest feasible. For
MIPs, or when no IIS is found: an *elastic* relaxation that adds a non-negative
slack to every rule that may bend (and to the variable bounds a user set, where
the model says which) and minimises their weighted sum, reporting which rules
must bend and by how much.

Constraint wording comes from the component's ``doc`` string, formatted with the
index labelled through a user-name map (see :func:`describe_constraint`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import pyomo.environ as pyo
from pyomo.common.modeling import unique_component_name
from pyomo.core.base.constraint import ConstraintData
from pyomo.core.base.var import VarData

from ..errors import Conflict, InfeasibleError
from . import highs
from .core import is_mip, solve_model
from .types import SolveOptions

__all__ = [
    "Bendable",
    "BendableBound",
    "Labeler",
    "Weight",
    "describe_bound",
    "describe_constraint",
    "diagnose_infeasibility",
    "raise_infeasible",
]

Labeler = Callable[[Hashable], str]
Bendable = Callable[[ConstraintData], bool]
BendableBound = Callable[[VarData], bool]
Weight = Callable[[ConstraintData], float]


def _describe(data: Any, label: Labeler | None) -> str:
    """Format the parent component's ``doc`` with the (labelled) index entries."""
    comp = data.parent_component()
    idx = data.index()
    parts: tuple[Any, ...] = idx if isinstance(idx, tuple) else (() if idx is None else (idx,))
    lab = label or str
    shown = [lab(p) for p in parts]
    if comp.doc:
        try:
            return str(comp.doc).format(*shown)
        except (IndexError, KeyError):
            pass
    return f"{comp.name}[{', '.join(shown)}]" if shown else comp.name


def describe_constraint(con: ConstraintData, label: Labeler | None = None) -> str:
    """Word a constraint row the way the user knows it.

    The parent component's ``doc`` is a format string whose ``{0}``, ``{1}``...
    fields receive the index entries passed through ``label`` (which turns a
    region code into ``"Hefei (340100)"``, say). Without a doc the component
    name and index are used.
    """
    return _describe(con, label)


def describe_bound(v: VarData, side: str, label: Labeler | None = None, bound: float | None = None) -> str:
    """Word a variable bound: ``"bound: <the variable's doc> >= 5"``."""
    b = (v.lb if side == "lower" else v.ub) if bound is None else bound
    return f"bound: {_describe(v, label)} {'>=' if side == 'lower' else '<='} {b:g}"


def _elastic(
    model: pyo.Block,
    label: Labeler | None,
    options: SolveOptions | None,
    tol: float,
    bendable: Bendable | None = None,
    weight: Weight | None = None,
    bendable_bound: BendableBound | None = None,
) -> list[Conflict]:
    """Relax the bendable rules with slacks and minimise the weighted total violation.

    Each rule that may bend gets non-negative slacks on its bounds; the
    objective is ``sum(weight(c) * (slack_lo + slack_up))`` (weight 1 by default:
    rules are in their own units, so the diagnosis is scale-dependent by design).
    Rules for which ``bendable`` is False (structural rows such as variable
    links) keep no slack. Variables for which ``bendable_bound`` is True have
    their bounds replaced by elastic rows (a bound the user set, such as a
    contracted minimum flow, can then be named).
    """
    m = model.clone()
    for o in m.component_data_objects(pyo.Objective, active=True, descend_into=True):
        o.deactivate()
    cons = list(m.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    orig = list(model.component_data_objects(pyo.Constraint, active=True, descend_into=True))
    may_bend = [bendable(c) if bendable is not None else True for c in orig]
    weights = [float(weight(c)) if weight is not None else 1.0 for c in orig]
    n = len(cons)
    idx_name = unique_component_name(m, "_elastic_index")
    m.add_component(idx_name, pyo.RangeSet(0, n - 1) if n else pyo.Set(initialize=[]))
    idx = m.component(idx_name)
    lo_name, up_name, rows_name = (unique_component_name(m, f"_elastic_{s}") for s in ("lower", "upper", "rows"))
    m.add_component(lo_name, pyo.Var(idx, within=pyo.NonNegativeReals))
    m.add_component(up_name, pyo.Var(idx, within=pyo.NonNegativeReals))
    m.add_component(rows_name, pyo.ConstraintList())
    s_lo, s_up, rows = m.component(lo_name), m.component(up_name), m.component(rows_name)
    terms: list[Any] = []
    for i, c in enumerate(cons):
        if not may_bend[i]:
            s_lo[i].fix(0)
            s_up[i].fix(0)
            continue
        body = c.body
        if c.has_lb():
            rows.add(body + s_lo[i] >= pyo.value(c.lower))
            terms.append(weights[i] * s_lo[i])
        else:
            s_lo[i].fix(0)
        if c.has_ub():
            rows.add(body - s_up[i] <= pyo.value(c.upper))
            terms.append(weights[i] * s_up[i])
        else:
            s_up[i].fix(0)
        c.deactivate()
    # user-set variable bounds that may bend
    bound_rows: list[tuple[VarData, str, float, Any]] = []
    if bendable_bound is not None:
        ovars = list(model.component_data_objects(pyo.Var, active=True, descend_into=True))
        cvars = list(m.component_data_objects(pyo.Var, active=True, descend_into=True))
        vb_name = unique_component_name(m, "_elastic_bound_slack")
        m.add_component(vb_name, pyo.VarList(within=pyo.NonNegativeReals))
        vslack = m.component(vb_name)
        for ov, cv in zip(ovars, cvars, strict=False):
            if cv.fixed or not bendable_bound(ov):
                continue
            dom_lo, dom_hi = cv.domain.bounds()
            for side, b, dom in (("lower", cv.lb, dom_lo), ("upper", cv.ub, dom_hi)):
                if b is None or (dom is not None and float(b) == float(dom)):
                    continue
                s = vslack.add()
                if side == "lower":
                    cv.setlb(dom_lo)
                    rows.add(cv + s >= float(b))
                else:
                    cv.setub(dom_hi)
                    rows.add(cv - s <= float(b))
                terms.append(s)
                bound_rows.append((ov, side, float(b), s))
    m.add_component(unique_component_name(m, "_elastic_objective"), pyo.Objective(expr=pyo.quicksum(terms) if terms else 0.0))
    rep = solve_model(m, options or SolveOptions())
    if not rep.status.has_solution:
        return []
    out: list[Conflict] = []
    for i, c in enumerate(orig):
        lo = pyo.value(s_lo[i]) or 0.0
        up = pyo.value(s_up[i]) or 0.0
        if lo > tol or up > tol:
            side = "lower" if lo > up else "upper"
            out.append(Conflict(describe_constraint(c, label), c.parent_component().name, c.index(), side, max(lo, up)))
    for ov, side, b, s in bound_rows:
        val = pyo.value(s) or 0.0
        if val > tol:
            out.append(Conflict(describe_bound(ov, side, label, b), ov.parent_component().name, ov.index(), side, val))
    out.sort(key=lambda k: -(k.violation or 0.0))
    return out


def diagnose_infeasibility(
    model: pyo.Block,
    label: Labeler | None = None,
    *,
    options: SolveOptions | None = None,
    method: str = "auto",
    tol: float = 1e-6,
    bendable: Bendable | None = None,
    weight: Weight | None = None,
    bendable_bound: BendableBound | None = None,
) -> tuple[str, list[Conflict]]:
    """Explain why ``model`` is infeasible.

    Parameters
    ----------
    model
        The infeasible Pyomo model (left unchanged).
    label
        Turns an index entry (region code...) into the user's wording.
    options
        Solver options for the elastic relaxation.
    method
        ``"iis"`` (LPs, HiGHS), ``"elastic"``, or ``"auto"`` (IIS for LPs,
        elastic for MIPs or if no IIS is found).
    tol
        Violations below this are not reported.
    bendable
        Elastic only: which rules may bend (default: all). Structural rows that
        only link variables should not.
    weight
        Elastic only: cost per unit of bending a rule (default 1).
    bendable_bound
        Elastic only: variables whose bounds are rules the user set (default:
        none), relaxed like rules.

    Returns
    -------
    (method used, conflicts)
        An IIS lists the user's rules first and variable bounds after them,
        trivial non-negativity bounds last.
    """
    if method in ("auto", "iis") and not is_mip(model):
        try:
            found = highs.iis(model, lambda c: describe_constraint(c, label),
                              lambda v, side: describe_bound(v, side, label))
        except Exception:  # pragma: no cover - IIS support varies by highspy version
            found = []
        if found or method == "iis":
            return "iis", found
    return "elastic", _elastic(model, label, options, tol, bendable, weight, bendable_bound)


def raise_infeasible(model: pyo.Block, what: str, label: Labeler | None = None,
                     options: SolveOptions | None = None) -> None:
    """Diagnose and raise :class:`InfeasibleError` for ``model``."""
    method, conflicts = diagnose_infeasibility(model, label, options=options)
    raise InfeasibleError(f"{what}: the rules cannot all hold", conflicts, method)
