"""Every model reaches the same optimum with every installed solver (the ``solver`` fixture).

The Delta numbers below are the regression pins of the worked examples: the
land optimum 12,446,198.32 万元 and the three-cluster plan; a refactoring that
moves them is a change in an answer, not a cleanup.
"""

from __future__ import annotations

import pytest

from regionopt.land import LandQuotaProblem


def test_delta_land_optimum(delta_land: LandQuotaProblem, solver: str) -> None:
    res = delta_land.solve(solver=solver, autarky=False)
    assert res.status.value == "optimal"
    assert res.welfare == pytest.approx(12_446_198.32, abs=0.01)


def test_delta_cluster_plan(delta_clusters, solver: str) -> None:  # type: ignore[no-untyped-def]
    ref = delta_clusters.solve(mip_gap=1e-9)
    res = delta_clusters.solve(solver=solver, mip_gap=1e-9)
    assert res.status.value == "optimal"
    assert res.objective == pytest.approx(ref.objective, abs=1e-6)
    assert res.objective_terms["total"] == pytest.approx(res.objective, abs=1e-6)


def test_land_with_binary_projects(tiny_land: dict, solver: str) -> None:
    """A MIP: the same welfare, and prices from the LP with the project decisions fixed."""
    prob = LandQuotaProblem.from_frames(**tiny_land, settings={"binary_projects": True})
    ref = prob.solve(mip_gap=1e-9)
    res = prob.solve(solver=solver, mip_gap=1e-9)
    assert res.welfare == pytest.approx(ref.welfare, rel=1e-7, abs=1e-6)
    assert res.prices["shadow_price_10k_cny_per_unit"].notna().all()
