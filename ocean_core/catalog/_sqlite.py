"""The embedded SQLite catalog: one file (or ``:memory:``), safe across processes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import anyio
import orjson

from ocean_core.catalog import _sqlite_pages as pages
from ocean_core.catalog import _sqlite_schema as sql
from ocean_core.catalog._keyset import key_after
from ocean_core.catalog._knowledge import (
    Clock,
    KnowledgeBaseRecord,
    as_utc,
    integration_id_list,
    utc_now,
)
from ocean_core.catalog._locks import (
    FileRunnerLocks,
    LocalRunnerLocks,
    OneProcessRunners,
    RunnerLocks,
)
from ocean_core.catalog._protocol import DeleteOutcome, EntityKey, PageOutcome, RunCursor
from ocean_core.catalog._rows import EntityRow, decode
from ocean_core.entity import Entity
from ocean_core.errors import (
    CatalogError,
    ConflictError,
    NotFoundError,
    TransientCatalogError,
)
from ocean_core.results import ResyncResult

T = TypeVar("T")



class SQLiteCatalog(OneProcessRunners):
    """The default catalog: SQLite from the standard library, in WAL mode.

        catalog = SQLiteCatalog("catalog.db")     # or ":memory:"
        await catalog.list_entities(integration_id="shop-1")
        await catalog.close()

    Opens lazily on first use. Calls run one at a time in a worker thread, so the event loop
    never waits on the disk; each write is one transaction.
    """

    def __init__(self, path: str | Path = "ocean.db", *, clock: Clock = utc_now) -> None:
        self.path = str(path)
        self._clock = clock
        self._memory = self.path == ":memory:"
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._locks: RunnerLocks = (
            LocalRunnerLocks() if self._memory else FileRunnerLocks(Path(self.path))
        )

    def __repr__(self) -> str:
        return f"SQLiteCatalog({self.path!r})"

    # -- plumbing ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] < sql.SCHEMA_VERSION:
            conn.executescript(sql.SCHEMA)  # idempotent: safe when two processes race here
            conn.execute(f"PRAGMA user_version = {sql.SCHEMA_VERSION}")
        return conn

    def _locked(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._connect()
                return fn(self._conn)
            except sqlite3.OperationalError as exc:
                self._rollback()
                if "locked" in str(exc) or "busy" in str(exc):
                    raise TransientCatalogError(f"{self!r}: {exc}") from exc
                raise CatalogError(f"{self!r}: {exc}") from exc
            except sqlite3.Error as exc:
                self._rollback()
                raise CatalogError(f"{self!r}: {exc}") from exc
            except BaseException:
                # Not a driver error (e.g. OverflowError binding a value): still never leave a
                # transaction open, holding the write lock and failing the next BEGIN.
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction:
            self._conn.rollback()

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        # Not abandoned on cancellation: a transaction in flight finishes (or rolls back) whole.
        return await anyio.to_thread.run_sync(self._locked, fn)

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def transaction(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            result = fn(conn)
            conn.execute("COMMIT")
            return result

        return await self._run(transaction)

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Several SELECTs that must see one snapshot (a deferred, read-only transaction)."""

        def transaction(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN")
            result = fn(conn)
            conn.execute("COMMIT")
            return result

        return await self._run(transaction)

    async def close(self) -> None:
        def close(_: sqlite3.Connection) -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        if self._conn is not None:
            await anyio.to_thread.run_sync(self._locked, close)

    @asynccontextmanager
    async def runner_lock(self, integration_id: str) -> AsyncIterator[None]:
        async with self._locks.hold(integration_id):
            yield

    # -- generations ------------------------------------------------------------------------

    async def generation(self, integration_id: str) -> int:
        row = await self._run(
            lambda c: c.execute(
                "SELECT generation FROM integrations WHERE id = ?", (integration_id,)
            ).fetchone()
        )
        return int(row[0]) if row else 0

    async def advance_generation(self, integration_id: str, at_least: int | None = None) -> int:
        update = "generation + 1" if at_least is None else "max(generation, excluded.generation)"

        def advance(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "INSERT INTO integrations (id, generation) VALUES (?, ?)"
                f" ON CONFLICT (id) DO UPDATE SET generation = {update} RETURNING generation",
                (integration_id, 1 if at_least is None else at_least),
            ).fetchone()
            return int(row[0])

        return await self._write(advance)

    # -- writes -----------------------------------------------------------------------------

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow],
    ) -> PageOutcome:
        return await self._write(
            lambda c: pages.write_page(c, integration_id, kind, seq, generation, rows)
        )

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False
    ) -> DeleteOutcome:
        return await self._write(
            lambda c: pages.delete_stale(c, integration_id, generation, threshold, dry_run)
        )

    async def stale_entities(
        self, integration_id: str, generation: int, limit: int = 100
    ) -> list[Entity]:
        rows = await self._run(
            lambda c: c.execute(
                f"SELECT {sql.ENTITY_COLUMNS}, kind FROM entities WHERE {sql.STALE_WHERE}"
                " ORDER BY blueprint, identifier LIMIT ?",
                (integration_id, generation, integration_id, limit),
            ).fetchall()
        )
        return [decode(r, integration_id, r[7]) for r in rows]

    # -- runs -------------------------------------------------------------------------------

    async def save_run(self, run: ResyncResult) -> None:
        record = run.model_dump_json()
        await self._write(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO runs (id, integration_id, started_at, status, record)"
                " VALUES (?, ?, ?, ?, ?)",
                (run.id, run.integration_id, _iso(run.started_at), run.status.value, record),
            )
        )

    async def runs(
        self, integration_id: str | None = None, limit: int = 50, *, before: RunCursor | None = None
    ) -> list[ResyncResult]:
        # started_at is isoformat() text of UTC times: text order is time order.
        where: list[str] = []
        args: list[str] = []
        if integration_id is not None:
            where.append("integration_id = ?")
            args.append(integration_id)
        if before is not None:
            where.append("(started_at, id) < (?, ?)")
            args += [_iso(before[0]), before[1]]
        query = (
            f"SELECT record FROM runs WHERE {' AND '.join(where) or '1'}"
            " ORDER BY started_at DESC, id DESC LIMIT ?"
        )
        rows = await self._run(lambda c: c.execute(query, (*args, limit)).fetchall())
        return [ResyncResult.model_validate_json(r[0]) for r in rows]

    async def get_run(self, run_id: str) -> ResyncResult | None:
        row = await self._run(
            lambda c: c.execute("SELECT record FROM runs WHERE id = ?", (run_id,)).fetchone()
        )
        return None if row is None else ResyncResult.model_validate_json(row[0])

    async def interrupt_running(self, integration_id: str) -> list[ResyncResult]:
        rows = await self._run(
            lambda c: c.execute(
                "SELECT record FROM runs WHERE integration_id = ? AND status = 'running'",
                (integration_id,),
            ).fetchall()
        )
        found = [ResyncResult.model_validate_json(r[0]).interrupted() for r in rows]
        for run in found:
            await self.save_run(run)
        return found

    # -- reads ------------------------------------------------------------------------------

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        query, args = "SELECT count(*) FROM entities WHERE integration_id = ?", [integration_id]
        if kind is not None:
            query, args = query + " AND kind = ?", [*args, kind]
        row = await self._run(lambda c: c.execute(query, args).fetchone())
        return int(row[0])

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
        filters = {"integration_id": integration_id, "blueprint": blueprint, "kind": kind}
        used = {k: v for k, v in filters.items() if v is not None}
        where, args = [f"{k} = ?" for k in used], list(used.values())
        if integration_ids is not None:
            # One bound parameter per id: a knowledge base has few integrations, and SQLite
            # since 3.32 allows 32766 variables per statement (older builds: 999).
            among = sorted(set(integration_id_list(integration_ids)))
            if not among:
                return []
            where.append(f"integration_id IN ({', '.join('?' * len(among))})")
            args += among
        if search is not None:
            pattern = f"%{search.translate(sql.LIKE_ESCAPES)}%"
            where.append(sql.SEARCH_WHERE)
            args += [pattern, pattern]
        if after is not None:
            condition, values = key_after(after, integration_id, blueprint, "?")
            where.append(condition)
            args += values
        query = (
            f"SELECT {sql.ENTITY_COLUMNS}, integration_id, kind FROM entities"
            f" WHERE {' AND '.join(where) or '1'}"
            " ORDER BY integration_id, blueprint, identifier LIMIT ? OFFSET ?"
        )
        params = (*args, -1 if limit is None else limit, offset)
        rows = await self._run(lambda c: c.execute(query, params).fetchall())
        return [decode(r, r[7], r[8]) for r in rows]

    async def integration_ids(self) -> list[str]:
        rows = await self._run(
            lambda c: c.execute(
                "SELECT id FROM integrations UNION SELECT integration_id FROM runs ORDER BY 1"
            ).fetchall()
        )
        return [r[0] for r in rows]

    # -- state ------------------------------------------------------------------------------

    async def get_state(self, integration_id: str, key: str) -> Any | None:
        row = await self._run(
            lambda c: c.execute(
                "SELECT value FROM state WHERE integration_id = ? AND key = ?",
                (integration_id, key),
            ).fetchone()
        )
        return None if row is None else orjson.loads(row[0])

    async def set_state(self, integration_id: str, key: str, value: Any | None) -> None:
        if value is None:
            statement = "DELETE FROM state WHERE integration_id = ? AND key = ?"
            args: tuple[str, ...] = (integration_id, key)
        else:
            statement = (
                "INSERT INTO state (integration_id, key, value) VALUES (?, ?, ?)"
                " ON CONFLICT (integration_id, key) DO UPDATE SET value = excluded.value"
            )
            args = (integration_id, key, orjson.dumps(value).decode())
        await self._write(lambda c: c.execute(statement, args))

    # -- knowledge bases --------------------------------------------------------------------

    async def create_knowledge_base(self, kb_id: str, name: str) -> KnowledgeBaseRecord:
        created_at = as_utc(self._clock())

        def create(conn: sqlite3.Connection) -> None:
            # The primary key decides, in the INSERT itself: no check-then-insert race.
            inserted = conn.execute(
                "INSERT INTO knowledge_bases (id, name, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (kb_id, name, _kb_time(created_at)),
            ).rowcount
            if inserted != 1:
                raise ConflictError("knowledge base", kb_id)

        await self._write(create)
        return KnowledgeBaseRecord(kb_id, name, created_at, ())

    async def get_knowledge_base(self, kb_id: str) -> KnowledgeBaseRecord | None:
        def read(conn: sqlite3.Connection) -> KnowledgeBaseRecord | None:
            row = conn.execute(
                "SELECT id, name, created_at FROM knowledge_bases WHERE id = ?", (kb_id,)
            ).fetchone()
            if row is None:
                return None
            ids = tuple(integration for integration, _ in _attachments(conn, kb_id))
            return KnowledgeBaseRecord(row[0], row[1], _parse_time(row[2]), ids)

        return await self._read(read)

    async def knowledge_bases(self) -> list[KnowledgeBaseRecord]:
        def read(conn: sqlite3.Connection) -> list[KnowledgeBaseRecord]:
            attached: dict[str, list[str]] = {}
            for kb_id, integration_id in conn.execute(
                "SELECT kb_id, integration_id FROM kb_integrations"
                " ORDER BY kb_id, attached_at, integration_id"
            ):
                attached.setdefault(kb_id, []).append(integration_id)
            return [
                KnowledgeBaseRecord(kb_id, name, _parse_time(at), tuple(attached.get(kb_id, ())))
                for kb_id, name, at in conn.execute(
                    "SELECT id, name, created_at FROM knowledge_bases ORDER BY created_at, id"
                )
            ]

        return await self._read(read)

    async def delete_knowledge_base(self, kb_id: str) -> bool:
        def delete(conn: sqlite3.Connection) -> bool:
            conn.execute("DELETE FROM kb_integrations WHERE kb_id = ?", (kb_id,))
            return conn.execute("DELETE FROM knowledge_bases WHERE id = ?", (kb_id,)).rowcount > 0

        return await self._write(delete)

    async def attach(self, kb_id: str, integration_id: str) -> bool:
        attached_at = _kb_time(as_utc(self._clock()))

        def attach(conn: sqlite3.Connection) -> bool:
            # One write transaction: the knowledge base cannot go away between check and insert.
            _require_kb(conn, kb_id)
            return conn.execute(
                "INSERT INTO kb_integrations (kb_id, integration_id, attached_at) VALUES (?, ?, ?)"
                " ON CONFLICT (kb_id, integration_id) DO NOTHING",
                (kb_id, integration_id, attached_at),
            ).rowcount == 1

        return await self._write(attach)

    async def detach(self, kb_id: str, integration_id: str) -> bool:
        return await self._write(
            lambda c: c.execute(
                "DELETE FROM kb_integrations WHERE kb_id = ? AND integration_id = ?",
                (kb_id, integration_id),
            ).rowcount > 0
        )

    async def attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        def read(conn: sqlite3.Connection) -> list[tuple[str, datetime]]:
            _require_kb(conn, kb_id)
            return _attachments(conn, kb_id)

        return await self._read(read)


def _require_kb(conn: sqlite3.Connection, kb_id: str) -> None:
    if conn.execute("SELECT 1 FROM knowledge_bases WHERE id = ?", (kb_id,)).fetchone() is None:
        raise NotFoundError("knowledge base", kb_id)


def _attachments(conn: sqlite3.Connection, kb_id: str) -> list[tuple[str, datetime]]:
    rows = conn.execute(
        "SELECT integration_id, attached_at FROM kb_integrations WHERE kb_id = ?"
        " ORDER BY attached_at, integration_id",
        (kb_id,),
    ).fetchall()
    return [(integration_id, _parse_time(at)) for integration_id, at in rows]


def _kb_time(moment: datetime) -> str:
    """A knowledge base time as stored: fixed-width ``isoformat()`` text of a UTC datetime
    (always with microseconds, so text order is time order without relying on the offset)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse_time(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text))


def _iso(moment: datetime) -> str:
    """How ``runs.started_at`` is stored and compared: ``isoformat()`` text."""
    return moment.isoformat()
