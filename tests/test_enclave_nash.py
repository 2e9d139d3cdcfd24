"""Weighted Nash bargaining by adaptive tangent cuts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.enclave import (
    CooperativeGame,
    bankruptcy_game,
    core_check,
    nash_bargaining,
    zhangjiang_sci_tech_city,
)
from regionopt.enclave.game import popcounts
from regionopt.errors import InfeasibleError, InputError


def game(seed: int, n: int) -> CooperativeGame:
    rng = np.random.default_rng(seed)
    v = popcounts(n) * rng.uniform(0, 1, size=1 << n)
    v[-1] = 1.5 * n
    return CooperativeGame([f"P{i}" for i in range(n)], v)


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 6), wseed=st.integers(0, 100))
def test_matches_closed_form_within_stated_bound(seed, n, wseed):
    g = game(seed, n)
    w = np.random.default_rng(wseed).uniform(0.5, 3, size=n)
    weights = dict(zip(g.players, w, strict=True))
    x = nash_bargaining(g, weights=weights)
    d = g.singleton_values().to_numpy()
    exact = d + w / w.sum() * (g.grand_value - d.sum())
    assert x.attrs["objective_gap"] <= 1e-9
    assert np.linalg.norm(x.to_numpy() - exact) <= x.attrs["x_error_bound"] + 1e-9
    assert np.abs(x.to_numpy() - exact).max() <= 1e-3 * g.grand_value  # and the bound is useful
    assert x.sum() == pytest.approx(g.grand_value, rel=1e-9)


def test_symmetric_nash_splits_surplus_equally():
    g = CooperativeGame.from_dict({("A",): 10.0, ("B",): 0.0, ("A", "B"): 30.0})
    x = nash_bargaining(g)
    assert x["A"] == pytest.approx(20.0, abs=1e-3)
    assert x["B"] == pytest.approx(10.0, abs=1e-3)


def test_explicit_disagreement_point():
    g = CooperativeGame.from_dict({("A",): 0.0, ("B",): 0.0, ("A", "B"): 30.0})
    x = nash_bargaining(g, disagreement={"A": 6.0, "B": 0.0}, weights={"A": 1.0, "B": 2.0})
    assert x["A"] == pytest.approx(6 + 8, abs=1e-3)


def test_core_constraint_moves_nash_into_core():
    case = zhangjiang_sci_tech_city()
    g = case.game
    free = nash_bargaining(g)
    assert not core_check(g, free).in_core  # the illustrative case is built so that it is not
    bound = nash_bargaining(g, core=True)
    assert core_check(g, bound, tol=1e-6).in_core
    assert bound.attrs["core_constrained"]


@settings(max_examples=10)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 6))
def test_core_constrained_nash_in_core_of_convex_games(seed, n):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2, size=n)
    masks = np.arange(1 << n)
    g = CooperativeGame([f"P{i}" for i in range(n)], (((masks[:, None] >> np.arange(n)) & 1) @ w) ** 2)
    x = nash_bargaining(g, core=True)
    assert core_check(g, x, tol=1e-6).in_core


def test_floors_and_caps_respected():
    g = bankruptcy_game(300, {"a": 100, "b": 200, "c": 300})
    x = nash_bargaining(g, caps={"a": 40.0}, floors={"c": 130.0})
    assert x["a"] <= 40.0 + 1e-6
    assert x["c"] >= 130.0 - 1e-6
    assert x.sum() == pytest.approx(300.0)


def test_no_agreement_and_bad_weights():
    g = CooperativeGame.from_dict({("A",): 10.0, ("B",): 10.0, ("A", "B"): 15.0})
    with pytest.raises(InfeasibleError, match="disagreement"):
        nash_bargaining(g)
    ok = CooperativeGame.from_dict({("A",): 1.0, ("B",): 1.0, ("A", "B"): 15.0})
    with pytest.raises(InputError) as ei:
        nash_bargaining(ok, weights={"A": 1.0, "B": 0.0})
    assert ei.value.row == "B"
    with pytest.raises(InfeasibleError):
        nash_bargaining(ok, caps={"A": 2.0, "B": 2.0})
