"""Scheduled resyncs: each tick of an integration's schedule triggers a resync, unless a run
is in flight (the tick is then skipped and recorded), or another process runs it.

An integration may have two schedules (rule 9): full resyncs (``scheduled_resync_interval``)
and incremental ones (``scheduled_incremental_interval``). An incremental tick that finds any
run in flight or pending is skipped. A full tick is skipped only when full work is in flight or
pending: one that finds only incremental work triggers, aborting it (the full run covers what
it would have done), so a frequent incremental schedule can never starve the full one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import anyio
from loguru import logger

from ocean_core._types import RunMode, Trigger
from ocean_core.catalog import Catalog
from ocean_core.ocean import Ocean
from ocean_core.service._schedule import Schedule
from ocean_core.service._status import ScheduleSnapshot

SCHEDULE_STATE_KEY = "schedule"
INCREMENTAL_STATE_KEY = "schedule_incremental"

Clock = Callable[[], datetime]


class Ticker:
    """One schedule of one integration, and the ticks it skipped.

    The runner owns one per configured interval; it starts ``keep`` while it runs and says,
    through ``runs_here``, whether ticks should trigger in this process.
    """

    def __init__(
        self, integration_id: str, schedule: Schedule, catalog: Catalog, clock: Clock,
        *, state_key: str | None = None, trigger: Trigger = Trigger.SCHEDULE,
        incremental: bool = False,
    ) -> None:
        self.integration_id = integration_id
        self.schedule = schedule
        self.incremental = incremental
        self.state_key = state_key or (
            INCREMENTAL_STATE_KEY if incremental else SCHEDULE_STATE_KEY)
        self.trigger = trigger
        self.skipped_ticks = 0
        self.last_skipped_at: datetime | None = None
        self._catalog = catalog
        self._clock = clock

    async def restore(self) -> None:
        """The skipped ticks counted before a restart."""
        stored = await self._catalog.get_state(self.integration_id, self.state_key) or {}
        self.skipped_ticks = int(stored.get("skipped_ticks", 0))
        last = stored.get("last_skipped_at")
        self.last_skipped_at = datetime.fromisoformat(last) if last else None

    def snapshot(self) -> ScheduleSnapshot:
        return ScheduleSnapshot(
            self.schedule.interval, self.schedule.next_due, self.skipped_ticks,
            self.last_skipped_at,
        )

    async def keep(
        self, ocean: Ocean, runs_here: Callable[[], bool], notify: Callable[[], None]
    ) -> None:
        """Tick for ever: trigger ``ocean`` when idle, skip a tick that finds it busy."""
        while True:
            await anyio.sleep(self.schedule.seconds_until_due(self._clock()))
            tick = self._clock()
            if not runs_here():
                pass  # the process that runs the integration keeps its schedule
            elif self._may_trigger(ocean):
                ocean.request(self.trigger, incremental=self.incremental)
            else:
                await self._skip(ocean, tick)
            self.schedule.advance(tick)
            notify()

    def _may_trigger(self, ocean: Ocean) -> bool:
        if ocean.state == "idle":
            return True
        if self.incremental:
            return False
        current = ocean.current_run
        busy = {ocean.pending_mode, current.mode if current is not None else None} - {None}
        return busy == {RunMode.INCREMENTAL}

    async def _skip(self, ocean: Ocean, tick: datetime) -> None:
        """A tick that finds a run in flight is skipped, so a short interval can never keep
        aborting runs before they reach their delete phase."""
        self.skipped_ticks += 1
        self.last_skipped_at = tick
        current = ocean.current_run
        logger.info(
            "integration {}: scheduled {} resync skipped, run {} still {}",
            self.integration_id, "incremental" if self.incremental else "full",
            current.id if current else "(pending)", ocean.state,
        )
        await self._catalog.set_state(self.integration_id, self.state_key, {
            "skipped_ticks": self.skipped_ticks,
            "last_skipped_at": tick.isoformat(),
            "last_skipped_because": current.id if current else None,
        })
