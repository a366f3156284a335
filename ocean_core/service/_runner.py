"""One integration instance inside the service: its runtime, its runner lock, its schedule,
the triggers it takes from other processes and those it passes on to them.

With a one-process catalog the runner lock is taken at start or the service fails. With a
shared one (PostgreSQL) a process that finds it taken stands by: it passes triggers on to the
runner (``on_notice`` is the runner's side), and takes over when the runner's lock is gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import anyio
from anyio.abc import TaskGroup, TaskStatus
from loguru import logger

from ocean_core._signal import ChangeSignal
from ocean_core._types import Trigger
from ocean_core.catalog import Catalog
from ocean_core.config import IntegrationSettings
from ocean_core.dry_run import DryRunReport
from ocean_core.errors import CatalogError, NotRunningError, OceanError, RunnerLockedError
from ocean_core.ocean import Ocean, RunListener, RunTicket
from ocean_core.plugins import load_type
from ocean_core.service._build import RuntimeBuilder
from ocean_core.service._overrides import (
    CHANGEABLE,
    IntegrationChange,
    Overrides,
    load_overrides,
    store_overrides,
)
from ocean_core.service._passed_on import PassedOn
from ocean_core.service._schedule import Schedule
from ocean_core.service._status import (
    IntegrationSnapshot,
    TriggeredRun,
    activity,
    cursor_snapshots,
    triggered_run,
)
from ocean_core.service._ticks import Clock, Ticker
from ocean_core.service._webhooks import NOTICE_KEY, WebhookSetup

T = TypeVar("T")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RunnerSetup:
    """What the runners of one service share: their collaborators and timings."""

    catalog: Catalog
    builder: RuntimeBuilder
    signal: ChangeSignal
    """Notified at every change a reader may want to see (a trigger, a tick, a take)."""
    on_run: RunListener
    """Called with the record of every run that ends."""
    shared: bool
    """Whether other processes may run the integration (a PostgreSQL catalog)."""
    takeover_interval: float
    """Seconds between a standby's attempts to take the runner lock."""
    lease_check_interval: float
    """Seconds between a holder's checks that its runner lock is still its own."""
    clock: Clock = now
    webhooks: WebhookSetup = field(default_factory=WebhookSetup)


class IntegrationRunner:
    """One configured integration: runs it while this process holds its runner lock, else
    stands by and passes its triggers on.

        runner = await IntegrationRunner.create(0, settings, setup)
        async with anyio.create_task_group() as tasks:
            await tasks.start(runner.run)     # returns once it runs, or stands by
            ticket = await runner.trigger(Trigger.API)
    """

    def __init__(
        self, index: int, file_settings: IntegrationSettings, settings: IntegrationSettings,
        ocean: Ocean, setup: RunnerSetup, tickers: tuple[Ticker, ...] = (),
        overrides: Overrides | None = None,
    ) -> None:
        self.index = index
        self.file_settings = file_settings
        """As the config file says."""
        self.settings = settings
        """In effect: the file's, with the changes made through the API."""
        self.ocean = ocean
        self.tickers = tickers
        self._overrides = overrides or Overrides()
        self._setup = setup
        self._catalog = setup.catalog
        self._passed = PassedOn()
        self._holder = False
        self._tasks: TaskGroup | None = None
        # One change at a time: each one reads the settings the one before it stored, so
        # concurrent PATCHes all survive (a restart applies every one of them).
        self._changing = anyio.Lock()
        self._catalog_error: str | None = None
        self.webhooks = setup.webhooks.webhooks(
            self.id, setup.catalog, lambda: self.ocean, runs_here=lambda: self._holder)
        """Its webhook requests: verified, stored, handled by the worker while it runs here."""

    @classmethod
    async def create(
        cls, index: int, file_settings: IntegrationSettings, setup: RunnerSetup
    ) -> IntegrationRunner:
        """The runner of ``integrations[index]``, with the API's stored changes applied and
        the skipped ticks of its schedule restored."""
        model = load_type(file_settings.type, f"integrations[{index}].type").config_model
        overrides = await load_overrides(setup.catalog, file_settings, model)
        settings = overrides.settings(file_settings, model)
        ocean = setup.builder.ocean(index, settings)
        ocean.add_listener(setup.on_run)
        tickers: list[Ticker] = []
        for interval, incremental in ((settings.scheduled_resync_interval, False),
                                      (settings.scheduled_incremental_interval, True)):
            if interval is not None:
                schedule = Schedule.starting(interval, setup.clock())
                ticker = Ticker(settings.id, schedule, setup.catalog, setup.clock,
                                incremental=incremental)
                await ticker.restore()
                tickers.append(ticker)
        if settings.scheduled_incremental_interval and not ocean.plan.incremental_kinds:
            logger.warning("integration {}: scheduled_incremental_interval is set, but none of"
                           " its kinds declares a cursor: its incremental runs do nothing",
                           settings.id)
        return cls(index, file_settings, settings, ocean, setup, tuple(tickers), overrides)

    @property
    def id(self) -> str:
        return self.settings.id

    @property
    def runs_here(self) -> bool:
        """Whether this process runs the integration (holds its runner lock)."""
        return self._holder

    def ticker(self, *, incremental: bool = False) -> Ticker | None:
        """The ticker of full (or incremental) resyncs, if that schedule is configured."""
        return next((t for t in self.tickers if t.incremental is incremental), None)

    @property
    def schedule(self) -> Schedule | None:
        """The schedule of full resyncs, if one is configured."""
        ticker = self.ticker()
        return ticker.schedule if ticker is not None else None

    # -- running ----------------------------------------------------------------------------

    async def run(self, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
        """Run the integration whenever this process can take its runner lock, and keep its
        schedule. Started (``task_status``) once it runs, or stands by."""
        try:
            async with anyio.create_task_group() as tasks:
                self._tasks = tasks
                for ticker in self.tickers:
                    tasks.start_soon(ticker.keep, self.ocean, lambda: self._holder,
                                     self._notify)
                await self._drive(task_status)
        finally:
            self._tasks = None

    async def _drive(self, task_status: TaskStatus[None]) -> None:
        """Take the runner lock and hold it; when it is taken (or lost), stand by and try
        again every ``takeover_interval`` seconds: when the holder dies, PostgreSQL drops its
        lock, and one standby takes over (raising the fencing token)."""
        first = True
        while True:
            try:
                async with self.ocean:
                    self._set_holder(True)
                    await self._on_take(first)
                    if first:
                        task_status.started()
                        first = False
                    await self._hold_and_work()
                    logger.warning("integration {}: lost its runner lock; standing by",
                                   self.id)
            except RunnerLockedError:
                if not self._setup.shared:
                    raise
            except OceanError as exc:  # the catalog went away (a restart): stand by, retry
                if first:
                    raise
                logger.warning("integration {}: {}; standing by", self.id, exc)
            finally:
                self._set_holder(False)
            if first:
                logger.info("integration {}: run by another process; standing by", self.id)
                task_status.started()
                first = False
            await anyio.sleep(self._setup.takeover_interval)

    async def _on_take(self, first: bool) -> None:
        """The resync a runner starts with: on start if configured; after a takeover also
        when the previous holder left a triggered generation unrun."""
        if self.settings.resync_on_start:
            self.ocean.request(Trigger.START)
            return
        if first:
            return
        newest = await self._catalog.runs(self.id, limit=1)
        if self.ocean.generation > (newest[0].generation if newest else 0):
            self.ocean.request(Trigger.START)

    async def _hold(self) -> None:
        """Return when this process no longer holds the integration's lock."""
        if not self._setup.shared:
            await anyio.sleep_forever()
        while True:
            await anyio.sleep(self._setup.lease_check_interval)
            if not await self._catalog.still_holds(self.id):
                return

    async def _hold_and_work(self) -> None:
        """``_hold``, with the webhook worker handling the inbox meanwhile (the events left
        unhandled by a previous holder first); return when the lock is lost."""
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self.webhooks.work)
            await self._hold()
            tasks.cancel_scope.cancel()

    def _set_holder(self, holder: bool) -> None:
        self._holder = holder
        self._notify()

    def _notify(self) -> None:
        self._setup.signal.notify()

    # -- triggers ---------------------------------------------------------------------------

    async def trigger(self, trigger: Trigger | str = Trigger.API, *, reload: bool = False,
                      incremental: bool = False) -> RunTicket:
        """Bump the generation, abort the run in flight, start a new one (an incremental one
        with ``incremental``, see ``Ocean.request``).

        If another process runs the integration, the generation is bumped in the catalog and
        the trigger passed on to that process, which aborts its run and starts the new one
        (after reading the changes stored through the API first, with ``reload``).
        """
        if self._tasks is None:
            raise NotRunningError("the service is not running (stopped, or not started)")
        # Stored before it is answered: a catalog that cannot record the trigger fails it
        # here (the API's 503), instead of handing out a run that will never be recorded.
        if self._holder:
            generation = await self._recorded(
                self._catalog.advance_generation(self.id, self.ocean.generation + 1))
            ticket = self.ocean.request(trigger, generation=generation,
                                        incremental=incremental)
        else:
            generation = await self._recorded(self._catalog.advance_generation(self.id))
            ticket = RunTicket(uuid.uuid4().hex, generation)
            self._passed.remember(ticket)
            await self._recorded(self._catalog.publish_trigger({
                "integration_id": self.id, "run_id": ticket.run_id,
                "generation": generation, "trigger": str(Trigger(trigger)), "reload": reload,
                "incremental": incremental,
            }))
        self._notify()
        return ticket

    async def _recorded(self, write: Awaitable[T]) -> T:
        """``write``'s result; a ``CatalogError`` is kept for the state (until a write
        succeeds) and raised."""
        try:
            done = await write
        except CatalogError as exc:
            self._catalog_error = f"the catalog refused a write: {exc}"
            self._notify()
            raise
        self._catalog_error = None
        return done

    def on_notice(self, notice: dict[str, Any]) -> None:
        """A trigger another process passed on: the holder runs it."""
        if not self._holder or self._tasks is None:
            return
        if NOTICE_KEY in notice:  # a webhook event another process stored
            self.webhooks.worker.wake()
            return
        if notice.get("reload"):
            self._tasks.start_soon(self._reload, notice)
            return
        self.ocean.request(
            str(notice["trigger"]), run_id=str(notice["run_id"]),
            generation=int(notice["generation"]), incremental=notice.get("incremental") is True,
        )
        self._notify()

    async def _reload(self, notice: dict[str, Any]) -> None:
        """Another process changed the integration through the API: apply what it stored."""
        async with self._changing:
            model = type(self.ocean.integration).config_model
            overrides = await load_overrides(self._catalog, self.file_settings, model)
            changed = overrides.settings(self.file_settings, model)
            if changed.config != self.settings.config or (
                changed.mapping != self.settings.mapping
            ):
                self.ocean.reconfigure(*self._setup.builder.reconfiguration(
                    self.index, changed, self.file_settings))
            self.settings, self._overrides = changed, overrides
        self.on_notice({**notice, "reload": False})

    async def change(
        self, change: IntegrationChange, trigger: Trigger | str = Trigger.API
    ) -> RunTicket:
        """Apply a change (validated first; invalid: ``ConfigError`` and nothing changed),
        keep it across restarts, then trigger a resync, even if nothing changed.

        ``change.config`` is a JSON merge patch over the config in effect (the mask
        ``**********`` keeps a value; a secret may be set only as a ``${NAME}`` reference).
        Changes of one integration are made one at a time, each over the one before.
        """
        async with self._changing:
            model = type(self.ocean.integration).config_model
            return await self._apply(
                self._overrides.then(change, self.file_settings, model), trigger)

    async def discard_changes(self, trigger: Trigger | str = Trigger.API) -> RunTicket:
        """Forget the changes made through the API, so the config file's settings apply
        again (here and at every start), then trigger a resync, as a ``PATCH`` does."""
        async with self._changing:
            return await self._apply(Overrides(), trigger)

    async def _apply(self, overrides: Overrides, trigger: Trigger | str) -> RunTicket:
        """Make ``overrides`` the ones in effect: validated, stored, applied, then a resync
        (trigger ``config`` when the config or mapping in effect changed)."""
        current = self.settings
        model = type(self.ocean.integration).config_model
        changed = overrides.settings(self.file_settings, model)
        reconfigured = changed.config != current.config or changed.mapping != current.mapping
        prepared = (self._setup.builder.reconfiguration(self.index, changed, self.file_settings)
                    if reconfigured else None)
        stored = overrides != self._overrides
        if stored:  # stored before applied: a failed write changes nothing
            await self._recorded(store_overrides(self._catalog, self.file_settings, overrides))
        if changed != current:
            logger.info("integration {}: {} changed through the API", self.id, ", ".join(
                name for name in CHANGEABLE if getattr(changed, name) != getattr(current, name)))
        self.settings, self._overrides = changed, overrides
        if prepared is not None:
            self.ocean.reconfigure(*prepared)
            trigger = Trigger.CONFIG
        return await self.trigger(trigger, reload=stored)

    # -- reads ------------------------------------------------------------------------------

    async def snapshot(self) -> IntegrationSnapshot:
        """The integration right now, as a frozen record."""
        now_ = await activity(self.id, self.ocean, self._catalog, self._holder, self._passed)
        ended = now_.last_ended
        settings = self.settings
        full, incremental = self.ticker(), self.ticker(incremental=True)
        return IntegrationSnapshot(
            id=self.id, type=self.ocean.integration.type or settings.type, name=settings.name,
            status=now_.status, generation=now_.generation, runs_here=self._holder,
            resync_on_start=settings.resync_on_start,
            schedule=full.snapshot() if full is not None else None,
            incremental_schedule=incremental.snapshot() if incremental is not None else None,
            cursors=await cursor_snapshots(self.id, self.ocean, self._catalog),
            current_run=now_.current, pending_run=now_.pending, last_run=ended,
            last_started_at=now_.last_started_at,
            last_ended_at=ended.ended_at if ended else None,
            changed_through_api=settings != self.file_settings,
            api_changes=self._overrides.summary(self.file_settings),
            kinds=tuple(step.spec.name for step in self.ocean.plan.steps),
            config=self.ocean.integration.config.model_dump(mode="json"),
            mapping=settings.mapping, catalog_error=self._catalog_error,
        )

    async def dry_run(self, *, incremental: bool = False) -> DryRunReport:
        """What a resync with the settings in effect would do now; writes nothing, so it
        runs here even while another process runs the integration."""
        return await self.ocean.dry_run(incremental=incremental)

    async def run_status(self, run_id: str) -> TriggeredRun:
        """Where a triggered run of this integration stands; ``NotFoundError`` if unknown."""
        return await triggered_run(self.id, run_id, self.ocean, self._catalog, self._passed)

    def __repr__(self) -> str:
        return f"IntegrationRunner(id={self.id!r}, runs_here={self._holder})"

