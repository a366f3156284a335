"""ocean_core: write an integration as one class, keep a catalog true to its source.

    from ocean_core import Integration, kind, Ocean

    class Shop(Integration):
        type = "shop"

        @kind("product")
        async def products(self):
            yield [{"id": 1, "name": "Lamp"}]

The public names are imported on first use (``__getattr__``): ``import ocean_core``, and any
``ocean_core.x`` module such as the CLI, costs no jq, httpx or engine import until a name that
needs one is asked for (``ocean --help`` stays fast).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from loguru import logger

if TYPE_CHECKING:
    from ocean_core._deleted import Deleted
    from ocean_core._run_context import RunContext
    from ocean_core._types import ResyncStatus, RunMode, Trigger
    from ocean_core.dry_run import DryRunReport
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
        WebhookNotFoundError,
        WebhookResultError,
    )
    from ocean_core.fanout import fan_out
    from ocean_core.integration import FetchRequest, Integration, KindSpec, current_selector, kind
    from ocean_core.listings import RunListings
    from ocean_core.live import LiveChange, WebhookRequest, webhook
    from ocean_core.live_report import LiveChangeReport, LiveReport
    from ocean_core.ocean import Ocean
    from ocean_core.results import ErrorDetail, ErrorStage, KindStats, ResyncResult, RunRecord
    from ocean_core.selector import Selector

__version__ = "0.1.0"

# A library stays quiet until its application asks: `logger.enable("ocean_core")`.
# The `ocean` CLI does.
logger.disable("ocean_core")

_WHERE = {
    "ocean_core._deleted": ("Deleted",),
    "ocean_core._run_context": ("RunContext",),
    "ocean_core._types": ("ResyncStatus", "RunMode", "Trigger"),
    "ocean_core.dry_run": ("DryRunReport",),
    "ocean_core.entity": ("Entity",),
    "ocean_core.errors": (
        "CatalogError", "ConfigError", "ConfigProblem", "HTTPError", "IntegrationError",
        "MappingError", "NotRunningError", "OceanError", "ParentListingError",
        "RunnerLockedError", "Terminal", "TerminalHTTPError", "Transient", "TransientHTTPError",
        "UnknownIntegrationType", "WebhookNotFoundError", "WebhookResultError",
    ),
    "ocean_core.fanout": ("fan_out",),
    "ocean_core.integration": (
        "FetchRequest", "Integration", "KindSpec", "current_selector", "kind",
    ),
    "ocean_core.listings": ("RunListings",),
    "ocean_core.live": ("LiveChange", "WebhookRequest", "webhook"),
    "ocean_core.live_report": ("LiveChangeReport", "LiveReport"),
    "ocean_core.ocean": ("Ocean",),
    "ocean_core.results": ("ErrorDetail", "ErrorStage", "KindStats", "ResyncResult", "RunRecord"),
    "ocean_core.selector": ("Selector",),
}
_MODULE_OF = {name: module for module, names in _WHERE.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "CatalogError",
    "ConfigError",
    "ConfigProblem",
    "Deleted",
    "DryRunReport",
    "Entity",
    "ErrorDetail",
    "ErrorStage",
    "FetchRequest",
    "HTTPError",
    "Integration",
    "IntegrationError",
    "KindSpec",
    "KindStats",
    "LiveChange",
    "LiveChangeReport",
    "LiveReport",
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
    "WebhookNotFoundError",
    "WebhookRequest",
    "WebhookResultError",
    "current_selector",
    "fan_out",
    "kind",
    "webhook",
]
