"""Solver adapters for the comparison, by command-line name (one module each)."""

from __future__ import annotations

from .base import Adapter, Options, Outcome
from .cbc import CbcAdapter
from .copt import CoptAdapter
from .cplex import CplexAdapter
from .glpk import GlpkAdapter
from .gurobi import GurobiAdapter
from .highs import HighsAdapter
from .scip import ScipAdapter
from .xpress import XpressAdapter

__all__ = ["ADAPTERS", "Adapter", "Options", "Outcome", "get"]

ADAPTERS: dict[str, Adapter] = {
    a.name: a
    for a in (HighsAdapter(), CbcAdapter(), ScipAdapter(), GlpkAdapter(), GurobiAdapter(), CoptAdapter(),
              CplexAdapter(), XpressAdapter())
}


def get(name: str) -> Adapter:
    """The adapter called ``name``.

    Raises
    ------
    KeyError
        Naming the known solvers.
    """
    try:
        return ADAPTERS[name]
    except KeyError:
        raise KeyError(f"unknown solver {name!r}; known: {', '.join(ADAPTERS)}") from None
