"""Policy layer: tax layers, 存量不动增量分成, floors/caps, rounding, GDP split, CIT apportionment."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regionopt.enclave import (
    CIT_APPORTIONMENT_WEIGHTS,
    CooperativeGame,
    TaxLayers,
    apply_floors_caps,
    cit_apportionment,
    core_check,
    gdp_statistics_split,
    incremental_base,
    nucleolus,
    round_ratios,
    shapley,
    shareable_revenue,
)
from regionopt.errors import InputError


def test_default_tax_layers_are_the_sourced_ones():
    t = TaxLayers()
    assert t.shareable_fraction("vat") == 0.5  # 50:50 central:local since 2016
    assert t.shareable_fraction("cit") == 0.4  # 60:40


def test_shareable_revenue_and_layer_parameters():
    taxes = pd.DataFrame({"vat_10k_cny": [1000.0, 2000.0], "cit_10k_cny": [500.0, 0.0]}, index=[1, 2])
    out = shareable_revenue(taxes)
    assert out["shareable_10k_cny"].tolist() == [700.0, 1000.0]
    layers = TaxLayers(layer_split={"vat": {"province": 0.5, "city": 0.2, "county": 0.3}},
                       shared_layers=("city", "county"))
    out2 = shareable_revenue(taxes, layers)
    assert out2["vat_local_10k_cny"].tolist() == pytest.approx([250.0, 500.0])
    with pytest.raises(InputError) as ei:
        TaxLayers(layer_split={"vat": {"province": 0.5, "city": 0.2}})
    assert ei.value.row == "vat"
    with pytest.raises(InputError) as ei:
        shareable_revenue(pd.DataFrame({"vat_10k_cny": [1.0, -2.0]}, index=[2030, 2031]))
    assert (ei.value.row, ei.value.field) == (2031, "vat_10k_cny")


def test_incremental_base_keeps_stock_with_host():
    out = incremental_base(pd.Series([100.0, 200.0, 300.0], index=[1, 2, 3]), 150.0)
    assert out["host_base_10k_cny"].tolist() == [100.0, 150.0, 150.0]
    assert out["increment_10k_cny"].tolist() == [0.0, 50.0, 150.0]
    with pytest.raises(InputError):
        incremental_base(pd.Series([1.0]), -1.0)


@settings(max_examples=30)
@given(raw=st.lists(st.floats(0.01, 10), min_size=2, max_size=6), seed=st.integers(0, 1000))
def test_floors_caps_projection_feasible(raw, seed):
    s = pd.Series(raw, index=[f"p{i}" for i in range(len(raw))])
    rng = np.random.default_rng(seed)
    floors = {p: rng.uniform(0, 0.9 / len(raw)) for p in s.index}
    caps = {p: max(floors[p], rng.uniform(1.2 / len(raw), 1)) for p in s.index}
    out = apply_floors_caps(s, floors, caps)
    assert out.sum() == pytest.approx(1.0)
    for p in s.index:
        assert floors[p] - 1e-9 <= out[p] <= caps[p] + 1e-9


def test_floors_caps_infeasible():
    with pytest.raises(InputError, match="100 %"):
        apply_floors_caps(pd.Series({"a": 1.0, "b": 1.0}), floors={"a": 0.7, "b": 0.7})


def three_player_game():
    return CooperativeGame.from_dict({("A",): 1, ("B",): 2, ("C",): 0, ("A", "B"): 4, ("A", "C"): 3,
                                      ("B", "C"): 5, ("A", "B", "C"): 6})


def test_round_ratios_grid_and_stability_report():
    g = three_player_game()
    nuc = nucleolus(g)
    r = round_ratios(g, nuc, step=0.05)
    units = r.ratios.to_numpy() / 0.05
    np.testing.assert_allclose(units, np.round(units), atol=1e-9)
    assert r.ratios.sum() == pytest.approx(1.0)
    assert r.max_excess_before == pytest.approx(core_check(g, nuc).max_excess)
    assert r.max_excess_after == pytest.approx(core_check(g, r.payoff).max_excess)
    assert r.stability_loss == pytest.approx(max(0, r.max_excess_after) - max(0, r.max_excess_before))
    # with 10 % steps the nucleolus (1/6, 1/2, 1/3) cannot stay in the core of this game exactly
    coarse = round_ratios(g, nuc, step=0.25)
    assert coarse.check.in_core == (coarse.max_excess_after <= 1e-9)
    assert "A" in r.as_text()
    with pytest.raises(InputError):
        round_ratios(g, nuc, step=0.3)


def test_round_ratios_respects_floors():
    g = three_player_game()
    r = round_ratios(g, shapley(g), step=0.05, floors={"C": 0.3})
    assert r.ratios["C"] >= 0.3 - 1e-12


def test_gdp_statistics_split_separate_from_tax():
    out = gdp_statistics_split(pd.Series([100.0, 200.0], index=[1, 2]), {"source": 0.4, "host": 0.6})
    assert out.loc[2, "host"] == pytest.approx(120.0)
    with pytest.raises(InputError):
        gdp_statistics_split(10.0, {"a": 0.5, "b": 0.6})


def test_cit_apportionment_rule():
    assert CIT_APPORTIONMENT_WEIGHTS == {"revenue": 0.35, "payroll": 0.35, "assets": 0.30}
    units = pd.DataFrame({"revenue": [50.0, 30.0, 10.0], "payroll": [10.0, 10.0, 30.0],
                          "assets": [5.0, 20.0, 20.0]}, index=["HQ Xiaoshan", "Branch Xuancheng", "Branch Hefei"])
    out = cit_apportionment(units, 1000.0, "HQ Xiaoshan")
    assert out["HQ Xiaoshan"] == 500.0
    share_x = 0.35 * 30 / 40 + 0.35 * 10 / 40 + 0.30 * 20 / 40
    assert out["Branch Xuancheng"] == pytest.approx(500.0 * share_x)
    assert out.sum() == pytest.approx(1000.0)
    with pytest.raises(InputError) as ei:
        cit_apportionment(units.assign(payroll=[1.0, -1.0, 1.0]), 10.0, "HQ Xiaoshan")
    assert (ei.value.row, ei.value.field) == ("Branch Xuancheng", "payroll")
    with pytest.raises(InputError):
        cit_apportionment(units, 10.0, "HQ Shanghai")


def test_round_ratios_breaks_ties_by_closeness():
    """Two roundings leave the same worst excess (A+B gets 90 % either way): take the closer one."""
    vals = {("A",): 0.0, ("B",): 0.0, ("C",): 0.0, ("A", "B"): 100.0, ("A", "C"): 0.0, ("B", "C"): 0.0,
            ("A", "B", "C"): 100.0}
    g = CooperativeGame.from_dict(vals)
    x = pd.Series({"A": 63.0, "B": 27.0, "C": 10.0})
    r = round_ratios(g, x, step=0.05)
    # candidates with the smallest worst excess (10): 65/25/10 (distance 0.04) and 60/30/10 (0.06)
    assert r.ratios.round(6).to_dict() == {"A": 0.65, "B": 0.25, "C": 0.1}
    assert r.max_excess_after == pytest.approx(10.0)
    # same on a game in 万元 of order 1e6 (excess ties up to rounding of r * v(N))
    big = round_ratios(g.scaled(1.37e4), x * 1.37e4, step=0.05)
    assert big.ratios.round(6).to_dict() == {"A": 0.65, "B": 0.25, "C": 0.1}


def test_floors_and_caps_for_unknown_partners_raise():
    s = pd.Series({"A": 0.9, "B": 0.1})
    with pytest.raises(InputError) as err:
        apply_floors_caps(s, floors={"b": 0.5})
    assert err.value.table == "floors and caps" and err.value.row == "b" and err.value.field == "floor"
    with pytest.raises(InputError) as err:
        apply_floors_caps(s, caps={"A": float("nan")})
    assert err.value.row == "A" and err.value.field == "cap"
    g = CooperativeGame.from_dict({("A",): 0.0, ("B",): 0.0, ("A", "B"): 10.0})
    with pytest.raises(InputError) as err:
        round_ratios(g, pd.Series({"A": 9.0, "B": 1.0}), floors={"Bee": 0.3})
    assert err.value.row == "Bee"


def test_gdp_split_and_cit_apportionment_reject_bad_numbers():
    with pytest.raises(InputError) as err:
        gdp_statistics_split(100.0, {"A": float("nan"), "B": 1.0})
    assert (err.value.table, err.value.row, err.value.field) == ("gdp ratios", "A", "ratio")
    with pytest.raises(InputError) as err:
        gdp_statistics_split(pd.Series({2024: 10.0, 2025: float("nan")}), {"A": 0.5, "B": 0.5})
    assert (err.value.table, err.value.row, err.value.field) == ("gdp", 2025, "gdp_10k_cny")
    units = pd.DataFrame({"revenue": [1.0, 2.0], "payroll": [1.0, 2.0], "assets": [1.0, 1.0]}, index=["H", "B"])
    with pytest.raises(InputError) as err:
        cit_apportionment(units, float("nan"), "H")
    assert err.value.field == "total_cit"
    with pytest.raises(InputError) as err:
        cit_apportionment(units, 10.0, "H", weights={"sales": 1.0})
    assert (err.value.row, err.value.field) == ("sales", "weight")


def test_shared_layers_must_name_known_layers() -> None:
    # a typo used to zero the tax's shareable part silently
    with pytest.raises(InputError) as e:
        TaxLayers(layer_split={"vat": {"province": 0.5, "city": 0.2, "county": 0.3}}, shared_layers=("city", "countty"))
    assert "countty" in str(e.value) and "shared_layers" in str(e.value)
    # a tax without a split has one local layer and is shared in full
    t = TaxLayers(layer_split={"vat": {"province": 0.5, "county": 0.5}}, shared_layers=("county",))
    assert t.shareable_fraction("vat") == pytest.approx(0.25)
    assert t.shareable_fraction("cit") == pytest.approx(0.4)


def test_incremental_base_names_the_table_at_fault() -> None:
    # a bad revenue used to be reported against the table "base"
    with pytest.raises(InputError) as e:
        incremental_base(pd.Series([10.0, float("nan")], index=[2025, 2026]), 5.0)
    assert (e.value.table, e.value.row, e.value.field) == ("revenue", 2026, "revenue_10k_cny")
    with pytest.raises(InputError) as e:
        incremental_base(pd.Series([10.0, 12.0], index=[2025, 2026]), pd.Series([5.0], index=[2025]))
    assert (e.value.table, e.value.row, e.value.field) == ("base", 2026, "base_10k_cny")
