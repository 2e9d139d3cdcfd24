"""The enclave model from tables: contributions, tax layers and a forecast in; splits and a schedule out.

:class:`EnclaveAgreement` is the table route through :mod:`regionopt.enclave`,
used by the Excel workbook (``regionopt enclave template`` / ``solve``) and the
CLI. From one row per partner (what it brings to the co-built park, its
up-front cost, optional floor and cap on its share), an optional technology
table, a yearly forecast of shareable revenue (or the taxes it comes from and
the tax layers that say which part stays local) and the phases of the
agreement, it

1. builds the :class:`~regionopt.enclave.EnclaveGame` (``v(S)``: the yearly
   locally retained tax coalition ``S`` can generate);
2. computes the splits asked for (Shapley, nucleolus, Owen, Nash,
   proportional) and checks each against the core;
3. rounds the chosen split to negotiable ratios (:func:`round_ratios`) and
   finds the phased schedule whose NPV matches it (:func:`sharing_schedule`).

Every input is checked like the other models' tables (unknown columns, units,
positions in the workbook). Formulations: docs/enclave.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from ..errors import InputError
from ..io.excel import TableSpec
from ..schema import (
    Code,
    FiniteFloat,
    NonNegFloat,
    OptCode,
    OptNonNegFloat,
    OptShare,
    Plausible,
    RowModel,
    Share,
    origin_of,
    validate_table,
)
from .forecast import REVENUE_10K_CNY, ForecastRow, read_forecast

__all__ = [
    "METHODS",
    "TABLES",
    "AgreementResult",
    "ContributionRow",
    "EnclaveAgreement",
    "EnclaveSettings",
    "PhaseRow",
    "TaxLayerRow",
    "TaxRow",
    "TechnologyRow",
]

#: Money a partner brings: a whole park rarely needs more than a few 1,000,000 万元 (hundreds of 亿元).
CAPITAL_10K_CNY = Plausible(
    unit="万元 (10,000 CNY)", warn_above=1e7, error_above=1e9,
    hint="CNY given instead of 万元? 1,000,000 万元 is 100 亿元")
#: Land of one park: Suzhou Industrial Park, among China's largest, is 278 km² (about 417,000 mu).
PARK_LAND_MU = Plausible(
    unit="mu (亩; 1 km² = 1,500 mu)", warn_above=600_000.0,
    hint="square metres given instead of mu? Suzhou Industrial Park is about 417,000 mu")
#: Yearly revenue of one unit of activity (a project): far below the whole park's.
UNIT_REVENUE_10K_CNY = Plausible(
    unit="万元 (10,000 CNY) a year per unit of activity", warn_above=1e6, error_above=1e9,
    hint="CNY given instead of 万元?")

#: The splits the workbook can compute.
METHODS = ("shapley", "nucleolus", "owen", "nash", "proportional")


class ContributionRow(RowModel):
    """One partner of the park. Index: ``partner``."""

    partner: Code = Field(description="partner name (one row each)")
    role: OptCode = Field(default=None, description="source (sends projects), host (gives land), investor or "
                          "other; empty = other")
    projects: NonNegFloat = Field(default=0.0, description="projects the partner brings, count")
    land_mu: Annotated[NonNegFloat, PARK_LAND_MU] = Field(default=0.0, description="land given to the park, mu")
    home_land_mu: Annotated[NonNegFloat, PARK_LAND_MU] = Field(
        default=0.0, description="scarce land at home (the source side) where projects could go instead, mu")
    service_capacity: NonNegFloat = Field(default=0.0, description="park services (one unit per project), units")
    capital_10k_cny: Annotated[NonNegFloat, CAPITAL_10K_CNY] = Field(
        default=0.0, description="capital brought, 万元 (not CNY)")
    upfront_cost_10k_cny: Annotated[NonNegFloat, CAPITAL_10K_CNY] = Field(
        default=0.0, description="up-front cost in year 0, 万元 (recovered first under target = net)")
    floor_share: OptShare = Field(default=None, description="lowest share of the revenue in every phase, 0-1; "
                                  "empty = 0")
    cap_share: OptShare = Field(default=None, description="highest share of the revenue in every phase, 0-1; "
                                "empty = 1")


#: Resource columns of the enclave game (the technology uses them per unit of activity).
RESOURCES = ("projects", "land_mu", "home_land_mu", "service_capacity", "capital_10k_cny")


class TechnologyRow(RowModel):
    """One activity of the park (default: regionopt.enclave.default_park_technology, illustrative). Index: ``activity``."""

    activity: Code = Field(description="activity name (park project, home project, local project ...)")
    revenue_10k_cny: Annotated[FiniteFloat, UNIT_REVENUE_10K_CNY] = Field(
        description="locally retained tax per unit of activity and year, 万元")
    projects: NonNegFloat = Field(default=0.0, description="projects one unit of activity uses")
    land_mu: NonNegFloat = Field(default=0.0, description="park land one unit uses, mu")
    home_land_mu: NonNegFloat = Field(default=0.0, description="home land one unit uses, mu")
    service_capacity: NonNegFloat = Field(default=0.0, description="park services one unit uses")
    capital_10k_cny: NonNegFloat = Field(default=0.0, description="capital one unit needs, 万元")
    max_units: OptNonNegFloat = Field(default=None, description="most units of the activity; empty = no limit")


class TaxRow(RowModel):
    """Taxes collected from the park's firms in one year: one ``<tax>_10k_cny`` column per tax (万元)."""

    year: int = Field(ge=1, description="operating year, 1 = the first year of operation")
    vat_10k_cny: Annotated[OptNonNegFloat, REVENUE_10K_CNY] = Field(
        default=None, description="value-added tax collected, 万元 (other taxes: add a <tax>_10k_cny column and a "
        "tax_layers row)")
    cit_10k_cny: Annotated[OptNonNegFloat, REVENUE_10K_CNY] = Field(
        default=None, description="corporate income tax collected, 万元")
    column_patterns: ClassVar[tuple[str, ...]] = (r".+_10k_cny",)


class TaxLayerRow(RowModel):
    """Which part of a tax stays local, and how the local part splits between layers. Index: ``tax``."""

    tax: Code = Field(description="tax name as in the taxes sheet (vat for vat_10k_cny, cit ...)")
    local_share: Share = Field(description="share of the tax that stays local (VAT 0.5, CIT 0.4 since the "
                               "2016 and 2002 reforms)")
    province_share: OptShare = Field(default=None, description="share of the local part taken by the province")
    city_share: OptShare = Field(default=None, description="share of the local part taken by the city")
    county_share: OptShare = Field(default=None, description="share of the local part taken by the county")


class PhaseRow(RowModel):
    """One phase of the schedule."""

    first_year: int = Field(ge=1, description="first operating year of the phase")
    last_year: Annotated[Annotated[int, Field(ge=1)] | None, BeforeValidator(
        lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else v)] = Field(
        default=None, description="last year of the phase; empty = to the end of the forecast")


def _as_list(v: Any) -> Any:
    if isinstance(v, str):
        return tuple(x.strip().lower() for x in v.replace(";", ",").split(",") if x.strip())
    return v


class EnclaveSettings(BaseModel):
    """Settings of the enclave workbook: which splits, which one the schedule follows, money over time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_name: str = Field(default="enclave", description="name of the case (in the result)")
    methods: Annotated[tuple[str, ...], BeforeValidator(_as_list)] = Field(
        default=("shapley", "nucleolus", "owen", "nash"),
        description="splits to compute, comma-separated: shapley, nucleolus, owen, nash, proportional")
    schedule_method: str = Field(default="nucleolus", description="the split the ratios and the schedule follow "
                                 "(one of methods)")
    proportional_to: str = Field(default="capital_10k_cny", description="for the proportional split: the "
                                 "contributions column to split by")
    discount_rate: float = Field(default=0.05, ge=0, lt=1, description="yearly discount rate of the schedule's NPV")
    target: Literal["net", "gross"] = Field(
        default="net", description="net: up-front costs are recovered first, the rest is split; gross: the whole "
        "revenue is split")
    step: Annotated[float | None, Field(gt=0, le=0.5)] = Field(
        default=0.05, description="round ratios to multiples of this share (0.05 = 5 %); empty = exact ratios")
    years: int = Field(default=20, ge=1, le=100, description="without a forecast or taxes sheet: years of the "
                       "illustrative forecast (ramp-up to v(N), then flat)")
    ramp_years: int = Field(default=5, ge=1, description="without a forecast or taxes sheet: years to full "
                            "revenue in the illustrative forecast")
    shared_layers: Annotated[tuple[str, ...] | None, BeforeValidator(_as_list)] = Field(
        default=None, description="local layers whose part is shared, comma-separated (e.g. city, county); "
        "empty = all")

    @field_validator("methods")
    @classmethod
    def _known(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [m for m in v if m not in METHODS]
        if bad:
            raise ValueError(f"unknown method {bad[0]!r}; choose among {', '.join(METHODS)}")
        if not v:
            raise ValueError("give at least one method")
        return v


TABLES: dict[str, TableSpec] = {
    "contributions": TableSpec(
        ContributionRow, "partner", required=True, description="what each partner brings, costs and share bounds",
        notes=(("Money is in 万元 (10,000 CNY): 40 亿元 is 400,000, not 4,000,000,000.",
                "金额单位为万元：40 亿元填 400,000，而不是 4,000,000,000。"),
               ("Leave technology empty to use the illustrative default park technology "
                "(regionopt.enclave.default_park_technology).",
                "technology 表留空即采用示意性的默认园区技术（regionopt.enclave.default_park_technology）。"))),
    "technology": TableSpec(TechnologyRow, "activity", description="what one unit of each activity uses and earns"),
    "forecast": TableSpec(
        ForecastRow, description="shareable revenue per operating year, 万元",
        notes=(("Give either forecast (shareable revenue per year) or taxes (tax per year, turned into shareable "
                "revenue by tax_layers), not both; without either, an illustrative ramp-up to v(N) is used.",
                "forecast（逐年可分享收入）与 taxes（逐年税收，经 tax_layers 换算为可分享收入）二选一；都不给时使用达到 v(N) 的示意性预测。"),
               ("Years are numbered 1, 2, ... (1 = first year of operation), not 'Y1' or 2026.",
                "年份从 1 开始编号（1＝投产第一年），不要写“Y1”或 2026。"))),
    "taxes": TableSpec(TaxRow, description="taxes collected from the park's firms per year, one <tax>_10k_cny "
                       "column per tax (万元)",
                       notes=(("Tax columns carry their unit: vat_10k_cny, cit_10k_cny (a column named vat is "
                               "refused).", "税种列名须带单位：vat_10k_cny、cit_10k_cny（名为 vat 的列会被拒绝）。"),)),
    "tax_layers": TableSpec(TaxLayerRow, "tax", description="local share of each tax and its split between "
                            "layers (default: VAT 0.5, CIT 0.4 local)"),
    "phases": TableSpec(PhaseRow, description="phases of the schedule (default: years 1-5, 6-10, 11+)"),
}


def _frame(df: Any, table: str, index_field: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InputError(f"expected a pandas DataFrame, got {type(df).__name__}", table=table)
    if index_field in df.columns and df.index.name != index_field:
        out = df.set_index(index_field)
        out.attrs.update(df.attrs)
        return out
    return df


@dataclass(frozen=True)
class EnclaveAgreement:
    """An enclave revenue-sharing case from tables (see the module docs; docs/enclave.md).

    Build it with :meth:`from_frames` or :meth:`from_excel`; :meth:`solve`
    returns an :class:`AgreementResult`.
    """

    contributions: pd.DataFrame
    technology: pd.DataFrame | None
    forecast: pd.Series | None
    forecast_from: str
    layers: Any
    phases: tuple[tuple[int, int | None], ...]
    settings: EnclaveSettings
    notes: tuple[str, ...] = ()

    #: Input tables (Excel template, docs).
    tables: ClassVar[dict[str, TableSpec]] = TABLES
    settings_class: ClassVar[type[BaseModel]] = EnclaveSettings
    what: ClassVar[str] = "enclave revenue sharing"

    @classmethod
    def from_frames(
        cls,
        contributions: pd.DataFrame,
        *,
        technology: pd.DataFrame | None = None,
        forecast: pd.Series | pd.DataFrame | None = None,
        taxes: pd.DataFrame | None = None,
        tax_layers: pd.DataFrame | None = None,
        phases: pd.DataFrame | None = None,
        settings: EnclaveSettings | Mapping[str, Any] | None = None,
    ) -> EnclaveAgreement:
        """Validate the tables and create the case.

        Parameters
        ----------
        contributions
            One row per partner (index or column ``partner``): columns of
            :class:`ContributionRow`.
        technology
            Activities (index or column ``activity``): columns of
            :class:`TechnologyRow`; default: the illustrative
            :func:`~regionopt.enclave.default_park_technology`.
        forecast
            Shareable revenue per operating year, 万元 (Series by year, or a
            table ``year, shareable_10k_cny``).
        taxes
            Instead of ``forecast``: ``year`` and one ``<tax>_10k_cny`` column
            per tax, turned into shareable revenue by ``tax_layers``.
        tax_layers
            Per tax (index or column ``tax``): ``local_share`` and optional
            ``province_share``, ``city_share``, ``county_share``; default VAT
            0.5 and CIT 0.4 local.
        phases
            ``first_year, last_year`` per phase; default 1-5, 6-10, 11+.
        settings
            :class:`EnclaveSettings` or a mapping of its fields.

        Raises
        ------
        InputError
            Naming the table, row and field of bad input.
        """
        from ..contract import make_settings
        from .policy import TaxLayers, shareable_revenue

        st: EnclaveSettings = make_settings(EnclaveSettings, settings)
        notes: list[str] = []
        contrib = _frame(contributions, "contributions", "partner")
        rows = validate_table(contrib, ContributionRow, "contributions", index_field="partner")
        if not rows:
            raise InputError("the contributions table has no rows: give one row per partner", table="contributions")
        if len(rows) > 12:
            raise InputError(f"{len(rows)} partners: the exact splits and the ratio rounding are for at most 12 "
                             "partners (use regionopt.enclave's sampling methods in Python beyond that)",
                             table="contributions")
        origin = origin_of(contrib)
        for i, r in enumerate(rows):
            if r.role is not None and r.role not in ("source", "host", "investor", "other"):
                raise InputError(f"role must be source, host, investor or other (got {r.role!r})",
                                 table="contributions", row=r.partner,
                                 field="role", value=r.role, position=None if origin is None else origin.cell(i, "role"))
            if r.floor_share is not None and r.cap_share is not None and r.floor_share > r.cap_share:
                raise InputError(f"floor_share {r.floor_share} is above cap_share {r.cap_share}", table="contributions",
                                 row=r.partner, field="floor_share", value=r.floor_share,
                                 position=None if origin is None else origin.cell(i, "floor_share"))
        if st.proportional_to not in ContributionRow.model_fields or st.proportional_to in ("partner", "role"):
            raise InputError(f"proportional_to must name a numeric contributions column, e.g. capital_10k_cny (got "
                             f"{st.proportional_to!r})", table="settings", field="proportional_to",
                             value=st.proportional_to)
        if st.schedule_method not in st.methods:
            raise InputError(f"schedule_method {st.schedule_method!r} is not among methods {list(st.methods)}",
                             table="settings", field="schedule_method", value=st.schedule_method)
        table = pd.DataFrame([r.model_dump() for r in rows]).set_index("partner")
        table["role"] = table["role"].fillna("other")

        tech: pd.DataFrame | None = None
        if technology is not None and len(technology):
            tdf = _frame(technology, "technology", "activity")
            trows = validate_table(tdf, TechnologyRow, "technology", index_field="activity")
            tech = pd.DataFrame([r.model_dump() for r in trows]).set_index("activity")
            tech["max_units"] = tech["max_units"].astype(float)
        else:
            notes.append("technology: the illustrative default park technology "
                         "(regionopt.enclave.default_park_technology): tax per mu, capital and land prices are "
                         "assumptions, not sourced")

        layers = TaxLayers()
        if tax_layers is not None and len(tax_layers):
            ldf = _frame(tax_layers, "tax_layers", "tax")
            lrows = validate_table(ldf, TaxLayerRow, "tax_layers", index_field="tax")
            split: dict[str, dict[str, float]] = {}
            for lr in lrows:
                parts = {k: getattr(lr, f"{k}_share") for k in ("province", "city", "county")
                         if getattr(lr, f"{k}_share") is not None}
                if parts:
                    split[lr.tax] = parts
            layers = TaxLayers(local_share={lr.tax: lr.local_share for lr in lrows}, layer_split=split,
                               shared_layers=st.shared_layers)
        elif st.shared_layers is not None:
            raise InputError("shared_layers needs a tax_layers sheet that splits the local part between layers",
                             table="settings", field="shared_layers")

        fc: pd.Series | None = None
        source = "illustrative"
        has_fc = forecast is not None and len(forecast)
        has_tax = taxes is not None and len(taxes)
        if has_fc and has_tax:
            raise InputError("give either a forecast (shareable revenue) or taxes, not both", table="taxes")
        if has_fc:
            fc = read_forecast(forecast, "forecast")
            source = "forecast"
        elif has_tax:
            assert taxes is not None
            tx = taxes.reset_index() if "year" not in taxes.columns and taxes.index.name == "year" else taxes
            tx.attrs.update(taxes.attrs)
            trow = validate_table(tx, TaxRow, "taxes", id_fields=("year",))
            years = [r.year for r in trow]
            cols = [c for c in tx.columns if str(c).endswith("_10k_cny")]
            if not cols:
                raise InputError("no '<tax>_10k_cny' columns (e.g. vat_10k_cny, cit_10k_cny)", table="taxes")
            tax_frame = tx[cols].copy()
            tax_frame.index = pd.Index(years, name="year")
            unknown = [str(c)[: -len("_10k_cny")] for c in cols if str(c)[: -len("_10k_cny")] not in layers.local_share]
            if unknown:
                raise InputError(f"no local share for tax {unknown[0]!r}: add it to tax_layers (known: "
                                 f"{sorted(layers.local_share)})", table="taxes", field=f"{unknown[0]}_10k_cny")
            share = shareable_revenue(tax_frame, layers)
            fc = read_forecast(share["shareable_10k_cny"].rename("shareable_10k_cny"), "taxes")
            source = "taxes"
        ph: tuple[tuple[int, int | None], ...] = ((1, 5), (6, 10), (11, None))
        if phases is not None and len(phases):
            prow = validate_table(phases, PhaseRow, "phases", id_fields=("first_year",))
            ph = tuple(sorted((r.first_year, r.last_year) for r in prow))
            for a, b in ph:
                if b is not None and b < a:
                    raise InputError(f"last_year {b} is before first_year {a}", table="phases", row=a,
                                     field="last_year", value=b)
        return cls(table, tech, fc, source, layers, ph, st, tuple(notes))

    @classmethod
    def from_excel(cls, path: Any, settings: BaseModel | Mapping[str, Any] | None = None) -> EnclaveAgreement:
        """Read a workbook laid out like ``regionopt enclave template``."""
        from ..io.excel import read_problem_workbook

        result: EnclaveAgreement = read_problem_workbook(cls, path, settings)
        return result

    @classmethod
    def _workbook_keywords(cls, frames: dict[str, Any]) -> dict[str, Any]:
        return frames

    def with_settings(self, **changes: Any) -> EnclaveAgreement:
        """A copy with some settings changed."""
        from ..contract import make_settings

        return EnclaveAgreement(self.contributions, self.technology, self.forecast, self.forecast_from, self.layers,
                                self.phases, make_settings(EnclaveSettings, self.settings, **changes), self.notes)

    def __repr__(self) -> str:
        src = {"forecast": "a forecast", "taxes": "taxes", "illustrative": "no forecast"}.get(self.forecast_from, "")
        return (f"EnclaveAgreement({len(self.contributions)} partners, "
                f"{'own' if self.technology is not None else 'default'} technology, {src}, "
                f"{len(self.phases)} phases)")

    def game(self) -> Any:
        """The :class:`~regionopt.enclave.EnclaveGame` of the contributions."""
        from .production import EnclaveGame

        return EnclaveGame(self.contributions[["role", *RESOURCES]], self.technology, name=self.settings.case_name)

    def solve(self) -> AgreementResult:
        """Compute the splits, their stability, the rounded ratios and the phased schedule.

        Raises
        ------
        InputError
            If the partners together earn nothing (``v(N) <= 0``).
        InfeasibleError
            If no schedule can recover the up-front costs, or the floors and
            caps leave no split.
        """
        from . import nash_bargaining, nucleolus, owen_allocation, proportional, shapley
        from .core import core_check
        from .examples import ramp_up_forecast
        from .policy import round_ratios
        from .schedule import sharing_schedule

        st = self.settings
        notes = list(self.notes)
        g = self.game()
        vN = g.grand_value
        if not vN > 0:
            raise InputError(f"the partners together earn v(N) = {vN:g} 万元 a year: there is nothing to share; check "
                             "the contributions against the technology (an activity needs every resource it uses)",
                             table="contributions")
        alone = g.disagreement_point()
        splits: dict[str, pd.Series] = {}
        for m in st.methods:
            if m == "shapley":
                splits[m] = shapley(g)
            elif m == "nucleolus":
                splits[m] = nucleolus(g)
            elif m == "owen":
                splits[m] = owen_allocation(g)
            elif m == "nash":
                splits[m] = nash_bargaining(g)
            else:
                splits[m] = proportional(g, self.contributions[st.proportional_to])
        c = self.contributions
        split_t = pd.DataFrame({"partner": list(g.players), "role": [c.at[p, "role"] for p in g.players],
                                "standalone_10k_cny": alone.to_numpy()})
        for m, s in splits.items():
            split_t[f"{m}_10k_cny"] = s.to_numpy()
        for m, s in splits.items():
            split_t[f"{m}_pct"] = 100 * s.to_numpy() / vN
        stab_rows = []
        for m, s in splits.items():
            chk = core_check(g, s)
            stab_rows.append({
                "method": m, "in_core": chk.in_core, "individually_rational": bool(chk.individually_rational.all()),
                "worst_excess_10k_cny": chk.max_excess,
                "blocking_coalition": " + ".join(chk.blocking["coalition"].iloc[0]) if len(chk.blocking) else "",
            })
        stability = pd.DataFrame(stab_rows)
        target = splits[st.schedule_method]
        floors = c["floor_share"].dropna().astype(float).to_dict()
        caps = c["cap_share"].dropna().astype(float).to_dict()
        rounded = round_ratios(g, target, step=st.step or 0.05, floors=floors or None, caps=caps or None)
        ratios = pd.DataFrame({"partner": list(g.players),
                               "exact_pct": 100 * target.to_numpy() / vN,
                               "rounded_pct": 100 * rounded.ratios.to_numpy(),
                               "payoff_10k_cny": rounded.payoff.to_numpy()})
        notes.append(f"ratios: {st.schedule_method} rounded to {100 * (st.step or 0.05):g} % steps: "
                     f"{rounded.as_text()}; stability lost by rounding {rounded.stability_loss:,.1f} 万元 a year "
                     f"({rounded.check.summary()})")
        fc = self.forecast
        if fc is None:
            fc = ramp_up_forecast(vN, ramp_years=st.ramp_years, years=st.years)
            notes.append(f"forecast: ILLUSTRATIVE, a linear ramp-up to v(N) = {vN:,.0f} 万元 a year over "
                         f"{st.ramp_years} years, then flat, for {st.years} years (no forecast or taxes sheet)")
        elif self.forecast_from == "taxes":
            notes.append("forecast: shareable revenue from the taxes sheet and the tax layers (locally retained "
                         "part of each tax)")
        last = max(int(y) for y in fc.index)
        phases = tuple((a, b) for a, b in self.phases if a <= last)
        costs = c["upfront_cost_10k_cny"].astype(float)
        sched = sharing_schedule(fc, target, costs, discount_rate=st.discount_rate, phases=phases, target=st.target,
                                 floors=floors or None, caps=caps or None, step=st.step)
        notes.append("clause: " + sched.clause())
        schedule = sched.table.reset_index()
        schedule.columns = ["phase", *[f"{p}_pct" for p in sched.table.columns]]
        npv = sched.npv.reset_index()
        npv["payback_year"] = npv["payback_year"].map(lambda v: v if v is not None else "not within the forecast")
        yearly = sched.yearly.copy()
        yearly.columns = [f"{p}_10k_cny" for p in yearly.columns]
        yearly.insert(0, "shareable_10k_cny", fc.reindex(yearly.index).to_numpy())
        yearly = yearly.reset_index()
        coal = pd.DataFrame()
        if g.n <= 10:
            ser = g.to_series()
            coal = pd.DataFrame({"coalition": [" + ".join(k) if k else "(none)" for k in ser.index],
                                 "size": [len(k) for k in ser.index], "value_10k_cny": ser.to_numpy()})
            coal = coal[coal["size"] > 0].reset_index(drop=True)
        summary = {
            "case": st.case_name,
            "partners": g.n,
            "grand_value_10k_cny_per_year": vN,
            "standalone_total_10k_cny_per_year": float(alone.sum()),
            "gain_from_cooperation_10k_cny_per_year": vN - float(alone.sum()),
            "methods": ", ".join(st.methods),
            "schedule_follows": st.schedule_method,
            "rounded_ratios": rounded.as_text(),
            "forecast": self.forecast_from if self.forecast is not None else "illustrative",
            "discount_rate": st.discount_rate,
            "schedule_target": st.target,
        }
        return AgreementResult(summary_values=summary, splits=split_t, stability=stability, ratios=ratios,
                               schedule=schedule, npv=npv, yearly=yearly, coalitions=coal, notes=notes,
                               clause=sched.clause())


@dataclass(kw_only=True, repr=False)
class AgreementResult:
    """Splits, stability, ratios and the phased schedule of an :class:`EnclaveAgreement` (万元, percent).

    Attributes
    ----------
    splits
        Per partner: role, what it earns alone, and each split in 万元 a year
        and in percent of ``v(N)``.
    stability
        Per split: in the core, individually rational, the worst coalition
        excess (万元 a year) and the coalition that would leave.
    ratios
        The schedule's split, exact and rounded to negotiable ratios.
    schedule
        Phase x partner: percent of the shareable revenue.
    npv
        Per partner: target and achieved NPV, cost, payback year.
    yearly
        Year x partner: receipts, 万元 (undiscounted).
    coalitions
        ``v(S)`` of every coalition (up to 10 partners), 万元 a year.
    notes
        What is illustrative, the rounding, and the agreement clause.
    """

    summary_values: dict[str, Any]
    splits: pd.DataFrame
    stability: pd.DataFrame
    ratios: pd.DataFrame
    schedule: pd.DataFrame
    npv: pd.DataFrame
    yearly: pd.DataFrame
    coalitions: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    clause: str = ""

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by sheet name (as written by :meth:`to_excel`)."""
        out = {"splits": self.splits, "stability": self.stability, "ratios": self.ratios,
               "schedule": self.schedule, "npv": self.npv, "yearly": self.yearly}
        if len(self.coalitions):
            out["coalitions"] = self.coalitions
        return out

    def summary(self) -> pd.DataFrame:
        """Key figures as a one-column table (``value``)."""
        return pd.DataFrame({"value": pd.Series(self.summary_values, dtype=object)})

    def to_excel(self, path: Any) -> Any:
        """Write the summary, every table and the notes to a workbook (atomically)."""
        from ..io.excel import write_result_workbook

        return write_result_workbook(self, path)

    def __repr__(self) -> str:
        s = self.summary_values
        return (f"AgreementResult({s['case']!r}: {s['partners']} partners, v(N) "
                f"{s['grand_value_10k_cny_per_year']:,.0f} 万元/yr, ratios {s['rounded_ratios']})")


__all__ += ["CAPITAL_10K_CNY", "PARK_LAND_MU", "RESOURCES", "REVENUE_10K_CNY"]
