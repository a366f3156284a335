"""The catalog package's vocabulary: keys, cursors, outcomes, capabilities and records that
cross its seams (``_protocol``), shared by every catalog."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeAlias

EntityKey: TypeAlias = tuple[str, str, str]
"""(integration_id, blueprint, identifier): an entity's key, and ``list_entities``' cursor."""

RunCursor: TypeAlias = tuple[datetime, str]
"""(started_at, run id) of the last run on a page: ``runs``' cursor to the next one."""


@dataclass(frozen=True)
class CatalogCapabilities:
    """What a catalog can do beyond the protocol, declared once on every catalog (its
    ``capabilities``) and read by the engine and the service, never guessed.

        if catalog.capabilities.shared:
            ...  # listen for other processes' triggers
    """

    shared: bool = False
    """Runners in several processes may use this catalog at once (PostgreSQL): they then
    coordinate through it (runner locks that can be lost, fencing, trigger notices)."""
    overlapped_writes: bool = False
    """``write_page`` waits on the event loop, not in a worker thread, and reports its progress
    through its ``progress`` argument: the engine then keeps one page write in flight while it
    prepares the next page (see ``PageProgress``)."""


@dataclass(frozen=True)
class PageOutcome:
    """What writing one page did: ``upserted`` new or changed, ``unchanged`` only marked seen,
    ``kept`` left as a live change newer than the run made them (rule 8: not overwritten, not
    brought back)."""

    upserted: int
    unchanged: int
    kept: int = 0


@dataclass(frozen=True)
class DeleteOutcome:
    """The delete step's verdict. ``skipped_reason`` is set when nothing was deleted on purpose;
    ``superseded`` when the run's generation was no longer current."""

    deleted: int
    stale: int
    total: int
    """The integration's entities before the delete; counted only when ``stale`` is not 0."""
    skipped_reason: str | None = None
    superseded: bool = False
    kept: int = 0
    """Stale entities not deleted because a live change newer than the run touched them."""
    deleted_sample: tuple[tuple[str, str, str | None], ...] = ()
    """``(blueprint, identifier, kind)`` of the first deleted entities in key order,
    ``DELETED_SAMPLE`` at most, read in the delete's own transaction (a run names them)."""


DELETED_SAMPLE = 20
"""How many deleted entities a delete step names (``DeleteOutcome.deleted_sample``)."""


@dataclass(frozen=True)
class RunStart:
    """What ``begin_run`` gives a run: its generation as stored (at least the one asked for)
    and its live mark, the integration's ``live_seq`` when it started. A live change is newer
    than the run iff its ``live_seq`` is above ``live_mark``; the run passes the mark to its
    writes, which then leave alone every key such a change touched."""

    generation: int
    live_mark: int


@dataclass(frozen=True)
class LiveOutcome:
    """What applying one live change did (``apply_live``): its ``live_seq`` (the integration's
    count of live changes, this one included), entities ``upserted`` (new or changed),
    ``unchanged`` (same content hash: not rewritten, but marked as touched by this change) and
    ``deleted`` (that existed; every deleted key is tombstoned, whether it existed or not)."""

    live_seq: int
    upserted: int
    unchanged: int
    deleted: int


@dataclass(frozen=True)
class CursorCommit:
    """A kind's cursor to commit (rule 9): ``value`` (any JSON value: the highest cursor the
    kind saw) and ``fingerprint`` (of the kind's mapping resources and the integration's
    config; a stored cursor whose fingerprint differs is no cursor)."""

    value: Any
    fingerprint: str


@dataclass(frozen=True)
class StoredCursor:
    """A committed cursor as stored: what was committed, and when (aware UTC)."""

    value: Any
    fingerprint: str
    committed_at: datetime


class PageProgress(Protocol):
    """How a page write that waits on the event loop (``overlapped_writes``) tells the engine
    where it is, so the engine hands the loop over exactly as long as the write needs it.

    Between its steps such a write needs the loop: the database answers, and the next message
    has to go out. The engine, busy preparing the next page, would otherwise hold the loop until
    that page is ready. Each signal is given at most once; the end of the write counts as both.
    """

    def sent(self) -> None:
        """The write's first message is out: the database is working on the page."""

    def handed_over(self) -> None:
        """Everything is out: until its answer arrives, the write needs no turn of the loop."""


class EventStatus(enum.StrEnum):
    """Where a webhook event of the inbox stands: ``pending`` (not handled yet, or to be tried
    again), ``handled``, or ``failed`` (its last attempt failed, none is left)."""

    PENDING = "pending"
    HANDLED = "handled"
    FAILED = "failed"


@dataclass(frozen=True)
class InboxEvent:
    """A verified webhook request as the inbox keeps it (``put_event``), with its outcome so
    far. ``headers`` and ``query`` are the request's pairs in order (header names in lower
    case); ``body`` its bytes, unparsed."""

    id: int
    integration_id: str
    name: str
    received_at: datetime
    headers: tuple[tuple[str, str], ...]
    query: tuple[tuple[str, str], ...]
    body: bytes
    status: EventStatus = EventStatus.PENDING
    attempts: int = 0
    """Failed attempts so far."""
    last_error: str | None = None
    handled_at: datetime | None = None


@dataclass(frozen=True)
class EventFailure:
    """One failed attempt at an event, as ``InboxStats.failures`` lists it."""

    id: int
    name: str
    received_at: datetime
    attempts: int
    error: str
    status: EventStatus


@dataclass(frozen=True)
class InboxStats:
    """An integration's webhook events: counts since the catalog was made (kept when handled
    events are pruned), the last times, and the newest failures (newest first)."""

    received: int = 0
    handled: int = 0
    failed: int = 0
    """Events given up on: every attempt failed."""
    retried: int = 0
    """Failed attempts that were tried again."""
    pending: int = 0
    last_received_at: datetime | None = None
    last_handled_at: datetime | None = None
    failures: tuple[EventFailure, ...] = ()


@dataclass(frozen=True)
class KnowledgeBaseRecord:
    """A knowledge base and the integrations attached to it, in attach order
    (``attached_at``, then integration id)."""

    id: str
    name: str
    created_at: datetime
    """Timezone-aware, UTC."""
    integration_ids: tuple[str, ...]


__all__ = [
    "CatalogCapabilities", "CursorCommit", "DeleteOutcome", "EntityKey", "EventFailure",
    "EventStatus", "InboxEvent", "InboxStats", "KnowledgeBaseRecord", "LiveOutcome",
    "PageOutcome", "PageProgress", "RunCursor", "RunStart", "StoredCursor",
]
