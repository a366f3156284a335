"""Scheduled resyncs: each tick of an integration's schedule triggers a resync, unless a run
is in flight (the tick is then skipped and recorded), or another process runs it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import anyio
from loguru import logger

from ocean_core._types import Trigger
from ocean_core.service._instance import Instance, now

if TYPE_CHECKING:
    from ocean_core.service._service import OceanService

SCHEDULE_STATE_KEY = "schedule"


async def keep_schedule(service: OceanService, instance: Instance) -> None:
    schedule = instance.schedule
    assert schedule is not None
    while True:
        await anyio.sleep(schedule.seconds_until_due(now()))
        tick = now()
        if not instance.holder:
            pass  # the process that runs the integration keeps its schedule
        elif instance.ocean.state == "idle":
            instance.ocean.request(Trigger.SCHEDULE)
        else:
            await _skip_tick(service, instance, tick)
        schedule.advance(tick)
        service._notify()

async def _skip_tick(service: OceanService, instance: Instance, tick: datetime) -> None:
    """A tick that finds a run in flight is skipped, so a short interval can never keep
    aborting runs before they reach their delete phase."""
    instance.skipped_ticks += 1
    instance.last_skipped_at = tick
    current = instance.ocean.current_run
    logger.info(
        "integration {}: scheduled resync skipped, run {} still {}",
        instance.id, current.id if current else "(pending)", instance.ocean.state,
    )
    await service.catalog.set_state(instance.id, SCHEDULE_STATE_KEY, {
        "skipped_ticks": instance.skipped_ticks,
        "last_skipped_at": tick.isoformat(),
        "last_skipped_because": current.id if current else None,
    })
