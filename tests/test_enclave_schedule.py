"""Phased sharing schedule LP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest

from regionopt.enclave import ramp_up_forecast, sharing_schedule, xiaoshan_xuancheng_down_park
from regionopt.errors import InfeasibleError, InputError
from regionopt.solve import SolveOptions

ALLOC = pd.Series({"Source": 50.0, "Host": 30.0, "Investor": 20.0})
COSTS = pd.Series({"Source": 0.0, "Host": 3000.0, "Investor": 5000.0})
FORECAST = ramp_up_forecast(6000.0, ramp_years=5, years=20)


def test_npv_matches_net_target_and_ratios_sum_to_100(solver):
    r = sharing_schedule(FORECAST, ALLOC, COSTS, discount_rate=0.05, options=SolveOptions(solver=solver))
    assert r.table.sum(axis=1).to_numpy() == pytest.approx(100.0)
    npv = r.npv
    assert npv["npv_10k_cny"].to_numpy() == pytest.approx(npv["target_npv_10k_cny"].to_numpy(), rel=1e-6)
    total_pv = float((FORECAST * 1.05 ** -FORECAST.index.to_numpy()).sum())
    surplus = total_pv - COSTS.sum()
    assert npv.loc["Host", "net_npv_10k_cny"] == pytest.approx(0.3 * surplus, rel=1e-6)
    assert list(r.table.index) == ["years 1–5", "years 6–10", "years 11+"]
    # every partner recovers its cost within the schedule
    assert all(y is not None for y in npv["payback_year"])


def test_costs_are_recovered_early():
    r = sharing_schedule(FORECAST, ALLOC, COSTS, discount_rate=0.05)
    flat = ALLOC / ALLOC.sum()
    disc = 1.05 ** -FORECAST.index.to_numpy()
    cum_flat = (FORECAST * disc).cumsum()
    # with a flat split the investor would need until this year to recover its cost
    flat_payback = int(cum_flat.index[(cum_flat * flat["Investor"]) >= COSTS["Investor"]][0])
    assert r.npv.loc["Investor", "payback_year"] <= flat_payback
    # investors with costs get a larger share early than later
    assert r.table.loc["years 1–5", "Investor"] >= r.table.loc["years 11+", "Investor"]


def test_gross_target_and_rounding():
    r = sharing_schedule(FORECAST, ALLOC, None, target="gross", step=0.05)
    vals = r.table.to_numpy() / 5
    np.testing.assert_allclose(vals, np.round(vals), atol=1e-9)
    assert r.table.sum(axis=1).to_numpy() == pytest.approx(100.0)
    assert "years 1–5" in r.clause()


def test_model_is_named_pyomo():
    r = sharing_schedule(FORECAST, ALLOC, COSTS)
    names = {c.name for c in r.model.component_objects(pyo.Constraint)}
    assert {"phase_total", "npv_target", "cost_recovery"} <= names


def test_infeasible_when_revenue_does_not_cover_costs():
    with pytest.raises(InfeasibleError, match="does not cover"):
        sharing_schedule(FORECAST * 0.001, ALLOC, COSTS)


def test_floors_caps_infeasible_diagnosed():
    with pytest.raises(InfeasibleError):
        sharing_schedule(FORECAST, ALLOC, COSTS, floors={"Source": 0.6, "Host": 0.6})


def test_input_errors():
    with pytest.raises(InputError) as ei:
        sharing_schedule(FORECAST, ALLOC, pd.Series({"Mars": 1.0}))
    assert ei.value.row == "Mars"
    with pytest.raises(InputError, match="no phase"):
        sharing_schedule(FORECAST, ALLOC, phases=((1, 5), (6, 10)))
    bad = FORECAST.copy()
    bad.iloc[3] = -1
    with pytest.raises(InputError) as ei:
        sharing_schedule(bad, ALLOC)
    assert ei.value.row == 4


def test_worked_case_schedule():
    case = xiaoshan_xuancheng_down_park()
    from regionopt.enclave import nucleolus

    r = sharing_schedule(case.forecast, nucleolus(case.game), case.costs, discount_rate=0.06)
    assert (r.npv["net_npv_10k_cny"] > 0).all()


def test_rounded_schedule_keeps_floors_and_caps():
    """Largest-remainder rounding used to push a ratio below its floor (36 % -> 35 %)."""
    fc = pd.Series([100.0] * 15, index=range(1, 16))
    r = sharing_schedule(fc, {"A": 0.64, "B": 0.36}, floors={"B": 0.36}, step=0.05)
    assert (r.table["B"] >= 36.0 - 1e-9).all()
    assert r.table.sum(axis=1).to_numpy() == pytest.approx(100.0)
    r = sharing_schedule(fc, {"A": 0.66, "B": 0.34}, caps={"A": 0.66}, step=0.05)
    assert (r.table["A"] <= 66.0 + 1e-9).all()
    with pytest.raises(InputError) as err:
        sharing_schedule(fc, {"A": 0.5, "B": 0.5}, floors={"A": 0.52}, caps={"A": 0.54}, step=0.05)
    assert err.value.table == "floors and caps" and err.value.field == "step"


@pytest.mark.parametrize(
    ("kwargs", "table", "row", "field"),
    [
        ({"costs": {"A": float("nan"), "B": 100.0}}, "costs", "A", "cost_10k_cny"),
        ({"allocation": {"A": float("nan"), "B": 1.0}}, "allocation", "A", "payoff"),
        ({"floors": {"C": 0.2}}, "floors and caps", "C", "floor"),
        ({"floors": {"A": float("nan")}}, "floors and caps", "A", "floor"),
        ({"caps": {"B": 1.5}}, "floors and caps", "B", "cap"),
        ({"step": 0.0}, "schedule", None, "step"),
    ],
)
def test_bad_schedule_input_raises_input_error_naming_the_cell(kwargs, table, row, field):
    fc = pd.Series([100.0] * 15, index=range(1, 16))
    args = {"allocation": {"A": 1.0, "B": 1.0}, **kwargs}
    alloc = args.pop("allocation")
    with pytest.raises(InputError) as err:
        sharing_schedule(fc, alloc, **args)
    assert (err.value.table, err.value.row, err.value.field) == (table, row, field)


def test_forecast_year_given_twice_is_named() -> None:
    # used to surface as "phases overlap" against a phase
    fc = pd.Series([100.0, 100.0, 120.0], index=[1, 2, 2])
    with pytest.raises(InputError) as err:
        sharing_schedule(fc, {"A": 1.0, "B": 1.0})
    assert (err.value.table, err.value.row, err.value.field) == ("forecast", 2, "year")


@pytest.mark.parametrize("label", ["Y1", 1.5, None])
def test_year_labels_must_be_whole_numbers(label) -> None:
    """'Y1' used to escape as a bare ValueError from int()."""
    fc = pd.Series([100.0, 100.0, 120.0], index=[label, 2, 3])
    with pytest.raises(InputError) as err:
        sharing_schedule(fc, {"A": 1.0, "B": 1.0})
    assert (err.value.table, err.value.field) == ("forecast", "year")


def test_schedule_follows_the_contract() -> None:
    """The schedule is a Problem: settings, with_settings, pickling, a result with status and tables."""
    import pickle

    from regionopt.enclave import SharingSchedule

    prob = SharingSchedule.from_frames(FORECAST, ALLOC, COSTS, discount_rate=0.05)
    r = prob.solve()
    assert r.status.value == "optimal" and r.objective == pytest.approx(0.0, abs=1e-6)
    again = pickle.loads(pickle.dumps(r))
    assert again.table.equals(r.table)
    gross = prob.with_settings(target="gross").solve()
    assert gross.npv["target_npv_10k_cny"].sum() == pytest.approx(gross.npv.attrs["total_pv_10k_cny"])
    assert set(r.tables()) == {"schedule", "npv", "yearly"}
