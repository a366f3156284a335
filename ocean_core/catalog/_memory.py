"""An in-memory catalog for tests and experiments: same contract, nothing on disk.

Rule 8's bookkeeping in its plainest form: each entity keeps the ``live_seq`` of the last live
change that upserted it (0: none), each integration its count of live changes, and a key a
live change deleted a tombstone with that change's ``live_seq``. A run's writes leave alone
every key touched above the run's mark (``_touched``)."""

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
from ocean_core.catalog._memory_inbox import MemoryInbox
from ocean_core.catalog._memory_kbs import MemoryKnowledgeBases
from ocean_core.catalog._rows import EntityRow, LiveWrite, NewEvent, decode, latest_by_key
from ocean_core.catalog._types import (
    DELETED_SAMPLE,
    CursorCommit,
    DeleteOutcome,
    EntityKey,
    EventStatus,
    InboxEvent,
    InboxStats,
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

Key = EntityKey


@dataclass
class _Stored:
    row: EntityRow
    kind: str
    seen: int
    """The generation of the last run that wrote it in a page; 0: none did (written by key)."""
    live_seq: int = 0


def _seen_by_key(stored: _Stored | None, kind: str) -> int:
    """What a write by key leaves of an entity's seen generation: a new entity was seen by no
    run; one that changes kind leaves the page of its old kind (the SQL catalogs' pages hold
    one kind each)."""
    return 0 if stored is None or stored.kind != kind else stored.seen


class MemoryCatalog(MemoryKnowledgeBases, OneProcessRunners):
    """A catalog held in Python dicts. Every method behaves as ``SQLiteCatalog``'s does: this
    is the executable specification the contract tests hold the SQL catalogs to.

        catalog = MemoryCatalog()
        ocean = Ocean(Shop(), catalog=catalog, integration_id="shop-1")
    """

    def __init__(self, *, clock: Clock = utc_now) -> None:
        super().__init__()
        self._clock = clock
        self._entities: dict[Key, _Stored] = {}
        self._generations: dict[str, int] = {}
        self._live: dict[str, int] = {}  # integration -> live_seq
        self._tombstones: dict[Key, tuple[str, int]] = {}  # key -> (kind, live_seq)
        self._cursors: dict[tuple[str, str], StoredCursor] = {}
        self._runs: dict[str, ResyncResult] = {}
        self._state: dict[tuple[str, str], bytes] = {}  # JSON, as SQLite keeps it
        self._inbox = MemoryInbox(clock)
        self._locks = LocalRunnerLocks()

    async def close(self) -> None:
        return None

    def unfenced(self) -> UnfencedWriter:
        return UnfencedWriter(
            lambda integration_id, kind, seq, generation, rows, _, mark: self._write_page(
                integration_id, kind, generation, rows, mark
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

    async def begin_run(self, integration_id: str, generation: int) -> RunStart:
        stored = await self.advance_generation(integration_id, generation)
        mark = self._live.get(integration_id, 0)
        for key in [k for k, (_, seq) in self._tombstones.items()
                    if k[0] == integration_id and seq <= mark]:
            del self._tombstones[key]
        return RunStart(stored, mark)

    def _touched(self, integration_id: str, mark: int | None) -> set[tuple[str, str]]:
        """The keys a live change above ``mark`` upserted or deleted (none without a mark, or
        when no live change came since)."""
        if mark is None or self._live.get(integration_id, 0) <= mark:
            return set()
        keys = {(k[1], k[2]) for k, s in self._entities.items()
                if k[0] == integration_id and s.live_seq > mark}
        return keys | {(k[1], k[2]) for k, (_, seq) in self._tombstones.items()
                       if k[0] == integration_id and seq > mark}

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow], *, progress: PageProgress | None = None,
        live_mark: int | None = None,
    ) -> PageOutcome:
        self._require_lock(integration_id)
        return await self._write_page(integration_id, kind, generation, rows, live_mark)

    async def _write_page(
        self, integration_id: str, kind: str, generation: int, rows: Sequence[EntityRow],
        live_mark: int | None,
    ) -> PageOutcome:
        upserted = kept = 0
        touched = self._touched(integration_id, live_mark)
        for (blueprint, identifier), row in latest_by_key(rows).items():
            if (blueprint, identifier) in touched:
                kept += 1
                continue
            key = (integration_id, blueprint, identifier)
            stored = self._entities.get(key)
            if stored is None or stored.row.hash != row.hash:
                self._entities[key] = _Stored(row, kind, generation)
                upserted += 1
            else:
                stored.seen, stored.kind = generation, kind
        return PageOutcome(upserted, len(rows) - upserted - kept, kept)

    async def write_items(
        self, integration_id: str, kind: str, rows: Sequence[EntityRow], *,
        live_mark: int | None, cursor: CursorCommit | None = None,
    ) -> PageOutcome:
        self._require_lock(integration_id)
        upserted = kept = 0
        touched = self._touched(integration_id, live_mark)
        for (blueprint, identifier), row in latest_by_key(rows).items():
            key = (integration_id, blueprint, identifier)
            stored = self._entities.get(key)
            if (blueprint, identifier) in touched:
                kept += 1
            elif stored is None or stored.row.hash != row.hash:
                self._entities[key] = _Stored(row, kind, _seen_by_key(stored, kind))
                upserted += 1
        if cursor is not None:
            self._commit_cursor(integration_id, kind, cursor)
        return PageOutcome(upserted, len(rows) - upserted - kept, kept)

    async def delete_items(
        self, integration_id: str, keys: Sequence[tuple[str, str]], *, generation: int,
        live_mark: int | None,
    ) -> int:
        self._require_lock(integration_id)
        if self._generations.get(integration_id, 0) != generation:
            return 0
        deleted = 0
        for blueprint, identifier in dict.fromkeys(keys):
            key = (integration_id, blueprint, identifier)
            stored = self._entities.get(key)
            if stored is not None and (live_mark is None or stored.live_seq <= live_mark):
                del self._entities[key]
                deleted += 1
        return deleted

    async def apply_live(
        self, integration_id: str, kind: str, upserts: Sequence[EntityRow],
        deletes: Sequence[tuple[str, str]],
    ) -> LiveOutcome:
        self._require_lock(integration_id)
        seq = self._live[integration_id] = self._live.get(integration_id, 0) + 1
        upserted = unchanged = deleted = 0
        for (blueprint, identifier), row in latest_by_key(upserts).items():
            key = (integration_id, blueprint, identifier)
            self._tombstones.pop(key, None)
            stored = self._entities.get(key)
            if stored is not None and stored.row.hash == row.hash:
                stored.live_seq = seq
                unchanged += 1
            else:
                self._entities[key] = _Stored(row, kind, _seen_by_key(stored, kind), seq)
                upserted += 1
        for blueprint, identifier in dict.fromkeys(deletes):
            key = (integration_id, blueprint, identifier)
            deleted += self._entities.pop(key, None) is not None
            self._tombstones[key] = (kind, seq)
        return LiveOutcome(seq, upserted, unchanged, deleted)

    async def commit_cursor(self, integration_id: str, kind: str, cursor: CursorCommit) -> None:
        self._require_lock(integration_id)
        self._commit_cursor(integration_id, kind, cursor)

    def _commit_cursor(self, integration_id: str, kind: str, cursor: CursorCommit) -> None:
        value = orjson.loads(orjson.dumps(cursor.value))  # a copy, as JSON keeps it
        at = as_utc(self._clock())
        self._cursors[(integration_id, kind)] = StoredCursor(value, cursor.fingerprint, at)

    async def cursors(self, integration_id: str) -> dict[str, StoredCursor]:
        return {
            kind: StoredCursor(orjson.loads(orjson.dumps(c.value)), c.fingerprint,
                               c.committed_at)
            for (owner, kind), c in sorted(self._cursors.items()) if owner == integration_id
        }

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
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False,
        live_mark: int | None = None,
    ) -> DeleteOutcome:
        self._require_lock(integration_id)
        return await self._delete_stale(integration_id, generation, threshold, dry_run,
                                        live_mark)

    async def _delete_stale(
        self, integration_id: str, generation: int, threshold: float, dry_run: bool,
        live_mark: int | None = None,
    ) -> DeleteOutcome:
        current = self._generations.get(integration_id, 0)
        if current != generation:
            reason = f"superseded: generation {generation} is no longer current (now {current})"
            return DeleteOutcome(0, 0, 0, skipped_reason=reason, superseded=True)
        found = self._stale(integration_id, generation)
        stale = [k for k in found if live_mark is None or self._entities[k].live_seq <= live_mark]
        kept = len(found) - len(stale)
        if not stale:
            return DeleteOutcome(0, 0, 0, kept=kept)
        total = await self.count_entities(integration_id)
        too_many = threshold_reason(len(stale), total, threshold)
        if too_many is not None or dry_run:
            return DeleteOutcome(0, len(stale), total, skipped_reason=too_many, kept=kept)
        sample = tuple((key[1], key[2], self._entities[key].kind)
                       for key in stale[:DELETED_SAMPLE])
        for key in stale:
            del self._entities[key]
        return DeleteOutcome(len(stale), len(stale), total, kept=kept, deleted_sample=sample)

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

    # -- the webhook inbox ------------------------------------------------------------------

    async def put_event(
        self, integration_id: str, name: str, *, headers: Sequence[tuple[str, str]],
        query: Sequence[tuple[str, str]], body: bytes, received_at: datetime | None = None,
    ) -> int:
        return self._inbox.put(integration_id, name, headers, query, body, received_at)

    async def put_events(self, integration_id: str, events: Sequence[NewEvent]) -> list[int]:
        return [self._inbox.put(integration_id, name, headers, query, body, None)
                for name, headers, query, body in events]

    async def pending_events(self, integration_id: str, *, limit: int = 100) -> list[InboxEvent]:
        return self._inbox.pending(integration_id, limit)

    async def settle_event(
        self, integration_id: str, event_id: int, status: EventStatus, *,
        error: str | None = None,
    ) -> None:
        self._require_lock(integration_id)
        self._inbox.settle(integration_id, event_id, status, error)

    async def apply_live_events(
        self, integration_id: str, changes: Sequence[LiveWrite], handled: Sequence[int],
    ) -> list[LiveOutcome]:
        self._require_lock(integration_id)  # no await below: one atomic step
        done = [await self.apply_live(integration_id, *change) for change in changes]
        for event_id in handled:
            self._inbox.settle(integration_id, event_id, EventStatus.HANDLED, None)
        return done

    async def inbox_stats(self, integration_id: str, *, failures: int = 10) -> InboxStats:
        return self._inbox.stats(integration_id, failures)

    async def prune_inbox(self, integration_id: str, *, keep: int) -> int:
        return self._inbox.prune(integration_id, keep)
