"""``Webhooks``: one runner's side of its integration's webhooks (rule 8).

``receive`` is what the route calls once the request's integration, webhook name and size
are known good: ``verify_webhook`` first, on the headers and raw bytes alone (refused: only a
counter goes up, nothing is stored or logged); then the request is stored in the catalog's
inbox, durably, before its id is returned (the 202): with the requests that arrived with it,
in one write (``GroupCommit``). The worker of the process that runs the
integration handles it: here it is woken at once; from a process that stands by (PostgreSQL)
a notice goes to the runner through the catalog's trigger channel (``publish_trigger``), and
the runner also looks at its inbox every ``poll`` seconds, in case a notice was lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import anyio
from loguru import logger

from ocean_core.catalog import Catalog, EventFailure
from ocean_core.engine._live import HandledEvents
from ocean_core.errors import CatalogError, FencedError, LockNotHeldError
from ocean_core.integration import Integration
from ocean_core.live import WebhookRequest
from ocean_core.ocean import Ocean
from ocean_core.service._group_commit import GroupCommit
from ocean_core.service._webhook_worker import Outcome, RetryPolicy, WebhookWorker

NOTICE_KEY = "webhook_event"
"""The key of a notice that tells the runner a webhook event was stored."""


def _no_outcome(integration_id: str, outcome: str, latency: float | None) -> None:
    return None


@dataclass(frozen=True)
class WebhookSetup:
    """What the webhooks of every runner of a service share (``webhooks`` in the config)."""

    retry: RetryPolicy = field(default_factory=RetryPolicy)
    keep_events: int = 1000
    on_outcome: Outcome = _no_outcome
    """Told of every event received, rejected, handled, retried or failed (the metrics)."""
    poll: float | None = None
    """Seconds between the runner's looks at its inbox without being woken (PostgreSQL:
    another process's notice may be lost); None: only when woken."""

    def webhooks(
        self, integration_id: str, catalog: Catalog, ocean: Callable[[], Ocean], *,
        runs_here: Callable[[], bool],
    ) -> Webhooks:
        """The webhooks of the integration that ``ocean()`` (its runtime) runs."""
        def handle(request: WebhookRequest) -> Awaitable[object]:
            return ocean().handle_webhook(request)

        def handle_batch(events: Sequence[tuple[int, WebhookRequest]]
                         ) -> Awaitable[HandledEvents]:
            return ocean().handle_webhooks(events)

        worker = WebhookWorker(integration_id, catalog, handle, self.retry,
                               keep=self.keep_events, on_outcome=self.on_outcome,
                               handle_batch=handle_batch)
        return Webhooks(integration_id, catalog, worker, integration=lambda: ocean().integration,
                        runs_here=runs_here, on_outcome=self.on_outcome, poll=self.poll)


@dataclass(frozen=True)
class WebhookStats:
    """An integration's webhook events: counts kept in the catalog (every process's events,
    across restarts and pruning) and ``rejected``, counted by this process since it
    started (a refused request leaves nothing in the catalog)."""

    integration_id: str
    webhooks: tuple[str, ...]
    """The names the integration declares with ``@webhook``."""
    runs_here: bool
    """Whether this process's worker handles the events."""
    received: int = 0
    handled: int = 0
    failed: int = 0
    retried: int = 0
    pending: int = 0
    rejected: int = 0
    last_received_at: datetime | None = None
    last_handled_at: datetime | None = None
    failures: tuple[EventFailure, ...] = ()
    """The newest failed attempts, newest first."""


class Webhooks:
    """Verifies, stores and hands over one integration's webhook requests."""

    def __init__(
        self, integration_id: str, catalog: Catalog, worker: WebhookWorker, *,
        integration: Callable[[], Integration], runs_here: Callable[[], bool],
        on_outcome: Outcome, poll: float | None = None,
    ) -> None:
        self.integration_id = integration_id
        self.worker = worker
        self.rejected = 0
        self._catalog = catalog
        self._integration = integration
        self._runs_here = runs_here
        self._on_outcome = on_outcome
        self._poll = poll
        self._commit = GroupCommit(catalog, integration_id)

    def accepts(self, name: str) -> bool:
        """Whether the integration declares a ``@webhook`` named ``name``."""
        return self._integration().webhook_handler(name) is not None

    async def receive(
        self, name: str, body: bytes, headers: Sequence[tuple[str, str]],
        query: Sequence[tuple[str, str]] = (),
    ) -> int | None:
        """The stored event's id, or None when ``verify_webhook`` refused the request (or
        raised). A catalog that cannot store it raises ``CatalogError`` (the route's 503)."""
        request = WebhookRequest.of(name, body, headers, query)
        if not self._verified(request):
            self.rejected += 1
            self._on_outcome(self.integration_id, "rejected", None)
            return None
        event_id = await self._commit.put(name, request.headers.pairs, list(query),
                                          request.body)
        self._on_outcome(self.integration_id, "received", None)
        if self._runs_here():
            self.worker.wake()
        else:
            await self._pass_on(event_id)
        return event_id

    def _verified(self, request: WebhookRequest) -> bool:
        try:
            return self._integration().verify_webhook(request) is True
        except Exception:  # an integration's check may raise anything: refused, unlogged
            return False

    async def _pass_on(self, event_id: int) -> None:
        """Tell the runner in another process; the event is stored already, so a notice that
        cannot be sent only delays it to the runner's next look (``poll``)."""
        try:
            await self._catalog.publish_trigger(
                {"integration_id": self.integration_id, NOTICE_KEY: event_id})
        except CatalogError as exc:
            logger.warning("integration {}: webhook event {} is stored, but the runner could"
                           " not be told ({}); it finds it at its next look",
                           self.integration_id, event_id, exc)

    async def work(self) -> None:
        """Run the worker while the runner holds the lock; return when the lock is lost."""
        try:
            async with anyio.create_task_group() as tasks:
                if self._poll is not None:
                    tasks.start_soon(self._look_every, self._poll)
                await self.worker.run()
        except (LockNotHeldError, FencedError) as exc:
            logger.warning("integration {}: webhook worker stopped: {}", self.integration_id,
                           exc)

    async def _look_every(self, seconds: float) -> None:
        while True:
            await anyio.sleep(seconds)
            self.worker.wake()

    async def stats(self, failures: int = 10) -> WebhookStats:
        inbox = await self._catalog.inbox_stats(self.integration_id, failures=failures)
        return WebhookStats(
            integration_id=self.integration_id,
            webhooks=tuple(s.name for s in self._integration().declared_webhooks()),
            runs_here=self._runs_here(), received=inbox.received, handled=inbox.handled,
            failed=inbox.failed, retried=inbox.retried, pending=inbox.pending,
            rejected=self.rejected, last_received_at=inbox.last_received_at,
            last_handled_at=inbox.last_handled_at, failures=inbox.failures,
        )
