"""What the docs pages state about running code holds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regionopt import load_delta
from regionopt.clusters.example import delta_problem, delta_tables

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), flags=re.DOTALL)


def test_clusters_page_first_sample_runs() -> None:
    code = _python_blocks("clusters.md")[0]
    ns: dict = {}
    exec(compile(code, "docs/clusters.md", "exec"), ns)  # defines every table it uses
    res = ns["res"]
    assert res.status.value == "optimal"
    assert set(res.assignments["cluster"]) == set(ns["clusters"].index)


def test_all_national_clusters_need_more_role_capacity_as_documented() -> None:
    """docs/clusters.md: 120 role minimums against 93 role slots with the defaults; roles_base=3 is enough."""
    nat = [k for k in load_delta().clusters.index if k.startswith("NAT")]
    assert len(nat) == 24
    text = (DOCS / "clusters.md").read_text(encoding="utf-8")
    need = int(delta_tables(nat)["requirements"]["min"].sum())
    caps = {rb: int(delta_tables(nat, roles_base=rb)["cities"]["max_roles"].sum()) for rb in (2, 3, 4, 5)}
    assert (need, caps) == (120, {2: 93, 3: 134, 4: 175, 5: 216})
    assert "24 × 5 = 120" in text and "93 in all" in text and "120 − 93 = 27" in text
    bends = delta_problem(nat).diagnose()  # empty when the model is feasible
    assert set(bends["component"]) <= {"role_min", "city_roles"}
    assert bends["violation"].sum() == pytest.approx(need - caps[2])
