"""The memory catalog's webhook inbox: the specification of ``WebhookInbox`` in Python lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ocean_core.catalog._clock import Clock, as_utc
from ocean_core.catalog._types import EventFailure, EventStatus, InboxEvent, InboxStats


@dataclass
class _Totals:
    received: int = 0
    handled: int = 0
    failed: int = 0
    retried: int = 0
    last_received_at: datetime | None = None
    last_handled_at: datetime | None = None


@dataclass
class MemoryInbox:
    """Events by id (ids grow across integrations, as the SQL catalogs' do), and each
    integration's running counts."""

    clock: Clock
    events: dict[int, InboxEvent] = field(default_factory=dict)
    totals: dict[str, _Totals] = field(default_factory=dict)
    next_id: int = 1

    def put(
        self, integration_id: str, name: str, headers: Sequence[tuple[str, str]],
        query: Sequence[tuple[str, str]], body: bytes, received_at: datetime | None,
    ) -> int:
        event_id, self.next_id = self.next_id, self.next_id + 1
        at = as_utc(received_at or self.clock())
        self.events[event_id] = InboxEvent(
            event_id, integration_id, name, at, tuple(headers), tuple(query), bytes(body)
        )
        totals = self.totals.setdefault(integration_id, _Totals())
        totals.received += 1
        totals.last_received_at = at
        return event_id

    def pending(self, integration_id: str, limit: int) -> list[InboxEvent]:
        found = [
            e for e in self.events.values()
            if e.integration_id == integration_id and e.status is EventStatus.PENDING
        ]
        return sorted(found, key=lambda e: e.id)[:limit]

    def settle(
        self, integration_id: str, event_id: int, status: EventStatus, error: str | None
    ) -> None:
        event = self.events.get(event_id)
        if event is None or event.integration_id != integration_id:
            return  # pruned, or not this integration's: nothing to record
        if event.status is not EventStatus.PENDING:
            return  # settled already (a replay after the outcome was stored)
        totals = self.totals.setdefault(integration_id, _Totals())
        now = as_utc(self.clock())
        if status is EventStatus.HANDLED:
            totals.handled += 1
            totals.last_handled_at = now
            self.events[event_id] = dataclasses.replace(event, status=status, handled_at=now)
            return
        if status is EventStatus.FAILED:
            totals.failed += 1
        else:
            totals.retried += 1
        self.events[event_id] = dataclasses.replace(
            event, status=status, attempts=event.attempts + 1, last_error=error
        )

    def stats(self, integration_id: str, failures: int) -> InboxStats:
        totals = self.totals.get(integration_id, _Totals())
        mine = [e for e in self.events.values() if e.integration_id == integration_id]
        failed = sorted(
            (e for e in mine if e.last_error is not None), key=lambda e: e.id, reverse=True
        )
        return InboxStats(
            received=totals.received, handled=totals.handled, failed=totals.failed,
            retried=totals.retried,
            pending=sum(1 for e in mine if e.status is EventStatus.PENDING),
            last_received_at=totals.last_received_at, last_handled_at=totals.last_handled_at,
            failures=tuple(
                EventFailure(e.id, e.name, e.received_at, e.attempts, e.last_error or "",
                             e.status)
                for e in failed[:failures]
            ),
        )

    def prune(self, integration_id: str, keep: int) -> int:
        gone = 0
        for status in (EventStatus.HANDLED, EventStatus.FAILED):
            settled = sorted(
                (e.id for e in self.events.values()
                 if e.integration_id == integration_id and e.status is status),
                reverse=True,
            )
            for event_id in settled[keep:]:
                del self.events[event_id]
                gone += 1
        return gone
