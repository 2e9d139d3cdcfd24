"""Enclave revenue sharing (飞地经济 / 共建园区 财税分享) as cooperative games.

Partners who co-build a park must agree how the locally retained tax (and the
GDP statistics) are shared. This package makes the split computable, fair by a
named standard, verifiably stable and writable as a contract clause:

- games: :class:`CooperativeGame`, :class:`LinearProductionGame` (Owen),
  :class:`EnclaveGame` (source-host park), :func:`bankruptcy_game`,
  :func:`airport_game`;
- solution concepts (each a Series by player summing to ``v(N)``):
  :func:`proportional`, :func:`shapley`, :func:`banzhaf`, :func:`nucleolus`,
  :func:`prenucleolus`, :func:`least_core`, Owen's allocation
  (:meth:`LinearProductionGame.owen_allocation`), :func:`nash_bargaining`,
  claims rules :func:`proportional_claims`, :func:`cea`, :func:`cel`,
  :func:`talmud`;
- guarantees: :func:`core_check`, :func:`kohlberg_check`;
- policy layer: :class:`TaxLayers`, :func:`shareable_revenue`,
  :func:`incremental_base`, :func:`apply_floors_caps`, :func:`round_ratios`,
  :func:`gdp_statistics_split`, :func:`cit_apportionment`;
- :func:`sharing_schedule`: a phased ratio schedule for the agreement;
- :class:`EnclaveAgreement`: all of it from tables (contributions, tax layers,
  a forecast) or an Excel workbook, as ``regionopt enclave`` runs it.

Formulations: docs/enclave.md.
"""

from __future__ import annotations

import pandas as pd

from .claims import (
    airport_game,
    bankruptcy_game,
    cea,
    cel,
    claims_rule,
    proportional_claims,
    sequential_airport_rule,
    talmud,
)
from .core import CoreCheck, LeastCore, core_check, least_core
from .examples import (
    EnclaveCase,
    ramp_up_forecast,
    xiaoshan_xuancheng_down_park,
    zhangjiang_sci_tech_city,
)
from .game import CooperativeGame
from .nash import nash_bargaining
from .nucleolus import KohlbergCheck, kohlberg_check, nucleolus, prenucleolus
from .policy import (
    CIT_APPORTIONMENT_WEIGHTS,
    RoundedSplit,
    TaxLayers,
    apply_floors_caps,
    cit_apportionment,
    gdp_statistics_split,
    incremental_base,
    round_ratios,
    shareable_revenue,
)
from .production import EnclaveGame, LinearProductionGame, default_park_technology
from .schedule import ScheduleResult, ScheduleSettings, SharingSchedule, sharing_schedule
from .solutions import banzhaf, proportional, shapley, shapley_monte_carlo
from .workbook import AgreementResult, EnclaveAgreement, EnclaveSettings

__all__ = [
    "CIT_APPORTIONMENT_WEIGHTS",
    "AgreementResult",
    "CooperativeGame",
    "CoreCheck",
    "EnclaveAgreement",
    "EnclaveCase",
    "EnclaveGame",
    "EnclaveSettings",
    "KohlbergCheck",
    "LeastCore",
    "LinearProductionGame",
    "RoundedSplit",
    "ScheduleResult",
    "ScheduleSettings",
    "SharingSchedule",
    "TaxLayers",
    "airport_game",
    "apply_floors_caps",
    "bankruptcy_game",
    "banzhaf",
    "cea",
    "cel",
    "cit_apportionment",
    "claims_rule",
    "core_check",
    "default_park_technology",
    "gdp_statistics_split",
    "incremental_base",
    "kohlberg_check",
    "least_core",
    "nash_bargaining",
    "nucleolus",
    "owen_allocation",
    "prenucleolus",
    "proportional",
    "proportional_claims",
    "ramp_up_forecast",
    "round_ratios",
    "sequential_airport_rule",
    "shapley",
    "shapley_monte_carlo",
    "shareable_revenue",
    "sharing_schedule",
    "talmud",
    "xiaoshan_xuancheng_down_park",
    "zhangjiang_sci_tech_city",
]


def owen_allocation(game: LinearProductionGame) -> pd.Series:
    """Owen's dual-price allocation of a linear production game (in the core).

    Same as ``game.owen_allocation()``: ``x_i = Σ_r p_r b_{i,r}`` with ``p`` the
    grand coalition's shadow prices (万元 per unit of resource).
    """
    return game.owen_allocation()
