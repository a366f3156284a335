"""Scheduled resyncs: each tick of an integration's schedule triggers a resync, unless a run
is in flight (the tick is then skipped and recorded), or another process runs it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import anyio
from loguru import logger

from ocean_core._types import Trigger
from ocean_core.catalog import Catalog
from ocean_core.ocean import Ocean
from ocean_core.service._schedule import Schedule
from ocean_core.service._status import ScheduleSnapshot

SCHEDULE_STATE_KEY = "schedule"

Clock = Callable[[], datetime]


class Ticker:
    """One schedule of one integration, and the ticks it skipped.

    The runner owns one per configured interval; it starts ``keep`` while it runs and says,
    through ``runs_here``, whether ticks should trigger in this process.
    """

    def __init__(
        self, integration_id: str, schedule: Schedule, catalog: Catalog, clock: Clock,
        *, state_key: str = SCHEDULE_STATE_KEY, trigger: Trigger = Trigger.SCHEDULE,
    ) -> None:
        self.integration_id = integration_id
        self.schedule = schedule
        self.state_key = state_key
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
            elif ocean.state == "idle":
                ocean.request(self.trigger)
            else:
                await self._skip(ocean, tick)
            self.schedule.advance(tick)
            notify()

    async def _skip(self, ocean: Ocean, tick: datetime) -> None:
        """A tick that finds a run in flight is skipped, so a short interval can never keep
        aborting runs before they reach their delete phase."""
        self.skipped_ticks += 1
        self.last_skipped_at = tick
        current = ocean.current_run
        logger.info(
            "integration {}: scheduled resync skipped, run {} still {}",
            self.integration_id, current.id if current else "(pending)", ocean.state,
        )
        await self._catalog.set_state(self.integration_id, self.state_key, {
            "skipped_ticks": self.skipped_ticks,
            "last_skipped_at": tick.isoformat(),
            "last_skipped_because": current.id if current else None,
        })
