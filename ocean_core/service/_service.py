"""The long-lived runtime behind ``ocean sail``: one runner per configured integration, the
knowledge bases, the metrics, and the notices of other processes, composed."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import anyio
from loguru import logger

from ocean_core._signal import ChangeSignal
from ocean_core._types import Trigger
from ocean_core.assembly import open_catalog
from ocean_core.catalog import Catalog
from ocean_core.config import LoadedConfig, OceanSettings
from ocean_core.dry_run import DryRunReport
from ocean_core.errors import NotFoundError, NotRunningError
from ocean_core.ocean import RunListener, RunTicket
from ocean_core.results import ResyncResult
from ocean_core.service._build import RuntimeBuilder
from ocean_core.service._knowledge_bases import KnowledgeBases
from ocean_core.service._metrics import ServiceMetrics
from ocean_core.service._overrides import IntegrationChange
from ocean_core.service._runner import IntegrationRunner, RunnerSetup
from ocean_core.service._status import IntegrationSnapshot, TriggeredRun
from ocean_core.service._webhook_worker import RetryPolicy
from ocean_core.service._webhooks import WebhookSetup, WebhookStats

LEASE_CHECK_INTERVAL = 5.0
"""Seconds between a holder's checks that its runner lock is still its own."""
STANDBY_LOOK_AGAIN = 1.0
"""Seconds between a standby's looks at a run another process runs (its end is not
signalled here)."""


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
        config.require("takeover_interval")  # an unset ${NAME} there is no default of 5s
        self.config = config
        self._catalog = catalog
        self._runners: dict[str, IntegrationRunner] = {}
        self._stack: AsyncExitStack | None = None
        self._listeners: list[RunListener] = []
        self._changed = ChangeSignal()
        self.takeover_interval = self.config.settings.takeover_interval.total_seconds()
        self.lease_check_interval = LEASE_CHECK_INTERVAL
        self.knowledge_bases = KnowledgeBases(lambda: self.catalog, self.get, self.trigger)
        """Named groups of integrations (stored in the catalog)."""
        self.metrics = ServiceMetrics(lambda: self.instances)
        """Prometheus metrics of every integration (``metrics.render()``)."""
        self.add_listener(self.metrics.record)

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            raise NotRunningError("the service's catalog opens when the service starts")
        return self._catalog

    @property
    def instances(self) -> list[IntegrationRunner]:
        """The runner of each configured integration, in config order."""
        return list(self._runners.values())

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
        self._runners.clear()
        async with AsyncExitStack() as stack:
            if self._catalog is None:
                self._catalog = open_catalog(self.config)
                stack.push_async_callback(self._close_catalog)
            setup = self._setup()
            for index, item in enumerate(self.config.settings.integrations):
                runner = await IntegrationRunner.create(index, item, setup)
                self._runners[runner.id] = runner
            tasks = await stack.enter_async_context(anyio.create_task_group())
            stack.callback(tasks.cancel_scope.cancel)
            for runner in self._runners.values():
                await tasks.start(runner.run)  # once it runs, or stands by (another process)
            if setup.shared:
                tasks.start_soon(self.catalog.listen_triggers, self._on_notice)
            self._stack = stack.pop_all()
        held = sum(1 for r in self._runners.values() if r.runs_here)
        logger.info("service started: {} integration(s), {} run here", len(self._runners), held)
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
                self._changed.notify()  # wakes whoever waits on a run that will never end
        # The runners stay readable: a request still open while the server drains gets
        # their final state; a trigger gets NotRunningError.

    def _setup(self) -> RunnerSetup:
        shared = self.catalog.capabilities.shared
        hooks = self.config.settings.webhooks
        webhooks = WebhookSetup(
            retry=RetryPolicy(hooks.max_attempts, hooks.retry_delay, hooks.max_retry_delay),
            keep_events=hooks.keep_events, on_outcome=self.metrics.webhook,
            poll=self.lease_check_interval if shared else None,
        )
        return RunnerSetup(
            catalog=self.catalog, builder=RuntimeBuilder(self.config, self.catalog),
            signal=self._changed, on_run=self._tell, shared=shared,
            takeover_interval=self.takeover_interval,
            lease_check_interval=self.lease_check_interval, webhooks=webhooks,
        )

    async def _close_catalog(self) -> None:
        await self.catalog.close()

    # -- reads ------------------------------------------------------------------------------

    def get(self, integration_id: str) -> IntegrationRunner:
        """The runner of a configured integration; ``NotFoundError`` naming the ids."""
        try:
            return self._runners[integration_id]
        except KeyError:
            raise NotFoundError("integration", integration_id, list(self._runners)) from None

    async def state(self, integration_id: str) -> IntegrationSnapshot:
        """One integration right now (``NotFoundError`` if it is not configured)."""
        return await self.get(integration_id).snapshot()

    async def states(self) -> list[IntegrationSnapshot]:
        """Every integration right now, in config order."""
        return [await runner.snapshot() for runner in self.instances]

    async def run_status(
        self, integration_id: str, run_id: str, *,
        wait: float = 0.0,
    ) -> TriggeredRun:
        """Where a triggered run stands. With ``wait``, as soon as it has ended (or been
        superseded), or when ``wait`` seconds have passed, or when the service stops."""
        runner = self.get(integration_id)
        found = await runner.run_status(run_id)
        if wait and not found.settled:
            logger.debug("a client waits up to {}s for run {} to end", wait, run_id)
        with anyio.move_on_after(wait):
            while not found.settled and self.running:
                with anyio.move_on_after(None if runner.runs_here else STANDBY_LOOK_AGAIN):
                    await self.next_change()
                found = await runner.run_status(run_id)
        return found

    async def dry_run(self, integration_id: str, *, incremental: bool = False) -> DryRunReport:
        """What a resync of the integration would do now (``Ocean.dry_run``; an incremental
        one with ``incremental``): fetched and mapped with the settings in effect, compared
        with the catalog, nothing written."""
        return await self.get(integration_id).dry_run(incremental=incremental)

    async def webhook_stats(self, integration_id: str) -> WebhookStats:
        """The integration's webhook events: received, handled, failed, retried, pending,
        rejected, the last times and the newest failures."""
        return await self.get(integration_id).webhooks.stats()

    # -- triggers ---------------------------------------------------------------------------

    async def trigger(
        self, integration_id: str, trigger: Trigger | str = Trigger.API, *, reload: bool = False,
        incremental: bool = False,
    ) -> RunTicket:
        """Bump the integration's generation, abort its run in flight, start a new one (an
        incremental one with ``incremental``: rule 9, see ``Ocean.request``).

        If another process runs the integration, the generation is bumped in the catalog and
        the trigger passed on to that process, which aborts its run and starts the new one.
        """
        if not self.running:
            raise NotRunningError("the service is not running (stopped, or not started)")
        return await self.get(integration_id).trigger(trigger, reload=reload,
                                                      incremental=incremental)

    async def change(
        self, integration_id: str, change: IntegrationChange,
        trigger: Trigger | str = Trigger.API,
    ) -> RunTicket:
        """Apply a change (validated first; invalid: ``ConfigError`` and nothing changed),
        keep it across restarts, then trigger a resync, even if nothing changed.

        Problems name fields relative to the integration: ``config.kinds``,
        ``mapping.resources[0].kind``.
        """
        return await self.get(integration_id).change(change, trigger)

    async def discard_changes(
        self, integration_id: str, trigger: Trigger | str = Trigger.API
    ) -> RunTicket:
        """Forget the changes made through the API (``change``): the config file's settings
        apply again, here and at every start; then trigger a resync, as ``change`` does."""
        return await self.get(integration_id).discard_changes(trigger)

    def _on_notice(self, notice: dict[str, Any]) -> None:
        """A trigger another process passed on: to the runner of its integration."""
        runner = self._runners.get(str(notice.get("integration_id")))
        if runner is not None:
            runner.on_notice(notice)

    # -- change notification ----------------------------------------------------------------

    def _tell(self, record: ResyncResult) -> None:
        for listener in self._listeners:
            listener(record)
        self._changed.notify()

    async def next_change(self) -> None:
        """Wait for the next trigger, tick or finished run (for tests and live views)."""
        await self._changed.wait()
