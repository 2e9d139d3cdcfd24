"""Plain-language explanations of a land-quota plan, next to the numbers a planner would question.

:func:`explain` returns sentences for what the tables alone cannot say: why a
price is zero, why a statutory price is missing, when a red line is an
effective one and by how much trade moved it, and why every city's price rent
or red-line share is zero. The command-line walkthrough prints them beside the
tables; they are computed from the result and its problem only.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from .pricing import VERIFIED_COEFFICIENTS

if TYPE_CHECKING:
    from .problem import LandQuotaProblem
    from .results import LandQuotaResult

__all__ = ["explain"]

_ZERO = 0.005  # 万元: prices shown as 0.00


def _label(res: LandQuotaResult, table: pd.DataFrame, code: str) -> str:
    name = ""
    if "name" in table.columns:
        try:
            sub = table.xs(code, level=0) if isinstance(table.index, pd.MultiIndex) else table.loc[[code]]
            name = str(sub["name"].iloc[0]) if len(sub) else ""
        except KeyError:
            name = ""
    return f"{name} ({code})" if name else code


def explain(res: LandQuotaResult, problem: LandQuotaProblem) -> dict[str, list[str]]:
    """Explanations keyed by the section of the walkthrough they belong to (``flows``, ``prices``,
    ``farmland``, ``gains``)."""
    out: dict[str, list[str]] = {"flows": [], "prices": [], "farmland": [], "gains": []}
    if not res.has_solution or (not len(res.flows) and not len(res.prices)):
        return out
    inp = problem.inputs
    f = res.flows
    bil = f[f["channel"] == "bilateral"] if len(f) else f
    zero = bil[bil["price_10k_cny_per_unit"] < _ZERO] if len(bil) else bil
    if len(zero):
        led = ", ".join(sorted(set(zero["ledger"])))
        out["flows"].append(
            f"{len(zero)} of {len(bil)} bilateral flows ({led}) are priced at 0.00 万元: the buyer's own value of one "
            "more unit only covers the transaction and transport cost it bears, so a competitive market clears at "
            "zero for the seller (it has units to spare). This is the market-clearing price, not an error; give the "
            "pair a contract price (pairs.price_10k_cny_per_unit) for a floor.")
    # missing statutory prices
    missing = []
    for p, row in inp.provinces.items():
        if row.platform_coefficient is None:
            why = ("its buyer coefficient is not verified in the sources (0.8 is often quoted for Anhui's tier, "
                   "UNVERIFIED)" if p not in VERIFIED_COEFFICIENTS and p == "340000"
                   else "no buyer coefficient is given (provinces.platform_coefficient empty)")
            missing.append(f"{_label(res, res.gains, p)}: {why}")
    if missing:
        out["prices"].append(
            "No statutory price (NaN) for the cities of " + "; ".join(missing) + ". They may sell to the national "
            "platform at the payout but may not buy from it; give provinces.platform_coefficient to allow purchases.")
    pr = res.prices
    if len(pr) and pr["shadow_price_10k_cny_per_unit"].notna().any():
        z = pr[(pr["shadow_price_10k_cny_per_unit"] < _ZERO)]
        if len(z):
            leds = z.index.get_level_values("ledger").value_counts()
            parts = ", ".join(f"{n} × {led}" for led, n in leds.items())
            out["prices"].append(
                f"A shadow price of 0.00 ({parts}) means the city has units of that ledger to spare: one more unit "
                "would be worth nothing to the plan.")
    # effective red lines
    fm = res.farmland
    if len(fm):
        for (p, t), row in fm.iterrows():
            floor, eff = row["floor_mu"], row["effective_floor_mu"]
            if math.isnan(floor) or math.isnan(eff):
                continue
            moved = eff - floor
            if abs(moved) > 0.5:
                where = "below" if row["retained_mu"] < floor - 0.5 else "above"
                direction = ("falls by its net import" if moved < 0 else "rises by its net export")
                out["farmland"].append(
                    f"{_label(res, fm, str(p))}, period {t}: the red line follows trade (red_line_follows_trade): the "
                    f"statutory floor of {floor:,.0f} mu {direction} of farmland area across provinces, "
                    f"{abs(moved):,.0f} mu, to an effective floor of {eff:,.0f} mu. Retained farmland, "
                    f"{row['retained_mu']:,.0f} mu, is {where} the statutory floor and "
                    + ("exactly at" if row["binding"] else "above") + " the effective one.")
    # price rent and red-line share
    rg = res.regions
    if len(rg):
        rent = rg.get("price_rent_10k_cny")
        share = rg.get("red_line_share_10k_cny")
        if rent is not None and rent.notna().all() and (rent.abs() < _ZERO).all():
            out["gains"].append(
                f"Price rent is 0 for all {len(rg)} cities: every unit was traded at its buyer's and its seller's own "
                "shadow price (the market clears there). A rent appears when units trade off a city's margin: at "
                "the statutory platform price, at a contract price, or on an arc at its cap.")
        if share is not None and share.notna().all() and (share.abs() < _ZERO).all():
            binding = fm[fm["binding"]] if len(fm) else fm
            if len(binding):
                out["gains"].append(
                    "Red-line share is 0 for every city although a red line binds: each city occupies the same "
                    "red-line room (net of the farmland area it imports across provinces) as in autarky, so none "
                    "takes room from or gives it to another city.")
            else:
                out["gains"].append("Red-line share is 0 for every city: no red line binds, so the shared red-line "
                                    "room has no value at the margin.")
    return out
