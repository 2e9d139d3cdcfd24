"""regionopt: optimization and decision support for regional coordinated development.

Models (each a Pyomo model solved with HiGHS by default, tables in and out):

- :class:`regionopt.LandQuotaProblem`: cross-province land-quota trading
  (土地指标跨省域调剂) with farmland red lines and statutory prices.
- :mod:`regionopt.enclave`: enclave / co-built park revenue sharing
  (飞地经济 财税分享) as cooperative games.
- :mod:`regionopt.clusters`: differentiated city roles in shared
  manufacturing clusters (先进制造业集群 分工协作).
"""

from __future__ import annotations

from . import enclave
from .clusters import ClusterRoleProblem, ClusterRoleResult
from .datasets import DeltaData, load_delta
from .enclave import (
    CooperativeGame,
    EnclaveGame,
    LinearProductionGame,
    core_check,
    nucleolus,
    shapley,
)
from .errors import (
    Conflict,
    InfeasibleError,
    InputError,
    MissingExtraError,
    RegionoptError,
    RegionoptWarning,
    SolverUnavailableError,
)
from .land import LandQuotaProblem, LandQuotaResult, LandSettings
from .solve import SolveOptions, SolveReport, Status

__version__ = "0.1.0"

__all__ = [
    "ClusterRoleProblem",
    "ClusterRoleResult",
    "Conflict",
    "CooperativeGame",
    "DeltaData",
    "EnclaveGame",
    "InfeasibleError",
    "InputError",
    "LandQuotaProblem",
    "LandQuotaResult",
    "LandSettings",
    "LinearProductionGame",
    "MissingExtraError",
    "RegionoptError",
    "RegionoptWarning",
    "SolveOptions",
    "SolveReport",
    "SolverUnavailableError",
    "Status",
    "__version__",
    "core_check",
    "enclave",
    "load_delta",
    "nucleolus",
    "shapley",
]
