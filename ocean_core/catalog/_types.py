"""The catalog package's vocabulary: keys, cursors, outcomes, capabilities and records that
cross its seams (``_protocol``), shared by every catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeAlias

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
    deleted_sample: tuple[tuple[str, str, str | None], ...] = ()
    """``(blueprint, identifier, kind)`` of the first deleted entities in key order,
    ``DELETED_SAMPLE`` at most, read in the delete's own transaction (a run names them)."""


DELETED_SAMPLE = 20
"""How many deleted entities a delete step names (``DeleteOutcome.deleted_sample``)."""


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
    "CatalogCapabilities", "DeleteOutcome", "EntityKey", "KnowledgeBaseRecord", "PageOutcome",
    "PageProgress", "RunCursor",
]
