"""Linking tables and settings of the integrated plan (docs/plan.md).

The plan is built from a land-quota problem and a cluster-role problem plus two
linking tables:

- ``land_shares`` (per city): how a role's construction land splits into
  farmland occupied, paddy and grain capacity in that city (the other three
  ledgers of the land market and the red lines);
- ``enclaves`` (per allowed source -> host pair): a source city may take a
  role whose land, energy and red-line effects fall on the host (飞地), with
  the source's share of the role's revenue given, or computed after the solve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..clusters.inputs import ClusterInputs
from ..errors import InputError
from ..io.excel import TableSpec
from ..land.inputs import LandInputs
from ..schema import Code, NonNegFloat, OptNonNegFloat, OptShare, RowModel, Share, validate_table

__all__ = ["TABLES", "EnclaveRow", "LandShareRow", "PlanLinks", "PlanSettings", "validate_links"]


class LandShareRow(RowModel):
    """How one mu of role land in a city splits over the farmland ledgers. Index: ``city``."""

    city: Code = Field(description="city code (index)")
    farmland_share: Share = Field(description="share of a role's construction land that is farmland occupied, "
                                  "0-1 (mu of farmland per mu)")
    paddy_share: Share = Field(default=0.0, description="share of that farmland that is paddy, 0-1")
    grain_100kg_per_mu: NonNegFloat = Field(default=0.0, description="grain capacity occupied per mu of "
                                            "farmland, 100 kg/mu")


class EnclaveRow(RowModel):
    """An allowed enclave (飞地): a role of the source city sited in the host city."""

    source: Code = Field(description="source city code: the role counts for its place in the chain")
    host: Code = Field(description="host city code: the role's land, energy and red-line effects fall here")
    source_share: OptShare = Field(default=None, description="share of the role's revenue to the source, 0-1; "
                                   "empty = computed after the solve from the pair's contributions (enclave game)")
    max_roles: OptNonNegFloat = Field(default=None, description="most roles the pair may carry; empty = no limit")
    note: str | None = Field(default=None, description="free text (the case it follows, its source)")


class PlanSettings(BaseModel):
    """Settings of the integrated plan (every number with its unit; illustrative defaults say so)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value_per_point_10k_cny: float = Field(
        default=20_000.0, gt=0, allow_inf_nan=False,
        description="value of one point of cluster score (fit, synergy, penalties), 万元 per point. ILLUSTRATIVE: "
        "no source prices a role's fit; 20,000 万元 is the order of the land value of a role's plot")
    enclave_penalty_points_per_km: float = Field(
        default=0.005, ge=0, allow_inf_nan=False,
        description="fit lost by a role sited in an enclave, points per km between source and host. ILLUSTRATIVE")
    period: int = Field(default=1, ge=1, description="land-market period in which the roles take their land")
    cross_province_trade: bool = Field(default=True, description="land quota may be traded across provinces "
                                       "(bilateral pairs and the national platform)")
    cross_border_enclaves: bool = Field(default=True, description="enclaves may pair cities of two provinces")
    coalition: tuple[str, ...] | None = Field(
        default=None, description="provinces that may coordinate across their borders (trade, enclaves); the "
        "others plan alone; empty = all provinces")
    tax_10k_cny_per_mu_per_year: float = Field(
        default=41.0, ge=0, allow_inf_nan=False,
        description="locally retained tax of a role's land, 万元 per mu per year, for enclave revenue and "
        "schedules; 41 = the Longquan–Xiaoshan co-built park (cs.zjol.com.cn, 2018-07-02; docs/policy.md)")
    enclave_split: Literal["nucleolus", "shapley"] = Field(
        default="nucleolus", description="rule for an enclave whose source_share is empty: the pair's enclave game "
        "(contributions) split by this rule")
    schedule_years: int = Field(default=15, ge=1, description="years of the enclave revenue forecast")
    discount_rate: float = Field(default=0.05, ge=0, lt=1, description="yearly discount rate of the schedules")


#: The plan's linking tables (Excel template, docs).
TABLES: dict[str, TableSpec] = {
    "land_shares": TableSpec(LandShareRow, "city", description="farmland, paddy and grain per mu of role land"),
    "enclaves": TableSpec(EnclaveRow, description="allowed enclave pairs (source -> host)"),
}


@dataclass(frozen=True)
class PlanLinks:
    """Validated linking tables."""

    shares: dict[str, LandShareRow]
    enclaves: dict[tuple[str, str], EnclaveRow] = field(default_factory=dict)


def validate_links(land: LandInputs, clusters: ClusterInputs, land_shares: pd.DataFrame | None,
                   enclaves: pd.DataFrame | None) -> PlanLinks:
    """Check the linking tables against the two models.

    Raises
    ------
    InputError
        A cluster city that is not a land region, an unknown city in a linking
        table, a pair with itself or given twice.
    """
    for c in clusters.cities:
        if c not in land.regions:
            raise InputError("every city of the cluster model must be a region of the land model",
                             table="cities", row=c, field="city", value=c)
    shares: dict[str, LandShareRow] = {}
    if land_shares is not None and len(land_shares):
        for r in validate_table(land_shares, LandShareRow, "land_shares", index_field="city"):
            if r.city not in clusters.cities:
                raise InputError("unknown city (not in the cluster model's cities)", table="land_shares",
                                 row=r.city, field="city", value=r.city)
            shares[r.city] = r
    pairs: dict[tuple[str, str], EnclaveRow] = {}
    if enclaves is not None and len(enclaves):
        for e in validate_table(enclaves, EnclaveRow, "enclaves", id_fields=("source", "host")):
            lab = f"{e.source}->{e.host}"
            for fld in ("source", "host"):
                code = getattr(e, fld)
                if code not in clusters.cities:
                    raise InputError("unknown city (not in the cluster model's cities)", table="enclaves", row=lab,
                                     field=fld, value=code)
            if e.source == e.host:
                raise InputError("an enclave needs two different cities", table="enclaves", row=lab, field="host")
            if (e.source, e.host) in pairs:
                raise InputError("pair given twice", table="enclaves", row=lab, field="host")
            pairs[e.source, e.host] = e
    return PlanLinks(shares, pairs)
