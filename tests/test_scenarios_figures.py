"""Sweep figures: response curves, tornado charts and scatters draw the numbers of the results."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

from regionopt import InputError
from regionopt.scenarios import Sweep, response, scatter, tornado

from . import scenario_helpers as H

matplotlib.use("Agg")
import matplotlib.pyplot as plt


@pytest.fixture(scope="module")
def land():
    return H.small_land()


def test_response_curves_one_line_per_value(land) -> None:
    sw = Sweep.grid(land, statutory_price_scale=[0.5, 1.0, 2.0], project_value_scale=[0.8, 1.0, 1.2])
    res = sw.run(progress=False)
    ax = response(res, "project_value_scale", "objective", by="statutory_price_scale")
    assert len(ax.lines) == 3
    for line, (val, sub) in zip(ax.lines, res.groupby("statutory_price_scale"), strict=True):
        sub = sub.sort_values("project_value_scale")
        np.testing.assert_allclose(line.get_xdata(), sub["project_value_scale"])
        np.testing.assert_allclose(line.get_ydata(), sub["objective"])
        assert f"{val:.4g}" in line.get_label()
    with pytest.raises(InputError, match="fix the other parameters"):
        response(res, "project_value_scale", "objective")
    one = response(res, "project_value_scale", "objective", where={"statutory_price_scale": 1.0})
    assert len(one.lines) == 1 and len(one.lines[0].get_xdata()) == 3
    with pytest.raises(InputError, match="no column 'welfare'"):
        response(res, "project_value_scale", "welfare")
    plt.close("all")


def test_tornado_bars_are_the_one_at_a_time_changes(land) -> None:
    sw = Sweep.one_at_a_time(land, {"project_value_scale": (0.8, 1.2), "reclamation_cost_scale": (0.5, 2.0)})
    res = sw.run(progress=False).set_index("name")
    base = res.at["base", "objective"]
    ax = tornado(res.reset_index())
    widths = {}
    for patch in ax.patches:
        widths.setdefault(round(patch.get_y() + patch.get_height() / 2), []).append(patch.get_width())
    labels = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    for i, p in enumerate(labels):
        want = sorted([res.at[f"{p}=low", "objective"] - base, res.at[f"{p}=high", "objective"] - base])
        np.testing.assert_allclose(sorted(widths[i]), want, rtol=1e-9, atol=1e-6)
    # the widest bar is on top
    spans = [max(widths[i]) - min(min(widths[i]), 0) for i in range(len(labels))]
    assert spans == sorted(spans)
    plt.close("all")


def test_scatter_of_two_outputs(land) -> None:
    sw = Sweep.sample(land, {"project_value_scale": (0.6, 1.4), "allocation_scale": (0.8, 1.2)}, 12, seed=3)
    res = sw.run(extract=lambda r: {"first_region": float(r.regions["welfare_10k_cny"].iloc[0])}, progress=False)
    ax = scatter(res, "objective", "first_region", color="project_value_scale")
    pts = ax.collections[0].get_offsets()
    np.testing.assert_allclose(np.asarray(pts)[:, 0], res["objective"])
    np.testing.assert_allclose(np.asarray(pts)[:, 1], res["first_region"])
    assert ax.get_xlabel() == "objective" and ax.get_ylabel() == "first_region"
    plt.close("all")
