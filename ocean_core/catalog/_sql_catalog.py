"""What SQLiteCatalog and PostgresCatalog share: every call but the page write, written once.

A SQL catalog provides how a call reaches its database (``_write``: one write transaction;
``_read``: one read; ``_snapshot``: several reads that see one moment), how it writes a page
(``_write_page``), and how its runner lock fences a write (``_lease``, ``_check_lease``). The
statements themselves live in ``_sql_runs``, ``_sql_entities``, ``_sql_state`` and
``_sql_knowledge_bases``, in the one text of ``_sql_dialect``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import ocean_core.catalog._sql_entities as entities
import ocean_core.catalog._sql_knowledge_bases as kbs
import ocean_core.catalog._sql_runs as runs
import ocean_core.catalog._sql_state as state
from ocean_core.catalog._clock import Clock, as_utc
from ocean_core.catalog._rows import EntityRow
from ocean_core.catalog._sql_dialect import Tx
from ocean_core.catalog._types import (
    DeleteOutcome,
    EntityKey,
    KnowledgeBaseRecord,
    PageOutcome,
    PageProgress,
    RunCursor,
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
        progress: PageProgress | None,
    ) -> PageOutcome:
        """Write one page under ``lease``, in one atomic step."""

    # -- page writes and the delete step ----------------------------------------------------

    def unfenced(self) -> UnfencedWriter:
        return UnfencedWriter(
            lambda integration_id, kind, seq, generation, rows, progress: self._write_page(
                Lease(integration_id), kind, seq, generation, rows, progress
            ),
            lambda integration_id, generation, threshold, dry_run: self._delete_stale(
                Lease(integration_id), generation, threshold, dry_run
            ),
        )

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow], *, progress: PageProgress | None = None,
    ) -> PageOutcome:
        lease = self._lease(integration_id)
        return await self._write_page(lease, kind, seq, generation, rows, progress)

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False
    ) -> DeleteOutcome:
        lease = self._lease(integration_id)
        return await self._delete_stale(lease, generation, threshold, dry_run)

    async def _delete_stale(
        self, lease: Lease, generation: int, threshold: float, dry_run: bool
    ) -> DeleteOutcome:
        def delete(tx: Tx) -> DeleteOutcome:
            self._check_lease(tx, lease)
            return entities.delete_stale(tx, lease.integration_id, generation, threshold, dry_run)

        return await self._write(delete)

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
