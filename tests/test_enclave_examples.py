"""Worked cases and the enclave notebook (executed here so the test command runs it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from regionopt.enclave import (
    core_check,
    nucleolus,
    xiaoshan_xuancheng_down_park,
    zhangjiang_sci_tech_city,
)

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "02_enclave_revenue.ipynb"


@pytest.mark.parametrize("build", [xiaoshan_xuancheng_down_park, zhangjiang_sci_tech_city])
def test_cases_are_labelled_and_consistent(build):
    case = build()
    assert case.contributions.attrs["illustrative"] is True
    assert case.forecast.attrs["illustrative"]
    assert case.facts and all(src for _, src in case.facts)
    assert case.round_ratio.sum() == pytest.approx(1.0)
    assert "assumption" in case.round_ratio_reason
    g = case.game
    assert g.grand_value > g.disagreement_point().sum()
    assert core_check(g, nucleolus(g)).in_core  # linear production games have a non-empty core


def test_sourced_numbers_used():
    down = xiaoshan_xuancheng_down_park()
    assert down.contributions.loc["Xuancheng", "land_mu"] == 1711.0
    tech = down.game.technology
    # land price ratio 10:1 (Xuancheng under a tenth of Xiaoshan's): land part of capital per project
    build = tech.loc["park_project", "capital_10k_cny"] - 60.0 * 15.0
    home_land = tech.loc["home_project", "capital_10k_cny"] - build
    park_land = tech.loc["park_project", "capital_10k_cny"] - build
    assert home_land / park_land == pytest.approx(10.0)
    zj = zhangjiang_sci_tech_city()
    assert zj.contributions.loc["Fengjing (Jinshan)", "land_mu"] == round(42 * 1500 * 0.03)
    assert zj.contributions.loc["Pinghu (Jiaxing)", "land_mu"] == round(45 * 1500 * 0.03)
    assert set(tech.index) == {"park_project", "home_project", "host_local_project"}


def test_zhangjiang_round_ratio_is_blocked():
    zj = zhangjiang_sci_tech_city()
    chk = core_check(zj.game, zj.round_ratio * zj.game.grand_value)
    assert not chk.in_core
    assert chk.blocking.iloc[0]["coalition"] == ("Zhangjiang operator", "Pinghu (Jiaxing)")
