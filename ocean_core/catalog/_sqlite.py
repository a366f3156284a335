"""The embedded SQLite catalog: one file (or ``:memory:``), safe across processes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

import anyio

import ocean_core.catalog._sqlite_pages as pages
import ocean_core.catalog._sqlite_schema as schema
from ocean_core.catalog._clock import Clock, utc_now
from ocean_core.catalog._locks import (
    FileRunnerLocks,
    LocalRunnerLocks,
    OneProcessRunners,
    RunnerLocks,
)
from ocean_core.catalog._rows import EntityRow
from ocean_core.catalog._sql_catalog import Lease, SqlCatalog
from ocean_core.catalog._sql_dialect import SQLITE, Tx
from ocean_core.catalog._types import PageOutcome, PageProgress
from ocean_core.errors import CatalogError, TransientCatalogError

T = TypeVar("T")


class SQLiteCatalog(OneProcessRunners, SqlCatalog):
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
        schema.migrate(conn)  # safe when two processes race here
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

    async def _transaction(self, begin: str, fn: Callable[[sqlite3.Connection], T]) -> T:
        def transaction(conn: sqlite3.Connection) -> T:
            conn.execute(begin)
            result = fn(conn)
            conn.execute("COMMIT")
            return result

        return await self._run(transaction)

    async def _write(self, fn: Callable[[Tx], T]) -> T:
        # IMMEDIATE: the write lock first, so a transaction never fails half-way to upgrade.
        return await self._transaction("BEGIN IMMEDIATE", lambda conn: fn(Tx(conn, SQLITE)))

    async def _read(self, fn: Callable[[Tx], T]) -> T:
        return await self._run(lambda conn: fn(Tx(conn, SQLITE)))

    async def _snapshot(self, fn: Callable[[Tx], T]) -> T:
        # A deferred transaction that only reads: one snapshot, and no write lock taken.
        return await self._transaction("BEGIN", lambda conn: fn(Tx(conn, SQLITE)))

    async def _durable_write(self, fn: Callable[[Tx], T]) -> T:
        # WAL with synchronous=NORMAL survives the process's death but not the machine's;
        # FULL syncs the WAL at this commit (and takes the page writes before it along).
        def durable(conn: sqlite3.Connection) -> T:
            conn.execute("PRAGMA synchronous = FULL")
            try:
                conn.execute("BEGIN IMMEDIATE")
                result = fn(Tx(conn, SQLITE))
                conn.execute("COMMIT")
                return result
            finally:
                if conn.in_transaction:
                    conn.rollback()
                conn.execute("PRAGMA synchronous = NORMAL")

        return await self._run(durable)

    async def close(self) -> None:
        def close(_: sqlite3.Connection) -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        if self._conn is not None:
            await anyio.to_thread.run_sync(self._locked, close)

    # -- page writes ------------------------------------------------------------------------

    def _lease(self, integration_id: str) -> Lease:
        self._require_lock(integration_id)
        return Lease(integration_id)  # a lock file cannot be lost while held: no token

    def _check_lease(self, tx: Tx, lease: Lease) -> None:
        return None  # nothing to check: see _lease

    async def _write_page(
        self, lease: Lease, kind: str, seq: int, generation: int, rows: Sequence[EntityRow],
        progress: PageProgress | None, live_mark: int | None,
    ) -> PageOutcome:
        # A write in a worker thread needs no turn of the event loop: nothing to signal.
        return await self._transaction("BEGIN IMMEDIATE", lambda conn: pages.write_page(
            conn, lease.integration_id, kind, seq, generation, rows, live_mark
        ))
