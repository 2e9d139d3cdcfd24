"""Which city a cluster plan's value belongs to (万元): one rule for the province table and the equity front.

A role's value (V × fit weight × fit) belongs to the city credited with it;
an enclave role's value, less its distance cost, is split between source and
host at the source's share; synergy belongs to the city where it arises; a
homogeneity penalty is charged half to each neighbour; a change penalty to
the city whose status changes. The values add up to ``cluster_value −
enclave_cost`` of the plan.

The same function gives numbers (a solved plan's variable values) or linear
Pyomo expressions (the variables themselves), so the province table and the
AUGMECON2 front can never attribute differently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .problem import RegionalPlan

__all__ = ["city_cluster_values"]

#: ``value(variable, index)``: the value of ``z``, ``w``, ``h`` or ``e`` at an index (a number or a Pyomo var).
Lookup = Callable[[str, Hashable], Any]


def city_cluster_values(plan: RegionalPlan, value: Lookup, shares: Mapping[tuple[str, str], float],
                        synergy_keys: Iterable[tuple[str, str, str]], pair_keys: Iterable[tuple[str, str, str]],
                        ) -> dict[str, Any]:
    """Cluster value per city, 万元 (numbers or expressions, as ``value`` gives).

    Parameters
    ----------
    plan
        The plan.
    value
        ``value("z", (c, k, ρ))``, ``value("w", (c, k, k'))``, ``value("h", (c, c', g))``,
        ``value("e", (a, b, k, ρ))``.
    shares
        The source's share of each enclave pair's revenue (0.5 where none is known).
    synergy_keys, pair_keys
        The indices of ``w`` (city, cluster, linked cluster) and of ``h`` (neighbour pairs).
    """
    inp = plan.inputs
    st, cst = inp.settings, inp.clusters.settings
    V = st.value_per_point_10k_cny
    ix = plan.index
    cin = inp.clusters.inputs
    out: dict[str, Any] = defaultdict(float)
    for (c, k, r) in ix.cand:
        fitv = V * cst.fit_weight * cin.fit[c, k, r]
        if fitv:
            out[c] += fitv * value("z", (c, k, r))
    for (a, b, k, r) in ix.enclave_keys:
        fitv = V * cst.fit_weight * cin.fit[a, k, r]
        net = fitv - V * st.enclave_penalty_points_per_km * ix.dist[a, b]
        s = shares.get((a, b), 0.5)
        e = value("e", (a, b, k, r))
        out[a] += (s * net - fitv) * e  # the role leaves a's home count, then its value is split
        out[b] += (1 - s) * net * e
    for (c, k, k2) in synergy_keys:
        out[c] += V * cst.synergy_weight * cin.synergy[k, k2] * value("w", (c, k, k2))
    if cst.homogeneity == "penalty":
        for (a, b, g) in pair_keys:
            half = V * cst.homogeneity_penalty / 2 * value("h", (a, b, g))
            out[a] -= half
            out[b] -= half
    if cst.change_penalty:
        by_ck = inp.clusters.index.by_ck
        for (c, k) in sorted(set(by_ck) | set(cin.current)):
            ts = by_ck.get((c, k), [])
            if (c, k) in cin.current:
                r0 = cin.current[c, k]
                term: Any = 1 - sum(value("z", t) for t in ts if r0 is None or t[2] == r0)
            else:
                term = sum(value("z", t) for t in ts)
            out[c] -= V * cst.change_penalty * term
    return dict(out)
