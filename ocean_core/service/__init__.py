"""The service runtime of ``ocean sail``: every configured integration in one process, with
resyncs on start, on a schedule and on demand.

    async with OceanService(load_config("ocean.yaml")) as service:
        ticket = await service.trigger("demo")
        state = await service.state("demo")          # an IntegrationSnapshot
        run = await service.run_status("demo", ticket.run_id, wait=10)   # a TriggeredRun

``OceanService`` composes one ``IntegrationRunner`` per integration (its runtime, runner
lock, schedule and the triggers it exchanges with other processes), the knowledge bases and
the metrics. The HTTP API over it is ``ocean_core.api.create_app``.
"""

from __future__ import annotations

import warnings
from typing import Any

from ocean_core._interval import format_interval, parse_interval
from ocean_core.service._in_effect import InEffect, discard_api_changes, settings_in_effect
from ocean_core.service._knowledge_bases import KnowledgeBases
from ocean_core.service._metrics import ServiceMetrics
from ocean_core.service._overrides import ApiChanges, IntegrationChange
from ocean_core.service._runner import IntegrationRunner
from ocean_core.service._schedule import Schedule
from ocean_core.service._service import OceanService
from ocean_core.service._status import (
    ActivityStatus,
    CursorSnapshot,
    IntegrationSnapshot,
    RunState,
    ScheduleSnapshot,
    TriggeredRun,
)

__all__ = [
    "ActivityStatus",
    "ApiChanges",
    "CursorSnapshot",
    "InEffect",
    "IntegrationChange",
    "IntegrationRunner",
    "IntegrationSnapshot",
    "KnowledgeBases",
    "OceanService",
    "RunState",
    "Schedule",
    "ScheduleSnapshot",
    "ServiceMetrics",
    "TriggeredRun",
    "discard_api_changes",
    "format_interval",
    "parse_interval",
    "settings_in_effect",
]


def __getattr__(name: str) -> Any:
    # ``Instance`` was the name of a runner's record before the runner owned its state.
    if name == "Instance":
        warnings.warn("ocean_core.service.Instance is deprecated: use IntegrationRunner",
                      DeprecationWarning, stacklevel=2)
        return IntegrationRunner
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
