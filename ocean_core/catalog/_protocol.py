"""The catalog's seams: one narrow protocol per reader, and ``Catalog``, the union of them.

    PageWriter          write_page, delete_stale              a resync's writes (and tools')
    ResyncStore         + generations, run records, counts    the engine (ocean_core.engine)
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

from ocean_core.catalog._rows import EntityRow
from ocean_core.catalog._types import (
    CatalogCapabilities,
    DeleteOutcome,
    EntityKey,
    KnowledgeBaseRecord,
    PageOutcome,
    PageProgress,
    RunCursor,
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
    ) -> PageOutcome:
        """Upsert new or changed rows, mark the rest seen; one atomic step. ``progress`` is
        signalled by a catalog with ``overlapped_writes`` (others never need to)."""

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False
    ) -> DeleteOutcome:
        """Delete entities not seen in ``generation``, atomically with the check that it is
        still current and that the stale share does not exceed ``threshold``."""


class ResyncStore(PageWriter, Protocol):
    """What the engine needs to run one resync, and nothing more."""

    capabilities: CatalogCapabilities

    async def advance_generation(self, integration_id: str, at_least: int | None = None) -> int:
        """Raise the generation by one, or to ``at_least`` if that is higher; return it."""

    async def save_run(self, run: ResyncResult) -> None:
        """Insert or update a run record."""

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        """How many entities the integration owns (of one kind, if given)."""


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
    ResyncStore, RunnerCoordination, CatalogReads, StateStore, KnowledgeBaseStore, Protocol
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
    "Catalog", "CatalogReads", "KnowledgeBaseStore", "PageWriter", "ResyncStore",
    "RunnerCoordination", "StateStore",
]
