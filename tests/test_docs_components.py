"""Every Pyomo component of every model is named on its formulation page (docs/*.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import pytest

from regionopt.clusters import ClusterRoleProblem
from regionopt.enclave import SharingSchedule
from regionopt.land import LandQuotaProblem, random_instance

from .cluster_checks import tiny_tables

DOCS = Path(__file__).resolve().parents[1] / "docs"
KINDS = (pyo.Var, pyo.Constraint, pyo.Expression, pyo.Objective, pyo.Set)


def _names(m: pyo.ConcreteModel) -> set[str]:
    names = set()
    for kind in KINDS:
        for c in m.component_objects(kind, descend_into=True):
            if c.parent_component() is c and "_index" not in c.local_name:  # Pyomo's implicit index sets
                names.add(c.local_name)
    return names


def _missing(names: set[str], page: str) -> list[str]:
    text = (DOCS / page).read_text(encoding="utf-8")
    return sorted(n for n in names if not re.search(r"`(?:m\.)?" + re.escape(n) + r"(?:\[[^`]*\])?`", text))


def _rich_land() -> LandQuotaProblem:
    """Every land family switched on: red lines (province, region, national), caps, budgets, periods, equity."""
    base = random_instance(6, 2, seed=3, national_floor_mu=1.0)
    inp = base.inputs
    projects = {j: row.model_copy(update={"period": 1 + k % 2}) for k, (j, row) in enumerate(inp.projects.items())}
    regions = {r: row.model_copy(update={"population_10k": 100.0, "import_share_cap": 0.9, "budget_10k_cny": 1e6,
                                          "min_demand_share": 0.1,
                                          "farmland_floor_mu": 0.0, "farmland_mu": row.farmland_mu or 1e5})
               for r, row in inp.regions.items()}
    provinces = {p: row.model_copy(update={"prior_added_mu": 1e6}) for p, row in inp.provinces.items()}
    caps = {(r, "area"): 1e6 for r in inp.regions}
    import dataclasses

    prob = LandQuotaProblem(dataclasses.replace(inp, regions=regions, provinces=provinces, export_caps=caps,
                                                projects=projects, periods=(1, 2)))
    return prob.with_settings(per_capita_spread_cap=1e6, spread_penalty_10k_cny=1.0, gini_cap=0.99,
                              yibu_dingzhan=True, banking=True)


def test_land_components_are_documented() -> None:
    m = _rich_land().to_pyomo()
    names = _names(m)
    assert {"balance", "red_line_national", "gini_cap", "yibu_dingzhan", "budget", "export_cap"} <= names
    assert _missing(names, "land.md") == []


def test_cluster_components_are_documented() -> None:
    tables, params = tiny_tables(5, 5, 3)
    tables["clusters"] = tables["clusters"].assign(group="G")
    tables["locked"] = tables["fit"].iloc[:1][["city", "cluster", "role"]]
    tables["forbidden"] = tables["fit"].iloc[1:2][["city", "cluster", "role"]]
    tables["provinces"] = tables["provinces"].assign(min_cores=0, core_share=0.5)
    params.update(homogeneity="penalty", max_changes=5, neighbour_km=500.0, synergy_km=0.0)
    m = ClusterRoleProblem.from_frames(**tables, **params).to_pyomo()
    names = _names(m)
    assert {"near_core", "neighbour_cores", "core_in_group", "max_change", "synergy_cap"} <= names
    assert _missing(names, "clusters.md") == []


def test_schedule_components_are_documented() -> None:
    fc = pd.Series([100.0] * 12, index=range(1, 13))
    m = SharingSchedule.from_frames(fc, {"A": 1.0, "B": 2.0}, {"A": 50.0}).to_pyomo()
    assert _missing(_names(m), "enclave.md") == []


@pytest.mark.parametrize("page", ["land.md", "clusters.md", "enclave.md"])
def test_pages_exist(page: str) -> None:
    assert (DOCS / page).exists()


def test_plan_components_are_documented() -> None:
    from regionopt.plan import RegionalPlan

    from .plan_checks import tiny_parts

    parts = tiny_parts(0)
    parts["enclaves"] = parts["enclaves"].assign(max_roles=1)
    m = RegionalPlan.from_frames(**parts).to_pyomo()
    top = {c.local_name for kind in KINDS for c in m.component_objects(kind, descend_into=False)
           if "_index" not in c.local_name}
    assert {"link_quota", "link_farmland", "enclave_within_role", "energy_province"} <= top
    assert _missing(top, "plan.md") == []
