"""The runtime: runs an integration's resyncs against a catalog, one at a time."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self

import anyio
from anyio.abc import TaskGroup
from loguru import logger

from ocean_core._coalesce import settle
from ocean_core._limits import MAPPING_TIMEOUT
from ocean_core._run_book import RunBook, RunListener, RunTicket
from ocean_core._run_modes import check_mode, triggered_mode
from ocean_core._runner_hold import RunnerHold
from ocean_core._signal import ChangeSignal
from ocean_core._threshold import decide_deletion_threshold
from ocean_core._types import ResyncStatus, RunMode, Trigger
from ocean_core.catalog import Catalog
from ocean_core.dry_run import DryRunReport
from ocean_core.engine._dry_run import DryRun
from ocean_core.engine._live import HandledEvents, LivePath
from ocean_core.engine._plan import build_plan
from ocean_core.engine._records import new_run
from ocean_core.engine._run import ResyncRun
from ocean_core.errors import ConfigError, NotRunningError
from ocean_core.integration import Integration
from ocean_core.live import LiveChange, WebhookRequest
from ocean_core.live_report import LiveReport
from ocean_core.mapping import MappingSpec
from ocean_core.results import RunRecord

__all__ = ["Ocean", "RunListener", "RunTicket"]


@dataclass(frozen=True)
class _Pending:
    ticket: RunTicket
    trigger: Trigger
    plan_only: bool
    mode: RunMode = RunMode.FULL


@dataclass
class _Active:
    run: ResyncRun
    scope: anyio.CancelScope


class Ocean:
    """Run an integration's resyncs against a catalog.

    One run to completion::

        ocean = Ocean(Shop(), catalog=SQLiteCatalog("catalog.db"), integration_id="shop-1")
        result = await ocean.resync()

    As a long-lived runtime, where a trigger aborts the run in flight and starts a new one::

        async with Ocean(Shop(), catalog=catalog, integration_id="shop-1") as ocean:
            generation = ocean.trigger()
            result = await ocean.wait_idle()

    ``catalog`` is required: without one, ``ConfigError`` says what to pass (there is no
    default file, so a catalog never appears in whatever the current directory happens to be).
    The mapping is validated and compiled here: an invalid one raises ``MappingError`` naming
    the field. While a runtime runs (``async with``, or one ``resync()`` without it) it holds
    the integration's runner lock.
    """

    def __init__(
        self,
        integration: Integration,
        *,
        catalog: Catalog | None = None,
        mapping: dict[str, Any] | MappingSpec | None = None,
        integration_id: str | None = None,
        deletion_threshold: float | None = None,
        mapping_source: str | None = None,
        configured_deletion_threshold: float | None = None,
        mapping_timeout: float = MAPPING_TIMEOUT,
    ) -> None:
        self.integration = integration
        self.catalog: Catalog = _required(catalog)
        self.integration_id = integration_id or integration.type or type(integration).__name__
        self.plan = build_plan(integration, mapping, mapping_source, mapping_timeout)
        # ``deletion_threshold`` beats the mapping's; ``configured_deletion_threshold`` (the
        # config file's) does not. Kept apart so that ``reconfigure`` decides again.
        self._thresholds = (deletion_threshold, configured_deletion_threshold)
        self._stack: AsyncExitStack | None = None
        self._tasks: TaskGroup | None = None
        self._generation = 0
        self._pending: _Pending | None = None
        self._active: _Active | None = None
        self._book = RunBook()
        self._changed = ChangeSignal()
        self._hold = RunnerHold(self._acquire)
        self._live = LivePath(self.catalog, self.integration_id, self._runner_held)

    # -- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._stack is not None:
            raise RuntimeError("this Ocean is already running; enter it once")
        async with AsyncExitStack() as stack:
            await self._acquire(stack)
            self._generation = await self.catalog.generation(self.integration_id)
            self._tasks = await stack.enter_async_context(anyio.create_task_group())
            stack.callback(self._tasks.cancel_scope.cancel)  # runs first on exit
            self._tasks.start_soon(self._supervise)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        stack, self._stack, self._tasks = self._stack, None, None
        if stack is not None:
            await stack.__aexit__(exc_type, exc, tb)

    @asynccontextmanager
    async def _runner_held(self) -> AsyncIterator[None]:
        """The runner lock for one live call: held already while running (``async with``, or a
        ``resync()`` in flight), else taken for it."""
        if self._tasks is not None:
            yield
            return
        async with self._hold.share():
            yield

    async def _acquire(self, stack: AsyncExitStack) -> None:
        """Take the runner lock; a run still marked running now belonged to a dead runner."""
        await stack.enter_async_context(self.catalog.runner_lock(self.integration_id))
        for run in await self.catalog.interrupt_running(self.integration_id):
            logger.warning("run {} of generation {} was interrupted", run.id, run.generation)

    @property
    def running(self) -> bool:
        return self._tasks is not None

    @property
    def deletion_threshold(self) -> float:
        """The share of the integration's entities the next clean run may delete."""
        explicit, configured = self._thresholds
        return decide_deletion_threshold(
            explicit=explicit, mapping=self.plan.deletion_threshold, configured=configured,
            type_default=self.integration.deletion_threshold,
        )

    @property
    def state(self) -> Literal["running", "pending", "idle"]:
        """``running`` while a run is in flight, ``pending`` while a triggered run waits to
        start, else ``idle``."""
        if self._active is not None:
            return "running"
        return "pending" if self._pending is not None else "idle"

    @property
    def generation(self) -> int:
        """The newest generation this runtime has triggered or seen."""
        return self._generation

    def add_listener(self, listener: RunListener) -> None:
        """Call ``listener`` with the record of every run that ends, whatever its status."""
        self._book.add_listener(listener)

    # -- triggers -----------------------------------------------------------------------------

    def trigger(
        self, trigger: Trigger | str = Trigger.SDK, *, plan_only: bool = False,
        incremental: bool = False,
    ) -> int:
        """Bump the generation, abort the run in flight and start a new one; return at once.

        A burst of triggers coalesces: only the latest generation runs. ``incremental=True``
        asks for an incremental run (rule 9); see ``request`` for when it runs full.
        """
        return self.request(trigger, plan_only=plan_only, incremental=incremental).generation

    def request(
        self, trigger: Trigger | str = Trigger.SDK, *, plan_only: bool = False,
        run_id: str | None = None, generation: int | None = None, incremental: bool = False,
    ) -> RunTicket:
        """``trigger()``, returning the run's id as well as its generation.

        If a newer trigger comes before this run starts, the run never starts (the burst
        coalesces) and ``superseded(run_id)`` names the ticket that replaced it. ``run_id``
        and ``generation`` carry a trigger that another process took (and numbered) for
        this runtime: the run gets that id, and at least that generation.

        An incremental trigger that replaces a pending full run, or aborts a full run in
        flight, starts a full run (``triggered_mode``).
        """
        if self._tasks is None:
            raise NotRunningError("trigger() needs a running runtime: `async with Ocean(...)`")
        check_mode(plan_only, incremental)
        self._generation = max(self._generation + 1, generation or 0)
        ticket = RunTicket(run_id or uuid.uuid4().hex, self._generation)
        mode = triggered_mode(incremental, replaces=self.pending_mode, aborts=(
            self._active.run.record.mode if self._active is not None else None))
        if self._pending is not None:
            self._book.replaced(self._pending.ticket, ticket)
        self._pending = _Pending(ticket, Trigger(trigger), plan_only, mode)
        if self._active is not None:
            self._active.scope.cancel()
        self._notify()
        return ticket

    @property
    def pending_mode(self) -> RunMode | None:
        """The mode of the triggered run that has not started yet, if any."""
        return self._pending.mode if self._pending is not None else None

    @property
    def pending(self) -> RunTicket | None:
        """The triggered run that has not started yet, if any."""
        return self._pending.ticket if self._pending is not None else None

    def superseded(self, run_id: str) -> tuple[RunTicket, RunTicket] | None:
        """For a run that never started because newer triggers came first: its ticket and
        the newest ticket that replaced it (remembered for recent runs only)."""
        return self._book.superseded(run_id)

    def reconfigure(
        self,
        integration: Integration | None = None,
        mapping: dict[str, Any] | MappingSpec | None = None,
        mapping_source: str | None = None,
    ) -> None:
        """Use another integration instance (a new config) and mapping from the next run on.

        Validates first: an invalid mapping raises ``MappingError`` and changes nothing. The
        run in flight keeps what it started with; ``trigger()`` to start one with the new.
        """
        integration = integration or self.integration
        plan = build_plan(integration, mapping, mapping_source, self.plan.mapping_timeout)
        self.integration, self.plan = integration, plan

    async def resync(
        self, trigger: Trigger | str = Trigger.SDK, *, plan_only: bool = False,
        incremental: bool = False,
    ) -> RunRecord:
        """Run one resync to its end and return its record.

        Inside ``async with`` this triggers and waits for that generation's run: its record
        says ``aborted`` if a newer trigger cut it short, and if a newer trigger came before it
        even started, the newer run's record is returned. Outside, it runs in this task.
        ``incremental=True`` runs only the kinds with a cursor, each from its committed cursor,
        and never sweeps (rule 9).
        """
        if self._tasks is not None:
            generation = self.trigger(trigger, plan_only=plan_only, incremental=incremental)
            while not self._book.covers(generation):
                await self._wait_change()
            return self._book.result_for(generation)
        check_mode(plan_only, incremental)
        async with self._hold.own():
            generation = await self.catalog.advance_generation(self.integration_id)
            ticket = RunTicket(uuid.uuid4().hex, generation)
            mode = RunMode.INCREMENTAL if incremental else RunMode.FULL
            record = await self._make_run(ticket, Trigger(trigger), plan_only, mode).execute()
            self._book.tell(record)
            return record

    async def dry_run(self, *, incremental: bool = False) -> DryRunReport:
        """Fetch and map every kind as a resync would, compare with the catalog, and report
        per kind what a run would create, change (with a field-level diff of a sample),
        leave unchanged and delete, with the delete phase's guards; write nothing.
        ``incremental=True``: as an incremental run would, from the committed cursors; what
        it would remove and the cursors it would commit are reported, not applied.

        No generation is bumped and no run is aborted or recorded; no runner lock is needed,
        so it may run beside this integration's runner, in this process or another.
        """
        mode = RunMode.INCREMENTAL if incremental else RunMode.FULL
        cursors = await self.catalog.cursors(self.integration_id) if incremental else {}
        return await DryRun(self.integration, self.catalog, self.plan, self.integration_id,
                            self.deletion_threshold, mode=mode, cursors=cursors).execute()

    async def apply(self, *changes: LiveChange) -> LiveReport:
        """Apply live changes (rule 8), in order, each once durable in the catalog.

        Each change is mapped as a resync maps a page: by its kind's mapping resources and
        their selectors, with the same validation and content hash (an unchanged item writes
        nothing); an upserted item its selector no longer selects is removed; a bad item is an
        item error in the report, not a failure. Whatever a change touched wins over any run
        that started before it. Works with or without ``async with`` (outside it, the runner
        lock is taken for the call). A change of a kind the integration does not have is
        refused (``ConfigError``) before any change is applied::

            report = await ocean.apply(LiveChange("product", upserted=[{"id": 1}]))
        """
        return await self._live.apply(self.integration, self.plan, changes)

    async def handle_webhook(self, request: WebhookRequest) -> LiveReport:
        """Call the ``@webhook`` handler of ``request.name`` and ``apply`` what it returned.

        Does not verify the request: the caller has (``integration.verify_webhook``). No such
        handler: ``WebhookNotFoundError``; a handler that returns something else than a list
        of ``LiveChange`` of the integration's kinds: ``WebhookResultError``, nothing applied.
        """
        return await self._live.handle(self.integration, self.plan, request)

    async def handle_webhooks(self, events: Sequence[tuple[int, WebhookRequest]]) -> HandledEvents:
        """``handle_webhook`` of stored events in one catalog step (``LivePath.handle_events``)."""
        return await self._live.handle_events(self.integration, self.plan, events)

    async def wait_idle(self) -> RunRecord | None:
        """Wait until no run is in flight or pending; return the last finished run."""
        while self._pending is not None or self._active is not None:
            await self._wait_change()
        return self._book.last

    async def runs(self, limit: int = 50) -> list[RunRecord]:
        """This integration's run records, newest first."""
        return await self.catalog.runs(self.integration_id, limit=limit)

    @property
    def current_run(self) -> RunRecord | None:
        """The live record of the run in flight, if any."""
        return self._active.run.record if self._active is not None else None

    @property
    def last_run(self) -> RunRecord | None:
        return self._book.last

    # -- internals ----------------------------------------------------------------------------

    def _make_run(
        self, ticket: RunTicket, trigger: Trigger, plan_only: bool, mode: RunMode
    ) -> ResyncRun:
        record = new_run(self.integration_id, ticket.generation, trigger, ticket.run_id)
        record.mode = mode
        return ResyncRun(
            self.integration, self.catalog, self.plan, record, self.deletion_threshold,
            plan_only, newest_generation=lambda: self._generation,
        )

    async def _supervise(self) -> None:
        while True:
            while self._pending is None:
                await self._wait_change()
            await settle(lambda: self._pending)  # a burst of triggers: the newest runs
            pending, self._pending = self._pending, None
            assert pending is not None
            generation = pending.ticket.generation
            run = self._make_run(pending.ticket, pending.trigger, pending.plan_only, pending.mode)
            with anyio.CancelScope() as scope:
                self._active = _Active(run, scope)
                try:
                    await run.execute()
                except Exception as exc:  # the runtime outlives any run, even an unrecordable one
                    logger.exception("resync of generation {} could not be recorded", generation)
                    run.record.status = ResyncStatus.FAILED
                    run.record.error = run.record.error or (
                        f"the run could not be recorded: {type(exc).__name__}: {exc}")
            stored = run.stored_generation
            self._generation = max(self._generation, stored or 0)
            self._active = None
            self._book.finish(generation, run.record)
            self._notify()

    def _notify(self) -> None:
        self._changed.notify()

    async def _wait_change(self) -> None:
        await self._changed.wait()


def _required(catalog: Catalog | None) -> Catalog:
    if catalog is None:
        raise ConfigError.single(
            "catalog",
            "Ocean(...) needs a catalog to keep entities and runs in: pass"
            " catalog=SQLiteCatalog(\"catalog.db\") (a file), catalog=SQLiteCatalog(\":memory:\")"
            " or catalog=MemoryCatalog() (this process only), or a PostgresCatalog",
        )
    return catalog
