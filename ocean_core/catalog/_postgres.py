"""The PostgreSQL catalog: for several runner processes, or more data than one machine's disk.

Synchronous psycopg 3 in worker threads, as ``SQLiteCatalog`` uses ``sqlite3``: psycopg's async
API is asyncio-only, and the engine runs on trio too. A worker thread is never abandoned, so a
call is never cut off half-way by a cancellation: each call is one transaction that commits or
rolls back whole. Most page writes leave the thread for the event loop (``_postgres_wire``);
the ways a page can be written are ``_postgres_page_chain``'s.

Every call but the page write is written once for both SQL catalogs (``SqlCatalog``); what is
PostgreSQL's own is here: the pool and its transactions, the runner locks with their fencing
tokens (``_postgres_locks``), the page-write chain, and trigger notices (``_postgres_notices``).
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

import ocean_core.catalog._postgres_notices as notices
import ocean_core.catalog._postgres_pages as pages
from ocean_core.catalog._clock import Clock, utc_now
from ocean_core.catalog._postgres_locks import PostgresRunnerLocks
from ocean_core.catalog._postgres_page import PageWrite
from ocean_core.catalog._postgres_page_chain import PageWriteChain
from ocean_core.catalog._postgres_schema import DEFAULT_SCHEMA, check_schema_name, migrate
from ocean_core.catalog._postgres_wire import WireWriter
from ocean_core.catalog._rows import EntityRow, page_digest
from ocean_core.catalog._sql_catalog import Lease, SqlCatalog
from ocean_core.catalog._sql_dialect import POSTGRES, Tx
from ocean_core.catalog._types import CatalogCapabilities, PageOutcome, PageProgress
from ocean_core.errors import CatalogError, LockNotHeldError, TransientCatalogError

T = TypeVar("T")
Conn = psycopg.Connection[tuple[Any, ...]]


class PostgresCatalog(SqlCatalog):
    """A catalog in PostgreSQL, all of it in one schema (created on first use).

        catalog = PostgresCatalog("postgresql://ocean@db.internal/ocean", schema="ocean")
        await catalog.list_entities(integration_id="shop-1")
        await catalog.close()

    Opens lazily on first use: applies missing schema migrations (safe when several processes
    start at once), then serves calls from a small connection pool. Runner locks are advisory
    locks, released by PostgreSQL when the holding process dies.
    """

    capabilities = CatalogCapabilities(shared=True, overlapped_writes=True)
    """Shared: runners in several processes coordinate through it. Overlapped writes: new and
    unchanged pages are written on the event loop (``_postgres_wire``), so the engine prepares
    the next page while the database works on this one."""

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
        self._pages = PageWriteChain.standard(self._wire, self._run)

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

    async def _write(self, fn: Callable[[Tx], T]) -> T:
        return await self._run(lambda conn: fn(Tx(conn, POSTGRES)))

    async def _read(self, fn: Callable[[Tx], T]) -> T:
        return await self._run(lambda conn: fn(Tx(conn, POSTGRES)))

    async def _snapshot(self, fn: Callable[[Tx], T]) -> T:
        def read(conn: Conn) -> T:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return fn(Tx(conn, POSTGRES))

        return await self._run(read)

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

    # -- runners ----------------------------------------------------------------------------

    async def still_holds(self, integration_id: str) -> bool:
        """Whether this catalog still holds the integration's runner lock and fencing token:
        false once the lock connection died or another runner took over."""
        return await self._locks.still_holds(integration_id)

    def fencing_token(self, integration_id: str) -> int | None:
        """The fencing token of this catalog's runner lock of the integration, while held."""
        return self._locks.token(integration_id)

    def runner_lock_pid(self, integration_id: str) -> int | None:
        """The server process id of the connection that holds this catalog's runner lock of
        the integration, while held: ``pg_terminate_backend`` of it frees the lock at once."""
        return self._locks.backend_pid(integration_id)

    async def publish_trigger(self, notice: dict[str, Any]) -> None:
        """Tell every process listening on this catalog (``listen_triggers``) of a trigger."""
        channel, payload = notices.channel(self.schema), notices.payload(notice)
        await self._run(lambda conn: conn.execute(notices.NOTIFY, (channel, payload)))

    async def listen_triggers(self, on_notice: Callable[[dict[str, Any]], None]) -> None:
        await notices.listen(self.url, self.schema, on_notice)

    # -- page writes ------------------------------------------------------------------------

    def _lease(self, integration_id: str) -> Lease:
        token = self._locks.token(integration_id)
        if token is None:
            raise LockNotHeldError(integration_id)
        return Lease(integration_id, token)

    def _check_lease(self, tx: Tx, lease: Lease) -> None:
        """``FOR SHARE`` makes a takeover (which raises the token) wait for this transaction:
        the write lands before the takeover, or is refused after it."""
        if lease.token is not None:
            row = tx.execute(pages.LEASE_TOKEN, (lease.integration_id,)).fetchone()
            pages.check_token(lease.integration_id, lease.token, row)

    async def _write_page(
        self, lease: Lease, kind: str, seq: int, generation: int, rows: Sequence[EntityRow],
        progress: PageProgress | None, live_mark: int | None,
    ) -> PageOutcome:
        page = PageWrite(
            lease.integration_id, kind, seq, generation, rows, page_digest(rows), lease.token,
            progress, live_mark,
        )
        return await self._pages.write(page)
