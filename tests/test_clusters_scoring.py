"""Fit and synergy builders against hand-computed cases, and the Delta example builders."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from regionopt.clusters import (
    backward_forward_linkages,
    entropy_weights,
    leontief_inverse,
    location_quotient,
    rca,
    synergy_weights,
    topsis,
)
from regionopt.clusters.example import (
    ILLUSTRATIVE_IO,
    delta_current_layout,
    delta_fit,
    illustrative_indicators,
)
from regionopt.datasets import load_delta
from regionopt.errors import InputError


def test_location_quotient_hand_case() -> None:
    # region A: 30 in s1, 10 in s2; region B: 10 in s1, 50 in s2; total 100, s1 total 40.
    t = pd.DataFrame({"s1": [30.0, 10.0], "s2": [10.0, 50.0]}, index=["A", "B"])
    lq = location_quotient(t)
    assert lq.loc["A", "s1"] == pytest.approx((30 / 40) / (40 / 100))  # 1.875
    assert lq.loc["B", "s2"] == pytest.approx((50 / 60) / (60 / 100))
    assert lq.loc["A", "s2"] == pytest.approx((10 / 40) / (60 / 100))
    pd.testing.assert_frame_equal(rca(t), lq)


def test_location_quotient_bad_input() -> None:
    with pytest.raises(InputError) as ei:
        location_quotient(pd.DataFrame({"s1": [1.0, -2.0]}, index=["A", "B"]), name="employment")
    assert (ei.value.table, ei.value.row, ei.value.field) == ("employment", "B", "s1")


def test_entropy_weights_hand_case() -> None:
    # x1 = (1, 2, 3): normalised (0, .5, 1), p = (0, 1/3, 2/3)
    # x2 = (2, 2, 4): normalised (0, 0, 1), p = (0, 0, 1) -> e = 0, d = 1
    t = pd.DataFrame({"x1": [1.0, 2.0, 3.0], "x2": [2.0, 2.0, 4.0]}, index=list("abc"))
    e1 = -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3)) / math.log(3)
    d1, d2 = 1 - e1, 1.0
    w = entropy_weights(t)
    assert w["x1"] == pytest.approx(d1 / (d1 + d2))
    assert w["x2"] == pytest.approx(d2 / (d1 + d2))
    # cost direction flips the normalisation: x1 as cost -> (1, .5, 0), same entropy
    wc = entropy_weights(t, cost=["x1"])
    assert wc["x1"] == pytest.approx(w["x1"])
    with pytest.raises(InputError):
        entropy_weights(pd.DataFrame({"x": [1.0, 1.0]}))


def test_topsis_hand_case() -> None:
    t = pd.DataFrame({"b": [3.0, 4.0], "c": [4.0, 3.0]}, index=["A", "B"])
    c = topsis(t, {"b": 1.0, "c": 1.0}, cost=["c"])
    # r = x / 5; v = r / 2: A=(0.3,0.4) B=(0.4,0.3); ideal (0.4,0.3), anti (0.3,0.4)
    assert c["A"] == pytest.approx(0.0)
    assert c["B"] == pytest.approx(1.0)
    t3 = pd.DataFrame({"b": [1.0, 2.0, 2.0]}, index=list("xyz"))
    c3 = topsis(t3, {"b": 1.0})
    assert c3["x"] == pytest.approx(0.0) and c3["y"] == pytest.approx(1.0)
    with pytest.raises(InputError) as ei:
        topsis(t, {"b": 1.0})
    assert ei.value.field == "c"


def test_linkages_hand_case() -> None:
    a = pd.DataFrame([[0.1, 0.3], [0.2, 0.0]], index=["m", "s"], columns=["m", "s"])
    # I - A = [[0.9, -0.3], [-0.2, 1]]; det = 0.84; L = [[1, 0.3], [0.2, 0.9]] / 0.84
    lin = leontief_inverse(a)
    expect = np.array([[1.0, 0.3], [0.2, 0.9]]) / 0.84
    np.testing.assert_allclose(lin.to_numpy(), expect)
    bf = backward_forward_linkages(a)
    total = expect.sum()
    assert bf.loc["m", "backward"] == pytest.approx(expect[:, 0].sum() / (total / 2))
    assert bf.loc["s", "forward"] == pytest.approx(expect[1, :].sum() / (total / 2))
    assert bf["backward"].mean() == pytest.approx(1.0)
    d = backward_forward_linkages(a, method="direct")
    assert d.loc["m", "backward"] == pytest.approx(0.3 / (0.6 / 2))
    s = synergy_weights(a, {"K1": "m", "K2": "s", "K3": "m"}, scale=10)
    got = {(r.cluster, r.other): r.weight for r in s.itertuples()}
    assert got[("K1", "K2")] == pytest.approx(10 * 0.5 * (0.3 + 0.2))
    assert ("K1", "K3") not in got  # same sector: rivals, no synergy by default
    s2 = synergy_weights(a, {"K1": "m", "K3": "m"}, same_sector=True)
    assert s2.loc[0, "weight"] == pytest.approx(0.1)


def test_linkages_bad_input() -> None:
    a = pd.DataFrame([[0.6, 0.3], [0.5, 0.0]], index=["m", "s"], columns=["m", "s"])
    with pytest.raises(InputError) as ei:
        leontief_inverse(a)
    assert ei.value.field == "m"
    with pytest.raises(InputError) as ei:
        synergy_weights(ILLUSTRATIVE_IO, {"K1": "aerospace"})
    assert (ei.value.table, ei.value.row) == ("cluster_sector", "K1")


def test_linkages_text_coefficient_names_the_cell() -> None:
    # used to escape as a bare ValueError ("could not convert string to float")
    a = pd.DataFrame([[0.2, "n/a"], [0.1, 0.1]], index=["m", "s"], columns=["m", "s"])
    for f in (leontief_inverse, backward_forward_linkages):
        with pytest.raises(InputError) as ei:
            f(a)
        assert (ei.value.table, ei.value.row, ei.value.field) == ("io_coefficients", "m", "s")
        assert ei.value.value == "n/a"


def test_illustrative_indicators_are_labelled_and_do_not_hide_missing_data() -> None:
    ind = illustrative_indicators(seed=0)
    src = load_delta().cities
    # the sourced column keeps its NaNs; the filled one is separate, labelled and flagged
    assert ind["secondary_share"].isna().sum() == src["secondary_share"].isna().sum() == 24
    assert ind["secondary_share_imputed"].sum() == 24
    assert ind["secondary_share_filled_illustrative"].notna().all()
    assert set(ind.attrs["illustrative"]) == {c for c in ind.columns if c.endswith("_illustrative")}
    known = src["secondary_share"].dropna()
    pd.testing.assert_series_equal(ind.loc[known.index, "secondary_share_filled_illustrative"], known,
                                   check_names=False)
    # seeded: same seed same numbers, other seed other numbers
    pd.testing.assert_frame_equal(ind, illustrative_indicators(seed=0))
    assert not ind["rd_intensity_pct_illustrative"].equals(illustrative_indicators(seed=1)["rd_intensity_pct_illustrative"])


def test_delta_fit_and_current_layout() -> None:
    fit = delta_fit(["NAT22-03"])
    assert len(fit) == 41 * 5
    assert fit["score"].between(-1.0 - 1e-9, 9.0 + 1e-9).all()
    cur = delta_current_layout(["NAT22-03", "NAT22-04"])
    assert set(cur["city"]) == {"321200", "320700", "320200", "320500", "320600"}
    assert cur["role"].isna().all()


def test_delta_three_clusters_plan_obeys_rules_with_real_distances() -> None:
    from regionopt.clusters.example import delta_problem

    three = ["NAT22-03", "NAT22-04", "NAT21-11"]
    prob = delta_problem(three)
    res = prob.solve()
    assert res.status.value == "optimal"
    d = load_delta().distances_km
    a = res.assignments
    for k in three:
        sub = a[a.cluster == k]
        cores = list(sub[sub.role == "core"].city)
        assert 1 <= len(cores) <= 2
        assert set(sub.role) == {"core", "rd", "manufacturing", "supplier", "logistics"}  # complete chain
        for r in sub[sub.role.isin(["supplier", "manufacturing"])].itertuples():
            assert min(d.loc[r.city, c] for c in cores) <= 150.0
    assert (res.province_summary["land_mu_used"] <= res.province_summary["land_mu_budget"]).all()
    assert res.role_matrix.shape == (41, 3)
    assert res.objective_terms["total"] == pytest.approx(res.objective)
