"""The matrix route builds the Pyomo route's LP exactly, and both routes give the same plan."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regionopt import InfeasibleError, InputError, Status
from regionopt.land import LandQuotaProblem, delta_example, delta_example_frames, random_instance
from regionopt.land.matrix import pyomo_order
from regionopt.solve import SolveOptions
from regionopt.solve.highs import CompiledModel, LiveModel, compile_model

from .land_checks import assert_plan_valid
from .land_instances import rich_instance

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same_compiled(a: CompiledModel, b: CompiledModel) -> None:
    """Row by row: same keys in the same order, same coefficients (bitwise), bounds, objective, integrality."""
    assert a.col_keys == b.col_keys
    assert a.row_keys == b.row_keys
    np.testing.assert_array_equal(a.start, b.start)
    for i, key in enumerate(a.row_keys):  # each row separately, so a failure names the row
        s, e = a.start[i], a.start[i + 1]
        assert np.array_equal(a.index[s:e], b.index[s:e]) and np.array_equal(a.value[s:e], b.value[s:e]), key
    for name in ("row_lo", "row_hi", "col_lo", "col_hi", "c", "integrality"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.offset, a.maximize) == (b.offset, b.maximize)
    const = [(c.parent_component().name, c.index()) for c in a.infeasible_constants]
    assert const == list(b.infeasible_constants)


def test_delta_lp_is_identical_and_keeps_its_optimum() -> None:
    prob = delta_example()
    assert_same_compiled(compile_model(prob.to_pyomo()), prob.compile())
    res = prob.solve()
    assert round(res.welfare, 2) == 12_446_198.32


@FAST
@given(st.integers(0, 100_000))
def test_matrix_route_builds_the_pyomo_lp(seed: int) -> None:
    """Every feature (periods and banking, 以补定占, red lines of every kind, caps, budgets, contract and forced
    arcs, closed channels, spread, Gini, binary projects, zero coefficients): the same compiled model."""
    prob = rich_instance(seed)
    assert_same_compiled(compile_model(prob.to_pyomo()), prob.compile())


def test_pyomo_order_matches_pyomo() -> None:
    """The one place where Pyomo reorders terms: a linear expression added to a single term comes first."""
    import pyomo.environ as pyo
    from pyomo.repn.standard_repn import generate_standard_repn

    m = pyo.ConcreteModel()
    m.v = pyo.Var(range(40))
    rng = np.random.default_rng(0)
    for _ in range(200):
        k = int(rng.integers(1, 6))
        sizes = rng.integers(0, 4, k).tolist()
        signs = rng.choice([-1, 1], k).tolist()
        e, nxt, chunks = 0, 0, []
        for n_, sg in zip(sizes, signs, strict=True):
            ids = list(range(nxt, nxt + n_))
            nxt += n_
            chunks.append(ids)
            part = sum(2.0 * m.v[i] for i in ids)
            e = e + part if sg > 0 else e - part
        if isinstance(e, (int, float)):
            continue
        got = [v.index() for v in generate_standard_repn(e, compute_values=True).linear_vars]
        want = [i for c in pyomo_order(sizes, signs) for i in chunks[c]]
        assert got == want, (sizes, signs)


def _tables(res) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    return {**res.tables(), "summary": res.summary().drop(index="solve_seconds")}


@SLOW
@given(st.integers(0, 100_000))
def test_routes_give_the_same_plan_and_prices(seed: int) -> None:
    """Matrix and Pyomo route on random instances of every feature: same outcome, optimum, tables and prices."""
    prob = rich_instance(seed)
    out = {}
    for route in ("matrix", "pyomo"):
        try:
            out[route] = prob.solve(route=route, time_limit=20)
        except InfeasibleError as exc:
            out[route] = exc
    a, b = out["matrix"], out["pyomo"]
    assert type(a) is type(b)
    if isinstance(a, InfeasibleError):
        assert [(c.component, c.index) for c in a.conflicts] == [(c.component, c.index) for c in b.conflicts]
        assert a.conflicts, "the diagnosis names the rules"
        return
    assert a.status == b.status
    assert a.welfare == b.welfare
    assert a.autarky_welfare == b.autarky_welfare or (math.isnan(a.autarky_welfare) and math.isnan(b.autarky_welfare))
    assert a.notes == b.notes
    for name, t in _tables(a).items():
        pd.testing.assert_frame_equal(t, _tables(b)[name], check_exact=True, obj=name)
    if a.status == Status.OPTIMAL:
        assert_plan_valid(prob, a)


@pytest.mark.parametrize("seed", [0, 3, 7])
def test_optimum_agrees_with_a_second_solver(seed: int) -> None:
    """The matrix route's optimum against CBC on the Pyomo model (a different solver and path)."""
    prob = random_instance(8, 3, seed=seed, red_lines=True, red_line_follows_trade=seed % 2 == 1)
    ours = prob.solve(autarky=False)
    cbc = prob.solve(solver="cbc", autarky=False)
    assert ours.welfare == pytest.approx(cbc.welfare, rel=1e-6, abs=1e-4)


def test_autarky_on_the_same_model_equals_a_separate_autarky_model() -> None:
    for seed in range(6):
        prob = random_instance(10, 3, seed=seed, red_lines=True, red_line_follows_trade=seed % 2 == 0)
        try:
            res = prob.solve()
        except InfeasibleError:
            continue
        alone = prob.autarky().solve(autarky=False, route="pyomo")
        assert res.autarky_welfare == pytest.approx(alone.welfare, rel=1e-9, abs=1e-6)
        assert res.regions["autarky_welfare_10k_cny"].sum() == pytest.approx(alone.welfare, rel=1e-9, abs=1e-6)


def test_infeasible_plan_on_the_matrix_route_names_the_rules() -> None:
    f = delta_example_frames()
    prov = f["provinces"].copy()
    prov.loc["310000", "farmland_floor_mu"] = prov.loc["310000", "farmland_mu"] * 1.5  # unreachable red line
    prob = LandQuotaProblem.from_frames(**{**f, "provinces": prov})
    errs = {}
    for route in ("matrix", "pyomo"):
        with pytest.raises(InfeasibleError) as info:
            prob.solve(route=route, autarky=False)
        errs[route] = info.value
    assert any(c.component == "red_line_province" and c.index[0] == "310000" for c in errs["matrix"].conflicts)
    assert [c.rule for c in errs["matrix"].conflicts] == [c.rule for c in errs["pyomo"].conflicts]


def test_route_keyword_is_checked() -> None:
    prob = random_instance(4, 2, seed=1)
    with pytest.raises(InputError) as info:
        prob.solve(route="arrays")
    assert info.value.field == "route"
    with pytest.raises(InputError) as info:
        prob.solve(route="matrix", solver="cbc")
    assert info.value.field == "route" and "pyomo" in str(info.value)
    assert prob.solve(route="auto", solver="cbc", autarky=False).status == Status.OPTIMAL


def test_live_re_solve_gets_its_own_time_limit() -> None:
    """HiGHS's run clock adds up over the runs of one Highs object: a limit is on top of the time spent."""
    live = LiveModel(random_instance(300, 4, seed=5).compile())
    first = live.run(SolveOptions())
    assert first.status == Status.OPTIMAL and live.h.getRunTime() > 0
    again = live.run(SolveOptions(time_limit=max(1e-3, 0.5 * live.h.getRunTime())))
    assert again.status == Status.OPTIMAL and again.objective == pytest.approx(first.objective, rel=1e-12)


def test_highspy_attributes_of_the_live_model_exist() -> None:
    import highspy

    for name in ("getRunTime", "clearSolver", "changeColsIntegrality", "getSolution"):
        assert hasattr(highspy.Highs, name), name


def test_solution_is_read_lazily_and_pickles_plainly() -> None:
    import pickle

    prob = random_instance(30, 3, seed=2)
    live = LiveModel(prob.compile())
    rep = live.run(SolveOptions())
    sol = live.solution(rep.duals)
    nz = sol.nonzero("x", 1e-7)
    full = sol.var("x")
    assert nz == {k: v for k, v in full.items() if abs(v) > 1e-7}
    assert len(full) == len(prob.index.arcs) * len(prob.index.periods)
    back = pickle.loads(pickle.dumps(sol))
    assert back.var("y") == sol.var("y") and back.nonzero("x", 1e-7) == nz


def test_column_keys_behave_like_the_list() -> None:
    """Keys made on demand: length, indexing (negative, slices), iteration, equality both ways, pickling."""
    import pickle

    prob = rich_instance(11)
    ref = compile_model(prob.to_pyomo()).col_keys
    keys = prob.compile().col_keys
    assert len(keys) == len(ref) and list(keys) == ref
    assert keys == ref and ref == keys and not (keys != ref)
    assert keys[0] == ref[0] and keys[-1] == ref[-1] and keys[3:9] == ref[3:9]
    with pytest.raises(IndexError):
        keys[len(ref)]
    assert pickle.loads(pickle.dumps(keys)) == ref
    names = {n for n, _i in ref}
    for n in names:
        pos = [i for i, k in enumerate(ref) if k[0] == n]
        assert keys.indices(np.array(pos)) == [ref[i][1] for i in pos]  # type: ignore[attr-defined]


def test_column_keys_of_two_compiles_compare_without_making_keys() -> None:
    """A scenario re-compile (numbers changed) has equal keys, found from the data they are made from."""
    base = random_instance(40, 3, seed=4)
    a, b = base.compile(), base.with_settings(intra_cost_10k_cny_per_unit=0.3).compile()
    assert a.col_keys._same_source(b.col_keys)  # type: ignore[attr-defined]
    assert a.col_keys == b.col_keys and list(a.col_keys) == list(b.col_keys) and a.same_structure(b)
    c = base.with_settings(platform=False).compile()
    assert not a.col_keys._same_source(c.col_keys) and a.col_keys != c.col_keys  # type: ignore[attr-defined]
