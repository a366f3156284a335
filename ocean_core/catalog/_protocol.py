"""The catalog's seams: one narrow protocol per reader, and ``Catalog``, the union of them.

    PageWriter          write_page, delete_stale              a resync's writes (and tools')
    ResyncStore         + run start, by-key writes, cursors,  the engine (ocean_core.engine)
                          generations, run records, counts
    LiveWriter          apply_live                            the live pipeline (rule 8)
    WebhookInbox        webhook events, kept before answered  the API route and the service
    RunnerCoordination  runner locks, notices, interruptions  the runtime and the service
    CatalogReads        runs, entities, generations, plans    the API, the CLI, the dashboard
    StateStore          per-integration JSON values           the service (schedules, changes)
    KnowledgeBaseStore  named groups of integrations          the service's knowledge bases
    Catalog             all of the above, close(), unfenced() what a catalog implements

A reader that takes the narrowest protocol it needs can be given any catalog, or a test double
with only those methods. What a catalog may or may not do (several processes, overlapped page
writes) is declared in its ``capabilities`` record, not found out by probing attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from ocean_core.catalog._rows import EntityRow, LiveWrite, NewEvent
from ocean_core.catalog._types import (
    CatalogCapabilities,
    CursorCommit,
    DeleteOutcome,
    EntityKey,
    EventStatus,
    InboxEvent,
    InboxStats,
    KnowledgeBaseRecord,
    LiveOutcome,
    PageOutcome,
    PageProgress,
    RunCursor,
    RunStart,
    StoredCursor,
)
from ocean_core.entity import Entity
from ocean_core.results import ResyncResult


class PageWriter(Protocol):
    """Writes a resync's pages and runs its delete step.

    Every entity is owned by one integration instance. A resync writes *pages* (one fetched
    batch of one kind, numbered in order); an entity is *seen* in a generation when the page
    that holds it was written in that generation. ``delete_stale`` removes what was not seen,
    checking in the same atomic step that the generation is still current.

    A catalog accepts both calls only from the runner of the integration: while this catalog
    holds its runner lock (else ``LockNotHeldError``), and, where a lock can be lost, while its
    fencing token is still current (else ``FencedError``). ``Catalog.unfenced()`` is the one
    way around that, for tools.
    """

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow], *, progress: PageProgress | None = None,
        live_mark: int | None = None,
    ) -> PageOutcome:
        """Upsert new or changed rows, mark the rest seen; one atomic step. ``progress`` is
        signalled by a catalog with ``overlapped_writes`` (others never need to).

        ``live_mark`` is the run's (``RunStart.live_mark``): a key that a live change newer
        than the mark upserted or deleted is left as that change made it (``kept``). None:
        no live change is newer (a tool's write)."""

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False,
        live_mark: int | None = None,
    ) -> DeleteOutcome:
        """Delete entities not seen in ``generation``, atomically with the check that it is
        still current and that the stale share does not exceed ``threshold``. An entity that a
        live change newer than ``live_mark`` upserted is kept (and counted ``kept``)."""


class ResyncStore(PageWriter, Protocol):
    """What the engine needs to run one resync, and nothing more."""

    capabilities: CatalogCapabilities

    async def begin_run(self, integration_id: str, generation: int) -> RunStart:
        """Start a run, in one atomic step: raise the generation to at least ``generation``,
        take the run's live mark (the integration's ``live_seq`` now), and drop the tombstones
        no run in flight can need any more (those at or below the mark: one runner per
        integration runs one run at a time)."""

    async def write_items(
        self, integration_id: str, kind: str, rows: Sequence[EntityRow], *,
        live_mark: int | None, cursor: CursorCommit | None = None,
    ) -> PageOutcome:
        """Upsert rows by key, outside any page (a new entity has none, an existing one keeps
        its own), leaving alone keys a live change newer than ``live_mark`` touched; with
        ``cursor``, commit the kind's cursor in the same atomic step. Fenced as a page write."""

    async def delete_items(
        self, integration_id: str, keys: Sequence[tuple[str, str]], *, generation: int,
        live_mark: int | None,
    ) -> int:
        """Delete ``(blueprint, identifier)`` keys, atomically with the check that
        ``generation`` is still current (else nothing is deleted: 0), keeping the keys a live
        change newer than ``live_mark`` upserted; return how many were deleted. Fenced."""

    async def commit_cursor(self, integration_id: str, kind: str, cursor: CursorCommit) -> None:
        """Store a kind's cursor (replacing the one before). Fenced as a page write."""

    async def cursors(self, integration_id: str) -> dict[str, StoredCursor]:
        """The integration's committed cursors, by kind."""

    async def advance_generation(self, integration_id: str, at_least: int | None = None) -> int:
        """Raise the generation by one, or to ``at_least`` if that is higher; return it."""

    async def save_run(self, run: ResyncResult) -> None:
        """Insert or update a run record."""

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        """How many entities the integration owns (of one kind, if given)."""


class LiveWriter(Protocol):
    """Applies live changes (rule 8): from the runner of the integration only, like a page
    write (``LockNotHeldError``, ``FencedError``); on PostgreSQL other processes hand their
    webhook events to the runner through the inbox."""

    async def apply_live(
        self, integration_id: str, kind: str, upserts: Sequence[EntityRow],
        deletes: Sequence[tuple[str, str]],
    ) -> LiveOutcome:
        """One live change, in one atomic step: the integration's ``live_seq`` goes up by one
        and marks every key touched. ``upserts`` (the last row of a key wins) are written by
        key, outside pages, an unchanged one (same hash) not rewritten; the page that held a
        changed entity loses its digest, so the next run writes that page whole. Each
        ``(blueprint, identifier)`` of ``deletes`` is deleted (after the upserts) and
        tombstoned, so that no run older than the change brings it back."""


class WebhookInbox(Protocol):
    """Verified webhook requests, kept before they are answered and handled afterwards, in
    the order received (ids grow), by the runner of their integration."""

    async def put_event(
        self, integration_id: str, name: str, *, headers: Sequence[tuple[str, str]],
        query: Sequence[tuple[str, str]], body: bytes, received_at: datetime | None = None,
    ) -> int:
        """Keep a verified request, durably, and return its id. Any process may."""

    async def put_events(self, integration_id: str, events: Sequence[NewEvent]) -> list[int]:
        """Keep several verified requests, ``(name, headers, query, body)``, in that order and
        durably, in one step (a group commit of the requests that arrived together); return
        their ids. Any process may."""

    async def pending_events(
        self, integration_id: str, *, limit: int = 100
    ) -> list[InboxEvent]:
        """The oldest events not handled yet, oldest first."""

    async def settle_event(
        self, integration_id: str, event_id: int, status: EventStatus, *,
        error: str | None = None,
    ) -> None:
        """Record an attempt's outcome: ``handled``; ``failed`` (no attempt left); or
        ``pending`` with ``error``, a failed attempt to be tried again. From the runner only."""

    async def apply_live_events(
        self, integration_id: str, changes: Sequence[LiveWrite], handled: Sequence[int],
    ) -> list[LiveOutcome]:
        """The live changes of several events, each ``(kind, upserts, deletes)`` applied as
        ``apply_live`` does and in order, and the events ``handled`` recorded handled, all in
        one atomic step (a batch of the worker: one transaction, not two per event). From the
        runner only."""

    async def inbox_stats(self, integration_id: str, *, failures: int = 10) -> InboxStats:
        """Counts, last times and the newest ``failures`` failed attempts."""

    async def prune_inbox(self, integration_id: str, *, keep: int) -> int:
        """Delete handled and failed events but the newest ``keep`` of each; return how many
        went. Counts (``InboxStats``) are kept."""


class RunnerCoordination(Protocol):
    """How the runners of an integration take turns: one runner at a time holds its lock."""

    def runner_lock(self, integration_id: str) -> AbstractAsyncContextManager[None]:
        """Held by the one runner of an integration; raises ``RunnerLockedError`` if taken."""

    async def still_holds(self, integration_id: str) -> bool:
        """Whether this catalog's runner lock of the integration is still held (a lock on a
        database server can be lost with its connection; a local lock cannot)."""

    async def publish_trigger(self, notice: dict[str, Any]) -> None:
        """Tell the runners of other processes of a trigger (no-op for a one-process catalog)."""

    async def listen_triggers(self, on_notice: Callable[[dict[str, Any]], None]) -> None:
        """Call ``on_notice`` with every trigger published, until cancelled (a one-process
        catalog has none to hear)."""

    async def interrupt_running(self, integration_id: str) -> list[ResyncResult]:
        """Record every run still marked running as interrupted; return them."""


class CatalogReads(Protocol):
    """What the API, the CLI and the dashboard read."""

    async def generation(self, integration_id: str) -> int:
        """The integration's current generation (0 before its first resync)."""

    async def runs(
        self, integration_id: str | None = None, limit: int = 50, *, before: RunCursor | None = None
    ) -> list[ResyncResult]:
        """Run records by ``(started_at, id)`` descending; only those below ``before``, if given."""

    async def get_run(self, run_id: str) -> ResyncResult | None:
        """One run record by id, or None."""

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        """How many entities the integration owns (of one kind, if given)."""

    async def list_entities(
        self,
        integration_id: str | None = None,
        *,
        blueprint: str | None = None,
        kind: str | None = None,
        search: str | None = None,
        after: EntityKey | None = None,
        limit: int | None = None,
        offset: int = 0,
        integration_ids: Collection[str] | None = None,
    ) -> list[Entity]:
        """Entities ordered by key (``EntityKey``), only those after ``after`` if given.

        ``search`` keeps entities whose identifier or title contains it, ignoring the case of
        ASCII letters only; every character of it is literal. ``integration_ids`` keeps only
        entities of those integrations (none at all if it is empty; a bare string is refused).
        """

    async def stale_entities(
        self, integration_id: str, generation: int, limit: int = 100
    ) -> list[Entity]:
        """Entities a clean run of ``generation`` would delete (for plans)."""

    async def integration_ids(self) -> list[str]:
        """Every integration the catalog has a generation or run records for."""


class StateStore(Protocol):
    """Small JSON values kept per integration (a schedule's last tick, a stored config change)."""

    async def get_state(self, integration_id: str, key: str) -> Any | None:
        """The JSON value stored under ``key`` for the integration (a fresh copy), or None."""

    async def set_state(self, integration_id: str, key: str, value: Any | None) -> None:
        """Store a copy of a JSON value under ``key``; None deletes the key."""


class KnowledgeBaseStore(Protocol):
    """Knowledge bases: named groups of integrations. The store does not check that an
    attached integration id is configured."""

    async def create_knowledge_base(self, kb_id: str, name: str) -> KnowledgeBaseRecord:
        """Create an empty knowledge base; ``ConflictError`` if ``kb_id`` exists (atomically)."""

    async def get_knowledge_base(self, kb_id: str) -> KnowledgeBaseRecord | None:
        """One knowledge base with its attached integrations, or None."""

    async def knowledge_bases(self) -> list[KnowledgeBaseRecord]:
        """Every knowledge base, by ``(created_at, id)``."""

    async def delete_knowledge_base(self, kb_id: str) -> bool:
        """Delete a knowledge base and detach its integrations, in one atomic step; True if it
        existed. No entities, runs or generations are touched."""

    async def attach(self, kb_id: str, integration_id: str) -> bool:
        """Attach an integration; True if newly attached, False if it already was (its first
        ``attached_at`` is kept). ``NotFoundError`` if the knowledge base does not exist."""

    async def detach(self, kb_id: str, integration_id: str) -> bool:
        """Detach an integration; True if it was attached."""

    async def attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        """``(integration_id, attached_at)`` in attach order (``attached_at``, then id);
        ``NotFoundError`` if the knowledge base does not exist."""


@runtime_checkable
class Catalog(
    ResyncStore, LiveWriter, WebhookInbox, RunnerCoordination, CatalogReads, StateStore,
    KnowledgeBaseStore, Protocol,
):
    """A store of entities, generations and run records: every seam above, plus its lifecycle.

        catalog = SQLiteCatalog("catalog.db")
        await catalog.list_entities(integration_id="shop-1")
        await catalog.close()
    """

    async def close(self) -> None:
        """Close the store; it reopens lazily on next use."""

    def unfenced(self) -> PageWriter:
        """Page writes and delete steps that no runner lock guards: for tools that seed or
        repair a catalog (``ocean_core.testing.seed``), never for a runner. Such a write can
        race a runner of the integration; the name at the call site says so."""


__all__ = [
    "Catalog", "CatalogReads", "KnowledgeBaseStore", "LiveWriter", "PageWriter", "ResyncStore",
    "RunnerCoordination", "StateStore", "WebhookInbox",
]
