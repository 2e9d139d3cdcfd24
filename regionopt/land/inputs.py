"""Input tables of the land-quota model, their schemas and cross-table checks.

Every table is a :class:`pandas.DataFrame`; columns carry their unit. Each row
schema below is the single source of truth for column names, units and
meaning: the Excel template and the docs are generated from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..errors import InputError
from ..io.excel import TableSpec
from ..schema import (
    Code,
    DistanceRow,
    NonNegFloat,
    OptCode,
    OptNonNegFloat,
    OptShare,
    Plausible,
    RowModel,
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
    name: str | None = Field(default=None, description="display name")
    population_10k: Annotated[OptNonNegFloat, POPULATION_10K] = Field(default=None, description="resident population, 10,000 persons (needed for per-capita rules)")
    farmland_mu: OptNonNegFloat = Field(default=None, description="current farmland, mu")
    farmland_floor_mu: OptNonNegFloat = Field(default=None, description="regional farmland red line, mu")
    min_demand_share: OptShare = Field(default=None, description="minimum share of the region's project land that must be realised (development guarantee)")
    import_share_cap: OptShare = Field(default=None, description="max share of the region's use, per ledger, that may be bought")
    budget_10k_cny: OptNonNegFloat = Field(default=None, description="budget for charged-price purchases (bilateral + platform), 万元")


class ProvinceRow(RowModel):
    """One province. Index: ``province`` code."""

    province: Code = Field(description="province code (index)")
    name: str | None = Field(default=None, description="display name")
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
        coefficient. **Assumption**: no source in POLICY.md gives the payout to
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
        "given one way counts both ways), or a square matrix (row = from, column = to)",
        notes=(("Distances are only read when transport_cost_10k_cny_per_unit_km > 0, for the listed pairs; in km, "
                "not metres.", "仅当 transport_cost_10k_cny_per_unit_km > 0 时读取交易对的距离；单位为公里而非米。"),)),
}
REQUIRED_TABLES = tuple(k for k, v in TABLES.items() if v.required)


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
    pairs: dict[tuple[str, str, str], PairRow]
    export_caps: dict[tuple[str, str], float]
    distances_km: dict[tuple[str, str], float]
    settings: LandSettings
    periods: tuple[int, ...] = field(default=(1,))
    #: What the tables imply that a reader of the result should know (copied into the result's notes).
    notes: tuple[str, ...] = ()

    def province_of(self, region: str) -> str:
        return self.regions[region].province

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

    prs: dict[tuple[str, str, str], PairRow] = {}
    seen_arcs: set[tuple[str, str, str]] = set()  # allowed or not: a second row for an arc is a duplicate
    if pairs is not None and len(pairs):
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
        needed = {(s, b) for (s, b, _l) in prs}
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
    if not st.bilateral:
        for (s, b, _led), pr in sorted(prs.items()):
            if pr.min_amount > 0:
                raise InputError(
                    "a forced minimum flow needs the bilateral channel open",
                    table="pairs", row=f"{s}->{b}" + (f"/{pr.ledger}" if pr.ledger else ""), field="min_amount", value=pr.min_amount,
                )
    if st.transport_cost_10k_cny_per_unit_km > 0:
        for s, b, _led in sorted(prs):
            if (s, b) not in inp.distances_km:
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
