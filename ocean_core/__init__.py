"""ocean_core: write an integration as one class, keep a catalog true to its source.

    from ocean_core import Integration, kind, Ocean

    class Shop(Integration):
        type = "shop"

        @kind("product")
        async def products(self):
            yield [{"id": 1, "name": "Lamp"}]
"""

from __future__ import annotations

from loguru import logger

from ocean_core._deleted import Deleted
from ocean_core._run_context import RunContext
from ocean_core._types import ResyncStatus, RunMode, Trigger
from ocean_core.entity import Entity
from ocean_core.errors import (
    CatalogError,
    ConfigError,
    ConfigProblem,
    HTTPError,
    IntegrationError,
    MappingError,
    NotRunningError,
    OceanError,
    ParentListingError,
    RunnerLockedError,
    Terminal,
    TerminalHTTPError,
    Transient,
    TransientHTTPError,
    UnknownIntegrationType,
)
from ocean_core.fanout import fan_out
from ocean_core.integration import FetchRequest, Integration, KindSpec, current_selector, kind
from ocean_core.listings import RunListings
from ocean_core.ocean import Ocean
from ocean_core.results import ErrorDetail, ErrorStage, KindStats, ResyncResult, RunRecord
from ocean_core.selector import Selector

__version__ = "0.1.0"

# A library stays quiet until its application asks: `logger.enable("ocean_core")`.
# The `ocean` CLI does.
logger.disable("ocean_core")

__all__ = [
    "CatalogError",
    "ConfigError",
    "ConfigProblem",
    "Deleted",
    "Entity",
    "ErrorDetail",
    "ErrorStage",
    "FetchRequest",
    "HTTPError",
    "Integration",
    "IntegrationError",
    "KindSpec",
    "KindStats",
    "MappingError",
    "NotRunningError",
    "Ocean",
    "OceanError",
    "ParentListingError",
    "ResyncResult",
    "ResyncStatus",
    "RunContext",
    "RunListings",
    "RunMode",
    "RunRecord",
    "RunnerLockedError",
    "Selector",
    "Terminal",
    "TerminalHTTPError",
    "Transient",
    "TransientHTTPError",
    "Trigger",
    "UnknownIntegrationType",
    "current_selector",
    "fan_out",
    "kind",
]
