"""``WebhookWorker``: one integration's stored webhook events, handled in the order received.

The route (``api/_webhook_routes.py``) stores a verified request in the catalog's inbox and
answers 202; the worker of the integration's runner takes the inbox's pending events oldest
first and hands each to the engine (``Ocean.handle_webhook``), then records the outcome:

- ``handled``: the handler ran and its changes are durable;
- a failed attempt (any other error) is recorded ``pending`` with its error and tried again
  after ``RetryPolicy.delay`` (doubling); the event after it waits, so that changes apply in
  the order received (rule 8). The last allowed attempt that fails records ``failed``;
- ``failed`` at once for an error that another attempt would only repeat: a body the handler
  cannot read (``WebhookBodyError``), no handler of that name (``WebhookNotFoundError``, a
  ``NotFoundError``), or any ``Terminal`` error (``WebhookResultError``: the handler
  returned something else than live changes);
- nothing at all when the catalog failed (``CatalogError``): the event stays as it was and
  the worker tries again after a delay; a lost runner lock (``LockNotHeldError``,
  ``FencedError``) ends the worker, as the runner stands by.

An event handled twice (a crash between its changes and its ``handled`` record) gives the
same catalog: live changes are by key and an unchanged upsert writes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
from loguru import logger

from ocean_core.catalog import Catalog, EventStatus, InboxEvent
from ocean_core.engine._live import HandledEvents
from ocean_core.errors import (
    CatalogError,
    FencedError,
    LockNotHeldError,
    NotFoundError,
    Terminal,
)
from ocean_core.live import WebhookBodyError, WebhookRequest

Handle = Callable[[WebhookRequest], Awaitable[object]]
"""What handles one event: ``Ocean.handle_webhook``."""
HandleBatch = Callable[[Sequence[tuple[int, WebhookRequest]]], Awaitable[HandledEvents]]
"""What handles several stored events in one catalog step: ``Ocean.handle_webhooks``."""
Outcome = Callable[[str, str, float | None], None]
"""Told of every outcome: integration id, ``handled``/``retried``/``failed``, and for a
settled event the seconds from its receipt to its outcome."""
Sleep = Callable[[float], Awaitable[None]]

BATCH = 100
"""Pending events read from the inbox at a time."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how long apart, a failed event is tried (``webhooks`` in the config)."""

    max_attempts: int = 5
    base_delay: float = 1.0
    """Seconds before the second attempt; doubled before each next one."""
    max_delay: float = 60.0

    def delay(self, failed: int) -> float:
        """Seconds to wait after the ``failed``-th failed attempt."""
        return float(min(self.max_delay, self.base_delay * 2 ** max(0, failed - 1)))


def _no_outcome(integration_id: str, outcome: str, latency: float | None) -> None:
    return None


class WebhookWorker:
    """Handles one integration's inbox while its runner holds the lock.

        worker = WebhookWorker("demo", catalog, ocean.handle_webhook)
        tasks.start_soon(worker.run)     # replays what is pending, then waits to be woken
        worker.wake()                    # an event was stored (here or in another process)
    """

    def __init__(
        self, integration_id: str, catalog: Catalog, handle: Handle,
        policy: RetryPolicy | None = None, *, keep: int = 1000,
        on_outcome: Outcome = _no_outcome, sleep: Sleep = anyio.sleep,
        clock: Callable[[], datetime] = _now, handle_batch: HandleBatch | None = None,
    ) -> None:
        self.integration_id = integration_id
        self.policy = policy or RetryPolicy()
        self.keep = keep
        self._catalog = catalog
        self._handle = handle
        self._handle_batch = handle_batch
        self._on_outcome = on_outcome
        self._sleep = sleep
        self._clock = clock
        self._woken = False
        self._event: anyio.Event | None = None
        self.settled = 0
        self._unpruned = 0
        """Events this worker has settled (handled or failed) since it was made."""
        self._settled_event: anyio.Event | None = None

    def wake(self) -> None:
        """A new event is in the inbox: look again (never missed, even mid-drain)."""
        self._woken = True
        if self._event is not None:
            self._event.set()

    async def wait_settled(self, count: int) -> None:
        """Return once this worker has settled ``count`` events (for tests and live views)."""
        while self.settled < count:
            if self._settled_event is None:
                self._settled_event = anyio.Event()
            await self._settled_event.wait()

    async def run(self) -> None:
        """Handle what is pending (the events a previous process left unhandled first),
        then every event stored after, until cancelled or the runner lock is lost."""
        while True:
            self._woken = False
            try:
                await self.drain()
            except (LockNotHeldError, FencedError):
                raise
            except CatalogError as exc:
                logger.warning("integration {}: the webhook inbox could not be read or"
                               " written ({}); trying again", self.integration_id, exc)
                await self._sleep(self.policy.delay(1))
                continue
            if not self._woken:
                self._event = anyio.Event()
                await self._event.wait()
                self._event = None

    async def drain(self) -> int:
        """Handle every pending event, oldest first; return how many were settled."""
        settled = 0
        while events := await self._catalog.pending_events(self.integration_id, limit=BATCH):
            if self._handle_batch is None:
                for event in events:
                    await self._settle(event)
            else:
                await self._through(events, self._handle_batch)
            settled += len(events)
            self._unpruned += len(events)
            # Pruned once a tenth of what is kept has settled: not a transaction per batch.
            if self.keep and self._unpruned >= max(1, self.keep // 10):
                await self._catalog.prune_inbox(self.integration_id, keep=self.keep)
                self._unpruned = 0
            if len(events) < BATCH:  # all that was pending: one stored since wakes it again
                break
        return settled

    async def _through(self, events: list[InboxEvent], handle: HandleBatch) -> None:
        """Settle ``events`` in order: those not tried before several at a time, each batch
        applied and recorded in one catalog step; an event tried before, or whose handler
        failed in a batch, by ``_settle`` (its retries), before the events after it."""
        at = 0
        while at < len(events):
            if events[at].attempts:
                await self._settle(events[at])
                at += 1
                continue
            fresh = events[at:at + BATCH]
            fresh = fresh[:next((i for i, e in enumerate(fresh) if e.attempts), len(fresh))]
            outcome = await handle([(e.id, _request(e)) for e in fresh])
            for event in fresh[:outcome.applied]:
                self._settled(event, EventStatus.HANDLED)
            at += outcome.applied
            if outcome.error is not None:
                await self._settle(events[at], _classified(outcome.error))
                at += 1

    async def _settle(self, event: InboxEvent, first: tuple[str, bool] | None = None) -> None:
        """Attempt ``event`` until it is handled or has failed for good (``first``: the
        outcome of an attempt made already, in a batch)."""
        failed = event.attempts
        request = _request(event)
        while True:
            error, first = (first, None) if first is not None else (
                await self._attempt(request), None)
            if error is None:
                await self._record(event, EventStatus.HANDLED, None)
                return
            failed += 1
            message, final = error
            if final or failed >= self.policy.max_attempts:
                await self._record(event, EventStatus.FAILED, message)
                logger.warning("integration {}: webhook event {} ({}) failed after {}"
                               " attempt(s): {}", self.integration_id, event.id, event.name,
                               failed, message)
                return
            await self._record(event, EventStatus.PENDING, message)
            await self._sleep(self.policy.delay(failed))

    async def _attempt(self, request: WebhookRequest) -> tuple[str, bool] | None:
        """None once handled; else the error's description and whether it is final."""
        try:
            await self._handle(request)
        except CatalogError:
            raise  # the catalog's fault, not the event's: nothing recorded
        except Exception as exc:  # an integration's handler may raise anything
            return _classified(exc)
        return None

    async def _record(self, event: InboxEvent, status: EventStatus, error: str | None
                      ) -> None:
        await self._catalog.settle_event(self.integration_id, event.id, status, error=error)
        self._settled(event, status)

    def _settled(self, event: InboxEvent, status: EventStatus) -> None:
        """Count an outcome recorded in the catalog."""
        if status is EventStatus.PENDING:
            self._on_outcome(self.integration_id, "retried", None)
            return
        if status is EventStatus.HANDLED:
            logger.bind(integration_id=self.integration_id).debug(
                "webhook event {} ({}) handled", event.id, event.name)
        latency = max(0.0, (self._clock() - event.received_at).total_seconds())
        self.settled += 1
        if self._settled_event is not None:
            self._settled_event.set()
            self._settled_event = None
        self._on_outcome(self.integration_id, str(status), latency)


def _request(event: InboxEvent) -> WebhookRequest:
    return WebhookRequest.of(event.name, event.body, event.headers, event.query)


def _classified(exc: Exception) -> tuple[str, bool]:
    """An attempt's error: its description, and whether another attempt would repeat it."""
    if isinstance(exc, CatalogError):
        raise exc  # the catalog's fault, not the event's: nothing recorded
    final = isinstance(exc, WebhookBodyError | NotFoundError | Terminal)
    return _describe(exc), final


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
