"""The long-lived runtime behind ``ocean sail``: every configured integration, its triggers
(on start, on a schedule, on demand) and the changes the API makes to it."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import anyio
from anyio.abc import TaskGroup, TaskStatus
from loguru import logger

from ocean_core._changes import ChangeSignal
from ocean_core._types import Trigger
from ocean_core.catalog import Catalog
from ocean_core.config import IntegrationSettings, LoadedConfig, OceanSettings
from ocean_core.errors import (
    ConfigError,
    ConfigProblem,
    MappingError,
    NotFoundError,
    NotRunningError,
    RunnerLockedError,
)
from ocean_core.integration import Integration
from ocean_core.mapping import validate_for
from ocean_core.ocean import Ocean, RunListener, RunTicket
from ocean_core.runtime import build_integration, build_ocean_for, open_catalog, resolve_mapping
from ocean_core.service import _changes
from ocean_core.service._knowledge import KnowledgeBases
from ocean_core.service._schedule import Schedule

SCHEDULE_STATE_KEY = "schedule"
LEASE_CHECK_INTERVAL = 5.0
"""Seconds between a holder's checks that its runner lock is still its own."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Instance:
    """One configured integration inside the service."""

    index: int
    file_settings: IntegrationSettings
    """As the config file says."""
    settings: IntegrationSettings
    """In effect: the file's, with the changes made through the API."""
    ocean: Ocean
    schedule: Schedule | None = None
    skipped_ticks: int = 0
    last_skipped_at: datetime | None = None
    holder: bool = False
    """Whether this process runs the integration (holds its runner lock). With a shared
    catalog (PostgreSQL) another process may: this one then stands by, serves reads and
    passes triggers on."""
    sent: dict[str, RunTicket] = field(default_factory=dict)
    """Triggers this process passed on to the holder in another process, by run id."""

    @property
    def id(self) -> str:
        return self.settings.id

    def remember(self, ticket: RunTicket) -> None:
        self.sent[ticket.run_id] = ticket
        for run_id in list(self.sent)[:-256]:
            del self.sent[run_id]


@dataclass(frozen=True)
class IntegrationChange:
    """What a ``PATCH`` may change; ``None`` leaves a value as it is."""

    name: str | None = None
    config: dict[str, Any] | None = None
    mapping: dict[str, Any] | None = None


class OceanService:
    """Runs every integration of a config in one process.

        async with OceanService(load_config("ocean.yaml")) as service:
            ticket = service.trigger("demo", Trigger.API)

    Entering opens the catalog, takes each integration's runner lock, starts the resyncs on
    start and the schedules. Leaving aborts the runs in flight (recorded ``aborted``, nothing
    deleted) and closes the catalog.
    """

    def __init__(
        self, config: LoadedConfig | OceanSettings, *, catalog: Catalog | None = None
    ) -> None:
        if isinstance(config, OceanSettings):
            config = LoadedConfig(settings=config, path=Path.cwd() / "ocean.yaml")
        self.config = config
        self._catalog = catalog
        self._instances: dict[str, Instance] = {}
        self._stack: AsyncExitStack | None = None
        self._listeners: list[RunListener] = []
        self._changed = ChangeSignal()
        self._tasks: TaskGroup | None = None
        self.takeover_interval = self.config.settings.takeover_interval.total_seconds()
        self.lease_check_interval = LEASE_CHECK_INTERVAL
        self.knowledge_bases = KnowledgeBases(self)
        """Named groups of integrations (stored in the catalog)."""

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            raise NotRunningError("the service's catalog opens when the service starts")
        return self._catalog

    @property
    def instances(self) -> list[Instance]:
        return list(self._instances.values())

    @property
    def running(self) -> bool:
        return self._stack is not None

    def add_listener(self, listener: RunListener) -> None:
        """Call ``listener`` with every finished run of every integration."""
        self._listeners.append(listener)

    # -- lifecycle --------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._stack is not None:
            raise RuntimeError("this service is already running; enter it once")
        self._instances.clear()
        async with AsyncExitStack() as stack:
            if self._catalog is None:
                self._catalog = open_catalog(self.config)
                stack.push_async_callback(self._close_catalog)
            for index, item in enumerate(self.config.settings.integrations):
                instance = await self._prepare_instance(index, item)
                self._instances[instance.id] = instance
            tasks = await stack.enter_async_context(anyio.create_task_group())
            stack.callback(tasks.cancel_scope.cancel)
            self._tasks = tasks
            for instance in self._instances.values():
                # Returns once the instance runs, or stands by (another process runs it).
                await tasks.start(self._drive, instance)
                if instance.schedule is not None:
                    tasks.start_soon(self._keep_schedule, instance)
            if self.catalog.shared:
                tasks.start_soon(self.catalog.listen_triggers, self._on_notice)
            self._stack = stack.pop_all()
        held = sum(1 for i in self._instances.values() if i.holder)
        logger.info("service started: {} integration(s), {} run here", len(self._instances), held)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack = self._stack
        if stack is not None:
            logger.info("service stopping: runs in flight are aborted, nothing is deleted")
            try:
                await stack.__aexit__(exc_type, exc, tb)
            finally:
                self._stack = None
                self._notify()  # wakes whoever waits on a run that will now never end
        # The instances stay readable: a request still open while the server drains gets
        # their final state; a trigger gets NotRunningError.

    async def _close_catalog(self) -> None:
        await self.catalog.close()

    async def _prepare_instance(self, index: int, file_item: IntegrationSettings) -> Instance:
        item = await _changes.apply_stored(self.catalog, file_item)
        ocean = build_ocean_for(item, self.config, index, self.catalog)
        ocean.add_listener(self._tell)
        instance = Instance(index, file_item, item, ocean)
        if item.scheduled_resync_interval is not None:
            instance.schedule = Schedule.starting(item.scheduled_resync_interval, _now())
            stored = await self.catalog.get_state(item.id, SCHEDULE_STATE_KEY) or {}
            instance.skipped_ticks = int(stored.get("skipped_ticks", 0))
            last = stored.get("last_skipped_at")
            instance.last_skipped_at = datetime.fromisoformat(last) if last else None
        return instance

    # -- runners ----------------------------------------------------------------------------

    async def _drive(
        self, instance: Instance, *, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Run the integration whenever this process can take its runner lock.

        With a one-process catalog the lock is taken at once or the service fails to start.
        With a shared one (PostgreSQL) a process that finds it taken stands by, and tries
        again every ``takeover_interval`` seconds: when the holder dies, PostgreSQL drops its
        lock, and one standby takes over (raising the fencing token).
        """
        first = True
        while True:
            try:
                async with instance.ocean:
                    instance.holder = True
                    self._notify()
                    await self._on_take(instance, first)
                    if first:
                        task_status.started()
                        first = False
                    await self._hold(instance)
                    logger.warning("integration {}: lost its runner lock; standing by",
                                   instance.id)
            except RunnerLockedError:
                if not self.catalog.shared:
                    raise
            finally:
                instance.holder = False
                self._notify()
            if first:
                logger.info("integration {}: run by another process; standing by", instance.id)
                task_status.started()
                first = False
            await anyio.sleep(self.takeover_interval)

    async def _on_take(self, instance: Instance, first: bool) -> None:
        """The resync a runner starts with: on start if configured; after a takeover also
        when the previous holder left a triggered generation unrun."""
        if instance.settings.resync_on_start:
            instance.ocean.request(Trigger.START)
            return
        if first:
            return
        newest = await self.catalog.runs(instance.id, limit=1)
        if instance.ocean.generation > (newest[0].generation if newest else 0):
            instance.ocean.request(Trigger.START)

    async def _hold(self, instance: Instance) -> None:
        """Return when this process no longer holds the integration's lock."""
        if not self.catalog.shared:
            await anyio.sleep_forever()
        while True:
            await anyio.sleep(self.lease_check_interval)
            if not await self.catalog.still_holds(instance.id):
                return

    def _on_notice(self, notice: dict[str, Any]) -> None:
        """A trigger passed on by another process: the holder runs it."""
        instance = self._instances.get(str(notice.get("integration_id")))
        if instance is None or not instance.holder or self._tasks is None:
            return
        if notice.get("reload"):
            self._tasks.start_soon(self._reload, instance, notice)
            return
        instance.ocean.request(
            str(notice["trigger"]), run_id=str(notice["run_id"]),
            generation=int(notice["generation"]),
        )
        self._notify()

    async def _reload(self, instance: Instance, notice: dict[str, Any]) -> None:
        """Another process changed the integration through the API: apply what it stored."""
        changed = await _changes.apply_stored(self.catalog, instance.file_settings)
        if changed.config != instance.settings.config or (
            changed.mapping != instance.settings.mapping
        ):
            instance.ocean.reconfigure(*self._prepare(instance, changed))
        instance.settings = changed
        self._on_notice({**notice, "reload": False})

    # -- reads ------------------------------------------------------------------------------

    def get(self, integration_id: str) -> Instance:
        try:
            return self._instances[integration_id]
        except KeyError:
            raise NotFoundError("integration", integration_id, list(self._instances)) from None

    # -- triggers ---------------------------------------------------------------------------

    async def trigger(
        self, integration_id: str, trigger: Trigger | str = Trigger.API, *, reload: bool = False
    ) -> RunTicket:
        """Bump the integration's generation, abort its run in flight, start a new one.

        If another process runs the integration, the generation is bumped in the catalog and
        the trigger passed on to that process, which aborts its run and starts the new one.
        """
        if not self.running:
            raise NotRunningError("the service is not running (stopped, or not started)")
        instance = self.get(integration_id)
        if instance.holder:
            ticket = instance.ocean.request(trigger)
        else:
            generation = await self.catalog.advance_generation(integration_id)
            ticket = RunTicket(uuid.uuid4().hex, generation)
            instance.remember(ticket)
            await self.catalog.publish_trigger({
                "integration_id": integration_id, "run_id": ticket.run_id,
                "generation": generation, "trigger": str(Trigger(trigger)), "reload": reload,
            })
        self._notify()
        return ticket

    async def change(
        self, integration_id: str, change: IntegrationChange,
        trigger: Trigger | str = Trigger.API,
    ) -> RunTicket:
        """Apply a change (validated first; invalid: ``ConfigError`` and nothing changed),
        keep it across restarts, then trigger a resync, even if nothing changed.

        Problems name fields relative to the integration: ``config.kinds``,
        ``mapping.resources[0].kind``.
        """
        instance = self.get(integration_id)
        updates = {k: v for k, v in vars(change).items() if v is not None}
        changed = instance.settings.model_copy(update=updates)
        current = instance.settings
        reconfigured = changed.config != current.config or changed.mapping != current.mapping
        prepared = self._prepare(instance, changed) if reconfigured else None
        if changed != current:  # stored before applied: a failed write changes nothing
            await _changes.store(self.catalog, instance.file_settings, changed)
            logger.info("integration {}: {} changed through the API", integration_id,
                        ", ".join(k for k in updates if updates[k] != getattr(current, k)))
            instance.settings = changed
        if prepared is not None:
            instance.ocean.reconfigure(*prepared)
            trigger = Trigger.CONFIG
        return await self.trigger(integration_id, trigger, reload=changed != current)

    def _prepare(
        self, instance: Instance, item: IntegrationSettings
    ) -> tuple[Integration, dict[str, Any] | None, str | None]:
        """The integration and mapping of changed settings, every problem reported at once."""
        problems: list[ConfigProblem] = []
        integration: Integration | None = None
        try:
            integration = build_integration(item, "", "")
        except ConfigError as exc:
            problems.extend(exc.problems)
        where, path = f"integrations[{instance.index}]", str(self.config.path)
        mapping, source = resolve_mapping(item, self.config.base, where, path)
        if isinstance(item.mapping, dict) and item.mapping != instance.file_settings.mapping:
            source = f"PATCH /api/integrations/{instance.id}"
        if mapping is not None:
            try:  # kinds and selector keys are checked only once the config is valid
                validate_for(integration, mapping)
            except MappingError as exc:
                problems.extend(
                    ConfigProblem(f"mapping.{p.field}".rstrip("."), p.message)
                    for p in exc.problems
                )
        if problems:
            raise ConfigError(problems)
        assert integration is not None
        return integration, mapping, source

    # -- schedules --------------------------------------------------------------------------

    async def _keep_schedule(self, instance: Instance) -> None:
        schedule = instance.schedule
        assert schedule is not None
        while True:
            await anyio.sleep(schedule.seconds_until_due(_now()))
            tick = _now()
            if not instance.holder:
                pass  # the process that runs the integration keeps its schedule
            elif instance.ocean.state == "idle":
                instance.ocean.request(Trigger.SCHEDULE)
            else:
                await self._skip_tick(instance, tick)
            schedule.advance(tick)
            self._notify()

    async def _skip_tick(self, instance: Instance, tick: datetime) -> None:
        """A tick that finds a run in flight is skipped, so a short interval can never keep
        aborting runs before they reach their delete phase."""
        instance.skipped_ticks += 1
        instance.last_skipped_at = tick
        current = instance.ocean.current_run
        logger.info(
            "integration {}: scheduled resync skipped, run {} still {}",
            instance.id, current.id if current else "(pending)", instance.ocean.state,
        )
        await self.catalog.set_state(instance.id, SCHEDULE_STATE_KEY, {
            "skipped_ticks": instance.skipped_ticks,
            "last_skipped_at": tick.isoformat(),
            "last_skipped_because": current.id if current else None,
        })

    # -- change notification ----------------------------------------------------------------

    def _tell(self, record: Any) -> None:
        for listener in self._listeners:
            listener(record)
        self._notify()

    def _notify(self) -> None:
        self._changed.notify()

    async def next_change(self) -> None:
        """Wait for the next trigger, tick or finished run (for tests and live views)."""
        await self._changed.wait()

