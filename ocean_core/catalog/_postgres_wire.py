"""A new page's write on the event loop: one message out, the rows by COPY, no worker thread.

Every page of a first resync is new, and its write is simple: take a page row, COPY the rows
into ``entities``, commit. This module sends all of it as one multi-statement query that ends
in ``COPY ... FROM STDIN; COMMIT``, then the COPY data, and waits on the connection's socket
with anyio, so the event loop (which fetches and prepares the next page meanwhile) is never
blocked and no thread competes with it for the GIL. The database works on page N while Python
builds page N+1 (the engine's ``overlapped_writes``).

Anything unusual is left to the next way of the chain (``_postgres_page_chain``), the general
path in a worker thread: a page that exists after all, a key that another page holds, or a
live change since the run began, whose keys the page must leave out (a ``Miss``). The fencing
token and the integration's ``live_seq`` are read in the same transaction, ``FOR SHARE``,
before any row is sent: a fenced-out runner's COPY is aborted and nothing commits, and a live
change waits for the page, or the page sees it. Marking an unchanged page seen needs no such
read: a live change that altered or deleted a member took the page's digest with it.

The engine keeps the event loop free for the write exactly as long as it needs it: the write
says when its first message is out (``PageWrite.sent``) and when all of it is
(``PageWrite.handed_over``); then only the answer is awaited.

Page writes commit with ``synchronous_commit`` off (as the general path's do): a page is on
disk a few hundred milliseconds after its commit at the latest, and the delete step commits
synchronously, which flushes every page written before it. A server crash can lose only the
last pages of a run that has not deleted anything yet; the next resync writes them again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import anyio
import psycopg
from psycopg import pq, sql
from psycopg.abc import Buffer
from psycopg.copy import Copy, Writer
from psycopg.pq.abc import PGconn, PGresult

from ocean_core.catalog._postgres_page import Miss, PageWrite
from ocean_core.catalog._postgres_pages import COPY_ENTITIES
from ocean_core.catalog._rows import latest_by_key
from ocean_core.catalog._types import PageOutcome
from ocean_core.errors import CatalogError, FencedError, TransientCatalogError

Conn = psycopg.Connection[tuple[Any, ...]]

_CHUNK = 128 * 1024
"""COPY data handed to libpq at a time."""
_UNIQUE_VIOLATION = "23505"


class _Chunks(Writer):
    """Collects what psycopg's COPY formatter produces, for one send."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: Buffer) -> None:
        self.chunks.append(bytes(data))


class WireWriter:
    """Writes new and unchanged pages through one connection of its own, opened on first use;
    one page at a time (a second writer meanwhile is told ``BUSY`` and takes the general path)."""

    def __init__(self, url: str, schema: str, where: str) -> None:
        self._url, self._schema, self._where = url, schema, where
        self._conn: Conn | None = None
        self._lock = anyio.Lock()

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await anyio.to_thread.run_sync(conn.close)

    async def write_new_page(self, page: PageWrite) -> PageOutcome | Miss:
        """Write a page that has no row yet, in one transaction; or say why it was not
        (``BUSY``, ``PAGE_EXISTS``, ``KEY_EXISTS``)."""
        return await self._exclusive(lambda conn: _write(conn, page))

    async def mark_seen(self, page: PageWrite) -> PageOutcome | Miss:
        """Mark an unchanged page seen, in one round trip: the digest and the member count
        must still match (``_postgres_pages.write_page``'s fast path); else ``CHANGED``
        (or ``BUSY``)."""
        return await self._exclusive(lambda conn: _mark_seen(conn, page))

    async def _exclusive(
        self, write: Callable[[Conn], Awaitable[PageOutcome | Miss]]
    ) -> PageOutcome | Miss:
        if self._lock.locked():
            return Miss.BUSY
        async with self._lock:
            # Shielded: a transaction in flight commits or rolls back whole, as in a thread.
            with anyio.CancelScope(shield=True):
                return await self._write_or_retry(write)
        raise AssertionError("unreachable: the shielded block returns or raises")

    async def _write_or_retry(
        self, write: Callable[[Conn], Awaitable[PageOutcome | Miss]]
    ) -> PageOutcome | Miss:
        """A connection lost while idle (a server restart, a network cut) is replaced once.
        Running a page write again is safe even if its first COMMIT got through: the page
        then exists, and the retry takes the general path, which finds it written."""
        for attempt in (1, 2):
            conn = self._conn or await self._connect()
            try:
                return await write(conn)
            except psycopg.Error as exc:
                await self.close()  # its state is unknown: the next write opens another
                if isinstance(exc, psycopg.OperationalError) and attempt == 1:
                    continue
                kind_of = (
                    TransientCatalogError if isinstance(exc, psycopg.OperationalError)
                    else CatalogError
                )
                raise kind_of(f"PostgresCatalog({self._where!r}): {exc}") from exc
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def _connect(self) -> Conn:
        def connect() -> Conn:
            conn = psycopg.connect(self._url, autocommit=True)
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self._schema)))
            return conn

        try:
            self._conn = await anyio.to_thread.run_sync(connect)
        except psycopg.Error as exc:
            raise TransientCatalogError(f"PostgresCatalog({self._where!r}): {exc}") from exc
        return self._conn


def _fence(integration_id: str, token: int | None) -> sql.Composable:
    if token is None:
        return sql.SQL("")
    return sql.SQL("SELECT token FROM leases WHERE integration_id = {} FOR SHARE;").format(
        integration_id
    )


def _live(integration_id: str, mark: int | None) -> sql.Composable:
    if mark is None:
        return sql.SQL("")
    return sql.SQL("SELECT live_seq FROM integrations WHERE id = {} FOR SHARE;").format(
        integration_id
    )


def _live_moved(page: PageWrite, results: list[PGresult]) -> bool:
    """Whether a live change came since the run's mark (its read follows the fence's)."""
    if page.live_mark is None:
        return False
    read = results[3 if page.token is not None else 2]
    value = read.get_value(0, 0) if read.ntuples else None
    return value is not None and int(value) > page.live_mark


def _check_fence(
    integration_id: str, token: int | None, results: list[PGresult]
) -> FencedError | None:
    """The fencing token read at ``results[2]`` (after BEGIN and SET), if one was asked."""
    if token is None:
        return None
    read = results[2].get_value(0, 0) if results[2].ntuples else None
    current = None if read is None else int(read)
    return None if current == token else FencedError(integration_id, token, current)


async def _mark_seen(conn: Conn, page: PageWrite) -> PageOutcome | Miss:
    integration_id, token = page.integration_id, page.token
    # The token is part of the UPDATE's condition, so a fenced-out runner changes nothing;
    # its own SELECT tells which of the two failed.
    guard = sql.SQL(
        " AND EXISTS (SELECT 1 FROM leases WHERE integration_id = {} AND token = {})"
    ).format(integration_id, token) if token is not None else sql.SQL("")
    statement = sql.SQL(
        "BEGIN; SET LOCAL synchronous_commit TO off; {fence}"
        " UPDATE pages p SET seen_generation = {}"
        " WHERE integration_id = {} AND kind = {} AND seq = {} AND digest = {}"
        " AND member_count = (SELECT count(*) FROM entities e WHERE e.page_id = p.id){guard}"
        " RETURNING id; COMMIT"
    ).format(
        page.generation, integration_id, page.kind, page.seq, page.digest,
        fence=_fence(integration_id, token), guard=guard,
    ).as_bytes(conn)
    await _send(conn.pgconn, statement)
    page.handed_over()  # one message is all of it
    results = await _results(conn.pgconn, until_copy=False)
    failed = _failure(results)
    if failed is not None:
        await _rollback(conn.pgconn)
        raise failed
    fenced = _check_fence(integration_id, token, results)
    if fenced is not None:
        raise fenced
    if results[-2].ntuples == 0:
        return Miss.CHANGED
    return PageOutcome(upserted=0, unchanged=len(page.rows))


def _statement(conn: Conn, page: PageWrite, members: int) -> bytes:
    return sql.SQL(
        "BEGIN; SET LOCAL synchronous_commit TO off; {fence}{live}"
        " INSERT INTO pages (integration_id, kind, seq, seen_generation, digest, member_count)"
        " VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT DO NOTHING RETURNING id;"
        " {copy}; COMMIT"
    ).format(
        page.integration_id, page.kind, page.seq, page.generation, page.digest, members,
        fence=_fence(page.integration_id, page.token),
        live=_live(page.integration_id, page.live_mark), copy=sql.SQL(COPY_ENTITIES),
    ).as_bytes(conn)


async def _write(conn: Conn, page: PageWrite) -> PageOutcome | Miss:
    pgconn = conn.pgconn
    integration_id, token = page.integration_id, page.token
    latest = latest_by_key(page.rows)  # COPY cannot write one key twice: the last row wins
    await _send(pgconn, _statement(conn, page, len(latest)))
    page.sent()  # the database takes a page row while the engine fetches the next batch
    results = await _results(pgconn, until_copy=True)
    failed = _failure(results)
    if failed is not None:
        await _rollback(pgconn)
        raise failed
    fenced = _check_fence(integration_id, token, results)
    if fenced is not None:
        await _abort_copy(pgconn, b"fenced out")
        raise fenced
    if _live_moved(page, results):
        await _abort_copy(pgconn, b"a live change came since the run began")
        return Miss.LIVE_CHANGED
    inserted = results[-2]
    if inserted.ntuples == 0:  # ON CONFLICT DO NOTHING: the page was there after all
        await _abort_copy(pgconn, b"the page exists")
        return Miss.PAGE_EXISTS
    page_id = int(inserted.get_value(0, 0) or b"0")
    chunks = _Chunks()
    with conn.cursor() as cursor, Copy(cursor, writer=chunks) as copy:
        for row in latest.values():
            copy.write_row((*row, integration_id, page.kind, page_id))
    await _send_copy(pgconn, b"".join(chunks.chunks))
    page.handed_over()  # the rows are out: the database works on them while Python goes on
    failed = _failure(await _results(pgconn, until_copy=False))
    if failed is not None:
        await _rollback(pgconn)
        if failed.sqlstate == _UNIQUE_VIOLATION:
            return Miss.KEY_EXISTS
        raise failed
    return PageOutcome(upserted=len(latest), unchanged=len(page.rows) - len(latest))


_OK = frozenset({pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COPY_IN})


def _failure(results: list[PGresult]) -> psycopg.Error | None:
    for result in results:
        if result.status not in _OK:
            state = result.error_field(pq.DiagnosticField.SQLSTATE)
            message = (result.error_message or b"").decode("utf-8", "replace").strip()
            error_class: type[psycopg.Error] = psycopg.Error
            if state:
                with suppress(KeyError):  # a state psycopg does not know: the base class
                    error_class = psycopg.errors.lookup(state.decode())
            return error_class(message or pq.ExecStatus(result.status).name)
    return None


async def _send(pgconn: PGconn, query: bytes) -> None:
    """Send a query, all of it: it is on its way to the server once this returns."""
    pgconn.send_query(query)
    await _flush(pgconn)


async def _results(pgconn: PGconn, *, until_copy: bool) -> list[PGresult]:
    """The results of what was sent, waiting on the socket: all of them, or up to COPY_IN."""
    results: list[PGresult] = []
    await _flush(pgconn)
    while True:
        pgconn.consume_input()
        while not pgconn.is_busy():
            result = pgconn.get_result()
            if result is None:
                return results
            results.append(result)
            if until_copy and result.status == pq.ExecStatus.COPY_IN:
                return results
        await anyio.wait_readable(pgconn.socket)


async def _flush(pgconn: PGconn) -> None:
    while pgconn.flush():
        pgconn.consume_input()  # libpq asks to read what the server sent meanwhile
        await anyio.wait_writable(pgconn.socket)


async def _send_copy(pgconn: PGconn, data: bytes, error: bytes | None = None) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        while not pgconn.put_copy_data(view[start : start + _CHUNK]):
            await anyio.wait_writable(pgconn.socket)
        await _flush(pgconn)
    while not pgconn.put_copy_end(error):
        await anyio.wait_writable(pgconn.socket)
    await _flush(pgconn)


async def _abort_copy(pgconn: PGconn, reason: bytes) -> None:
    await _send_copy(pgconn, b"", error=reason)
    await _results(pgconn, until_copy=False)
    await _rollback(pgconn)


async def _rollback(pgconn: PGconn) -> None:
    """End a failed transaction (the rest of the query string was skipped with it)."""
    await _results(pgconn, until_copy=False)  # what is left of the failed query
    if pgconn.transaction_status != pq.TransactionStatus.IDLE:
        pgconn.send_query(b"ROLLBACK")
        await _results(pgconn, until_copy=False)
