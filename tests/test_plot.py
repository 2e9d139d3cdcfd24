"""regionopt.plot: maps on real boundaries and the notebook charts, rendered with Agg."""

from __future__ import annotations

import itertools
import os
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import FancyArrowPatch, PathPatch
from matplotlib.text import Text

import regionopt as ro
from regionopt import geo, plot
from regionopt.errors import InputError, MissingExtraError
from regionopt.plot import _labels, _style, maps

DELTA = ro.load_delta().cities


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _gains() -> pd.Series:
    rng = np.random.default_rng(7)
    v = pd.Series(rng.normal(0, 5_000, len(DELTA)), index=DELTA.index, name="gain_10k_cny")
    v["310000"] = 40_000.0
    return v


def _flows() -> pd.DataFrame:
    rows = [
        ("340100", "310000", "construction", "bilateral", 1, 8_000.0, "mu"),
        ("340100", "310000", "construction", "bilateral", 2, 2_000.0, "mu"),  # summed with the row above
        ("340800", "340100", "construction", "within_province", 1, 3_000.0, "mu"),
        ("320300", "320500", "construction", "within_province", 1, 1_000.0, "mu"),
        ("PLATFORM", "330100", "construction", "platform", 1, 500.0, "mu"),
        ("341200", "PLATFORM", "construction", "platform", 1, 4_000.0, "mu"),
        ("340200", "310000", "grain", "bilateral", 1, 26_000.0, "100 kg grain capacity"),
    ]
    return pd.DataFrame(rows, columns=["seller", "buyer", "ledger", "channel", "period", "amount", "unit"])


def _assignments() -> pd.DataFrame:
    rows = [
        ("310000", "NAT22-03", "core"), ("320200", "NAT22-03", "rd"), ("320500", "NAT22-03", "manufacturing"),
        ("321200", "NAT22-03", "supplier"), ("330100", "NAT22-03", "logistics"),
        ("320100", "NAT22-04", "core"), ("320600", "NAT22-04", "rd"), ("330400", "NAT22-04", "supplier"),
        ("340100", "NAT22-04", "logistics"), ("320500", "NAT22-04", "manufacturing"),
        ("330200", "NAT21-11", "core"), ("330900", "NAT21-11", "rd"), ("330900", "NAT21-11", "supplier"),
    ]
    a = pd.DataFrame(rows, columns=["city", "cluster", "role"])
    a["cluster_name"] = a["cluster"].map({
        "NAT22-03": "Taizhou-Lianyungang-Wuxi biomedicine cluster",
        "NAT22-04": "Suzhou-Wuxi-Nantong high-end textile cluster",
        "NAT21-11": "Ningbo green petrochemical cluster",
    })
    return a


def _units(ax, prefix: str = "unit:") -> dict[str, PathPatch]:
    return {str(p.get_gid())[len(prefix) :]: p for p in ax.patches if str(p.get_gid()).startswith(prefix)}


def _labels_of(ax) -> list[Text]:
    return [t for t in ax.texts if t.get_gid() == _labels.LABEL_GID]


def _assert_readable_layout(ax, scale_bar: bool = True) -> None:
    """Labels inside the axes and pairwise disjoint; title inside the figure; aspect and scale bar."""
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in _labels_of(ax)]
    assert boxes, "no labels drawn"
    for a, b in itertools.combinations(boxes, 2):
        assert not a.overlaps(b), "two labels overlap"
    frame = ax.get_window_extent(r)
    for b in boxes:
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
    fig_box = fig.bbox
    title = ax.title.get_window_extent(r)
    assert ax.get_title(loc="left") and fig_box.x0 <= title.x0 and title.x1 <= fig_box.x1 + 1 and title.y1 <= fig_box.y1 + 1
    y0, y1 = ax.get_ylim()
    assert ax.get_aspect() == pytest.approx(1 / np.cos(np.radians((y0 + y1) / 2)))
    bar = [a for a in ax.get_children() if a.get_gid() == maps.SCALEBAR_GID]
    assert any(isinstance(a, Text) and a.get_text().endswith(" km") for a in bar) == scale_bar


# --------------------------------------------------------------------------- maps
def test_choropleth_one_patch_per_city_coloured_by_value() -> None:
    v = _gains()
    ax = plot.choropleth(v, title="Gain from trade by city (illustrative)", lang="en")
    units = _units(ax)
    assert set(units) == set(DELTA.index)  # one patch per city, on the real boundary
    assert set(_units(ax, "province:")) == set(geo.DELTA_PROVINCES)  # outlines over the fills
    # diverging scale centred on 0: the largest gain gets the top colour, a negative value a red one
    cmap = plt.get_cmap("RdBu")
    assert to_hex(units["310000"].get_facecolor()) == to_hex(cmap(1.0))
    neg = v.idxmin()
    red, _, blue = units[neg].get_facecolor()[:3]
    assert red > blue
    cbar = ax.figure.axes[-1]
    assert "10k CNY" in cbar.get_ylabel()  # the unit, read from the column name
    _assert_readable_layout(ax)
    names = {t.get_text() for t in _labels_of(ax)}
    assert {"Shanghai", "Hefei", "Suzhou (Jiangsu)"} <= names  # English names, not codes


def test_choropleth_geography_is_right() -> None:
    ax = plot.choropleth(_gains(), lang="en")
    cities = geo.cities("delta")
    # Shanghai is on the coast: east of every Anhui city; Anhui lies inland west
    sh = cities.loc["310000", "lon"]
    assert (cities.loc[cities["province"] == "340000", "lon"] < sh - 2).all()
    x0, x1 = ax.get_xlim()
    ext = _units(ax)["310000"].get_path().get_extents()
    assert ext.x1 > x0 + 0.8 * (x1 - x0)  # in the eastern fifth of the map


def test_choropleth_missing_values_sequential_scale_and_classes() -> None:
    v = _gains().abs().drop(["320300", "341800", "330800"])
    ax = plot.choropleth(v.to_frame("price_10k_cny_per_unit"), "price_10k_cny_per_unit", lang="en")
    units = _units(ax)
    assert to_hex(units["320300"].get_facecolor()) == maps._MISSING
    legend_texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend_texts == ["no value (3)"]
    assert "10k CNY per unit" in ax.figure.axes[-1].get_ylabel()
    ax = plot.choropleth(v, classes=5, unit="10k CNY", lang="en")
    colours = {to_hex(p.get_facecolor()) for c, p in _units(ax).items() if c in v.index}
    assert len(colours) == 5
    assert "quantile classes" in ax.figure.axes[-1].get_ylabel()


def test_choropleth_provinces_from_a_gains_table() -> None:
    gains = pd.DataFrame(
        {"name": ["Shanghai", "Jiangsu", "Zhejiang", "Anhui"], "gain_10k_cny": [9.0, 5.0, 2.0, 4.0]},
        index=pd.Index(list(geo.DELTA_PROVINCES), name="province"),
    )
    ax = plot.choropleth(gains, "gain_10k_cny", title="Gain by province", lang="en")
    assert set(_units(ax)) == set(geo.DELTA_PROVINCES)
    assert not _units(ax, "province:")  # the units are the provinces
    # sequential scales start at zero: Zhejiang (2 of 9) is pale, not the palest possible colour
    cmap = plt.get_cmap("YlGnBu")
    assert to_hex(_units(ax)["330000"].get_facecolor()) == to_hex(cmap(2.0 / 9.0))


def test_county_values_are_drawn_on_county_boundaries_with_city_outlines() -> None:
    shanghai = geo.counties("delta", geometry=False).query("city == '310000'").index
    v = pd.Series(np.arange(len(shanghai), dtype=float), index=shanghai, name="area_km2")
    ax = plot.choropleth(v, lang="en", labels=False)
    assert len(_units(ax)) == 305  # every county of the Delta, those without a value in grey
    assert set(_units(ax, "city:")) == set(DELTA.index) and len(_units(ax, "province:")) == 4
    assert "km²" in ax.figure.axes[-1].get_ylabel()


def test_base_map_to_draw_on() -> None:
    ax = plot.base_map("province", fill={"340000": "#ffcc00"}, labels=True, title="The Delta", lang="en")
    assert to_hex(_units(ax)["340000"].get_facecolor()) == "#ffcc00"
    assert {"Anhui", "Jiangsu", "Zhejiang", "Shanghai"} <= {t.get_text() for t in _labels_of(ax)}
    _assert_readable_layout(ax)
    with pytest.raises(InputError, match="period"):
        plot.flow_map(_flows().drop(columns="period"), ledger="construction", period=1)


def test_choropleth_rejects_unknown_codes() -> None:
    with pytest.raises(InputError, match="GB/T 2260") as e:
        plot.choropleth(pd.Series([1.0, 2.0], index=["310000", "329999"]))
    assert e.value.table == "values" and e.value.row == "329999"


def test_flow_map_arrows_width_and_channels() -> None:
    f = _flows()
    with pytest.raises(InputError, match="ledger=") as e:
        plot.flow_map(f)  # mu and 100 kg of grain capacity cannot share a width scale
    assert e.value.field == "unit"
    ax = plot.flow_map(f, ledger="construction", lang="en")
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 5  # (seller, buyer, channel) after summing the two periods
    widths = sorted(a.get_linewidth() for a in arrows)
    assert widths[-1] == pytest.approx(7.0)  # the 10,000 mu flow
    assert widths[0] == pytest.approx(0.6 + 6.4 * 500 / 10_000)
    colours = {to_hex(a.get_edgecolor()) for a in arrows}
    assert colours == {c[2].lower() for c in _style.CHANNELS.values()}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"Within a province", "Bilateral, city to city", "National platform"} <= set(legend)
    assert "10,000 mu" in legend
    assert "Platform" in {t.get_text() for t in _labels_of(ax)}
    assert "(mu)" in ax.get_title(loc="left")
    _assert_readable_layout(ax)


def test_flow_map_from_a_solved_plan() -> None:
    from regionopt.land import LandQuotaProblem, delta_example_frames

    result = LandQuotaProblem.from_frames(**delta_example_frames(seed=2024)).solve()
    ax = plot.flow_map(result.flows, ledger="paddy", top=12, lang="en")
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == min(12, len(result.flows[result.flows.ledger == "paddy"]))
    _assert_readable_layout(ax)


def test_role_map_readable_roles_and_colours() -> None:
    a = _assignments()
    ax = plot.role_map(a, "NAT22-03", lang="en")
    units = _units(ax)
    for city, role in [("310000", "core"), ("320200", "rd"), ("330100", "logistics")]:
        assert to_hex(units[city].get_facecolor()) == _style.ROLE_COLORS[role].lower()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Core", "R&D", "Manufacturing", "Supplier", "Logistics"]
    assert "Taizhou-Lianyungang-Wuxi biomedicine cluster" in ax.get_title(loc="left").replace("\n", " ")
    _assert_readable_layout(ax)


def test_role_maps_grid_one_map_per_cluster() -> None:
    fig = plot.role_maps(_assignments(), title="Cluster roles (illustrative)", lang="en")
    maps_ = [ax for ax in fig.axes if _units(ax)]
    assert len(maps_) == 3
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    for i, ax in enumerate(maps_):
        _assert_readable_layout(ax, scale_bar=(i == 0))  # one scale bar for the grid
        t = ax.title.get_window_extent(r)
        others = [o.get_window_extent(r) for o in maps_ if o is not ax]
        assert not any(t.overlaps(o) for o in others)  # a wrapped title does not run into the next map
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "R&D" in legend and "rd" not in legend
    # Zhoushan holds two roles in NAT21-11: hatched, and its label names both
    z = _units(maps_[2])["330900"]
    assert z.get_hatch() == "///"
    assert any("R&D + Supplier" in t.get_text() for t in _labels_of(maps_[2]))


# --------------------------------------------------------------------------- charts
def test_gains_bar_signed_and_named() -> None:
    gains = pd.DataFrame(
        {"gain_10k_cny": [9.0, -5.0, 2.0, 4.0]}, index=pd.Index(list(geo.DELTA_PROVINCES), name="province")
    )
    ax = plot.gains_bar(gains, title="Gain from trade by province", lang="en")
    bars = ax.patches
    assert len(bars) == 4
    widths = {round(b.get_width(), 6): to_hex(b.get_facecolor()) for b in bars}
    assert widths[-5.0] != widths[9.0]  # losses and gains in different colours
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Jiangsu", "Zhejiang", "Anhui", "Shanghai"]
    assert ax.get_xlabel() == "Gain (10k CNY)"
    assert "-5.0" in {t.get_text() for t in ax.texts}


def test_splits_bar_legend_does_not_hide_bars() -> None:
    table = pd.DataFrame(
        {"round ratio": [30_000.0, 20_000, 10_000], "shapley": [28_000.0, 22_000, 10_000],
         "nucleolus": [27_000.0, 21_000, 12_000], "nash": [26_000.0, 24_000, 10_000]},
        index=["Xiaoshan", "Xuancheng", "Operator"],
    )
    ax = plot.splits_bar(table, unit="10k CNY/yr", title="Enclave splits (illustrative)", lang="en")
    fig = ax.figure
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    leg = ax.get_legend().get_window_extent(r)
    assert len(ax.patches) == 12
    for bar in ax.patches:
        assert not leg.overlaps(bar.get_window_extent(r))
    assert leg.y0 >= fig.bbox.y0  # the legend is inside the figure
    shares = {t.get_text() for t in ax.texts}
    assert {"50%", "47%"} <= shares


def test_role_matrix_heatmap_names_on_axes() -> None:
    a = _assignments().drop_duplicates(["city", "cluster"])
    rm = a.pivot(index="city", columns="cluster", values="role").fillna("")
    ax = plot.role_matrix_heatmap(rm, title="Role matrix", lang="en")
    ylabels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Shanghai" in ylabels and "310000" not in ylabels
    assert {"R&D", "Core"} <= {t.get_text() for t in ax.texts}
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["Core", "R&D"]


# --------------------------------------------------------------------------- labels
def test_greedy_labels_never_overlap_and_report_what_is_left_out() -> None:
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    rng = np.random.default_rng(3)
    specs = [_labels.LabelSpec(float(x), float(y), f"place {i}", float(i)) for i, (x, y) in enumerate(rng.random((150, 2)))]
    texts, dropped = _labels.place_labels(ax, specs, fontsize=8, font={})
    assert len(texts) + len(dropped) == 150 and dropped and len(texts) > 20
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(r) for t in texts]
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
    kept = {t.get_text() for t in texts}
    assert "place 149" in kept  # the highest priority is placed first


# --------------------------------------------------------------------------- language and fonts
def _missing_glyph_warnings(fig) -> list[str]:
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fig.canvas.draw()
    return [str(x.message) for x in w if "missing from" in str(x.message)]


def test_chinese_labels_where_a_cjk_font_is_installed() -> None:
    font = plot.cjk_font()
    if os.environ.get("CI"):
        assert font is not None, "CI installs fonts-noto-cjk (.ci/run); the Chinese path must be tested"
    if font is None:  # a machine without CJK fonts: the automatic choice is English
        assert plot.style("auto").lang == "en"
        return
    ax = plot.choropleth(_gains(), title="各市交易收益", lang="auto")
    names = {t.get_text() for t in _labels_of(ax)}
    assert {"上海", "合肥", "苏州"} <= names
    assert "万元" in ax.figure.axes[-1].get_ylabel()
    assert not _missing_glyph_warnings(ax.figure)  # every Chinese glyph has a font
    _assert_readable_layout(ax)
    fig = plot.role_maps(_assignments(), lang="zh")
    assert "研发" in [t.get_text() for t in fig.legends[0].get_texts()]
    assert not _missing_glyph_warnings(fig)


def test_english_fallback_without_a_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_style, "cjk_font", lambda: None)
    assert plot.style("auto") == _style.Style("en", ("DejaVu Sans",))
    with pytest.warns(RuntimeWarning, match="fonts-noto-cjk"):
        st = plot.style("zh")
    assert st.lang == "en"
    ax = plot.flow_map(_flows(), ledger="construction", lang="auto")
    names = {t.get_text() for t in _labels_of(ax)}
    assert "Shanghai" in names and "上海" not in names
    assert not _missing_glyph_warnings(ax.figure)
    with pytest.raises(InputError, match="lang"):
        plot.style("fr")  # type: ignore[arg-type]


def test_missing_matplotlib_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "regionopt.plot" or m.startswith("regionopt.plot.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError, match=r'pip install "regionopt\[plot\]"'):
        import regionopt.plot  # noqa: F401
