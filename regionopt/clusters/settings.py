"""Settings of the cluster-role model: one pydantic model, every field with its unit and default."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = ["ClusterSettings", "ModelParams"]


def _whole(v: object) -> object:
    """Accept 3 and 3.0 as a whole number; refuse 1.5 (it used to mean 1)."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


_NonNeg = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class ClusterSettings(BaseModel):
    """Scalar parameters of the cluster-role model (weights, distances, rule switches).

    Every field is documented with its unit and default; the docs page and the
    Excel template's ``settings`` sheet are generated from these descriptions.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    core_distance_km: _NonNeg | None = Field(
        default=150.0,
        description="D, km: every near-core role (supplier, manufacturing by default) lies within this distance of "
        "a core city of the same cluster, measured from the supporting city to the core; empty = no rule")
    neighbour_km: _NonNeg = Field(
        default=60.0,
        description="two cities within this distance (km, either direction) are neighbours for the "
        "anti-homogeneity rule")
    homogeneity: Literal["penalty", "forbid", "off"] = Field(
        default="penalty",
        description="'penalty': pay homogeneity_penalty per neighbour pair both holding a core role in a cluster "
        "group; 'forbid': no such pair; 'off': no rule")
    homogeneity_penalty: _NonNeg = Field(default=1.0, description="objective points per duplicated neighbour "
                                         "core pair")
    synergy_km: _NonNeg = Field(
        default=0.0, description="a cluster in city c gains the link weight to another cluster placed within this "
        "distance of c, km (0 = same city)")
    fit_weight: _NonNeg = Field(default=1.0, description="weight of the fit term (points per fit point)")
    synergy_weight: _NonNeg = Field(default=1.0, description="weight of the synergy term (points per link weight)")
    change_penalty: _NonNeg = Field(default=0.0, description="objective points per (city, cluster) change from "
                                    "the current layout")
    max_changes: Annotated[Annotated[int, Field(ge=0)] | None, BeforeValidator(_whole)] = Field(
        default=None, description="cap on the number of (city, cluster) changes from the current layout; "
        "empty = no cap")
    min_cores_per_province: Annotated[int, BeforeValidator(_whole), Field(ge=0)] = Field(
        default=0, description="every province hosts at least this many core roles")
    core_share_tolerance: _NonNeg = Field(
        default=1.0, description="with a core_share column in provinces: each province's core count stays within "
        "this many cores of core_share x all cores")


#: Deprecated name of :class:`ClusterSettings` (kept for one release).
ModelParams = ClusterSettings
