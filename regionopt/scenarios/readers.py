"""Results of a scenario solved on the fast path (its compiled model in a worker's live HiGHS model).

The fast path solves ``problem.compile()`` in a :class:`~regionopt.solve.highs.LiveModel`
through :func:`regionopt.solve.solve_live` (the shared rule: a plan, or an
``InfeasibleError`` with its diagnosis, or a solver error) and reads the
solution back with the model's own readback, so the result is the one
``problem.solve()`` returns. A model without a reader here is solved with its
own ``solve()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..contract import Problem, Result
from ..solve import Solved, SolveOptions, solve_model
from ..solve.highs import LiveModel

__all__ = ["READERS", "Reader", "reader_for"]


@dataclass(frozen=True)
class Reader:
    """How a model reads a fast-path solution back into its result.

    Attributes
    ----------
    read
        ``(problem, live, solved, options, **model_keywords) -> Result``. Called
        right after the solve, before the live model is used again: it may
        re-solve on it (it is restored before the next scenario).
    keywords
        The model's solve keywords the fast path handles (land: ``autarky``);
        any other keyword sends a sweep to the model's own ``solve``.
    prices
        Ask :func:`~regionopt.solve.solve_live` for prices (a MIP is re-solved
        as an LP with its integers fixed), as the model's ``solve`` does.
    full_keywords
        Keywords of the model's ``solve`` when a scenario needs it (to diagnose
        an infeasible plan): land ``autarky=False``.
    """

    read: Callable[..., Result]
    keywords: tuple[str, ...] = ()
    prices: bool = False
    full_keywords: tuple[tuple[str, Any], ...] = ()


# --------------------------------------------------------------------------- land


def _land_read(problem: Any, live: LiveModel, solved: Solved, options: SolveOptions, *,
               autarky: bool = False) -> Result:
    """The land result of ``problem.solve(autarky=...)`` from the live model that solved ``problem.compile()``.

    The same steps as the land model's own HiGHS route: platform round trips
    removed (in closed form, else the least platform purchases on the optimal
    face), tables read back, and -- with ``autarky`` -- the no-trade benchmark
    solved on the same live model with the trade columns fixed at 0.
    """
    from ..land import problem as land
    from ..land.readback import read_tables
    from ..land.roundtrips import drop_round_trips

    assert solved.solution is not None
    rep, notes = solved.report, list(solved.notes)
    sol, needs_lp = drop_round_trips(problem.inputs, problem.index, solved.solution)
    if needs_lp and rep.duals is not None:
        sol = land._least_platform_purchases(live, problem.index, sol) or sol
    tables = read_tables(problem.inputs, problem.index, sol)
    aut_rep = aut_tables = None
    if autarky:
        live.restore_integers()
        live.set_col_bounds(live.cm.positions(*land._TRADE), 0.0, 0.0)
        live.clear_basis()
        aut_rep = solve_model(live, options)
        if aut_rep.status.has_solution:
            aut = problem.autarky()
            aut_tables = read_tables(aut.inputs, aut.index, live.solution())
    return problem._result(rep, sol, notes, tables, autarky, aut_rep, aut_tables)


# --------------------------------------------------------------------------- clusters


def _cluster_read(problem: Any, live: LiveModel, solved: Solved, options: SolveOptions) -> Result:
    from ..clusters.results import ClusterRoleResult

    return ClusterRoleResult.read(problem, solved.report, solved.solution, options)


#: Readers by problem class name.
READERS: dict[str, Reader] = {
    "LandQuotaProblem": Reader(_land_read, keywords=("autarky",), prices=True,
                               full_keywords=(("autarky", False),)),
    "ClusterRoleProblem": Reader(_cluster_read),
}


def reader_for(problem: Problem) -> Reader | None:
    """The fast-path reader of a problem's model, or ``None`` (then its own ``solve`` is used)."""
    for klass in type(problem).__mro__:
        r = READERS.get(klass.__name__)
        if r is not None:
            return r
    return None
