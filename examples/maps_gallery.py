"""Render the figures of docs/maps.md (needs the plot extra: pip install "regionopt[plot]").

Usage: python examples/maps_gallery.py [OUTPUT_DIR]   (default: docs/img)

Every number drawn comes from the worked examples: sourced city data with
illustrative parameters (see docs/data.md), so the figures are illustrative.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from regionopt import plot
from regionopt.clusters.example import delta_problem
from regionopt.land import LandQuotaProblem, delta_example_frames


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    land = LandQuotaProblem.from_frames(**delta_example_frames(seed=2024)).solve()
    ax = plot.choropleth(
        land.regions, "gain_10k_cny", classes=6, lang="en",
        title="Gain from trade by city, Delta land-quota plan (illustrative parameters)",
    )
    ax.figure.savefig(out / "maps_gains.png", dpi=90, bbox_inches="tight")
    ax = plot.flow_map(land.flows, ledger="construction", lang="en")
    ax.figure.savefig(out / "maps_flows.png", dpi=90, bbox_inches="tight")
    ax = plot.flow_map(land.flows, ledger="construction", lang="zh")
    ax.figure.savefig(out / "maps_flows_zh.png", dpi=90, bbox_inches="tight")
    clusters = delta_problem(["NAT22-03", "NAT22-04", "NAT21-11"]).solve(mip_gap=1e-9)
    fig = plot.role_maps(clusters.assignments, lang="en", title="Cluster roles by city (model plan, illustrative fit)")
    fig.savefig(out / "maps_roles.png", dpi=100, bbox_inches="tight")
    ax = plot.role_matrix_heatmap(clusters.role_matrix, lang="en", title="Role matrix (model plan)")
    ax.figure.savefig(out / "maps_role_matrix.png", dpi=80, bbox_inches="tight")
    ax = plot.gains_bar(land.gains, lang="en", title="Gain from trade by province (illustrative)")
    ax.figure.savefig(out / "maps_gains_bar.png", dpi=80, bbox_inches="tight")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/img"))
