"""The integrated Delta plan: the 41-city land market with the seed's clusters and the Delta's enclave cases.

Sourced: everything the land and cluster examples source (cities, provinces,
clusters and their member cities, the statutory price), the enclave pairs
(the cases in docs/policy.md) and the retained tax of 41 万元/亩 a year
(Longquan–Xiaoshan co-built park, cs.zjol.com.cn 2018-07-02).
**Illustrative**: the land and cluster examples' generated parameters, the
value of a cluster score point, the enclave distance penalty, and the
``land_shares`` rule (60 % of role land is farmland as for the land
example's projects; paddy 80 / 60 / 60 / 40 % of it in SH / JS / ZJ / AH;
4.5 units of 100 kg grain capacity per mu of farmland).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..clusters.example import delta_problem
from ..datasets import load_delta
from ..land.example import delta_example
from .problem import RegionalPlan

__all__ = ["DELTA_ENCLAVES", "SEED_CLUSTERS", "delta_land_shares", "delta_plan", "jiangsu_clusters"]

#: The three clusters named in the seed: Taizhou–Lianyungang–Wuxi biomedicine,
#: Suzhou–Wuxi–Nantong high-end textiles, Ningbo green petrochemicals (with
#: Zhoushan, Jiaxing, Shaoxing and Quzhou linked in).
SEED_CLUSTERS = ("NAT22-03", "NAT22-04", "NAT21-11")

#: The Delta's enclave cases (docs/policy.md) as source -> host pairs; the splits are not public.
DELTA_ENCLAVES = pd.DataFrame(
    [
        ("330100", "341800", None, "Xintang (Xiaoshan, Hangzhou) down-feather park in Xuancheng (xsnet.cn 2024-09-12)"),
        ("331100", "330100", None, "Longquan (Lishui) enclave in Xiaoshan's development zone (cs.zjol.com.cn "
         "2018-07-02): the locally retained tax is returned in full for the first 5 years"),
        ("310000", "330400", None, "Zhangjiang Yangtze Delta Sci-Tech City: Jinshan (Shanghai) and Pinghu (Jiaxing)"),
        ("320200", "321200", None, "Jiangyin (Wuxi) - Jingjiang (Taizhou) park (xw1806.com)"),
    ],
    columns=["source", "host", "source_share", "note"],
)

_PADDY = {"310000": 0.8, "320000": 0.6, "330000": 0.6, "340000": 0.4}


def delta_land_shares() -> pd.DataFrame:
    """Illustrative ``land_shares`` for the 41 cities (module docstring)."""
    c = load_delta().cities
    df = pd.DataFrame({
        "farmland_share": 0.6,
        "paddy_share": c["province_code"].astype(str).map(_PADDY).to_numpy(),
        "grain_100kg_per_mu": 4.5,
    }, index=pd.Index(c.index, name="city"))
    df.attrs["illustrative"] = "land_shares rule of regionopt.plan.example"
    return df


def jiangsu_clusters() -> list[str]:
    """Jiangsu's 13 provincial cluster industries (苏政发〔2018〕86号)."""
    return [k for k in load_delta().clusters.index if k.startswith("JS18")]


def delta_plan(clusters: Sequence[str] = SEED_CLUSTERS, *, land_seed: int = 2024, cluster_seed: int = 0,
               enclaves: pd.DataFrame | None = DELTA_ENCLAVES, **settings: Any) -> RegionalPlan:
    """The integrated Delta plan for ``clusters`` (default: the three of the seed).

    ``settings`` go to :class:`~regionopt.plan.PlanSettings`.
    """
    land = delta_example(seed=land_seed)
    cl = delta_problem(list(clusters), seed=cluster_seed)
    return RegionalPlan.from_problems(land, cl, land_shares=delta_land_shares(), enclaves=enclaves, **settings)
