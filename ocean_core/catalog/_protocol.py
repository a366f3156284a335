"""The catalog seam: what the engine needs from a store of entities and run records."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeAlias, runtime_checkable

from ocean_core.catalog._knowledge import KnowledgeBaseRecord
from ocean_core.catalog._rows import EntityRow
from ocean_core.entity import Entity
from ocean_core.results import ResyncResult

EntityKey: TypeAlias = tuple[str, str, str]
"""(integration_id, blueprint, identifier): an entity's key, and ``list_entities``' cursor."""

RunCursor: TypeAlias = tuple[datetime, str]
"""(started_at, run id) of the last run on a page: ``runs``' cursor to the next one."""


@dataclass(frozen=True)
class PageOutcome:
    """What writing one page did: ``upserted`` new or changed, ``unchanged`` only marked seen."""

    upserted: int
    unchanged: int


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


@runtime_checkable
class Catalog(Protocol):
    """A store of entities, generations and run records.

    Every entity is owned by one integration instance. A resync writes *pages* (one fetched
    batch of one kind, numbered in order); an entity is *seen* in a generation when the page
    that holds it was written in that generation. ``delete_stale`` removes what was not seen,
    checking in the same atomic step that the generation is still current.
    """

    shared: bool
    """Whether runners in several processes may use this catalog at once (PostgreSQL): they
    then coordinate through it (runner locks, fencing, trigger notices)."""

    async def close(self) -> None:
        """Close the store; it reopens lazily on next use."""

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

    async def generation(self, integration_id: str) -> int:
        """The integration's current generation (0 before its first resync)."""

    async def advance_generation(self, integration_id: str, at_least: int | None = None) -> int:
        """Raise the generation by one, or to ``at_least`` if that is higher; return it."""

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow],
    ) -> PageOutcome:
        """Upsert new or changed rows, mark the rest seen; one atomic step."""

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        """How many entities the integration owns (of one kind, if given)."""

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False
    ) -> DeleteOutcome:
        """Delete entities not seen in ``generation``, atomically with the check that it is
        still current and that the stale share does not exceed ``threshold``."""

    async def stale_entities(
        self, integration_id: str, generation: int, limit: int = 100
    ) -> list[Entity]:
        """Entities a clean run of ``generation`` would delete (for plans)."""

    async def save_run(self, run: ResyncResult) -> None:
        """Insert or update a run record."""

    async def runs(
        self, integration_id: str | None = None, limit: int = 50, *, before: RunCursor | None = None
    ) -> list[ResyncResult]:
        """Run records by ``(started_at, id)`` descending; only those below ``before``, if given."""

    async def get_run(self, run_id: str) -> ResyncResult | None:
        """One run record by id, or None."""

    async def interrupt_running(self, integration_id: str) -> list[ResyncResult]:
        """Record every run still marked running as interrupted; return them."""

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

    async def integration_ids(self) -> list[str]:
        """Every integration the catalog has a generation or entities for."""

    async def get_state(self, integration_id: str, key: str) -> Any | None:
        """The JSON value stored under ``key`` for the integration (a fresh copy), or None."""

    async def set_state(self, integration_id: str, key: str, value: Any | None) -> None:
        """Store a copy of a JSON value under ``key``; None deletes the key."""

    # -- knowledge bases: named groups of integrations ----------------------------------------
    # The catalog does not check that an attached integration id is configured.

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


__all__ = [
    "Catalog", "DeleteOutcome", "EntityKey", "EntityRow", "KnowledgeBaseRecord", "PageOutcome",
    "RunCursor",
]
