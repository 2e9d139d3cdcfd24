"""Land-quota allocation and trading (土地指标跨省域调剂). Formulation: docs/land.md."""

from .counties import county_instance, county_instance_frames
from .example import delta_example, delta_example_frames, random_instance, random_instance_frames
from .excel import write_template
from .inputs import LandInputs, LandSettings
from .pricing import (
    DELTA_COEFFICIENTS,
    LEDGER_UNITS,
    LEDGERS,
    VERIFIED_COEFFICIENTS,
    StatutoryPrice,
)
from .problem import LandQuotaProblem
from .readback import PLATFORM
from .results import LandQuotaResult

__all__ = [
    "DELTA_COEFFICIENTS",
    "LEDGERS",
    "LEDGER_UNITS",
    "PLATFORM",
    "VERIFIED_COEFFICIENTS",
    "LandInputs",
    "LandQuotaProblem",
    "LandQuotaResult",
    "LandSettings",
    "StatutoryPrice",
    "county_instance",
    "county_instance_frames",
    "delta_example",
    "delta_example_frames",
    "random_instance",
    "random_instance_frames",
    "write_template",
]
