"""What-ifs on plans that are not the optimum: sensitivity and alternatives of an alternative plan."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from regionopt.clusters import ClusterRoleProblem
from regionopt.errors import InfeasibleError

from .test_clusters_model import evaluate, tiny_tables


def _resolve_without(tables: dict, params: dict, city: str, cluster: str) -> float:
    forb = pd.DataFrame({"city": [city], "cluster": [cluster], "role": [np.nan]})
    if "forbidden" in tables:
        forb = pd.concat([tables["forbidden"], forb])
    try:
        return ClusterRoleProblem.from_frames(**dict(tables, forbidden=forb), **params).solve(mip_gap=1e-9).objective
    except InfeasibleError:
        return math.nan


@pytest.mark.parametrize("seed", [11, 14])
def test_sensitivity_of_an_alternative_plan_ignores_the_no_good_cuts(seed: int) -> None:
    # The model of an alternative plan used to carry the no-good cuts that made it
    # differ from the earlier plans, so its drop-one re-solves could not return to
    # those plans: "objective without c in k" came out lower than a plain re-solve.
    tables, params = tiny_tables(seed)
    res = ClusterRoleProblem.from_frames(**tables, **params).solve(mip_gap=1e-9)
    alt = res.alternatives(2)[1]
    sens = alt.sensitivity()
    assert len(sens) == len(alt.plan)
    for row in sens.itertuples():
        expected = _resolve_without(tables, params, row.city, row.cluster)
        if math.isnan(expected):
            assert math.isinf(row.value) and math.isnan(row.objective_without)
        else:
            assert row.objective_without == pytest.approx(expected, abs=1e-6)
            assert row.value == pytest.approx(alt.objective - expected, abs=1e-6)


def test_alternatives_of_an_alternative_plan() -> None:
    tables, params = tiny_tables(5)
    res = ClusterRoleProblem.from_frames(**tables, **params).solve(mip_gap=1e-9)
    alts = res.alternatives(3)
    again = alts[1].alternatives(3)
    # plan 0 is the alternative itself; the next ones are the best plans different from it,
    # which includes the optimum (no leftover cut excludes it)
    assert frozenset(again[0].plan) == frozenset(alts[1].plan)
    assert frozenset(again[1].plan) == frozenset(res.plan)
    assert again[1].objective == pytest.approx(res.objective, abs=1e-6)
    for p in again:
        assert evaluate(tables, params, set(p.plan)) == pytest.approx(p.objective, abs=1e-6)
