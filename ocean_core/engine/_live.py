"""The live path of one runtime (rule 8): live changes, and the webhook events that make them,
applied one call at a time in the order the calls came, each change mapped as a resync page
(``map_change``) and written by one ``apply_live``, atomic and durable when it returns.

The catalog does the rest of rule 8: every key a change touched is stamped above the mark of
any run already in flight, so that run neither overwrites it, nor brings back what it deleted,
nor sweeps what it created; a run that starts later has a mark above the stamp.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

import anyio

from ocean_core.catalog import Catalog
from ocean_core.engine._live_map import MappedChange, map_change
from ocean_core.engine._plan import ResyncPlan
from ocean_core.errors import ConfigError, WebhookNotFoundError, WebhookResultError
from ocean_core.integration import Integration
from ocean_core.live import LiveChange, WebhookRequest
from ocean_core.live_report import LiveReport

RunnerHeld = Callable[[], AbstractAsyncContextManager[None]]
"""Holds the integration's runner lock for as long as it is entered (already held inside
``async with Ocean(...)``; taken and given back around the call outside it)."""


@dataclass(frozen=True)
class HandledEvents:
    """What ``LivePath.handle_events`` did: the first ``applied`` events are applied and
    recorded handled; ``error`` is what the handler of the next one raised (None: all were)."""

    applied: int
    error: Exception | None = None


class LivePath:
    """Applies live changes for one integration instance, in the order the calls came."""

    def __init__(self, catalog: Catalog, integration_id: str, runner_held: RunnerHeld) -> None:
        self._catalog = catalog
        self._integration_id = integration_id
        self._runner_held = runner_held
        self._turn: anyio.Lock | None = None

    def _lock(self) -> anyio.Lock:
        # Made on first use, inside the event loop; anyio's lock is fair: first come, first in.
        if self._turn is None:
            self._turn = anyio.Lock()
        return self._turn

    async def apply(
        self, integration: Integration, plan: ResyncPlan, changes: Sequence[Any]
    ) -> LiveReport:
        """Apply ``changes`` in order; a change that names a kind the integration does not
        have, or that is no ``LiveChange``, is refused (``ConfigError``) before any is applied."""
        problem = _problem(integration, changes)
        if problem is not None:
            raise ConfigError.single("Ocean.apply", problem)
        async with self._lock():
            return await self._apply(plan, changes)

    async def handle(
        self, integration: Integration, plan: ResyncPlan, request: WebhookRequest
    ) -> LiveReport:
        """Call the ``@webhook`` handler named ``request.name`` and apply what it returned.
        The request must be verified already: nothing here checks who sent it."""
        async with self._lock():  # the handler too: events are handled in the order they came
            return await self._apply(plan, await self._changes(integration, request))

    async def handle_events(
        self, integration: Integration, plan: ResyncPlan,
        events: Sequence[tuple[int, WebhookRequest]],
    ) -> HandledEvents:
        """Call the handlers of stored events (inbox id, request) in order, then apply the
        changes of all of them and record them handled in one atomic step of the catalog
        (``apply_live_events``): one transaction for a batch, not two per event. Stops before
        the first event whose handler raises (or returns something else than live changes):
        the events before it are applied, and its error is returned with their number."""
        async with self._lock():
            mapped: list[MappedChange] = []
            applied, error = 0, None
            for _, request in events:
                try:
                    changes = await self._changes(integration, request)
                except Exception as exc:  # a handler may raise anything: the caller decides
                    error = exc
                    break
                mapped += [await _mapped(plan, change) for change in changes]
                applied += 1
            if applied:
                writes = [(m.report.kind, m.rows, m.deletes) for m in mapped if m.writes]
                handled = [event_id for event_id, _ in events[:applied]]
                async with self._runner_held():
                    await self._catalog.apply_live_events(self._integration_id, writes, handled)
            return HandledEvents(applied, error)

    async def _changes(
        self, integration: Integration, request: WebhookRequest
    ) -> Sequence[LiveChange]:
        """What the handler of ``request.name`` returned, checked."""
        handler = integration.webhook_handler(request.name)
        if handler is None:
            declared = [spec.name for spec in integration.declared_webhooks()]
            raise WebhookNotFoundError(self._integration_id, request.name, declared)
        returned = await handler(request)
        if not isinstance(returned, list | tuple):
            raise WebhookResultError(
                self._integration_id, request.name,
                f"the handler must return a list of LiveChange, got {type(returned).__name__}")
        problem = _problem(integration, returned)
        if problem is not None:
            raise WebhookResultError(self._integration_id, request.name, problem)
        return returned

    async def _apply(self, plan: ResyncPlan, changes: Sequence[LiveChange]) -> LiveReport:
        report = LiveReport(integration_id=self._integration_id)
        mapped = [await _mapped(plan, change) for change in changes]
        async with self._runner_held():
            for change in mapped:
                if change.writes:
                    outcome = await self._catalog.apply_live(
                        self._integration_id, change.report.kind, change.rows, change.deletes)
                    change.report.upserted, change.report.unchanged = (
                        outcome.upserted, outcome.unchanged)
                    change.report.deleted, change.report.live_seq = (
                        outcome.deleted, outcome.live_seq)
                report.changes.append(change.report)
        return report


async def _mapped(plan: ResyncPlan, change: LiveChange) -> MappedChange:
    steps = [step for step in plan.steps if step.spec.name == change.kind]
    return await map_change(change, steps)


def _problem(integration: Integration, changes: Sequence[Any]) -> str | None:
    """What is wrong with ``changes``, if anything: each must be a ``LiveChange`` of a kind the
    integration has."""
    kinds = {spec.name for spec in integration.kinds()}
    for index, change in enumerate(changes):
        if not isinstance(change, LiveChange):
            return f"change [{index}] must be a LiveChange, got {type(change).__name__}"
        if change.kind not in kinds:
            return (f"change [{index}] is of kind {change.kind!r}, which the integration does"
                    f" not have (kinds: {', '.join(sorted(kinds)) or 'none'})")
    return None
