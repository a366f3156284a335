"""An in-memory catalog for tests and experiments: same contract, nothing on disk."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from ocean_core._types import ResyncStatus
from ocean_core.catalog._clock import Clock, as_utc, utc_now
from ocean_core.catalog._entity_filters import integration_id_list, search_matches
from ocean_core.catalog._guards import threshold_reason
from ocean_core.catalog._locks import LocalRunnerLocks, OneProcessRunners
from ocean_core.catalog._rows import EntityRow, decode, latest_by_key
from ocean_core.catalog._types import (
    DELETED_SAMPLE,
    DeleteOutcome,
    EntityKey,
    KnowledgeBaseRecord,
    PageOutcome,
    PageProgress,
    RunCursor,
)
from ocean_core.catalog._unfenced import UnfencedWriter
from ocean_core.entity import Entity
from ocean_core.errors import ConflictError, NotFoundError
from ocean_core.results import ResyncResult

Key = EntityKey


@dataclass
class _Stored:
    row: EntityRow
    kind: str
    seen: int


class MemoryCatalog(OneProcessRunners):
    """A catalog held in Python dicts. Every method behaves as ``SQLiteCatalog``'s does: this
    is the executable specification the contract tests hold the SQL catalogs to.

        catalog = MemoryCatalog()
        ocean = Ocean(Shop(), catalog=catalog, integration_id="shop-1")
    """

    def __init__(self, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._kbs: dict[str, tuple[str, datetime]] = {}  # id -> (name, created_at)
        self._attached: dict[str, dict[str, datetime]] = {}  # kb id -> integration -> at
        self._entities: dict[Key, _Stored] = {}
        self._generations: dict[str, int] = {}
        self._runs: dict[str, ResyncResult] = {}
        self._state: dict[tuple[str, str], bytes] = {}  # JSON, as SQLite keeps it
        self._locks = LocalRunnerLocks()

    async def close(self) -> None:
        return None

    def unfenced(self) -> UnfencedWriter:
        return UnfencedWriter(
            lambda integration_id, kind, seq, generation, rows, _: self._write_page(
                integration_id, kind, generation, rows
            ),
            self._delete_stale,
        )

    async def generation(self, integration_id: str) -> int:
        return self._generations.get(integration_id, 0)

    async def advance_generation(self, integration_id: str, at_least: int | None = None) -> int:
        current = self._generations.get(integration_id, 0)
        new = current + 1 if at_least is None else max(current, at_least)
        self._generations[integration_id] = new
        return new

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow], *, progress: PageProgress | None = None,
    ) -> PageOutcome:
        self._require_lock(integration_id)
        return await self._write_page(integration_id, kind, generation, rows)

    async def _write_page(
        self, integration_id: str, kind: str, generation: int, rows: Sequence[EntityRow]
    ) -> PageOutcome:
        upserted = 0
        for (blueprint, identifier), row in latest_by_key(rows).items():
            key = (integration_id, blueprint, identifier)
            stored = self._entities.get(key)
            if stored is None or stored.row.hash != row.hash:
                self._entities[key] = _Stored(row, kind, generation)
                upserted += 1
            else:
                stored.seen, stored.kind = generation, kind
        return PageOutcome(upserted=upserted, unchanged=len(rows) - upserted)

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        return sum(
            1 for key, s in self._entities.items()
            if key[0] == integration_id and (kind is None or s.kind == kind)
        )

    def _stale(self, integration_id: str, generation: int) -> list[Key]:
        return sorted(
            key for key, s in self._entities.items()
            if key[0] == integration_id and s.seen != generation
        )

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False
    ) -> DeleteOutcome:
        self._require_lock(integration_id)
        return await self._delete_stale(integration_id, generation, threshold, dry_run)

    async def _delete_stale(
        self, integration_id: str, generation: int, threshold: float, dry_run: bool
    ) -> DeleteOutcome:
        current = self._generations.get(integration_id, 0)
        if current != generation:
            reason = f"superseded: generation {generation} is no longer current (now {current})"
            return DeleteOutcome(0, 0, 0, skipped_reason=reason, superseded=True)
        stale = self._stale(integration_id, generation)
        if not stale:
            return DeleteOutcome(0, 0, 0)
        total = await self.count_entities(integration_id)
        too_many = threshold_reason(len(stale), total, threshold)
        if too_many is not None or dry_run:
            return DeleteOutcome(0, len(stale), total, skipped_reason=too_many)
        sample = tuple((key[1], key[2], self._entities[key].kind)
                       for key in stale[:DELETED_SAMPLE])
        for key in stale:
            del self._entities[key]
        return DeleteOutcome(len(stale), len(stale), total, deleted_sample=sample)

    async def stale_entities(
        self, integration_id: str, generation: int, limit: int = 100
    ) -> list[Entity]:
        keys = self._stale(integration_id, generation)[:limit]
        return [self._decode(key) for key in keys]

    def _decode(self, key: Key) -> Entity:
        stored = self._entities[key]
        return decode(stored.row, key[0], stored.kind)

    async def save_run(self, run: ResyncResult) -> None:
        self._runs[run.id] = run.model_copy(deep=True)

    async def runs(
        self, integration_id: str | None = None, limit: int = 50, *, before: RunCursor | None = None
    ) -> list[ResyncResult]:
        found = sorted(
            (
                r for r in self._runs.values()
                if integration_id in (None, r.integration_id)
                and (before is None or (r.started_at, r.id) < before)
            ),
            key=lambda r: (r.started_at, r.id),
            reverse=True,
        )
        return [r.model_copy(deep=True) for r in found[:limit]]

    async def get_run(self, run_id: str) -> ResyncResult | None:
        run = self._runs.get(run_id)
        return None if run is None else run.model_copy(deep=True)

    async def interrupt_running(self, integration_id: str) -> list[ResyncResult]:
        found = []
        for run in await self.runs(integration_id, limit=len(self._runs) or 1):
            if run.status is ResyncStatus.RUNNING:
                found.append(run.interrupted())
                await self.save_run(found[-1])
        return found

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
        among = None if integration_ids is None else set(integration_id_list(integration_ids))
        keys = sorted(
            key for key, s in self._entities.items()
            if integration_id in (None, key[0]) and blueprint in (None, key[1])
            and (among is None or key[0] in among)
            and kind in (None, s.kind) and (after is None or key > after)
            and (search is None or search_matches(search, key[2], s.row.title))
        )
        end = None if limit is None else offset + limit
        return [self._decode(key) for key in keys[offset:end]]

    async def integration_ids(self) -> list[str]:
        ids = set(self._generations) | {r.integration_id for r in self._runs.values()}
        return sorted(ids)

    async def get_state(self, integration_id: str, key: str) -> Any | None:
        stored = self._state.get((integration_id, key))
        return None if stored is None else orjson.loads(stored)

    async def set_state(self, integration_id: str, key: str, value: Any | None) -> None:
        if value is None:
            self._state.pop((integration_id, key), None)
        else:
            self._state[(integration_id, key)] = orjson.dumps(value)

    # -- knowledge bases --------------------------------------------------------------------

    def _record(self, kb_id: str) -> KnowledgeBaseRecord:
        name, created_at = self._kbs[kb_id]
        ids = tuple(integration for integration, _ in self._attachments(kb_id))
        return KnowledgeBaseRecord(kb_id, name, created_at, ids)

    def _attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        attached = self._attached.get(kb_id, {})
        return sorted(attached.items(), key=lambda item: (item[1], item[0]))

    # The clock is read once per create or attach, whatever the outcome, as SQLiteCatalog does.

    async def create_knowledge_base(self, kb_id: str, name: str) -> KnowledgeBaseRecord:
        created_at = as_utc(self._clock())
        if kb_id in self._kbs:
            raise ConflictError("knowledge base", kb_id)
        self._kbs[kb_id] = (name, created_at)
        self._attached[kb_id] = {}
        return self._record(kb_id)

    async def get_knowledge_base(self, kb_id: str) -> KnowledgeBaseRecord | None:
        return self._record(kb_id) if kb_id in self._kbs else None

    async def knowledge_bases(self) -> list[KnowledgeBaseRecord]:
        order = sorted(self._kbs, key=lambda kb_id: (self._kbs[kb_id][1], kb_id))
        return [self._record(kb_id) for kb_id in order]

    async def delete_knowledge_base(self, kb_id: str) -> bool:
        self._attached.pop(kb_id, None)
        return self._kbs.pop(kb_id, None) is not None

    async def attach(self, kb_id: str, integration_id: str) -> bool:
        attached_at = as_utc(self._clock())
        if kb_id not in self._kbs:
            raise NotFoundError("knowledge base", kb_id)
        attached = self._attached.setdefault(kb_id, {})
        if integration_id in attached:
            return False
        attached[integration_id] = attached_at
        return True

    async def detach(self, kb_id: str, integration_id: str) -> bool:
        return self._attached.get(kb_id, {}).pop(integration_id, None) is not None

    async def attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        if kb_id not in self._kbs:
            raise NotFoundError("knowledge base", kb_id)
        return self._attachments(kb_id)

