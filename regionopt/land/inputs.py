"""Input tables of the land-quota model, their schemas and cross-table checks.

Every table is a :class:`pandas.DataFrame`; columns carry their unit. Each row
schema below is the single source of truth for column names, units and
meaning: the Excel template and the docs are generated from it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InputError
from ..io.excel import TableSpec
from ..names import Names
from ..schema import (
    Code,
    DistanceRow,
    NonNegFloat,
    OptCode,
    OptNonNegFloat,
    OptShare,
    Plausible,
    RowModel,
    _code,
    check_columns,
    check_unknown_columns,
    read_distances,
    validate_table,
)
from .pricing import FARMLAND_LEDGERS, LEDGERS, VERIFIED_COEFFICIENTS, StatutoryPrice

__all__ = [
    "TABLES",
    "AllocationRow",
    "ExportCapRow",
    "LandInputs",
    "LandSettings",
    "PairRow",
    "ProjectRow",
    "ProvinceRow",
    "RegionRow",
    "ReserveRow",
]

_Period = Field(default=1, ge=1, description="planning period (1, 2, ...); default 1")

#: Population per region: no region of China has more than China's 141,000 万 people; no province more than 13,000.
POPULATION_10K = Plausible(
    unit="10,000 persons (万人)", warn_above=20_000.0, error_above=150_000.0,
    hint="persons given instead of 10,000 persons? Shanghai has 2,487 万, Guangdong 12,706 万")
#: Money per mu or per unit of quota: statutory prices are 10-60 万元/亩; the dearest land in China stays
#: below 10,000 万元 (100 million CNY) per mu.
PER_MU_10K_CNY = Plausible(
    unit="万元 (10,000 CNY) per mu or per unit", warn_above=500.0, error_above=10_000.0,
    hint="CNY given instead of 万元? the statutory price is 10-60 万元 per mu")


class RegionRow(RowModel):
    """One region (city or county). Index: ``region`` (GB/T 2260 code)."""

    region: Code = Field(description="region code (index)")
    province: Code = Field(description="province code the region belongs to")
    name: str | None = Field(default=None, description="display name (English)")
    name_zh: str | None = Field(default=None, description="Chinese name (中文名称), shown beside the code")
    population_10k: Annotated[OptNonNegFloat, POPULATION_10K] = Field(default=None, description="resident population, 10,000 persons (needed for per-capita rules)")
    farmland_mu: OptNonNegFloat = Field(default=None, description="current farmland, mu")
    farmland_floor_mu: OptNonNegFloat = Field(default=None, description="regional farmland red line, mu")
    min_demand_share: OptShare = Field(default=None, description="minimum share of the region's project land that must be realised (development guarantee)")
    import_share_cap: OptShare = Field(default=None, description="max share of the region's use, per ledger, that may be bought")
    budget_10k_cny: OptNonNegFloat = Field(default=None, description="budget for charged-price purchases (bilateral + platform), 万元")


class ProvinceRow(RowModel):
    """One province. Index: ``province`` code."""

    province: Code = Field(description="province code (index)")
    name: str | None = Field(default=None, description="display name (English)")
    name_zh: str | None = Field(default=None, description="Chinese name (中文名称), shown beside the code")
    farmland_mu: OptNonNegFloat = Field(default=None, description="current farmland, mu (default: sum over its regions)")
    farmland_floor_mu: OptNonNegFloat = Field(default=None, description="provincial farmland red line (耕地保有量), mu")
    platform_coefficient: OptNonNegFloat = Field(default=None, description="buyer coefficient of the statutory price; empty cell = may not buy from the national platform; column absent = the verified coefficient of the province code")
    prior_added_mu: OptNonNegFloat = Field(default=None, description="net increase of farmland (added minus occupied) in the year before period 1, mu (以补定占 limit for period 1)")


class AllocationRow(RowModel):
    """Quota a region holds at the start of a period, per ledger."""

    region: Code = Field(description="region code")
    ledger: str = Field(description="construction | area | paddy | grain")
    amount: NonNegFloat = Field(description="quota, in the ledger's unit (mu; grain: 100 kg capacity)")
    period: int = _Period


class ProjectRow(RowModel):
    """A construction project competing for quota. Index: ``project`` id."""

    project: Code = Field(description="project id (index)")
    region: Code = Field(description="region code")
    land_mu: NonNegFloat = Field(description="construction land needed, mu")
    farmland_mu: NonNegFloat = Field(default=0.0, description="of which farmland occupied, mu")
    paddy_mu: NonNegFloat = Field(default=0.0, description="of which paddy, mu")
    grain_100kg: NonNegFloat = Field(default=0.0, description="grain capacity occupied, 100 kg")
    value_10k_cny: NonNegFloat = Field(description="value of realising the project in full, 万元")
    min_share: OptShare = Field(default=None, description="share that must be realised (e.g. 1 for a committed major project)")
    period: int = _Period


class ReserveRow(RowModel):
    """A reclamation reserve tier of a region (整治 / 增减挂钩 potential)."""

    region: Code = Field(description="region code")
    tier: Code = Field(description="tier id, unique within the region")
    potential_mu: NonNegFloat = Field(description="land that can be reclaimed over the horizon, mu")
    cost_10k_cny_per_mu: Annotated[NonNegFloat, PER_MU_10K_CNY] = Field(description="reclamation cost, 万元/亩")
    construction_per_mu: NonNegFloat = Field(default=0.0, description="construction quota freed per mu reclaimed (增减挂钩), mu/mu")
    area_per_mu: NonNegFloat = Field(default=1.0, description="farmland area created per mu, mu/mu")
    paddy_per_mu: NonNegFloat = Field(default=0.0, description="paddy created per mu, mu/mu")
    grain_100kg_per_mu: NonNegFloat = Field(default=0.0, description="grain capacity created per mu, 100 kg/mu")


class PairRow(RowModel):
    """An allowed bilateral trading pair (seller -> buyer)."""

    seller: Code = Field(description="selling region code")
    buyer: Code = Field(description="buying region code")
    ledger: OptCode = Field(default=None, description="ledger traded; empty = all four")
    price_10k_cny_per_unit: Annotated[OptNonNegFloat, PER_MU_10K_CNY] = Field(default=None, description="contract price, 万元/unit; empty = paid at the market-clearing price (the buyer's shadow price net of the cost it bears), and counted against budgets at the statutory unit price of the buyer's province (farmland ledgers) or 0")
    cost_10k_cny_per_unit: Annotated[NonNegFloat, PER_MU_10K_CNY] = Field(
        default=0.0, description="transaction cost borne by the buyer, 万元/unit")
    max_amount: OptNonNegFloat = Field(default=None, description="cap on the flow per period, in the ledger's unit")
    min_amount: NonNegFloat = Field(default=0.0, description="contracted minimum flow per period")
    allowed: bool = Field(default=True, description="False marks a forbidden pair (no flow)")


class ExportCapRow(RowModel):
    """Cap on what a seller may export over the horizon, per ledger."""

    region: Code = Field(description="region code")
    ledger: str = Field(description="ledger")
    cap: NonNegFloat = Field(description="maximum total outflow, in the ledger's unit")


class LandSettings(BaseModel):
    """Scalar switches and parameters of the land-quota model.

    Attributes
    ----------
    within_province, bilateral, platform
        Which trading channels are open (all three: the trade plan; none: autarky).
    intra_cost_10k_cny_per_unit
        Transaction cost of a within-province adjustment, 万元 per unit.
    transport_cost_10k_cny_per_unit_km
        Distance-dependent cost of a bilateral trade, 万元 per unit per km
        (needs a ``distances_km`` table).
    platform_payout_coefficient
        The platform pays sellers the statutory unit price times this
        coefficient. **Assumption**: no source in docs/policy.md gives the payout to
        supplying provinces; 1.0 (the lowest verified tier) by default.
    national_floor_mu
        National (all provinces) farmland red line, mu.
    red_line_follows_trade
        If True, a province's red line rises by its cross-province net export of
        farmland area and falls by its net import (the protection target moves
        with the quota). **Modelling choice**, off by default.
    binary_projects
        Projects are realised in full or not at all (MIP).
    banking
        Unused quota carries to the next period (multi-period runs).
    yibu_dingzhan
        以补定占: farmland occupied in a province in period t+1 is at most the
        net increase of its farmland in period t (reclaimed minus occupied), and
        at most ``prior_added_mu`` in period 1.
    per_capita_spread_cap
        Cap on max - min realised project land per capita across regions, mu per
        10,000 persons.
    spread_penalty_10k_cny
        Optional equity penalty in the objective: 万元 per unit of spread (max -
        min realised project land per capita, mu per 10,000 persons).
    gini_cap
        Cap on the Gini coefficient of realised land per capita (O(n^2) rows;
        only for at most ``gini_max_regions`` regions).
    statutory
        :class:`StatutoryPrice` parameters.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    within_province: bool = Field(default=True, description="open the within-province adjustment channel (省内调剂)")
    bilateral: bool = Field(default=True, description="open bilateral trade on the allowed pairs (跨省域调剂); "
                            "only pairs listed in the pairs table may trade")
    platform: bool = Field(default=True, description="open the national coordination platform (国家统筹) at "
                           "the statutory price; a province with an empty platform_coefficient may only sell")
    intra_cost_10k_cny_per_unit: float = Field(default=0.0, ge=0, allow_inf_nan=False,
                                               description="transaction cost of a within-province adjustment, "
                                               "万元 per unit")
    transport_cost_10k_cny_per_unit_km: float = Field(
        default=0.0, ge=0, allow_inf_nan=False,
        description="distance-dependent cost of a bilateral trade, 万元 per unit per km (needs distances_km)")
    platform_payout_coefficient: float = Field(
        default=1.0, ge=0, allow_inf_nan=False,
        description="the platform pays sellers the statutory unit price times this coefficient; ASSUMPTION (no "
        "source gives the payout): 1.0, the lowest verified tier")
    national_floor_mu: float | None = Field(default=None, ge=0, allow_inf_nan=False,
                                            description="national (all provinces) farmland red line, mu; empty = none")
    red_line_follows_trade: bool = Field(
        default=False, description="a province's red line rises by its net cross-province export of farmland area "
        "and falls by its net import (modelling choice)")
    binary_projects: bool = Field(default=False, description="projects are realised in full or not at all (MIP)")
    banking: bool = Field(default=True, description="unused quota carries to the next period (multi-period runs)")
    yibu_dingzhan: bool = Field(
        default=False, description="以补定占: farmland occupied in a province in period t+1 is at most its net "
        "farmland increase in period t (prior_added_mu in period 1)")
    per_capita_spread_cap: float | None = Field(
        default=None, ge=0, allow_inf_nan=False,
        description="cap on max - min realised project land per capita across regions, mu per 10,000 persons; "
        "empty = none")
    spread_penalty_10k_cny: float = Field(
        default=0.0, ge=0, allow_inf_nan=False,
        description="equity penalty in the objective, 万元 per unit of per-capita spread (mu per 10,000 persons)")
    gini_cap: float | None = Field(default=None, ge=0, le=1, allow_inf_nan=False,
                                   description="cap on the Gini coefficient of realised land per capita (O(n²) "
                                   "rows); empty = none")
    gini_max_regions: int = Field(default=60, ge=2, description="largest number of regions for which a Gini cap "
                                  "is built (its rows grow as n²)")
    statutory: StatutoryPrice = Field(default=StatutoryPrice(), description="statutory price parameters: "
                                      "base 10 万元/亩, paddy base 20 万元/亩, capacity 2 万元 per 100 kg")

    def autarky(self) -> LandSettings:
        """The same settings with every trading channel closed."""
        return self.model_copy(update={"within_province": False, "bilateral": False, "platform": False})


#: The model's input tables: row schema, index field, required or not (Excel template, docs).
TABLES: dict[str, TableSpec] = {
    "regions": TableSpec(RegionRow, "region", required=True, description="regions (cities or counties)",
                         notes=(("population_10k is in 10,000 persons (万人): Shanghai is 2,487, not 24,870,000.",
                                 "population_10k 的单位是万人：上海为 2,487，而不是 24,870,000。"),)),
    "provinces": TableSpec(
        ProvinceRow, "province", description="provinces: farmland, red lines, platform tier",
        notes=(("A blank platform_coefficient cell forbids that province to buy from the national platform (it may "
                "still sell); leave the whole column out to use the verified coefficient of each province code.",
                "platform_coefficient 单元格空白表示该省不得从国家统筹平台购买（仍可卖出）；整列删除则按省份代码采用已核实的系数。"),)),
    "allocations": TableSpec(AllocationRow, description="quota held at the start of a period"),
    "projects": TableSpec(ProjectRow, "project", required=True, description="projects competing for quota",
                          notes=(("A project's farmland_mu is part of its land_mu, and paddy_mu part of farmland_mu.",
                                  "项目的 farmland_mu 包含在 land_mu 之内，paddy_mu 包含在 farmland_mu 之内。"),)),
    "reserves": TableSpec(ReserveRow, description="reclamation reserve tiers"),
    "pairs": TableSpec(
        PairRow, description="allowed (or forbidden) bilateral trading pairs",
        notes=(("Bilateral trade happens only on the pairs listed here: an empty pairs sheet means no bilateral "
                "trade at all, whatever the bilateral setting. A blank ledger cell opens all four ledgers.",
                "双边交易只发生在此处列出的交易对之间：交易对表为空即没有双边交易（无论 bilateral 设置如何）。ledger 空白表示四个账户都开放。"),)),
    "export_caps": TableSpec(ExportCapRow, description="caps on what a seller exports"),
    "distances_km": TableSpec(
        DistanceRow, matrix=True,
        description="distances between regions, km: one row per pair (origin, destination, distance_km; a pair "
        "given one way counts both ways), a long table from, to, km (one row per pair; for many regions), or a "
        "square matrix (row = from, column = to)",
        notes=(("Distances are only read when transport_cost_10k_cny_per_unit_km > 0, for the listed pairs; in km, "
                "not metres.", "仅当 transport_cost_10k_cny_per_unit_km > 0 时读取交易对的距离；单位为公里而非米。"),)),
}
REQUIRED_TABLES = tuple(k for k, v in TABLES.items() if v.required)


#: A bilateral arc (seller, buyer, ledger).
Arc = tuple[str, str, str]


def _ledger_ok(ledger: str | None, table: str, row: Any) -> None:
    if ledger is not None and ledger not in LEDGERS:
        raise InputError(f"unknown ledger {ledger!r}; expected one of {list(LEDGERS)}", table=table, row=row, field="ledger", value=ledger)


@dataclass(frozen=True)
class LandInputs:
    """Validated, cross-checked inputs (what the model is built from)."""

    regions: dict[str, RegionRow]
    provinces: dict[str, ProvinceRow]
    allocations: dict[tuple[str, str, int], float]
    projects: dict[str, ProjectRow]
    reserves: dict[tuple[str, str], ReserveRow]
    pairs: Mapping[tuple[str, str, str], PairRow]
    export_caps: dict[tuple[str, str], float]
    distances_km: dict[tuple[str, str], float]
    settings: LandSettings
    periods: tuple[int, ...] = field(default=(1,))
    #: What the tables imply that a reader of the result should know (copied into the result's notes).
    notes: tuple[str, ...] = ()

    def province_of(self, region: str) -> str:
        return self.regions[region].province

    def names(self) -> Names:
        """English and Chinese names of the regions and provinces (the tables', then the bundled Delta names)."""
        en = {r: row.name for r, row in self.regions.items()} | {p: row.name for p, row in self.provinces.items()}
        zh = ({r: row.name_zh for r, row in self.regions.items()}
              | {p: row.name_zh for p, row in self.provinces.items()})
        return Names.of(en, zh)

    def label(self, key: Any) -> str:
        """User wording of an index entry (region / province code, ledger...)."""
        k = str(key)
        if k in self.regions:
            nm = self.regions[k].name
            return f"{nm} ({k})" if nm else k
        if k in self.provinces:
            nm = self.provinces[k].name
            return f"{nm} ({k})" if nm else k
        return k


def _frame_or_empty(df: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=columns) if df is None else df


def build_inputs(
    *,
    regions: pd.DataFrame,
    projects: pd.DataFrame,
    provinces: pd.DataFrame | None = None,
    allocations: pd.DataFrame | None = None,
    reserves: pd.DataFrame | None = None,
    pairs: pd.DataFrame | None = None,
    export_caps: pd.DataFrame | None = None,
    distances_km: pd.DataFrame | None = None,
    settings: LandSettings | Mapping[str, Any] | None = None,
) -> LandInputs:
    """Validate all tables and check them against each other.

    Raises
    ------
    InputError
        Naming table, row and field of the first problem found.
    """
    st = make_settings(settings)

    reg_rows = validate_table(regions, RegionRow, "regions", index_field="region")
    regs = {r.region: r for r in reg_rows}
    if not regs:
        raise InputError("at least one region is required", table="regions")

    # Without a platform_coefficient column, provinces get the verified statutory
    # coefficient of their GB/T 2260 code (none for unverified tiers). An explicit
    # empty cell means: this province may not buy from the platform.
    has_coef = provinces is not None and "platform_coefficient" in provinces.columns
    if provinces is not None and len(provinces):
        prov_rows = validate_table(provinces, ProvinceRow, "provinces", index_field="province")
        provs = {p.province: p for p in prov_rows}
    else:
        provs = {}
    for r in regs.values():
        if r.province not in provs:
            if provinces is not None and len(provinces):
                raise InputError(f"province {r.province!r} is not in the provinces table", table="regions", row=r.region, field="province", value=r.province)
            provs[r.province] = ProvinceRow(province=r.province)
    if not has_coef:
        provs = {
            k: v.model_copy(update={"platform_coefficient": VERIFIED_COEFFICIENTS.get(k)}) for k, v in provs.items()
        }

    # projects
    proj_rows = validate_table(projects, ProjectRow, "projects", index_field="project")
    projs: dict[str, ProjectRow] = {}
    for p in proj_rows:
        if p.region not in regs:
            raise InputError(f"unknown region {p.region!r}", table="projects", row=p.project, field="region", value=p.region)
        if p.farmland_mu > p.land_mu + 1e-9:
            raise InputError(f"farmland occupied ({p.farmland_mu}) exceeds land needed ({p.land_mu})", table="projects", row=p.project, field="farmland_mu", value=p.farmland_mu)
        if p.paddy_mu > p.farmland_mu + 1e-9:
            raise InputError(f"paddy ({p.paddy_mu}) exceeds farmland occupied ({p.farmland_mu})", table="projects", row=p.project, field="paddy_mu", value=p.paddy_mu)
        projs[p.project] = p
    periods = sorted({p.period for p in projs.values()} | {1})

    allocs: dict[tuple[str, str, int], float] = {}
    if allocations is not None and len(allocations):
        for a in validate_table(allocations, AllocationRow, "allocations", id_fields=("region", "ledger", "period")):
            rowlab = f"{a.region}/{a.ledger}/{a.period}"
            if a.region not in regs:
                raise InputError(f"unknown region {a.region!r}", table="allocations", row=rowlab, field="region", value=a.region)
            _ledger_ok(a.ledger, "allocations", rowlab)
            key = (a.region, a.ledger, a.period)
            if key in allocs:
                raise InputError("duplicate (region, ledger, period)", table="allocations", row=rowlab, field="region")
            allocs[key] = a.amount
        periods = sorted(set(periods) | {k[2] for k in allocs})
    if periods != list(range(1, len(periods) + 1)):
        gap = next(t for t in range(1, periods[-1] + 1) if t not in periods)
        # name the first row whose period lies beyond the gap, in the table it came from
        late_proj = sorted((p.period, p.project) for p in projs.values() if p.period > gap)
        late_alloc = sorted((t, f"{r}/{led}/{t}") for (r, led, t) in allocs if t > gap)
        table, (bad, row) = ("projects", late_proj[0]) if late_proj and (not late_alloc or late_proj[0][0] <= late_alloc[0][0]) else ("allocations", late_alloc[0])
        raise InputError(
            f"periods must be 1..T without gaps, got {periods}: period {bad} follows a gap (no project or allocation in period {gap})",
            table=table, row=row, field="period", value=bad,
        )

    res: dict[tuple[str, str], ReserveRow] = {}
    if reserves is not None and len(reserves):
        for t in validate_table(reserves, ReserveRow, "reserves", id_fields=("region", "tier")):
            rowlab = f"{t.region}/{t.tier}"
            if t.region not in regs:
                raise InputError(f"unknown region {t.region!r}", table="reserves", row=rowlab, field="region", value=t.region)
            if (t.region, t.tier) in res:
                raise InputError("duplicate (region, tier)", table="reserves", row=rowlab, field="tier", value=t.tier)
            res[(t.region, t.tier)] = t

    prs = PairTable.empty()
    if pairs is not None and len(pairs):
        prs = _pairs_fast(pairs, regs) or PairTable.from_rows(_pairs_checked(pairs, regs))

    caps: dict[tuple[str, str], float] = {}
    if export_caps is not None and len(export_caps):
        for c in validate_table(export_caps, ExportCapRow, "export_caps", id_fields=("region", "ledger")):
            rowlab = f"{c.region}/{c.ledger}"
            if c.region not in regs:
                raise InputError(f"unknown region {c.region!r}", table="export_caps", row=rowlab, field="region", value=c.region)
            _ledger_ok(c.ledger, "export_caps", rowlab)
            if (c.region, c.ledger) in caps:
                raise InputError("duplicate (region, ledger)", table="export_caps", row=rowlab, field="ledger", value=c.ledger)
            caps[(c.region, c.ledger)] = c.cap

    dist: dict[tuple[str, str], float] = {}
    if distances_km is not None:
        needed = prs.seller_buyer_pairs()
        if _is_long_distances(distances_km):  # from, to, km: the vectorised path for large instances
            dist = _long_distances(distances_km, regs, needed)
        else:
            dm = read_distances(distances_km, "distances_km")
            for s, b in sorted(needed):
                if s not in dm.index or b not in dm.columns or not math.isfinite(float(dm.at[s, b])):
                    raise InputError(f"no distance for pair {s}->{b}", table="distances_km", row=s, field=b)
                dist[(s, b)] = float(dm.at[s, b])
    notes: list[str] = []
    if not projs:
        notes.append("the projects table has no rows: no region needs quota, so nothing is bought or sold; the "
                     "plan can only reclaim land where a red line demands it (objective 0 otherwise)")
    inp = LandInputs(regs, provs, allocs, projs, res, prs, caps, dist, st, tuple(periods), tuple(notes))
    check_settings(inp)
    return inp


def _pairs_checked(pairs: pd.DataFrame, regs: Mapping[str, RegionRow]) -> dict[Arc, PairRow]:
    """Validate the pairs table row by row (pydantic): the allowed arcs and their rows.

    Raises
    ------
    InputError
        At the first bad row, naming table ``pairs``, the row ``seller->buyer[/ledger]`` and the field.
    """
    prs: dict[Arc, PairRow] = {}
    seen_arcs: set[Arc] = set()  # allowed or not: a second row for an arc is a duplicate
    for pr in validate_table(pairs, PairRow, "pairs", id_fields=("seller", "buyer", "ledger")):
        rowlab = f"{pr.seller}->{pr.buyer}" + (f"/{pr.ledger}" if pr.ledger else "")
        for fld in ("seller", "buyer"):
            code = getattr(pr, fld)
            if code not in regs:
                raise InputError(f"unknown region {code!r}", table="pairs", row=rowlab, field=fld, value=code)
        if pr.seller == pr.buyer:
            raise InputError("a region cannot trade with itself", table="pairs", row=rowlab, field="buyer", value=pr.buyer)
        _ledger_ok(pr.ledger, "pairs", rowlab)
        if not pr.allowed and pr.min_amount > 0:
            raise InputError(
                f"pair is not allowed but has a forced minimum flow of {pr.min_amount}",
                table="pairs", row=rowlab, field="min_amount", value=pr.min_amount,
            )
        if pr.max_amount is not None and pr.min_amount > pr.max_amount:
            raise InputError(f"min_amount {pr.min_amount} exceeds max_amount {pr.max_amount}", table="pairs", row=rowlab, field="min_amount", value=pr.min_amount)
        for led in ([pr.ledger] if pr.ledger else list(LEDGERS)):
            arc = (pr.seller, pr.buyer, led)
            if arc in seen_arcs:
                raise InputError("duplicate pair", table="pairs", row=rowlab, field="ledger", value=led)
            seen_arcs.add(arc)
            if pr.allowed:
                prs[arc] = pr
    return prs


def _codes_fast(col: pd.Series) -> np.ndarray | None:
    """The column's codes as :data:`~regionopt.schema.Code` makes them (object array), or None.

    None when the vectorised path does not apply (an empty cell, a value that
    is neither a string nor an integer, a blank code): the row-by-row path then
    reports it.
    """
    dt = col.dtype
    if pd.api.types.is_integer_dtype(dt) and not pd.api.types.is_bool_dtype(dt):
        return np.array([str(v) for v in col.tolist()], dtype=object)
    is_object = pd.api.types.is_object_dtype(dt)
    if is_object or pd.api.types.is_string_dtype(dt):
        if col.isna().any() or (is_object and pd.api.types.infer_dtype(col, skipna=False) != "string"):
            return None
        out = col.str.strip()
        if (out == "").any():
            return None
        return out.to_numpy(dtype=object)
    return None


def _floats_fast(df: pd.DataFrame, name: str, default: float | None) -> np.ndarray | None:
    """A numeric column as floats (NaN = not given / the default), or None if the fast path does not apply."""
    if name not in df.columns:
        return np.full(len(df), np.nan if default is None else default)
    col = df[name]
    if pd.api.types.is_bool_dtype(col.dtype) or not (
            pd.api.types.is_float_dtype(col.dtype) or pd.api.types.is_integer_dtype(col.dtype)):
        return None
    v = col.to_numpy(dtype=float, na_value=np.nan)
    given = ~np.isnan(v)
    if not (np.isfinite(v[given]).all() and (v[given] >= 0).all()):
        return None
    if default is not None:
        v = np.where(given, v, default)
    return v


def _ledgers_fast(df: pd.DataFrame) -> np.ndarray | None:
    """The ledger column as positions in :data:`LEDGERS` (-1: empty = all four), or None (row-by-row path)."""
    n = len(df)
    if "ledger" not in df.columns:
        return np.full(n, -1, dtype=np.int64)
    col = df["ledger"]
    na = col.isna().to_numpy()
    out = np.full(n, -1, dtype=np.int64)
    if na.all():
        return out
    given = col[~na]
    is_object = pd.api.types.is_object_dtype(given.dtype)
    if is_object and pd.api.types.infer_dtype(given, skipna=False) != "string":
        return None
    if not (is_object or pd.api.types.is_string_dtype(given.dtype)):
        return None
    pos = pd.Index(list(LEDGERS)).get_indexer(given.str.strip())
    if (pos < 0).any():
        return None
    out[~na] = pos
    return out


def _pairs_fast(pairs: pd.DataFrame, regs: Mapping[str, RegionRow]) -> PairTable | None:
    """The pairs table checked column by column (vectorised), or None to take the row-by-row path.

    Applies to clean tables only -- codes given as strings or integers,
    numbers as numeric columns, every value valid and no cross-table problem;
    anything else (a bad value, an unknown region, a duplicate...) returns None
    and :func:`_pairs_checked` raises the same :class:`InputError` it always
    did. The result is the arcs and rows the row-by-row path builds, in the
    same order.
    """
    check_columns(pairs, "pairs", ["seller", "buyer"])
    check_unknown_columns(pairs, PairRow, "pairs")  # a misspelt optional column must not be dropped
    seller, buyer = _codes_fast(pairs["seller"]), _codes_fast(pairs["buyer"])
    led = _ledgers_fast(pairs)
    if seller is None or buyer is None or led is None:
        return None
    n = len(pairs)
    price = _floats_fast(pairs, "price_10k_cny_per_unit", None)
    cost = _floats_fast(pairs, "cost_10k_cny_per_unit", 0.0)
    mx = _floats_fast(pairs, "max_amount", None)
    mn = _floats_fast(pairs, "min_amount", 0.0)
    if price is None or cost is None or mx is None or mn is None:
        return None
    limit = PER_MU_10K_CNY.warn_above
    if limit is not None and (np.nanmax(np.r_[price, cost, 0.0]) > limit):
        return None  # an implausible price or cost: the row path warns or refuses, naming the row
    if "allowed" in pairs.columns:
        if not pd.api.types.is_bool_dtype(pairs["allowed"].dtype):
            return None
        allowed = pairs["allowed"].to_numpy(dtype=bool)
    else:
        allowed = np.ones(n, dtype=bool)
    codes = pd.Index(list(regs))
    s_pos, b_pos = codes.get_indexer(seller), codes.get_indexer(buyer)
    if (s_pos < 0).any() or (b_pos < 0).any() or (s_pos == b_pos).any():
        return None
    canon = np.array(list(regs), dtype=object)  # the regions table's own code objects: one string per region
    seller, buyer = canon[s_pos], canon[b_pos]
    if ((~allowed) & (mn > 0)).any() or (~np.isnan(mx) & (mn > mx)).any():
        return None
    # arcs: a row with a ledger is one arc, a row without one is four (in LEDGERS order)
    per_row = np.where(led < 0, len(LEDGERS), 1)
    row = np.repeat(np.arange(n), per_row)
    first = np.cumsum(per_row) - per_row
    arc_led = np.where(led[row] >= 0, led[row], np.arange(row.size) - first[row])
    key = (s_pos[row].astype(np.int64) * len(codes) + b_pos[row]) * len(LEDGERS) + arc_led
    key.sort()
    if (key[1:] == key[:-1]).any():
        return None  # a duplicate arc: the row-by-row path names it
    keep = allowed[row]
    kept_rows = np.flatnonzero(allowed)
    new_row = np.full(n, -1, dtype=np.int64)
    new_row[kept_rows] = np.arange(kept_rows.size)
    row_led: list[str | None] = [LEDGERS[i] if i >= 0 else None for i in led[kept_rows].tolist()]
    return PairTable(new_row[row[keep]], arc_led[keep], seller[kept_rows].tolist(), buyer[kept_rows].tolist(),
                     row_led, price[kept_rows], cost[kept_rows], mx[kept_rows], mn[kept_rows])


class PairTable(Mapping[tuple[str, str, str], PairRow]):
    """The allowed bilateral arcs and the pair row of each, held column by column.

    A mapping ``(seller, buyer, ledger) -> PairRow`` like a dict of the pairs
    table's rows, in the order the table gives them (a row without a ledger is
    four arcs, in :data:`LEDGERS` order), but stored as columns so that a
    national instance (a million arcs from a quarter of a million rows) costs
    arrays, not a million objects: per arc its row (``row``) and ledger
    (``ledger_index``, position in :data:`LEDGERS`); per row ``row_seller``,
    ``row_buyer``, ``row_ledger`` (None: all four) and ``price``, ``cost``,
    ``max_amount``, ``min_amount`` (NaN where not given). Rows are made on first
    access; the arrays feed the model directly (:class:`~regionopt.land.index.LandIndex`).
    """

    def __init__(self, row: np.ndarray, ledger_index: np.ndarray, row_seller: list[str], row_buyer: list[str],
                 row_ledger: list[str | None], price: np.ndarray, cost: np.ndarray, max_amount: np.ndarray,
                 min_amount: np.ndarray, rows: list[PairRow | None] | None = None) -> None:
        self.row = np.asarray(row, dtype=np.int64)
        self.ledger_index = np.asarray(ledger_index, dtype=np.int64)
        self.row_seller, self.row_buyer, self.row_ledger = row_seller, row_buyer, row_ledger
        self.price, self.cost, self.max_amount, self.min_amount = price, cost, max_amount, min_amount
        self._rows: list[PairRow | None] = rows if rows is not None else [None] * len(row_seller)
        self._pos: dict[Arc, int] | None = None

    @classmethod
    def empty(cls) -> PairTable:
        z = np.zeros(0)
        e = np.zeros(0, dtype=np.int64)
        return cls(e, e, [], [], [], z, z, z, z)

    @classmethod
    def from_rows(cls, arcs: Mapping[Arc, PairRow]) -> PairTable:
        """The table of a mapping arc -> row (the rows are kept, not copied)."""
        if isinstance(arcs, PairTable):
            return arcs
        index: dict[tuple[int, str, str], int] = {}
        rows: list[PairRow] = []
        sb: list[tuple[str, str]] = []
        row = np.empty(len(arcs), dtype=np.int64)
        for i, (a, pr) in enumerate(arcs.items()):
            j = index.get((id(pr), a[0], a[1]))  # one row per row object and (seller, buyer) of its arcs
            if j is None:
                j = index[(id(pr), a[0], a[1])] = len(rows)
                rows.append(pr)
                sb.append((a[0], a[1]))
            row[i] = j

        def col(name: str, none: float) -> np.ndarray:
            return np.array([none if getattr(r, name) is None else getattr(r, name) for r in rows], dtype=float)

        pos = {led: i for i, led in enumerate(LEDGERS)}
        led = np.array([pos[a[2]] for a in arcs], dtype=np.int64)
        return cls(row, led, [s for s, _b in sb], [b for _s, b in sb], [r.ledger for r in rows],
                   col("price_10k_cny_per_unit", np.nan), col("cost_10k_cny_per_unit", 0.0),
                   col("max_amount", np.nan), col("min_amount", 0.0), list(rows))

    def arc(self, i: int) -> Arc:
        """Arc ``i`` as (seller, buyer, ledger)."""
        j = int(self.row[i])
        return (self.row_seller[j], self.row_buyer[j], LEDGERS[int(self.ledger_index[i])])

    # ---- mapping
    def __len__(self) -> int:
        return len(self.row)

    def __iter__(self) -> Iterator[Arc]:
        s, b, L = self.row_seller, self.row_buyer, LEDGERS
        return ((s[j], b[j], L[li]) for j, li in zip(self.row.tolist(), self.ledger_index.tolist(), strict=True))

    def _position(self) -> dict[Arc, int]:
        if self._pos is None:
            self._pos = {a: i for i, a in enumerate(self)}
        return self._pos

    def __contains__(self, arc: object) -> bool:
        return arc in self._position()

    def __getitem__(self, arc: Arc) -> PairRow:
        return self.row_of(int(self.row[self._position()[arc]]))

    def row_of(self, j: int) -> PairRow:
        """The pair row ``j`` (made on first access)."""
        pr = self._rows[j]
        if pr is None:
            def opt(v: float) -> float | None:
                return None if math.isnan(v) else float(v)

            pr = self._rows[j] = PairRow.model_construct(
                seller=self.row_seller[j], buyer=self.row_buyer[j], ledger=self.row_ledger[j],
                price_10k_cny_per_unit=opt(self.price[j]), cost_10k_cny_per_unit=float(self.cost[j]),
                max_amount=opt(self.max_amount[j]), min_amount=float(self.min_amount[j]), allowed=True)
        return pr

    def seller_buyer_pairs(self) -> set[tuple[str, str]]:
        """The (seller, buyer) pairs with at least one allowed arc."""
        return set(zip(self.row_seller, self.row_buyer, strict=True))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_pos"] = None
        return state

    def __repr__(self) -> str:
        return f"PairTable({len(self)} arcs from {len(self.row_seller)} rows)"


_LONG_DISTANCE_COLUMNS = ("from", "to", "km")


def _is_long_distances(df: pd.DataFrame) -> bool:
    """A long ``from, to, km`` distance table (one row per pair) rather than a square one."""
    return all(c in df.columns for c in _LONG_DISTANCE_COLUMNS)


def _long_distances(df: pd.DataFrame, regs: Mapping[str, RegionRow],
                    needed: set[tuple[str, str]]) -> dict[tuple[str, str], float]:
    """Check a long ``from, to, km`` table and return the distances of the ``needed`` pairs, km.

    Every row is checked (known regions, finite km >= 0, no pair twice), in a
    few vectorised passes, so a table of a million pairs costs about a second.

    Raises
    ------
    InputError
        Naming table ``distances_km``, the row ``from->to`` and the field.
    """
    fast_from, fast_to = _codes_fast(df["from"]), _codes_fast(df["to"])
    frm = fast_from.tolist() if fast_from is not None else [_code(v) for v in df["from"]]
    to = fast_to.tolist() if fast_to is not None else [_code(v) for v in df["to"]]
    raw = df["km"]
    km = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    known = pd.Index(list(regs))
    canon = np.array(list(regs), dtype=object)
    pos = {}
    for fld, codes in (("from", frm), ("to", to)):
        pos[fld] = known.get_indexer(codes) if codes else np.zeros(0, dtype=np.int64)
        unknown = np.flatnonzero(pos[fld] < 0)
        if unknown.size:
            i = int(unknown[0])
            raise InputError(f"unknown region {codes[i]!r}", table="distances_km", row=f"{frm[i]}->{to[i]}",
                             field=fld, value=codes[i])
    frm, to = canon[pos["from"]].tolist(), canon[pos["to"]].tolist()  # one string object per region
    bad = np.flatnonzero(~np.isfinite(km) | (km < 0))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"distance must be a finite number >= 0 (got {raw.iloc[i]!r})", table="distances_km",
                         row=f"{frm[i]}->{to[i]}", field="km", value=raw.iloc[i])
    table = dict(zip(zip(frm, to, strict=True), km.tolist(), strict=True))
    if len(table) < len(frm):
        seen: set[tuple[str, str]] = set()
        for i, key in enumerate(zip(frm, to, strict=True)):
            if key in seen:
                raise InputError("duplicate pair", table="distances_km", row=f"{frm[i]}->{to[i]}", field="to",
                                 value=to[i])
            seen.add(key)
    missing = needed.difference(table.keys())
    if missing:
        s, b = min(missing)
        raise InputError(f"no distance for pair {s}->{b}", table="distances_km", row=f"{s}->{b}", field="km")
    if len(needed) == len(table):  # the table gives exactly the pairs
        return table
    return {k: table[k] for k in needed}


def make_settings(settings: LandSettings | Mapping[str, Any] | None) -> LandSettings:
    """Settings from a :class:`LandSettings`, a dict of its fields or ``None``.

    Raises
    ------
    InputError
        Naming table ``settings`` and the field of a bad value.
    """
    from ..contract import make_settings as _make

    return _make(LandSettings, settings)


def check_settings(inp: LandInputs) -> None:
    """Check the rules switched on in ``inp.settings`` against the data they need.

    Run by :func:`build_inputs` and again whenever settings change
    (:meth:`LandQuotaProblem.with_settings`), so that a rule is never built on
    data it does not have (e.g. per-capita rules without population).

    Raises
    ------
    InputError
        Naming table, row and field of the first problem found.
    """
    st = inp.settings
    regs, provs, prs = inp.regions, inp.provinces, inp.pairs
    table = prs if isinstance(prs, PairTable) else None
    if not st.bilateral:
        if table is not None:  # only the forced arcs, sorted: the first is the one to name
            forced = np.flatnonzero(table.min_amount[table.row] > 0).tolist()
            arcs = sorted(table.arc(i) for i in forced)
        else:
            arcs = sorted(a for a, pr in prs.items() if pr.min_amount > 0)
        if arcs:
            s, b, _led = arcs[0]
            pr = prs[arcs[0]]
            raise InputError(
                "a forced minimum flow needs the bilateral channel open",
                table="pairs", row=f"{s}->{b}" + (f"/{pr.ledger}" if pr.ledger else ""), field="min_amount", value=pr.min_amount,
            )
    if st.transport_cost_10k_cny_per_unit_km > 0:
        pairs_sb = table.seller_buyer_pairs() if table is not None else {(a[0], a[1]) for a in prs}
        no_km = sorted(pairs_sb.difference(inp.distances_km.keys()))
        if no_km:
            s, b = no_km[0]
            raise InputError(
                f"transport cost per km is set but the distances_km table gives no distance for pair {s}->{b}",
                table="settings", field="transport_cost_10k_cny_per_unit_km", value=st.transport_cost_10k_cny_per_unit_km,
            )
    if st.per_capita_spread_cap is not None or st.gini_cap is not None or st.spread_penalty_10k_cny > 0:
        for r in regs.values():
            if not r.population_10k:
                raise InputError("population is needed for per-capita equity rules (and must be > 0)", table="regions", row=r.region, field="population_10k", value=r.population_10k)
    if st.gini_cap is not None and len(regs) > st.gini_max_regions:
        raise InputError(
            f"the Gini cap adds O(n^2) rows; {len(regs)} regions exceed gini_max_regions={st.gini_max_regions}. "
            "Use per_capita_spread_cap instead, or raise gini_max_regions knowingly.",
            table="settings", field="gini_cap", value=st.gini_cap,
        )
    if st.platform:
        for pv in provs.values():
            coef_p = pv.platform_coefficient
            if coef_p is not None and coef_p < st.platform_payout_coefficient:
                raise InputError(
                    f"buyer coefficient {coef_p} is below the platform payout coefficient {st.platform_payout_coefficient}: "
                    "buying from the platform and selling back would be an unbounded arbitrage. "
                    "Lower settings.platform_payout_coefficient to at most the smallest buyer coefficient.",
                    table="provinces", row=pv.province, field="platform_coefficient", value=coef_p,
                )
    farm_needed = st.national_floor_mu is not None or any(p.farmland_floor_mu is not None for p in provs.values())
    if farm_needed:
        for pv in provs.values():
            if pv.farmland_mu is None:
                missing = [r.region for r in regs.values() if r.province == pv.province and r.farmland_mu is None]
                if missing and (st.national_floor_mu is not None or pv.farmland_floor_mu is not None):
                    raise InputError(
                        "a farmland red line needs the province's farmland (provinces.farmland_mu) or every region's farmland_mu",
                        table="regions", row=missing[0], field="farmland_mu",
                    )
    for r in regs.values():
        if r.farmland_floor_mu is not None and r.farmland_mu is None:
            raise InputError("a regional red line needs farmland_mu", table="regions", row=r.region, field="farmland_mu")


def ledger_need(p: ProjectRow, ledger: str) -> float:
    """Units of ``ledger`` a project uses when fully realised."""
    if ledger == "construction":
        return p.land_mu
    if ledger == "area":
        return p.farmland_mu
    if ledger == "paddy":
        return p.paddy_mu
    return p.grain_100kg


def reserve_yield(t: ReserveRow, ledger: str) -> float:
    """Units of ``ledger`` created per mu reclaimed."""
    return {
        "construction": t.construction_per_mu,
        "area": t.area_per_mu,
        "paddy": t.paddy_per_mu,
        "grain": t.grain_100kg_per_mu,
    }[ledger]


__all__ += ["FARMLAND_LEDGERS", "LEDGERS", "build_inputs", "check_settings", "ledger_need", "make_settings", "reserve_yield"]
