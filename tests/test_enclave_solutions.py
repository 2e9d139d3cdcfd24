"""Shapley, Banzhaf, proportional, claims rules: formulas, axioms and known results."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.enclave import (
    CooperativeGame,
    airport_game,
    bankruptcy_game,
    banzhaf,
    cea,
    cel,
    claims_rule,
    nucleolus,
    proportional,
    proportional_claims,
    sequential_airport_rule,
    shapley,
    shapley_monte_carlo,
    talmud,
)
from regionopt.errors import InputError


def random_game(seed: int, n: int) -> CooperativeGame:
    rng = np.random.default_rng(seed)
    v = rng.uniform(-1, 5, size=1 << n)
    v[0] = 0.0
    return CooperativeGame([f"P{i}" for i in range(n)], v)


def brute_shapley(g: CooperativeGame) -> np.ndarray:
    phi = np.zeros(g.n)
    perms = list(itertools.permutations(range(g.n)))
    for p in perms:
        m = 0
        for i in p:
            phi[i] += g.value(m | (1 << i)) - g.value(m)
            m |= 1 << i
    return phi / len(perms)


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 5))
def test_shapley_matches_permutation_definition_and_is_efficient(seed, n):
    g = random_game(seed, n)
    phi = shapley(g)
    np.testing.assert_allclose(phi.to_numpy(), brute_shapley(g), atol=1e-9)
    assert phi.sum() == pytest.approx(g.grand_value)
    assert phi.name == "shapley" and list(phi.index) == list(g.players)


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 7))
def test_shapley_symmetry_axiom(seed, n):
    g = random_game(seed, n)
    v = g.values().copy()
    masks = np.arange(1 << n)
    swapped = masks ^ (((masks & 1) ^ ((masks >> 1) & 1)) * 3)  # swap bits 0 and 1
    vs = 0.5 * (v + v[swapped])  # symmetric in players 0 and 1
    phi = shapley(CooperativeGame(g.players, vs))
    assert phi.iloc[0] == pytest.approx(phi.iloc[1], abs=1e-9)


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 7), null=st.integers(0, 6))
def test_shapley_and_banzhaf_null_player(seed, n, null):
    null = null % n
    base = random_game(seed, n - 1).values()
    masks = np.arange(1 << n)
    low = masks & ((1 << null) - 1)
    high = masks >> (null + 1)
    reduced = low | (high << null)  # drop the null player's bit
    g = CooperativeGame([f"P{i}" for i in range(n)], base[reduced])
    assert shapley(g).iloc[null] == pytest.approx(0.0, abs=1e-9)
    assert banzhaf(g, normalized=False).iloc[null] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=15)
@given(seed=st.integers(0, 10**6), n=st.integers(1, 7))
def test_shapley_additivity(seed, n):
    g1, g2 = random_game(seed, n), random_game(seed + 7, n)
    np.testing.assert_allclose(shapley(g1 + g2).to_numpy(), (shapley(g1) + shapley(g2)).to_numpy(), atol=1e-9)


def test_shapley_three_player_known_value():
    g = CooperativeGame.from_dict({("A",): 1, ("B",): 2, ("C",): 0, ("A", "B"): 4, ("A", "C"): 3,
                                   ("B", "C"): 3, ("A", "B", "C"): 6})
    assert shapley(g).round(6).to_dict() == {"A": 2.166667, "B": 2.666667, "C": 1.166667}


def test_shapley_monte_carlo_within_stated_bound():
    g = random_game(11, 9)
    exact = shapley(g)
    mc = shapley_monte_carlo(g, n_samples=4000, seed=3)
    hw = mc.attrs["half_width"]
    assert mc.sum() == pytest.approx(g.grand_value)
    assert (hw > 0).all()
    # 95 % bounds per player; with 9 players allow 2x the half width for all at once
    assert ((mc - exact).abs() <= 2 * hw).all()
    again = shapley(g, method="monte_carlo", n_samples=4000, seed=3)
    pd.testing.assert_series_equal(mc, again)


def test_shapley_monte_carlo_on_callable_game_large_n():
    n = 40
    w = np.arange(1, n + 1, dtype=float)
    g = CooperativeGame.from_callable([f"c{i}" for i in range(n)], lambda s: sum(w[int(p[1:])] for p in s) ** 1.0)
    mc = shapley_monte_carlo(g, n_samples=20, seed=0)
    np.testing.assert_allclose(mc.to_numpy(), w, atol=1e-9)  # additive game: exact from any order


def test_banzhaf_raw_formula_and_normalisation():
    g = random_game(5, 4)
    raw = banzhaf(g, normalized=False)
    for i in range(4):
        tot = sum(g.value(m | (1 << i)) - g.value(m) for m in range(16) if not (m >> i) & 1)
        assert raw.iloc[i] == pytest.approx(tot / 8)
    norm = banzhaf(g)
    assert norm.sum() == pytest.approx(g.grand_value)
    np.testing.assert_allclose(norm.to_numpy() / norm.sum(), raw.to_numpy() / raw.sum())


def test_proportional_and_errors():
    g = random_game(1, 3)
    x = proportional(g, {"P0": 1, "P1": 1, "P2": 2})
    assert x.to_dict() == pytest.approx({"P0": g.grand_value / 4, "P1": g.grand_value / 4,
                                         "P2": g.grand_value / 2})
    with pytest.raises(InputError) as ei:
        proportional(g, {"P0": 1, "P1": -1, "P2": 2})
    assert ei.value.row == "P1"
    with pytest.raises(InputError) as ei:
        proportional(g, {"P0": 1, "P1": 1})
    assert ei.value.row == "P2"


@settings(max_examples=20)
@given(costs=st.lists(st.floats(0.0, 100.0), min_size=1, max_size=7))
def test_airport_shapley_equals_sequential_rule(costs):
    c = {f"plane{i}": x for i, x in enumerate(costs)}
    np.testing.assert_allclose(shapley(airport_game(c)).to_numpy(), sequential_airport_rule(c).to_numpy(),
                               atol=1e-9)


# ---------------------------------------------------------------------- claims rules

CLAIMS = {"a": 100.0, "b": 200.0, "c": 300.0}


@pytest.mark.parametrize(("estate", "expected"), [
    (100, [33.333333, 33.333333, 33.333333]), (200, [50, 75, 75]), (300, [50, 100, 150])])
def test_talmud_known_values(estate, expected):
    # Aumann–Maschler (1985), the three estates of the Talmud's marriage contract problem
    np.testing.assert_allclose(talmud(estate, CLAIMS).to_numpy(), expected, atol=1e-5)


def test_cea_cel_proportional_known_values():
    np.testing.assert_allclose(cea(200, CLAIMS).to_numpy(), [200 / 3] * 3)
    np.testing.assert_allclose(cea(400, CLAIMS).to_numpy(), [100, 150, 150])
    np.testing.assert_allclose(cel(300, CLAIMS).to_numpy(), [0, 100, 200])
    np.testing.assert_allclose(cel(400, CLAIMS).to_numpy(), [100 / 3, 400 / 3, 700 / 3])
    np.testing.assert_allclose(proportional_claims(300, CLAIMS).to_numpy(), [50, 100, 150])
    assert claims_rule(300, CLAIMS, "cel").name == "cel"


claims_st = st.lists(st.floats(0.0, 1000.0), min_size=1, max_size=6)


@settings(max_examples=30)
@given(claims=claims_st, frac=st.floats(0.0, 1.0))
def test_claims_rules_feasible_and_ordered(claims, frac):
    c = {f"k{i}": x for i, x in enumerate(claims)}
    estate = frac * sum(claims)
    for rule in ("proportional", "cea", "cel", "talmud"):
        x = claims_rule(estate, c, rule)
        assert x.sum() == pytest.approx(estate, abs=1e-6)
        assert (x >= -1e-9).all() and (x <= pd.Series(c) + 1e-9).all()
        # order preservation: larger claim, no smaller award
        order = np.argsort(claims, kind="stable")
        assert np.all(np.diff(x.to_numpy()[order]) >= -1e-7)


@settings(max_examples=12)
@given(claims=st.lists(st.integers(1, 500), min_size=2, max_size=6), frac=st.floats(0.05, 0.95))
def test_nucleolus_of_bankruptcy_game_is_talmud(claims, frac):
    c = {f"k{i}": float(x) for i, x in enumerate(claims)}
    estate = frac * sum(claims)
    nuc = nucleolus(bankruptcy_game(estate, c))
    np.testing.assert_allclose(nuc.to_numpy(), talmud(estate, c).to_numpy(), atol=1e-5 * max(claims))


def test_claims_input_errors():
    with pytest.raises(InputError, match="exceeds"):
        talmud(700, CLAIMS)
    with pytest.raises(InputError) as ei:
        cea(10, {"a": 5, "b": -1})
    assert ei.value.row == "b"
    with pytest.raises(InputError):
        claims_rule(10, CLAIMS, "rawls")


def test_bankruptcy_game_values():
    g = bankruptcy_game(300, CLAIMS)
    assert g.value(["c"]) == 0.0
    assert g.value(["b", "c"]) == 200.0
    assert g.grand_value == 300.0
    assert g.is_convex()
    assert math.isclose(g.value(["a", "c"]), 100.0)


def test_shapley_monte_carlo_single_pair_states_no_finite_bound():
    """With n_samples=2 (one antithetic pair) the spread is unknown: the bound must not be 0."""
    g = CooperativeGame.from_callable(["L1", "L2", "R"],
                                      lambda s: float(min(len(s & {"L1", "L2"}), len(s & {"R"}))))
    exact = shapley(g)
    for seed in range(6):
        mc = shapley_monte_carlo(g, n_samples=2, seed=seed)
        hw = mc.attrs["half_width"]
        assert ((mc - exact).abs() <= hw).all()
        assert np.isinf(hw).all()
    mc = shapley_monte_carlo(g, n_samples=4, seed=0)
    assert np.isfinite(mc.attrs["half_width"]).all()


def _voting_game() -> CooperativeGame:
    # weighted majority game [9; 5, 3, 2, 2, 1, 1, 1, 1]: v(S) = 1 if the weights of S reach 9
    w = {"P1": 5, "P2": 3, "P3": 2, "P4": 2, "P5": 1, "P6": 1, "P7": 1, "P8": 1}
    return CooperativeGame.from_callable(list(w), lambda s: float(sum(w[p] for p in s) >= 9))


def test_shapley_monte_carlo_guaranteed_bound_covers_where_the_clt_bound_does_not():
    # Marginal contributions of a simple game lie in [0, 1]. With 10 orders the CLT
    # half-width often misses (pivots are rare, samples show no spread); the
    # Hoeffding half-width must cover the exact value in at least 95 % of runs.
    g = _voting_game()
    exact = shapley(g)
    runs, clt_miss, hoeffding_miss = 200, 0, 0
    for seed in range(runs):
        mc = shapley_monte_carlo(g, n_samples=10, seed=seed, marginal_range=(0.0, 1.0))
        err = (mc - exact).abs()
        clt_miss += int((err > mc.attrs["half_width"] + 1e-12).sum())
        hoeffding_miss += int((err > mc.attrs["half_width_guaranteed"] + 1e-12).sum())
    cells = runs * g.n
    assert hoeffding_miss <= 0.05 * cells
    assert clt_miss > hoeffding_miss  # the reason the guaranteed bound exists


def test_shapley_monte_carlo_checks_its_marginal_range():
    g = _voting_game()
    with pytest.raises(InputError) as e:
        shapley_monte_carlo(g, n_samples=50, seed=0, marginal_range=(0.0, 0.5))
    assert e.value.field == "marginal_range" and e.value.row in g.players
    with pytest.raises(InputError):
        shapley_monte_carlo(g, n_samples=50, seed=0, marginal_range=(1.0, 1.0))
    plain = shapley_monte_carlo(g, n_samples=50, seed=0)
    assert "half_width_guaranteed" not in plain.attrs
