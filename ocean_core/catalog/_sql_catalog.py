"""What SQLiteCatalog and PostgresCatalog share: every call but the page write, written once.

A SQL catalog provides how a call reaches its database (``_write``: one write transaction;
``_read``: one read; ``_snapshot``: several reads that see one moment), how it writes a page
(``_write_page``), and how its runner lock fences a write (``_lease``, ``_check_lease``). The
statements themselves live in ``_sql_runs``, ``_sql_entities``, ``_sql_live`` (rule 8's marks
and the writes by key), ``_sql_cursors``, ``_sql_inbox``, ``_sql_state`` and
``_sql_knowledge_bases``, in the one text of ``_sql_dialect``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import ocean_core.catalog._sql_cursors as kind_cursors
import ocean_core.catalog._sql_entities as entities
import ocean_core.catalog._sql_inbox as inbox
import ocean_core.catalog._sql_knowledge_bases as kbs
import ocean_core.catalog._sql_live as live
import ocean_core.catalog._sql_runs as runs
import ocean_core.catalog._sql_state as state
from ocean_core.catalog._clock import Clock, as_utc
from ocean_core.catalog._rows import EntityRow, LiveWrite, NewEvent
from ocean_core.catalog._sql_dialect import Tx
from ocean_core.catalog._types import (
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
from ocean_core.catalog._unfenced import UnfencedWriter
from ocean_core.entity import Entity
from ocean_core.results import ResyncResult

T = TypeVar("T")


@dataclass(frozen=True)
class Lease:
    """What a page write or delete step is made under: the integration, and the fencing token
    of this catalog's runner lock of it. No token: nothing to check in the transaction (a lock
    that cannot be lost while held, or a tool's ``unfenced()`` write)."""

    integration_id: str
    token: int | None = None


class SqlCatalog(ABC):
    """The calls of a SQL catalog that do not depend on its database (see the module)."""

    _clock: Clock

    @abstractmethod
    async def _write(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn`` in one write transaction."""

    @abstractmethod
    async def _read(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn``, one read statement (no transaction of its own needed)."""

    @abstractmethod
    async def _snapshot(self, fn: Callable[[Tx], T]) -> T:
        """Run ``fn``, several reads that must see one moment of the database."""

    async def _durable_write(self, fn: Callable[[Tx], T]) -> T:
        """``_write``, on disk once it returns even if the machine loses power next (a
        webhook event is acknowledged on the strength of it)."""
        return await self._write(fn)

    @abstractmethod
    def _lease(self, integration_id: str) -> Lease:
        """The lease of this catalog's runner of the integration; ``LockNotHeldError`` if it
        holds no runner lock of it."""

    @abstractmethod
    def _check_lease(self, tx: Tx, lease: Lease) -> None:
        """In a write transaction: refuse it (``FencedError``) if the lease is no longer
        current, and keep it current until the transaction ends."""

    @abstractmethod
    async def _write_page(
        self, lease: Lease, kind: str, seq: int, generation: int, rows: Sequence[EntityRow],
        progress: PageProgress | None, live_mark: int | None,
    ) -> PageOutcome:
        """Write one page under ``lease``, in one atomic step, leaving alone the keys a live
        change above ``live_mark`` touched."""

    # -- page writes and the delete step ----------------------------------------------------

    def unfenced(self) -> UnfencedWriter:
        return UnfencedWriter(
            lambda integration_id, kind, seq, generation, rows, progress, mark: (
                self._write_page(
                    Lease(integration_id), kind, seq, generation, rows, progress, mark
                )
            ),
            lambda integration_id, generation, threshold, dry_run, mark: self._delete_stale(
                Lease(integration_id), generation, threshold, dry_run, mark
            ),
        )

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow], *, progress: PageProgress | None = None,
        live_mark: int | None = None,
    ) -> PageOutcome:
        lease = self._lease(integration_id)
        return await self._write_page(lease, kind, seq, generation, rows, progress, live_mark)

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False,
        live_mark: int | None = None,
    ) -> DeleteOutcome:
        lease = self._lease(integration_id)
        return await self._delete_stale(lease, generation, threshold, dry_run, live_mark)

    async def _delete_stale(
        self, lease: Lease, generation: int, threshold: float, dry_run: bool,
        live_mark: int | None,
    ) -> DeleteOutcome:
        def delete(tx: Tx) -> DeleteOutcome:
            self._check_lease(tx, lease)
            return entities.delete_stale(
                tx, lease.integration_id, generation, threshold, dry_run, live_mark
            )

        return await self._write(delete)

    async def _fenced(self, integration_id: str, fn: Callable[[Tx], T]) -> T:
        """``fn`` in one write transaction, from the runner of the integration only."""
        lease = self._lease(integration_id)

        def write(tx: Tx) -> T:
            self._check_lease(tx, lease)
            return fn(tx)

        return await self._write(write)

    # -- rule 8 and the writes by key -------------------------------------------------------

    async def begin_run(self, integration_id: str, generation: int) -> RunStart:
        return await self._write(lambda tx: live.begin_run(tx, integration_id, generation))

    async def apply_live(
        self, integration_id: str, kind: str, upserts: Sequence[EntityRow],
        deletes: Sequence[tuple[str, str]],
    ) -> LiveOutcome:
        return await self._fenced(
            integration_id, lambda tx: live.apply_live(tx, integration_id, kind, upserts, deletes)
        )

    async def write_items(
        self, integration_id: str, kind: str, rows: Sequence[EntityRow], *,
        live_mark: int | None, cursor: CursorCommit | None = None,
    ) -> PageOutcome:
        text = None if cursor is None else kind_cursors.encode_cursor(cursor)
        at = as_utc(self._clock())

        def write(tx: Tx) -> PageOutcome:
            outcome = live.write_items(tx, integration_id, kind, rows, live_mark)
            if cursor is not None and text is not None:
                kind_cursors.commit(tx, integration_id, kind, cursor, text, at)
            return outcome

        return await self._fenced(integration_id, write)

    async def delete_items(
        self, integration_id: str, keys: Sequence[tuple[str, str]], *, generation: int,
        live_mark: int | None,
    ) -> int:
        def delete(tx: Tx) -> int:
            if runs.generation(tx, integration_id, lock=True) != generation:
                return 0
            return live.delete_items(tx, integration_id, keys, live_mark)

        return await self._fenced(integration_id, delete)

    async def commit_cursor(self, integration_id: str, kind: str, cursor: CursorCommit) -> None:
        text, at = kind_cursors.encode_cursor(cursor), as_utc(self._clock())
        await self._fenced(integration_id, lambda tx: kind_cursors.commit(
            tx, integration_id, kind, cursor, text, at
        ))

    async def cursors(self, integration_id: str) -> dict[str, StoredCursor]:
        return await self._read(lambda tx: kind_cursors.every(tx, integration_id))

    # -- the webhook inbox ------------------------------------------------------------------

    async def put_event(
        self, integration_id: str, name: str, *, headers: Sequence[tuple[str, str]],
        query: Sequence[tuple[str, str]], body: bytes, received_at: datetime | None = None,
    ) -> int:
        at = as_utc(received_at or self._clock())
        event = (name, inbox.pairs_json(headers), inbox.pairs_json(query), bytes(body))
        [event_id] = await self._durable_write(
            lambda tx: inbox.put(tx, integration_id, [event], at))
        return event_id

    async def put_events(self, integration_id: str, events: Sequence[NewEvent]) -> list[int]:
        at = as_utc(self._clock())
        rows = [(name, inbox.pairs_json(heads), inbox.pairs_json(asked), bytes(body))
                for name, heads, asked, body in events]
        return await self._durable_write(lambda tx: inbox.put(tx, integration_id, rows, at))

    async def pending_events(self, integration_id: str, *, limit: int = 100) -> list[InboxEvent]:
        return await self._read(lambda tx: inbox.pending(tx, integration_id, limit))

    async def settle_event(
        self, integration_id: str, event_id: int, status: EventStatus, *,
        error: str | None = None,
    ) -> None:
        now = as_utc(self._clock())
        await self._fenced(
            integration_id,
            lambda tx: inbox.settle(tx, integration_id, event_id, status, error, now),
        )

    async def apply_live_events(
        self, integration_id: str, changes: Sequence[LiveWrite], handled: Sequence[int],
    ) -> list[LiveOutcome]:
        now = as_utc(self._clock())

        def write(tx: Tx) -> list[LiveOutcome]:
            done = [live.apply_live(tx, integration_id, *change) for change in changes]
            inbox.handled(tx, integration_id, handled, now)
            return done

        return await self._fenced(integration_id, write)

    async def inbox_stats(self, integration_id: str, *, failures: int = 10) -> InboxStats:
        return await self._snapshot(lambda tx: inbox.stats(tx, integration_id, failures))

    async def prune_inbox(self, integration_id: str, *, keep: int) -> int:
        return await self._write(lambda tx: inbox.prune(tx, integration_id, keep))

    # -- generations and runs ---------------------------------------------------------------

    async def generation(self, integration_id: str) -> int:
        return await self._read(lambda tx: runs.generation(tx, integration_id))

    async def advance_generation(self, integration_id: str, at_least: int | None = None) -> int:
        return await self._write(lambda tx: runs.advance_generation(tx, integration_id, at_least))

    async def save_run(self, run: ResyncResult) -> None:
        await self._write(lambda tx: runs.save_run(tx, run))

    async def runs(
        self, integration_id: str | None = None, limit: int = 50, *, before: RunCursor | None = None
    ) -> list[ResyncResult]:
        return await self._read(lambda tx: runs.runs(tx, integration_id, limit, before))

    async def get_run(self, run_id: str) -> ResyncResult | None:
        return await self._read(lambda tx: runs.get_run(tx, run_id))

    async def interrupt_running(self, integration_id: str) -> list[ResyncResult]:
        return await self._write(lambda tx: runs.interrupt_running(tx, integration_id))

    async def integration_ids(self) -> list[str]:
        return await self._read(runs.integration_ids)

    # -- entities ---------------------------------------------------------------------------

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        return await self._read(lambda tx: entities.count_entities(tx, integration_id, kind))

    async def stale_entities(
        self, integration_id: str, generation: int, limit: int = 100
    ) -> list[Entity]:
        return await self._read(
            lambda tx: entities.stale_entities(tx, integration_id, generation, limit)
        )

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
        return await self._read(lambda tx: entities.list_entities(
            tx, integration_id, blueprint, kind, search, after, limit, offset, integration_ids
        ))

    # -- state ------------------------------------------------------------------------------

    async def get_state(self, integration_id: str, key: str) -> Any | None:
        return await self._read(lambda tx: state.get_state(tx, integration_id, key))

    async def set_state(self, integration_id: str, key: str, value: Any | None) -> None:
        text = None if value is None else state.encode_value(value)
        await self._write(lambda tx: state.set_state(tx, integration_id, key, text))

    # -- knowledge bases --------------------------------------------------------------------

    async def create_knowledge_base(self, kb_id: str, name: str) -> KnowledgeBaseRecord:
        created_at = as_utc(self._clock())
        await self._write(lambda tx: kbs.create(tx, kb_id, name, created_at))
        return KnowledgeBaseRecord(kb_id, name, created_at, ())

    async def get_knowledge_base(self, kb_id: str) -> KnowledgeBaseRecord | None:
        return await self._snapshot(lambda tx: kbs.get(tx, kb_id))

    async def knowledge_bases(self) -> list[KnowledgeBaseRecord]:
        return await self._snapshot(kbs.every)

    async def delete_knowledge_base(self, kb_id: str) -> bool:
        return await self._write(lambda tx: kbs.delete(tx, kb_id))

    async def attach(self, kb_id: str, integration_id: str) -> bool:
        attached_at = as_utc(self._clock())
        return await self._write(lambda tx: kbs.attach(tx, kb_id, integration_id, attached_at))

    async def detach(self, kb_id: str, integration_id: str) -> bool:
        return await self._write(lambda tx: kbs.detach(tx, kb_id, integration_id))

    async def attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        def read(tx: Tx) -> list[tuple[str, datetime]]:
            kbs.require(tx, kb_id)
            return kbs.attachments(tx, kb_id)

        return await self._snapshot(read)
