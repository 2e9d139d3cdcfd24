"""Statutory price of cross-province supplementary farmland (国家统筹).

Source: 跨省域补充耕地资金收支管理办法, 附件1 (see docs/policy.md / docs/land.md)::

    charge [万元/亩] = (base price + grain-capacity price) x buyer-province coefficient
    base price       = 10 万元/亩 for farmland quantity, 20 万元/亩 for paddy (水田)
    capacity price   = 2 万元 per 100 kg of standard grain capacity per mu

Worked example: Shanghai buying paddy with 500 kg/mu capacity pays
(20 + 5 x 2) x 2 = 60 万元/亩.

The charge is linear in the three farmland ledgers, so the model prices each
ledger separately and the per-mu charge is recovered exactly:

* ``area``  : base price x coefficient per mu,
* ``paddy`` : (paddy base - base) x coefficient per mu of paddy,
* ``grain`` : capacity price x coefficient per 100 kg of capacity.

Coefficients verified in docs/policy.md: Beijing/Shanghai 2; Tianjin/Jiangsu/
Zhejiang/Guangdong 1.5; Liaoning/Fujian/Shandong 1. The tier holding Anhui is
**not verified** (0.8 is often quoted): it is left out, so Anhui cannot buy
from the platform unless the user supplies a coefficient.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DELTA_COEFFICIENTS", "LEDGERS", "LEDGER_UNITS", "VERIFIED_COEFFICIENTS", "StatutoryPrice"]

#: The four ledgers: construction-land quota and the three farmland ledgers
#: (面积 / 水田 / 产能).
LEDGERS: tuple[str, ...] = ("construction", "area", "paddy", "grain")
FARMLAND_LEDGERS: tuple[str, ...] = ("area", "paddy", "grain")
#: Unit of one ledger unit.
LEDGER_UNITS: dict[str, str] = {
    "construction": "mu",
    "area": "mu",
    "paddy": "mu",
    "grain": "100 kg grain capacity",
}

#: Verified buyer-province coefficients by GB/T 2260 province code (docs/policy.md):
#: Beijing, Shanghai 2; Tianjin, Jiangsu, Zhejiang, Guangdong 1.5; Liaoning,
#: Fujian, Shandong 1. Unverified tiers (Anhui's among them) are absent.
VERIFIED_COEFFICIENTS: dict[str, float] = {
    "110000": 2.0, "310000": 2.0,
    "120000": 1.5, "320000": 1.5, "330000": 1.5, "440000": 1.5,
    "210000": 1.0, "350000": 1.0, "370000": 1.0,
}
#: The verified coefficients of the four Delta provinces. Anhui (340000) is deliberately absent.
DELTA_COEFFICIENTS: dict[str, float] = {k: VERIFIED_COEFFICIENTS[k] for k in ("310000", "320000", "330000")}

_Pos = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class StatutoryPrice(BaseModel):
    """Parameters of the statutory charge (all in 万元).

    Attributes
    ----------
    base_10k_cny_per_mu
        Base price for farmland quantity, 万元/亩 (default 10).
    paddy_base_10k_cny_per_mu
        Base price for paddy, 万元/亩 (default 20).
    capacity_10k_cny_per_100kg
        Price of 100 kg of standard grain capacity per mu, 万元 (default 2).
    """

    model_config = ConfigDict(frozen=True)

    base_10k_cny_per_mu: _Pos = 10.0
    paddy_base_10k_cny_per_mu: _Pos = 20.0
    capacity_10k_cny_per_100kg: _Pos = 2.0

    def unit_price(self, ledger: str, coefficient: float) -> float:
        """Charge per ledger unit (万元 per mu, or per 100 kg capacity for ``grain``).

        Returns NaN for the construction ledger (no statutory price) or an
        unknown (NaN) coefficient.
        """
        if coefficient is None or math.isnan(coefficient):
            return math.nan
        if ledger == "area":
            return self.base_10k_cny_per_mu * coefficient
        if ledger == "paddy":
            return (self.paddy_base_10k_cny_per_mu - self.base_10k_cny_per_mu) * coefficient
        if ledger == "grain":
            return self.capacity_10k_cny_per_100kg * coefficient
        return math.nan

    def charge_per_mu(self, coefficient: float, *, paddy: bool, capacity_kg_per_mu: float) -> float:
        """Statutory charge for one mu, 万元/亩.

        Parameters
        ----------
        coefficient
            Buyer-province coefficient.
        paddy
            Whether the mu is paddy (水田).
        capacity_kg_per_mu
            Standard grain capacity, kg per mu.
        """
        base = self.paddy_base_10k_cny_per_mu if paddy else self.base_10k_cny_per_mu
        return (base + self.capacity_10k_cny_per_100kg * capacity_kg_per_mu / 100.0) * coefficient
