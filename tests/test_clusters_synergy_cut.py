"""The synergy envelope cut: exact subset weights, its envelope, and that it never cuts off an optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.clusters import ClusterRoleProblem, default_requirements
from regionopt.clusters.model import _envelope, _subset_weights
from regionopt.solve import SolveOptions, solve_model

ROLES = ["core", "rd", "supplier"]


def _g_by_hand(nodes: list[str], wts: dict[tuple[str, str], float], t: int) -> float:
    return max((sum(v for (a, b), v in wts.items() if a in sub and b in sub)
                for sub in map(set, itertools.combinations(nodes, t))), default=0.0)


def test_subset_weights_on_a_path() -> None:
    # a - b - c - d, weights 1, 2, 3 one way: the best pair is c-d (3), the best triple b-c-d (5)
    wts = {("a", "b"): 1.0, ("b", "c"): 2.0, ("c", "d"): 3.0}
    assert _subset_weights(["a", "b", "c", "d"], wts, 3) == [0.0, 0.0, 3.0, 5.0]
    # envelope of (0,0),(1,0),(2,3),(3,5): (2,3) lies under the chord from (0,0) to (3,5)
    # (height 10/3 there), so one facet of slope 5/3 remains
    assert _envelope([0.0, 0.0, 3.0, 5.0]) == [pytest.approx((5 / 3, 0.0))]
    # with a cap of 2 roles: (0,0),(1,0),(2,3): one facet of slope 1.5
    assert _envelope(_subset_weights(["a", "b", "c", "d"], wts, 2)) == [pytest.approx((1.5, 0.0))]


def test_envelope_keeps_a_flat_top() -> None:
    # (0,0),(1,0),(2,4),(3,4): slope 2 to (2,4), then flat
    assert _envelope([0.0, 0.0, 4.0, 4.0]) == [pytest.approx((2.0, 0.0)), pytest.approx((0.0, 4.0))]


@given(st.integers(0, 10_000), st.integers(2, 7), st.integers(1, 6))
@settings(max_examples=60)
def test_subset_weights_exact_and_bound(seed: int, n: int, cap: int) -> None:
    rng = np.random.default_rng(seed)
    nodes = [f"k{i}" for i in range(n)]
    wts = {(a, b): round(float(rng.uniform(0.1, 1)), 3) for a in nodes for b in nodes if a != b and rng.random() < 0.4}
    exact = _subset_weights(nodes, wts, cap)
    for t in range(len(exact)):
        assert exact[t] == pytest.approx(max(_g_by_hand(nodes, wts, s) for s in range(t + 1)))
    bound = _subset_weights(nodes, wts, cap, budget=0)  # forces the upper-bound branch
    assert all(b >= e - 1e-9 for b, e in zip(bound, exact, strict=True))
    # every point lies on or under the envelope
    for t, gt in enumerate(exact):
        assert min((a * t + b for a, b in _envelope(exact)), default=0.0) >= gt - 1e-9


def _dense_synergy_tables(seed: int) -> dict:
    """5 cities x 5 clusters with many links and few roles per city: the cut is active."""
    rng = np.random.default_rng(seed)
    ids = [f"c{i}" for i in range(5)]
    kids = [f"k{j}" for j in range(5)]
    cities = pd.DataFrame({"province": ["P"] * 5, "lat": 31 + rng.uniform(0, 0.5, 5), "lon": 120 + rng.uniform(0, 0.5, 5),
                           "max_roles": rng.integers(1, 4, 5), "max_cores": [2] * 5}, index=ids)
    fit = pd.DataFrame([(c, k, r, round(float(rng.normal(0.2, 1)), 3)) for c in ids for k in kids for r in ROLES],
                       columns=["city", "cluster", "role", "score"])
    syn = pd.DataFrame([{"cluster": a, "other": b, "weight": round(float(rng.uniform(0.2, 1.5)), 3)}
                        for a in kids for b in kids if a != b and rng.random() < 0.5])
    return {"cities": cities, "clusters": pd.DataFrame(index=kids), "fit": fit, "roles": ROLES,
            "requirements": default_requirements(kids, ROLES, cores=(0, 1), others={"rd": (0, 2), "supplier": (0, 2)}),
            "near_core_roles": [], "synergy": syn}


@given(st.integers(0, 10_000))
@settings(max_examples=25)
def test_envelope_cut_keeps_the_optimum(seed: int) -> None:
    """Second formulation: the same model without the cut has the same optimum; the cut only tightens the LP."""
    prob = ClusterRoleProblem.from_frames(**_dense_synergy_tables(seed), core_distance_km=None, homogeneity="off")
    exact = SolveOptions(mip_gap=1e-9)
    with_cut = prob.to_pyomo()
    without = prob.to_pyomo()
    without.synergy_envelope.deactivate()
    without.synergy_cap.deactivate()
    a, b = solve_model(with_cut, exact), solve_model(without, exact)
    assert a.objective == pytest.approx(b.objective, abs=1e-6)
    lp_a, lp_b = with_cut.clone(), without.clone()
    for m in (lp_a, lp_b):
        pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    assert solve_model(lp_a, SolveOptions()).objective <= solve_model(lp_b, SolveOptions()).objective + 1e-7


def test_envelope_cut_is_built_and_binds_in_the_lp() -> None:
    """On a dense instance the cut exists and lowers the LP bound (else the test above proves little)."""
    gains = []
    for seed in range(6):
        prob = ClusterRoleProblem.from_frames(**_dense_synergy_tables(seed), core_distance_km=None, homogeneity="off")
        m1, m2 = prob.to_pyomo(), prob.to_pyomo()
        assert len(m1.synergy_envelope) > 0
        m2.synergy_envelope.deactivate()
        for m in (m1, m2):
            pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
        gains.append(solve_model(m2, SolveOptions()).objective - solve_model(m1, SolveOptions()).objective)
    assert max(gains) > 1e-3
