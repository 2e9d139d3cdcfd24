"""Asymmetric distance tables: the plan must not depend on the order of the cities.

Road distances differ by direction. The model reads an asymmetric ``distances_km``
table in one documented way (near-core: from the supporting city to the core;
neighbours and synergy proximity: the shorter of the two directions), so listing
the cities (and the fit rows) in another order gives the same optimum and plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.clusters import ClusterRoleProblem
from regionopt.datasets import haversine_km
from regionopt.errors import InfeasibleError
from regionopt.solve import Status

from .cluster_checks import brute_force, evaluate, tiny_tables


def asymmetric_tables(seed: int, n_cities: int = 5, n_clusters: int = 2) -> tuple[dict, dict]:
    """:func:`tiny_tables` with a road-like asymmetric distance table.

    Each direction of a pair is the great-circle distance times its own factor
    U(0.5, 2.0) (detours, one-way roads), rounded to 0.1 km; the diagonal is 0.
    """
    tables, params = tiny_tables(seed, n_cities, n_clusters)
    rng = np.random.default_rng(seed + 20_000)
    c = tables["cities"]
    d = haversine_km(c["lat"].to_numpy(), c["lon"].to_numpy()) * rng.uniform(0.5, 2.0, (n_cities, n_cities))
    np.fill_diagonal(d, 0.0)
    tables["distances_km"] = pd.DataFrame(d.round(1), index=c.index, columns=c.index)
    return tables, params


def reordered(tables: dict, order: list[str], seed: int = 0) -> dict:
    """The same instance with the cities (and the distance table) in ``order`` and the fit rows shuffled."""
    t = dict(tables)
    t["cities"] = tables["cities"].loc[order]
    t["distances_km"] = tables["distances_km"].loc[order, order]
    t["fit"] = tables["fit"].sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return t


def _solve(tables: dict, params: dict) -> tuple[float, set[tuple[str, str, str]]] | None:
    try:
        res = ClusterRoleProblem.from_frames(**tables, **params).solve(mip_gap=1e-9)
    except InfeasibleError:
        return None
    assert res.status == Status.OPTIMAL
    return res.objective, set(res.plan)


# Seed 10 is the first of seeds 0..39 whose optimum changed when the cities were
# listed in reverse order (6.515 as given, 5.672 reversed): two cities whose road
# distance is within neighbour_km one way only were neighbours in one order and not
# in the other ("forbid" mode), since the pair rule read only D[first, second].
def test_reversed_city_order_gives_same_plan() -> None:
    tables, params = asymmetric_tables(10)
    d = tables["distances_km"]
    assert not np.allclose(d.to_numpy(), d.to_numpy().T)
    base = _solve(tables, params)
    assert base is not None
    again = _solve(reordered(tables, list(tables["cities"].index[::-1]), seed=1), params)
    assert again is not None
    assert again[0] == pytest.approx(base[0], abs=1e-6)
    assert again[1] == base[1]
    # and the optimum is the brute-force one under the documented reading
    assert brute_force(tables, params) == pytest.approx(base[0], abs=1e-6)


# Seeds where the brute force under the documented reading disagreed with the model
# that read one direction only: 0, 57 (neighbours, "forbid"), 28 (infeasible under the
# documented reading), 44 (synergy within 60 km, homogeneity off).
@pytest.mark.parametrize("seed", [0, 28, 44, 57])
def test_brute_force_optimum_with_asymmetric_distances(seed: int) -> None:
    tables, params = asymmetric_tables(seed, n_cities=4)
    best = brute_force(tables, params)
    got = _solve(tables, params)
    if best is None:
        assert got is None
        return
    assert got is not None
    assert got[0] == pytest.approx(best, abs=1e-6)
    assert evaluate(tables, params, got[1]) == pytest.approx(got[0], abs=1e-6)


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), n_cities=st.integers(3, 6), perm_seed=st.integers(0, 1_000))
def test_any_city_order_gives_same_optimum(seed: int, n_cities: int, perm_seed: int) -> None:
    tables, params = asymmetric_tables(seed, n_cities)
    order = list(np.random.default_rng(perm_seed).permutation(list(tables["cities"].index)))
    a = _solve(tables, params)
    b = _solve(reordered(tables, order, seed=perm_seed), params)
    if a is None or b is None:
        assert a is None and b is None
        return
    assert b[0] == pytest.approx(a[0], abs=1e-6)
    # ties aside, both plans are optimal under the (order-free) checker
    assert evaluate(tables, params, b[1]) == pytest.approx(a[0], abs=1e-6)
    assert evaluate(tables, params, a[1]) == pytest.approx(a[0], abs=1e-6)
