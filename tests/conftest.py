"""Fixtures that make the tests read like the paper: the Delta cases, tiny instances, every solver.

Hypothesis profiles: ``ci`` (derandomised, so a CI run is reproducible; the
default when ``CI`` is set) and ``dev`` (fresh random draws on every run; the
default otherwise, or ``HYPOTHESIS_PROFILE=dev``). Both drop the per-example
deadline (a HiGHS solve's time varies with machine load) and the too-slow health
check; each test keeps its own example budget (``@settings(max_examples=...)``).
"""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

from regionopt.clusters.example import delta_problem
from regionopt.land import LandQuotaProblem, delta_example

from .land_checks import tiny_frames

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
settings.register_profile("ci", derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("dev", **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

#: The three clusters of the seed's examples: Taizhou–Lianyungang–Wuxi biomedicine,
#: Suzhou–Wuxi–Nantong high-end textiles, Ningbo–Zhoushan green petrochemicals.
SEED_CLUSTERS = ["NAT22-03", "NAT22-04", "NAT21-11"]


def installed_solvers() -> list[str]:
    """HiGHS always; CBC where its executable is on PATH (the dev extra installs it)."""
    return ["highs"] + (["cbc"] if shutil.which("cbc") else [])


@pytest.fixture(params=installed_solvers())
def solver(request: pytest.FixtureRequest) -> str:
    """Every installed solver in turn: optimality tests must hold for each."""
    return str(request.param)


@pytest.fixture(scope="session")
def delta_land() -> LandQuotaProblem:
    """The worked 41-city Delta land-quota case (sourced cities, illustrative parameters)."""
    return delta_example()


@pytest.fixture(scope="session")
def delta_clusters():  # type: ignore[no-untyped-def]
    """The Delta cluster case on the three clusters named in the seed."""
    return delta_problem(SEED_CLUSTERS)


@pytest.fixture
def tiny_land() -> dict:
    """A three-region, two-province land instance small enough to check by hand."""
    return tiny_frames()


@pytest.fixture(scope="session")
def delta_plan_result():  # type: ignore[no-untyped-def]
    """The integrated Delta plan on the three seed clusters, solved once."""
    from regionopt.plan import delta_plan

    return delta_plan().solve()
