"""Results of the land-quota model: tables indexed by the user's names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd

from ..contract import Result
from ..solve import SolveReport

__all__ = ["LandQuotaResult"]


@dataclass(kw_only=True, repr=False)
class LandQuotaResult(Result):
    """The solved land-quota plan.

    Attributes
    ----------
    status
        :class:`regionopt.Status` of the trade plan.
    objective
        Objective value, 万元: regional welfare minus the optional equity
        penalty (equal to :attr:`welfare` when there is no penalty).
    mip_gap
        Relative gap (0 for LPs solved to optimality).
    flows
        One row per flow: ``seller, buyer, ledger, channel, period, amount, unit,
        price_10k_cny_per_unit, payment_10k_cny``. Channels: ``within_province``
        (cleared through the provincial pool at its shadow price; the seller ->
        buyer pairing shown is one valid matching), ``bilateral`` (contract
        price, else the market-clearing price), ``platform`` (national coordination; counterpart ``"PLATFORM"``:
        buyers pay the statutory charge, sellers receive the payout).
    prices
        Index (region, ledger, period): ``shadow_price_10k_cny_per_unit`` (dual
        of the quota balance: value of one more unit), ``statutory_price_10k_cny_per_unit``
        (platform charge to that region's province, NaN if none), ``unit``.
    projects
        Index project: ``region, period, land_mu, realised_share,
        realised_land_mu, realised_value_10k_cny``.
    reclamation
        ``region, tier, period, reclaimed_mu, cost_10k_cny``.
    farmland
        Index (province, period): farmland balance against the red line:
        ``baseline_mu, occupied_mu, reclaimed_mu, retained_mu, floor_mu,
        effective_floor_mu`` (the floor moved by cross-province trade when
        ``red_line_follows_trade``), ``slack_mu, shadow_price_10k_cny_per_mu``
        (万元 per mu of red line) and ``binding`` (a positive shadow price, or
        slack at most 1e-9 of the baseline, e.g. 0.08 mu for Anhui).
    welfare
        Total regional welfare, 万元 (value of realised projects minus
        reclamation, transaction and platform costs).
    autarky_welfare
        Welfare of the same problem with every trading channel closed, 万元
        (NaN if autarky is infeasible: see :attr:`notes`).
    regions
        Per region: value, costs, payments and receipts, welfare with trade,
        welfare in autarky and the gain, 万元; ``price_rent_10k_cny`` (what the
        region gains or loses by trading units at prices off its own shadow
        price) and ``red_line_share_10k_cny`` (value of the shared red-line
        room it takes, + , or gives up, −, against autarky). In an LP plan
        with no binding equity or 以补定占 rule, gain >= price rent + red-line
        share for every region (docs/land.md, "Who gains").
    gains
        The same by province.
    report
        The :class:`regionopt.SolveReport` of the trade plan.
    banked
        Quota carried from period t to t+1: ``region, ledger, period, banked``.
    timings
        Wall-clock seconds per phase of :meth:`~LandQuotaProblem.solve` on a
        HiGHS route: ``build`` (assemble the LP), ``load`` (hand it to HiGHS),
        ``solve`` (the trade plan, with the LP re-solve for a MIP's prices),
        ``round_trips``, ``read_back`` (result tables) and ``autarky`` (the
        benchmark on the same model, read back).
    notes
        Plain-language notes (e.g. prices taken from the LP with integers fixed).
    """

    flows: pd.DataFrame
    prices: pd.DataFrame
    projects: pd.DataFrame
    reclamation: pd.DataFrame
    farmland: pd.DataFrame
    welfare: float
    autarky_welfare: float
    regions: pd.DataFrame
    gains: pd.DataFrame
    banked: pd.DataFrame = field(default_factory=pd.DataFrame)
    autarky_report: SolveReport | None = None
    timings: dict[str, float] = field(default_factory=dict)

    title: ClassVar[str] = "land-quota plan"

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by sheet name (as written by :meth:`to_excel`)."""
        return {"flows": self.flows, "prices": self.prices, "projects": self.projects,
                "reclamation": self.reclamation, "farmland": self.farmland, "regions": self.regions,
                "gains": self.gains, "banked": self.banked}

    @property
    def gain_from_trade(self) -> float:
        """Welfare with trade minus autarky welfare, 万元."""
        return self.welfare - self.autarky_welfare

    def traded(self) -> pd.DataFrame:
        """Units traded per ledger (rows, with their unit) and channel (columns); platform trades counted once.

        Each row is in its ledger's own unit (construction quota and farmland area
        in mu, paddy in mu, grain capacity in 100 kg), so a row never adds
        different things.
        """
        chans = ["within_province", "bilateral", "platform"]
        f = self.flows
        if len(f):
            t = f.groupby(["ledger", "channel"])["amount"].sum().unstack("channel").reindex(columns=chans)
            t = t.fillna(0.0)
            t["platform"] = t["platform"] / 2.0  # two legs (sale and purchase) per unit through the platform
        else:
            t = pd.DataFrame(columns=chans, dtype=float)
        t = t.reindex(["construction", "area", "paddy", "grain"]).fillna(0.0)
        t["all_channels"] = t[chans].sum(axis=1)
        t.insert(0, "unit", ["mu", "mu", "mu", "100 kg grain capacity"])
        t.index.name = "ledger"
        return t

    def summary(self) -> pd.DataFrame:
        """Key figures of the plan as a one-column DataFrame (``value``)."""
        rows: dict[str, object] = {
            "status": self.status.value,
            "welfare_10k_cny": self.welfare,
            "autarky_welfare_10k_cny": self.autarky_welfare,
            "gain_from_trade_10k_cny": self.gain_from_trade,
            "mip_gap": self.mip_gap,
            "solve_seconds": self.report.solve_seconds,
            "projects_realised_share_of_land": (
                self.projects["realised_land_mu"].sum() / self.projects["land_mu"].sum()
                if len(self.projects) and self.projects["land_mu"].sum() > 0
                else float("nan")
            ),
            "reclaimed_mu": float(self.reclamation["reclaimed_mu"].sum()) if len(self.reclamation) else 0.0,
        }
        traded = self.traded()
        for led, unit in (("construction", "mu"), ("area", "mu"), ("paddy", "mu"), ("grain", "100kg")):
            # one row per ledger: quota mu, farmland mu and grain capacity are never added together
            rows[f"traded_{led}_{unit}"] = float(traded.loc[led, "all_channels"]) if led in traded.index else 0.0
        binding = self.farmland[self.farmland["binding"]] if len(self.farmland) else self.farmland
        periods: dict[str, list[str]] = {}
        for prov, t in binding.index:
            periods.setdefault(str(prov), []).append(str(t))
        multi = len(self.farmland) and self.farmland.index.get_level_values(1).nunique() > 1
        names = self.farmland["name"] if "name" in self.farmland.columns else None

        def named(p: str) -> str:
            nm = names.xs(p, level=0).iloc[0] if names is not None else ""
            return f"{nm} ({p})" if nm else p

        rows["binding_red_lines"] = ", ".join(
            f"{named(p)} (period {', '.join(ts)})" if multi else named(p) for p, ts in periods.items()
        )
        return pd.DataFrame({"value": pd.Series(rows, dtype=object)})
