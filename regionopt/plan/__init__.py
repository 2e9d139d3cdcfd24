"""The integrated plan (`regionopt.plan`): cluster roles on traded land quota, enclaves, shared budgets.

:class:`RegionalPlan` puts the land market (:mod:`regionopt.land`) and the
cluster roles (:mod:`regionopt.clusters`) into one Pyomo model linked by a few
rows; enclave splits and schedules come from :mod:`regionopt.enclave`; the
provinces' cooperative game gives each province's transfer into or out of the
joint fund. Formulation: docs/plan.md.
"""

from __future__ import annotations

from .coordination import REGIMES, FairSplit, coordination_table, fair_split, province_game
from .example import DELTA_ENCLAVES, SEED_CLUSTERS, delta_land_shares, delta_plan, jiangsu_clusters
from .inputs import EnclaveRow, LandShareRow, PlanSettings
from .pareto import EQUITY_MEASURES, ParetoFront
from .problem import RegionalPlan
from .results import RegionalPlanResult

__all__ = [
    "DELTA_ENCLAVES",
    "EQUITY_MEASURES",
    "REGIMES",
    "SEED_CLUSTERS",
    "EnclaveRow",
    "FairSplit",
    "LandShareRow",
    "ParetoFront",
    "PlanSettings",
    "RegionalPlan",
    "RegionalPlanResult",
    "coordination_table",
    "delta_land_shares",
    "delta_plan",
    "fair_split",
    "jiangsu_clusters",
    "province_game",
]
