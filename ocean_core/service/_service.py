"""The long-lived runtime behind ``ocean sail``: every configured integration, its triggers
(on start, on a schedule, on demand) and the changes the API makes to it."""

from __future__ import annotations

import uuid
from contextlib import AsyncExitStack
from datetime import datetime
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import anyio
from anyio.abc import TaskGroup
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
)
from ocean_core.integration import Integration
from ocean_core.mapping import validate_for
from ocean_core.ocean import RunListener, RunTicket
from ocean_core.runtime import build_integration, build_ocean_for, open_catalog, resolve_mapping
from ocean_core.service import _changes
from ocean_core.service._instance import Instance, IntegrationChange, now
from ocean_core.service._knowledge import KnowledgeBases
from ocean_core.service._runners import drive, on_notice
from ocean_core.service._schedule import Schedule
from ocean_core.service._ticks import SCHEDULE_STATE_KEY, keep_schedule

LEASE_CHECK_INTERVAL = 5.0
"""Seconds between a holder's checks that its runner lock is still its own."""


class OceanService:
    """Runs every integration of a config in one process.

        async with OceanService(load_config("ocean.yaml")) as service:
            ticket = await service.trigger("demo", Trigger.API)

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
                await tasks.start(drive, self, instance)
                if instance.schedule is not None:
                    tasks.start_soon(keep_schedule, self, instance)
            if self.catalog.capabilities.shared:
                tasks.start_soon(self.catalog.listen_triggers, partial(on_notice, self))
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
            instance.schedule = Schedule.starting(item.scheduled_resync_interval, now())
            stored = await self.catalog.get_state(item.id, SCHEDULE_STATE_KEY) or {}
            instance.skipped_ticks = int(stored.get("skipped_ticks", 0))
            last = stored.get("last_skipped_at")
            instance.last_skipped_at = datetime.fromisoformat(last) if last else None
        return instance

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

