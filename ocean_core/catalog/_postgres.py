"""The PostgreSQL catalog: for several runner processes, or more data than one machine's disk.

Synchronous psycopg 3 in worker threads, as ``SQLiteCatalog`` uses ``sqlite3``: psycopg's async
API is asyncio-only, and the engine runs on trio too. A worker thread is never abandoned, so a
call is never cut off half-way by a cancellation: each call is one transaction that commits or
rolls back whole.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

import anyio
import orjson
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from ocean_core.catalog import _postgres_pages as pages
from ocean_core.catalog._keyset import key_after
from ocean_core.catalog._knowledge import (
    Clock,
    KnowledgeBaseRecord,
    as_utc,
    integration_id_list,
    utc_now,
)
from ocean_core.catalog._postgres_locks import PostgresRunnerLocks
from ocean_core.catalog._postgres_schema import DEFAULT_SCHEMA, check_schema_name, migrate
from ocean_core.catalog._postgres_wire import Miss, WireWriter
from ocean_core.catalog._protocol import DeleteOutcome, EntityKey, PageOutcome, RunCursor
from ocean_core.catalog._rows import EntityRow, decode, page_digest
from ocean_core.entity import Entity
from ocean_core.errors import (
    CatalogError,
    ConflictError,
    NotFoundError,
    TransientCatalogError,
)
from ocean_core.results import ResyncResult

T = TypeVar("T")
Conn = psycopg.Connection[tuple[Any, ...]]

_ENTITY_COLUMNS = "blueprint, identifier, title, team, icon, properties, relations"
_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
_ASCII_LOWER = str.maketrans(_UPPER, _LOWER)
_LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
# SQLite's LIKE: ASCII letters fold, nothing else does (PostgreSQL's lower() is Unicode-aware).
_SEARCH_WHERE = (
    f"(translate(identifier, '{_UPPER}', '{_LOWER}') LIKE %s ESCAPE '\\'"
    f" OR translate(title, '{_UPPER}', '{_LOWER}') LIKE %s ESCAPE '\\')"
)


class PostgresCatalog:
    """A catalog in PostgreSQL, all of it in one schema (created on first use).

        catalog = PostgresCatalog("postgresql://ocean@db.internal/ocean", schema="ocean")
        await catalog.list_entities(integration_id="shop-1")
        await catalog.close()

    Opens lazily on first use: applies missing schema migrations (safe when several processes
    start at once), then serves calls from a small connection pool. Runner locks are advisory
    locks, released by PostgreSQL when the holding process dies.
    """

    shared = True
    overlapped_writes = True
    """A new page is written on the event loop (``_postgres_wire``): the engine prepares the
    next page while the database works on this one."""

    def __init__(
        self,
        url: str,
        *,
        schema: str = DEFAULT_SCHEMA,
        clock: Clock = utc_now,
        min_size: int = 1,
        max_size: int = 4,
        timeout: float = 10.0,
    ) -> None:
        self.schema = check_schema_name(schema)
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error as exc:
            raise ValueError(f"invalid PostgreSQL connection string: {exc}") from exc
        self.url = url
        self._where = "{}@{}:{}/{}".format(
            params.get("user", ""), params.get("host", ""), params.get("port", ""),
            params.get("dbname", ""),
        )
        self._clock = clock
        self._sizes = (min_size, max_size)
        self._timeout = timeout
        self._pool: ConnectionPool[Conn] | None = None
        self._open_lock = threading.Lock()
        self._locks = PostgresRunnerLocks(url, self.schema)
        self._wire = WireWriter(url, self.schema, self._where)
        self._known_pages: dict[tuple[str, str], tuple[int, dict[int, bytes]]] = {}

    def __repr__(self) -> str:  # never the password
        return f"PostgresCatalog({self._where!r}, schema={self.schema!r})"

    # -- plumbing ---------------------------------------------------------------------------

    def _configure(self, conn: Conn) -> None:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(pages.CREATE_STAGE)

    def _open(self) -> ConnectionPool[Conn]:
        with self._open_lock:
            if self._pool is None:
                # A plain connection first: an unreachable server fails at once, not after
                # the pool's timeout; and the schema is current before any call runs.
                with psycopg.connect(self.url, autocommit=True) as conn:
                    migrate(conn, self.schema)
                min_size, max_size = self._sizes
                pool: ConnectionPool[Conn] = ConnectionPool(
                    self.url, min_size=min_size, max_size=max_size, timeout=self._timeout,
                    kwargs={"autocommit": True}, configure=self._configure, open=False,
                    check=ConnectionPool.check_connection,  # survives a server restart
                    num_workers=1, name=f"ocean_core:{self.schema}",
                )
                pool.open()
                self._pool = pool
            return self._pool

    def _transaction(self, fn: Callable[[Conn], T]) -> T:
        """Run ``fn`` in one transaction; driver errors become catalog errors here, and only
        here (serialization failures, deadlocks, lock timeouts, lost connections: transient)."""
        try:
            with self._open().connection() as conn, conn.transaction():
                return fn(conn)
        except psycopg.OperationalError as exc:  # also PoolTimeout, SerializationFailure...
            raise TransientCatalogError(f"{self!r}: {exc}") from exc
        except psycopg.Error as exc:
            raise CatalogError(f"{self!r}: {exc}") from exc

    async def _run(self, fn: Callable[[Conn], T]) -> T:
        # Not abandoned on cancellation: a transaction in flight finishes (or rolls back) whole.
        return await anyio.to_thread.run_sync(self._transaction, fn)

    async def close(self) -> None:
        def close() -> None:
            with self._open_lock:
                if self._pool is not None:
                    self._pool.close()
                    self._pool = None

        await self._wire.close()
        if self._pool is not None:
            await anyio.to_thread.run_sync(close)

    @asynccontextmanager
    async def runner_lock(self, integration_id: str) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(self._open)  # the schema (and its leases) first
        async with self._locks.hold(integration_id):
            yield

    # -- generations ------------------------------------------------------------------------

    async def generation(self, integration_id: str) -> int:
        row = await self._run(
            lambda c: c.execute(
                "SELECT generation FROM integrations WHERE id = %s", (integration_id,)
            ).fetchone()
        )
        return int(row[0]) if row else 0

    async def advance_generation(self, integration_id: str, at_least: int | None = None) -> int:
        update = (
            "integrations.generation + 1" if at_least is None
            else "GREATEST(integrations.generation, excluded.generation)"
        )

        def advance(conn: Conn) -> int:
            row = conn.execute(
                "INSERT INTO integrations (id, generation) VALUES (%s, %s)"
                f" ON CONFLICT (id) DO UPDATE SET generation = {update} RETURNING generation",
                (integration_id, 1 if at_least is None else at_least),
            ).fetchone()
            assert row is not None
            return int(row[0])

        return await self._run(advance)

    # -- writes -----------------------------------------------------------------------------

    def _fence(self, conn: Conn, integration_id: str) -> None:
        """In a holder's write: refuse it unless the integration's fencing token is still this
        runner's. ``FOR SHARE`` makes a takeover (which raises the token) wait for this
        transaction: the write lands before the takeover, or is refused after it."""
        token = self._locks.tokens.get(integration_id)
        if token is None:
            return  # not written by a runner of this catalog (tests, tools)
        pages.check_token(
            integration_id, token, conn.execute(pages.FENCE, (integration_id,)).fetchone()
        )

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow],
    ) -> PageOutcome:
        token = self._locks.tokens.get(integration_id)
        digest = page_digest(rows)
        known = await self._page_digests(integration_id, kind, generation)
        page = (integration_id, kind, seq, generation, rows, digest, token)
        # One round trip on the event loop when the page is new or unchanged; else a thread.
        if seq not in known:
            done = await self._wire.write_new_page(*page)
        elif known[seq] == digest:
            done = await self._wire.mark_seen(*page)
        else:
            done = Miss.CHANGED
        if isinstance(done, PageOutcome):
            known[seq] = digest
            return done
        direct = done is not Miss.KEY_EXISTS  # a held key: straight to the stage

        def write(conn: Conn, direct: bool = True) -> PageOutcome:
            return pages.write_page(
                conn, integration_id, kind, seq, generation, rows, direct=direct,
                token=token,  # checked in the same step
            )

        try:
            outcome = await self._run(lambda conn: write(conn, direct))
        except pages.StagingNeeded:  # the new page's keys exist: stage and upsert instead
            outcome = await self._run(lambda conn: write(conn, direct=False))
        known[seq] = digest
        return outcome

    async def _page_digests(
        self, integration_id: str, kind: str, generation: int
    ) -> dict[int, bytes]:
        """The kind's pages (number -> digest), read once per generation and kept up to date
        by this catalog's writes: only the runner holding an integration writes its pages.
        They choose the path of a page write; a wrong guess (another writer, or a delete step
        meanwhile) costs a retry on the general path, never a wrong write."""
        known = self._known_pages.get((integration_id, kind))
        if known is None or known[0] != generation:
            digests = await self._run(
                lambda c: {
                    int(seq): bytes(digest or b"") for seq, digest in c.execute(
                        "SELECT seq, digest FROM pages WHERE integration_id = %s AND kind = %s",
                        (integration_id, kind),
                    )
                }
            )
            known = self._known_pages[(integration_id, kind)] = (generation, digests)
        return known[1]

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False
    ) -> DeleteOutcome:
        def delete(conn: Conn) -> DeleteOutcome:
            self._fence(conn, integration_id)
            return pages.delete_stale(conn, integration_id, generation, threshold, dry_run)

        return await self._run(delete)

    # -- runners ----------------------------------------------------------------------------

    async def still_holds(self, integration_id: str) -> bool:
        """Whether this catalog still holds the integration's runner lock and fencing token:
        false once the lock connection died or another runner took over."""
        conn = self._locks.held.get(integration_id)
        token = self._locks.tokens.get(integration_id)
        if conn is None or token is None:
            return False

        def check() -> bool:
            try:
                row = conn.execute(
                    sql.SQL("SELECT token FROM {}.leases WHERE integration_id = %s").format(
                        sql.Identifier(self.schema)
                    ),
                    (integration_id,),
                ).fetchone()
            except psycopg.Error:
                return False  # the lock connection is gone, and the lock with it
            return row is not None and int(row[0]) == token

        return await anyio.to_thread.run_sync(check)

    async def publish_trigger(self, notice: dict[str, Any]) -> None:
        """Tell every process listening on this catalog (``trigger_notices``) of a trigger."""
        payload = orjson.dumps(notice).decode()
        await self._run(lambda c: c.execute("SELECT pg_notify(%s, %s)", (self._channel, payload)))

    async def listen_triggers(self, on_notice: Callable[[dict[str, Any]], None]) -> None:
        """Call ``on_notice`` (in the event loop) with every trigger any process publishes,
        until cancelled: LISTEN on a dedicated connection, read in a worker thread; a lost
        connection is opened again."""
        stop = threading.Event()

        def listen() -> None:
            while not stop.is_set():
                try:
                    with psycopg.connect(self.url, autocommit=True) as conn:
                        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
                        while not stop.is_set():
                            for note in conn.notifies(timeout=0.25):
                                anyio.from_thread.run_sync(on_notice, orjson.loads(note.payload))
                except psycopg.Error:
                    stop.wait(1.0)  # the server went away: listen again in a moment
                except RuntimeError:
                    return  # the event loop is gone

        try:
            await anyio.to_thread.run_sync(listen, abandon_on_cancel=True)
        finally:
            stop.set()

    @property
    def _channel(self) -> str:
        return f"ocean_triggers_{self.schema}"

    async def stale_entities(
        self, integration_id: str, generation: int, limit: int = 100
    ) -> list[Entity]:
        rows = await self._run(
            lambda c: c.execute(
                f"SELECT {_ENTITY_COLUMNS}, kind FROM entities e WHERE {pages.STALE_WHERE}"
                " ORDER BY blueprint, identifier LIMIT %(limit)s",
                {"integration": integration_id, "generation": generation, "limit": limit},
            ).fetchall()
        )
        return [decode(r, integration_id, r[7]) for r in rows]

    # -- runs -------------------------------------------------------------------------------

    async def save_run(self, run: ResyncResult) -> None:
        await self._run(lambda c: _save_run(c, run))

    async def runs(
        self, integration_id: str | None = None, limit: int = 50, *, before: RunCursor | None = None
    ) -> list[ResyncResult]:
        where: list[str] = []
        args: list[Any] = []
        if integration_id is not None:
            where.append("integration_id = %s")
            args.append(integration_id)
        if before is not None:
            where.append("(started_at, id) < (%s, %s)")
            args += [before[0], before[1]]
        query = (
            f"SELECT record FROM runs WHERE {' AND '.join(where) or 'TRUE'}"
            " ORDER BY started_at DESC, id DESC LIMIT %s"
        )
        rows = await self._run(lambda c: c.execute(query, (*args, limit)).fetchall())
        return [ResyncResult.model_validate_json(r[0]) for r in rows]

    async def get_run(self, run_id: str) -> ResyncResult | None:
        row = await self._run(
            lambda c: c.execute("SELECT record FROM runs WHERE id = %s", (run_id,)).fetchone()
        )
        return None if row is None else ResyncResult.model_validate_json(row[0])

    async def interrupt_running(self, integration_id: str) -> list[ResyncResult]:
        def interrupt(conn: Conn) -> list[ResyncResult]:
            rows = conn.execute(
                "SELECT record FROM runs WHERE integration_id = %s AND status = 'running'"
                " ORDER BY started_at DESC, id DESC FOR UPDATE",
                (integration_id,),
            ).fetchall()
            found = [ResyncResult.model_validate_json(r[0]).interrupted() for r in rows]
            for run in found:
                _save_run(conn, run)
            return found

        return await self._run(interrupt)

    # -- reads ------------------------------------------------------------------------------

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        query, args = "SELECT count(*) FROM entities WHERE integration_id = %s", [integration_id]
        if kind is not None:
            query, args = query + " AND kind = %s", [*args, kind]
        row = await self._run(lambda c: c.execute(query, args).fetchone())
        assert row is not None
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
        where, args = [f"{k} = %s" for k in used], list[Any](used.values())
        if integration_ids is not None:
            among = sorted(set(integration_id_list(integration_ids)))
            if not among:
                return []
            where.append("integration_id = ANY(%s)")
            args.append(among)
        if search is not None:
            pattern = f"%{search.translate(_LIKE_ESCAPES).translate(_ASCII_LOWER)}%"
            where.append(_SEARCH_WHERE)
            args += [pattern, pattern]
        if after is not None:
            condition, values = key_after(after, integration_id, blueprint, "%s")
            where.append(condition)
            args += values
        query = (
            f"SELECT {_ENTITY_COLUMNS}, integration_id, kind FROM entities"
            f" WHERE {' AND '.join(where) or 'TRUE'}"
            " ORDER BY integration_id, blueprint, identifier LIMIT %s OFFSET %s"
        )
        params = (*args, limit, offset)  # LIMIT NULL: no limit
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
                "SELECT value FROM state WHERE integration_id = %s AND key = %s",
                (integration_id, key),
            ).fetchone()
        )
        return None if row is None else orjson.loads(row[0])

    async def set_state(self, integration_id: str, key: str, value: Any | None) -> None:
        if value is None:
            statement = "DELETE FROM state WHERE integration_id = %s AND key = %s"
            args: tuple[str, ...] = (integration_id, key)
        else:
            statement = (
                "INSERT INTO state (integration_id, key, value) VALUES (%s, %s, %s)"
                " ON CONFLICT (integration_id, key) DO UPDATE SET value = excluded.value"
            )
            args = (integration_id, key, orjson.dumps(value).decode())
        await self._run(lambda c: c.execute(statement, args))

    # -- knowledge bases --------------------------------------------------------------------

    async def create_knowledge_base(self, kb_id: str, name: str) -> KnowledgeBaseRecord:
        created_at = as_utc(self._clock())

        def create(conn: Conn) -> None:
            # The primary key decides, in the INSERT itself: no check-then-insert race.
            inserted = conn.execute(
                "INSERT INTO knowledge_bases (id, name, created_at) VALUES (%s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (kb_id, name, created_at),
            ).rowcount
            if inserted != 1:
                raise ConflictError("knowledge base", kb_id)

        await self._run(create)
        return KnowledgeBaseRecord(kb_id, name, created_at, ())

    async def get_knowledge_base(self, kb_id: str) -> KnowledgeBaseRecord | None:
        def read(conn: Conn) -> KnowledgeBaseRecord | None:
            row = conn.execute(
                "SELECT id, name, created_at FROM knowledge_bases WHERE id = %s", (kb_id,)
            ).fetchone()
            if row is None:
                return None
            ids = tuple(integration for integration, _ in _attachments(conn, kb_id))
            return KnowledgeBaseRecord(row[0], row[1], as_utc(row[2]), ids)

        return await self._run(_snapshot(read))

    async def knowledge_bases(self) -> list[KnowledgeBaseRecord]:
        def read(conn: Conn) -> list[KnowledgeBaseRecord]:
            attached: dict[str, list[str]] = {}
            for kb_id, integration_id in conn.execute(
                "SELECT kb_id, integration_id FROM kb_integrations"
                " ORDER BY kb_id, attached_at, integration_id"
            ):
                attached.setdefault(kb_id, []).append(integration_id)
            return [
                KnowledgeBaseRecord(kb_id, name, as_utc(at), tuple(attached.get(kb_id, ())))
                for kb_id, name, at in conn.execute(
                    "SELECT id, name, created_at FROM knowledge_bases ORDER BY created_at, id"
                )
            ]

        return await self._run(_snapshot(read))

    async def delete_knowledge_base(self, kb_id: str) -> bool:
        def delete(conn: Conn) -> bool:
            # The knowledge base's row first: a concurrent attach (which holds it FOR SHARE)
            # commits before, and its attachment goes too; a later one finds no row.
            existed = conn.execute(
                "DELETE FROM knowledge_bases WHERE id = %s", (kb_id,)
            ).rowcount > 0
            conn.execute("DELETE FROM kb_integrations WHERE kb_id = %s", (kb_id,))
            return existed

        return await self._run(delete)

    async def attach(self, kb_id: str, integration_id: str) -> bool:
        attached_at = as_utc(self._clock())

        def attach(conn: Conn) -> bool:
            _require_kb(conn, kb_id, lock=True)  # cannot go away before the insert commits
            return conn.execute(
                "INSERT INTO kb_integrations (kb_id, integration_id, attached_at)"
                " VALUES (%s, %s, %s) ON CONFLICT (kb_id, integration_id) DO NOTHING",
                (kb_id, integration_id, attached_at),
            ).rowcount == 1

        return await self._run(attach)

    async def detach(self, kb_id: str, integration_id: str) -> bool:
        return await self._run(
            lambda c: c.execute(
                "DELETE FROM kb_integrations WHERE kb_id = %s AND integration_id = %s",
                (kb_id, integration_id),
            ).rowcount > 0
        )

    async def attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        def read(conn: Conn) -> list[tuple[str, datetime]]:
            _require_kb(conn, kb_id)
            return _attachments(conn, kb_id)

        return await self._run(_snapshot(read))


def _snapshot(fn: Callable[[Conn], T]) -> Callable[[Conn], T]:
    """Several SELECTs that must see one snapshot: REPEATABLE READ, read only."""

    def read(conn: Conn) -> T:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return fn(conn)

    return read


def _save_run(conn: Conn, run: ResyncResult) -> None:
    conn.execute(
        "INSERT INTO runs (id, integration_id, started_at, status, record)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET"
        " integration_id = excluded.integration_id, started_at = excluded.started_at,"
        " status = excluded.status, record = excluded.record",
        (run.id, run.integration_id, run.started_at, run.status.value, run.model_dump_json()),
    )


def _require_kb(conn: Conn, kb_id: str, *, lock: bool = False) -> None:
    query = "SELECT 1 FROM knowledge_bases WHERE id = %s" + (" FOR SHARE" if lock else "")
    if conn.execute(query, (kb_id,)).fetchone() is None:
        raise NotFoundError("knowledge base", kb_id)


def _attachments(conn: Conn, kb_id: str) -> list[tuple[str, datetime]]:
    rows = conn.execute(
        "SELECT integration_id, attached_at FROM kb_integrations WHERE kb_id = %s"
        " ORDER BY attached_at, integration_id",
        (kb_id,),
    ).fetchall()
    return [(integration_id, as_utc(at)) for integration_id, at in rows]
