"""Nucleolus (constraint generation vs all rows), Kohlberg, least core and core_check."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.enclave import (
    CooperativeGame,
    core_check,
    kohlberg_check,
    least_core,
    nucleolus,
    prenucleolus,
    shapley,
)
from regionopt.enclave.game import popcounts
from regionopt.errors import InfeasibleError, InputError


def random_game(seed: int, n: int) -> CooperativeGame:
    """Random game with a non-empty imputation set: v(S) ~ U(0, |S|), v(N) = n."""
    rng = np.random.default_rng(seed)
    v = popcounts(n) * rng.uniform(0, 1, size=1 << n)
    v[-1] = n
    return CooperativeGame([f"P{i}" for i in range(n)], v)


def convex_game(seed: int, n: int) -> CooperativeGame:
    """v(S) = (Σ_{i∈S} w_i)^2: convex, so the core is non-empty."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.0, size=n)
    masks = np.arange(1 << n)
    s = ((masks[:, None] >> np.arange(n)) & 1) @ w
    return CooperativeGame([f"P{i}" for i in range(n)], s**2)


def test_three_player_known_nucleolus():
    g = CooperativeGame.from_dict({("A",): 1, ("B",): 2, ("C",): 0, ("A", "B"): 4, ("A", "C"): 3,
                                   ("B", "C"): 3, ("A", "B", "C"): 6})
    x = nucleolus(g)
    np.testing.assert_allclose(x.to_numpy(), [2.25, 2.5, 1.25], atol=1e-9)
    assert x.name == "nucleolus"
    assert x.attrs["kohlberg"].holds
    assert list(x.attrs["stages"]["epsilon"]) == pytest.approx([-0.5, -0.75])


@settings(max_examples=12)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 8))
def test_generation_equals_all_rows(seed, n):
    g = random_game(seed, n)
    a = nucleolus(g)
    b = nucleolus(g, method="all_rows")
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-6 * n)
    assert a.attrs["rows_generated"] <= a.attrs["all_rows"]


@settings(max_examples=12)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 8))
def test_nucleolus_in_least_core_and_kohlberg(seed, n):
    g = random_game(seed, n)
    x = nucleolus(g)
    assert x.sum() == pytest.approx(g.grand_value)
    assert (x.to_numpy() >= g.singleton_values().to_numpy() - 1e-7).all()  # imputation
    assert least_core(g, imputation=True).contains(g, x)
    px = prenucleolus(g)
    assert least_core(g).contains(g, px)
    assert kohlberg_check(g, px, imputation=False).holds


@settings(max_examples=10)
@given(seed=st.integers(0, 10**6), n=st.integers(3, 7))
def test_kohlberg_rejects_perturbed_point(seed, n):
    g = random_game(seed, n)
    px = prenucleolus(g).to_numpy()
    bumped = px.copy()
    bumped[0] += 0.05
    bumped[1] -= 0.05
    assert not kohlberg_check(g, bumped, imputation=False).holds


@settings(max_examples=10)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 7))
def test_convex_game_nucleolus_and_shapley_in_core(seed, n):
    g = convex_game(seed, n)
    assert core_check(g, nucleolus(g)).in_core
    assert core_check(g, shapley(g)).in_core  # Shapley (1971): convex games
    lc = least_core(g)
    assert lc.epsilon <= 1e-7 and not lc.core_is_empty


def test_least_core_of_empty_core_game():
    # majority game: any two of three get 1; core empty, least core epsilon = 1/3
    v = np.array([0, 0, 0, 1, 0, 1, 1, 1.0])
    g = CooperativeGame(["a", "b", "c"], v)
    lc = least_core(g)
    assert lc.epsilon == pytest.approx(1 / 3)
    assert lc.core_is_empty
    np.testing.assert_allclose(nucleolus(g).to_numpy(), [1 / 3] * 3)


def test_core_check_reports_blocking_coalitions():
    g = CooperativeGame.from_dict({("A",): 1, ("B",): 2, ("C",): 0, ("A", "B"): 4, ("A", "C"): 3,
                                   ("B", "C"): 5, ("A", "B", "C"): 6})
    chk = core_check(g, {"A": 3.0, "B": 2.0, "C": 1.0})
    assert not chk.in_core
    assert chk.n_blocking == 1
    row = chk.blocking.iloc[0]
    assert row["coalition"] == ("B", "C")
    assert (row["value"], row["payoff"], row["excess"]) == (5.0, 3.0, 2.0)
    assert chk.individually_rational.all()
    chk2 = core_check(g, {"A": 0.5, "B": 3.5, "C": 2.0})
    assert not chk2.individually_rational["A"]
    assert core_check(g, {"A": 1.0, "B": 3.0, "C": 2.0}).in_core
    with pytest.raises(InputError) as ei:
        core_check(g, {"A": 1.0, "B": 3.0})
    assert ei.value.row == "C"


def test_inefficient_allocation_not_in_core():
    g = convex_game(1, 3)
    x = shapley(g) * 1.1
    chk = core_check(g, x)
    assert not chk.in_core and chk.efficiency_gap > 0


def test_empty_imputation_set():
    g = CooperativeGame(["a", "b"], np.array([0, 2.0, 2.0, 3.0]))
    with pytest.raises(InfeasibleError, match="imputation"):
        nucleolus(g)
    np.testing.assert_allclose(prenucleolus(g).to_numpy(), [1.5, 1.5])


def test_single_player():
    g = CooperativeGame(["only"], np.array([0, 7.0]))
    assert nucleolus(g).iloc[0] == 7.0


def test_nucleolus_sixteen_players_fast_and_sparse():
    g = random_game(42, 16)
    t0 = time.perf_counter()
    x = nucleolus(g)
    secs = time.perf_counter() - t0
    assert x.attrs["kohlberg"].holds
    assert x.attrs["rows_generated"] < 0.02 * x.attrs["all_rows"]
    assert secs < 10


@pytest.mark.parametrize("n", [4, 8, 10])
def test_degenerate_games_with_many_ties(n):
    masks = np.arange(1 << n)
    # unanimity game of players 0 and 1: they split 1, every other player is null
    u = CooperativeGame([f"P{i}" for i in range(n)], ((masks & 3) == 3).astype(float))
    x = nucleolus(u)
    np.testing.assert_allclose(x.to_numpy(), [0.5, 0.5] + [0.0] * (n - 2), atol=1e-8)
    # symmetric majority game: equal split
    maj = CooperativeGame([f"P{i}" for i in range(n)], (popcounts(n) > n // 2).astype(float))
    np.testing.assert_allclose(nucleolus(maj).to_numpy(), np.full(n, 1 / n), atol=1e-8)


# A 4-player game with values of order 1e6 万元 whose coalitions differ from round numbers by a few
# tenths of a 万元 (near-degenerate: many excesses tie within the LP tolerance). The stage LPs used
# to fix "tight" coalitions at v(S) - t as equalities, which contradicted each other and made the
# next stage infeasible.
NEAR_TIE_VALUES = [0.0, 2000000.024, 2000000.043, 0.0657, -0.1046, 1000000.0108, -0.0307, 1000000.1232,
                   -0.0336, 999999.8053, 0.1264, 1000000.1818, 2000000.0967, 1999999.9641, 1999999.9011, 0.1]


@pytest.mark.parametrize("factor", [1e-6, 1.0, 1e3])
def test_prenucleolus_near_ties_and_large_values(factor):
    g = CooperativeGame(["A", "B", "C", "D"], np.array(NEAR_TIE_VALUES) * factor)
    x = prenucleolus(g)
    ref = prenucleolus(g, method="all_rows")
    scale = max(1.0, float(np.max(np.abs(g.values()))))
    np.testing.assert_allclose(x.to_numpy(), ref.to_numpy(), atol=1e-6 * scale)
    assert abs(x.sum() - g.grand_value) <= 1e-9 * scale
    assert kohlberg_check(g, x, imputation=False).holds
    assert least_core(g).contains(g, x)


def _multiples_game(seed: int, n: int, unit: float) -> CooperativeGame:
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 5, size=1 << n).astype(float) * unit
    v[0] = 0.0
    return CooperativeGame([f"P{i}" for i in range(n)], v)


@pytest.mark.parametrize("seed", range(12))
def test_prenucleolus_is_scale_invariant(seed):
    """prenucleolus(k·v) = k·prenucleolus(v), also when v(S) is of order 1e9 (GDP-sized, in 万元)."""
    n = 5
    small = _multiples_game(seed, n, 0.25)
    big = _multiples_game(seed, n, 0.25e9)
    x_small = prenucleolus(small).to_numpy()
    x_big = prenucleolus(big).to_numpy()
    np.testing.assert_allclose(x_big, x_small * 1e9, atol=1e-6 * 1e9)
    lc_small, lc_big = least_core(small), least_core(big)
    assert lc_big.epsilon == pytest.approx(lc_small.epsilon * 1e9, abs=1e-6 * 1e9)
