"""Games: construction and validation, linear production games (both LP routes), Owen in the core."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.enclave import (
    CooperativeGame,
    EnclaveGame,
    LinearProductionGame,
    core_check,
    owen_allocation,
    xiaoshan_xuancheng_down_park,
)
from regionopt.errors import InputError
from regionopt.solve import SolveOptions, solve_model

THREE = {
    ("A",): 1.0, ("B",): 2.0, ("C",): 0.0,
    ("A", "B"): 4.0, ("A", "C"): 3.0, ("B", "C"): 5.0, ("A", "B", "C"): 6.0,
}


def test_from_dict_values_and_names():
    g = CooperativeGame.from_dict(THREE)
    assert g.players == ("A", "B", "C")
    assert g.value(["B", "C"]) == 5.0
    assert g.value(("C", "B")) == 5.0
    assert g.value([]) == 0.0
    assert g.coalition_names(g.mask(["C", "A"])) == ("A", "C")
    assert g.grand_value == 6.0
    assert g.singleton_values().to_dict() == {"A": 1.0, "B": 2.0, "C": 0.0}


def test_from_dict_missing_coalition_names_it():
    bad = dict(THREE)
    del bad[("A", "C")]
    with pytest.raises(InputError) as ei:
        CooperativeGame.from_dict(bad)
    assert ei.value.table == "characteristic function"
    assert ei.value.row == ("A", "C")


def test_empty_coalition_must_be_zero():
    bad = dict(THREE)
    bad[()] = 1.0
    with pytest.raises(InputError, match="empty"):
        CooperativeGame.from_dict(bad)
    with pytest.raises(InputError, match="empty"):
        CooperativeGame.from_callable(["A", "B"], lambda s: 1.0)


def test_duplicate_and_unknown_players():
    with pytest.raises(InputError) as ei:
        CooperativeGame(["A", "A"], np.zeros(4))
    assert ei.value.row == "A"
    with pytest.raises(InputError, match="unknown player"):
        CooperativeGame.from_dict(THREE, players=["A", "B"])
    g = CooperativeGame.from_dict(THREE)
    with pytest.raises(InputError, match="unknown player"):
        g.value(["A", "Z"])


def test_from_series_and_callable_agree():
    ser = pd.Series({"+".join(k): v for k, v in THREE.items()}, name="park")
    g1 = CooperativeGame.from_series(ser)
    g2 = CooperativeGame.from_callable(["A", "B", "C"], lambda s: THREE.get(tuple(sorted(s)), 0.0))
    np.testing.assert_allclose(g1.values(), g2.values())
    assert g1.name == "park"
    back = g1.to_series()
    assert back.loc[[("A", "B")]].iloc[0] == 4.0


def test_nonfinite_value_rejected():
    vals = np.array([0.0, 1.0, np.nan, 3.0])
    with pytest.raises(InputError, match="finite"):
        CooperativeGame(["A", "B"], vals)


def test_superadditive_and_convex_flags():
    g = CooperativeGame.from_dict(THREE)
    assert g.is_superadditive()
    conv = CooperativeGame(["a", "b", "c"], np.array([0, 0, 0, 1, 0, 1, 1, 4.0]))
    assert conv.is_convex()
    assert not CooperativeGame(["a", "b", "c"], np.array([0, 0, 0, 2, 0, 2, 2, 2.0])).is_convex()


# ---------------------------------------------------------------------- linear production games

def random_lpg(seed: int, n: int, r: int = 3, m: int = 4) -> LinearProductionGame:
    rng = np.random.default_rng(seed)
    res = pd.DataFrame(rng.integers(0, 10, size=(n, r)).astype(float),
                       index=[f"p{i}" for i in range(n)], columns=[f"res{k}" for k in range(r)])
    tech = pd.DataFrame(rng.uniform(0.2, 3.0, size=(m, r)), index=[f"act{j}" for j in range(m)],
                        columns=res.columns)
    tech.iloc[:, 0] = np.maximum(tech.iloc[:, 0], 0.5)  # every activity uses resource 0: bounded
    tech["revenue_10k_cny"] = rng.uniform(1, 10, size=m)
    return LinearProductionGame(res, tech)


@settings(max_examples=8)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 4))
def test_highspy_and_pyomo_routes_agree(seed, n):
    g = random_lpg(seed, n)
    rng = np.random.default_rng(seed + 1)
    for mask in rng.choice(np.arange(1, 1 << n), size=min(3, (1 << n) - 1), replace=False):
        names = g.coalition_names(int(mask))
        model = g.to_pyomo(names)
        rep = solve_model(model, SolveOptions())
        assert rep.status.value == "optimal"
        assert rep.objective == pytest.approx(g.value(names), rel=1e-7, abs=1e-7)


def test_to_pyomo_named_components():
    g = random_lpg(3, 3)
    m = g.to_pyomo(["p0", "p2"])
    assert {"activity_level", "resource_limit", "revenue", "activities", "resources"} <= {
        c.name for c in m.component_objects()}
    assert list(m.activities) == list(g.technology.index)


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 5))
def test_owen_allocation_in_core(seed, n):
    g = random_lpg(seed, n)
    x = owen_allocation(g)
    assert x.sum() == pytest.approx(g.grand_value, rel=1e-7, abs=1e-6)
    chk = core_check(g, x, tol=1e-6)
    assert chk.in_core, chk.blocking
    assert chk.individually_rational.all()


def test_lpg_input_errors_name_table_row_field():
    res = pd.DataFrame({"land_mu": [10.0, -1.0]}, index=["host", "source"])
    tech = pd.DataFrame({"land_mu": [1.0], "revenue_10k_cny": [2.0]}, index=["a"])
    with pytest.raises(InputError) as ei:
        LinearProductionGame(res, tech)
    assert (ei.value.table, ei.value.row, ei.value.field) == ("resources", "source", "land_mu")
    with pytest.raises(InputError) as ei:
        LinearProductionGame(res.abs(), tech.drop(columns="revenue_10k_cny"))
    assert ei.value.field == "revenue_10k_cny"
    with pytest.raises(InputError, match="resource"):
        LinearProductionGame(res.abs(), tech.assign(water_t=1.0))


def test_unbounded_activity_reported():
    res = pd.DataFrame({"land_mu": [10.0]}, index=["host"])
    tech = pd.DataFrame({"land_mu": [0.0], "revenue_10k_cny": [2.0]}, index=["free_lunch"])
    with pytest.raises(InputError, match="unbounded"):
        LinearProductionGame(res, tech).value(["host"])


def test_lp_values_cached():
    g = random_lpg(5, 3)
    g.values()
    solves = g.lp_solves
    g.values()
    g.value(["p0", "p1"])
    assert g.lp_solves == solves == 7


def test_enclave_game_disagreement_and_roles():
    case = xiaoshan_xuancheng_down_park()
    g = case.game
    d = g.disagreement_point()
    assert d.name == "disagreement_10k_cny"
    assert set(g.roles) == {"source", "investor", "host"}
    assert d["Down firms' investment co."] == 0.0  # capital alone builds nothing
    assert g.grand_value > d.sum()  # cooperation pays
    assert case.contributions.attrs["illustrative"] is True
    with pytest.raises(InputError) as ei:
        EnclaveGame(case.contributions.assign(role=["source", "investor", "landlord"]))
    assert ei.value.row == "Xuancheng" and ei.value.field == "role"


def test_from_dict_repeated_coalition_or_nan_value_names_it():
    # ("B", "A") is the coalition ("A", "B") again: the later value used to win silently
    twice = {**THREE, ("B", "A"): 99.0}
    with pytest.raises(InputError, match="given twice"):
        CooperativeGame.from_dict(twice)
    key = next(k for k in THREE if isinstance(k, tuple) and len(k) == 2)
    nan = {**THREE, key: float("nan")}
    with pytest.raises(InputError, match="finite") as e:
        CooperativeGame.from_dict(nan)
    assert "value" in str(e.value)
