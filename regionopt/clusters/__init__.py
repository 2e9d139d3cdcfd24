"""Cluster roles (先进制造业集群 分工协作): which city takes which role in each shared cluster.

Public API
----------
- :class:`ClusterRoleProblem`, :class:`ClusterRoleResult`, :class:`Alternatives`
- :func:`default_requirements`, :data:`DEFAULT_ROLES`
- scoring: :func:`location_quotient`, :func:`rca`, :func:`entropy_weights`, :func:`topsis`
- linkages: :func:`leontief_inverse`, :func:`backward_forward_linkages`, :func:`synergy_weights`

Formulation: ``docs/clusters.md``.
"""

from __future__ import annotations

from .inputs import DEFAULT_ROLES, default_requirements
from .linkages import backward_forward_linkages, leontief_inverse, synergy_weights
from .problem import ClusterRoleProblem
from .results import Alternatives, ClusterRoleResult
from .scoring import entropy_weights, location_quotient, rca, topsis
from .settings import ClusterSettings, ModelParams

__all__ = [
    "DEFAULT_ROLES",
    "Alternatives",
    "ClusterRoleProblem",
    "ClusterRoleResult",
    "ClusterSettings",
    "ModelParams",
    "backward_forward_linkages",
    "default_requirements",
    "entropy_weights",
    "leontief_inverse",
    "location_quotient",
    "rca",
    "synergy_weights",
    "topsis",
]
