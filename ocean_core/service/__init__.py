"""The service runtime of ``ocean sail``: every configured integration in one process, with
resyncs on start, on a schedule and on demand.

    async with OceanService(load_config("ocean.yaml")) as service:
        ticket = await service.trigger("demo")

The HTTP API over it is ``ocean_core.api.create_app``.
"""

from __future__ import annotations

from ocean_core._interval import format_interval, parse_interval
from ocean_core.service._instance import Instance, IntegrationChange
from ocean_core.service._schedule import Schedule
from ocean_core.service._service import OceanService

__all__ = [
    "Instance",
    "IntegrationChange",
    "OceanService",
    "Schedule",
    "format_interval",
    "parse_interval",
]
