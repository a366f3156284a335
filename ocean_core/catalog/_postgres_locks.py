"""Runner locks on PostgreSQL: a session-level advisory lock on a dedicated connection, and a
fencing token.

The lock lives as long as its connection: if the holding process dies, PostgreSQL drops it with
the connection, so the next runner knows at once that a run left ``running`` belonged to a dead
process. The connection is not taken from the pool (a pooled connection would carry the lock
into unrelated calls); it is opened on entry, and unlocked and closed on exit. TCP keepalives
on it let the server notice a holder whose host vanished within ``KEEPALIVE_BOUND`` seconds.

Taking the lock also raises the integration's fencing token (``leases``). The catalog checks the
token in every page write and delete step of the holder: should the lock connection die while
the process lives on (a network cut, a server restart), another runner takes over with a
higher token, and the old one's writes are refused (``FencedError``) instead of racing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from ocean_core.catalog._locks import LocalRunnerLocks
from ocean_core.catalog._postgres_schema import runner_key
from ocean_core.errors import RunnerLockedError, TransientCatalogError

Conn = psycopg.Connection[tuple[Any, ...]]


KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
             "keepalives_count": 3}
_SERVER_KEEPALIVE = {"tcp_keepalives_idle": 5, "tcp_keepalives_interval": 2,
                     "tcp_keepalives_count": 3}
KEEPALIVE_BOUND = 5 + 2 * 3
"""Seconds after which the server drops the lock of a holder that stopped answering."""


class PostgresRunnerLocks:
    """``pg_try_advisory_lock(runner_key(schema, integration_id))``, held for the whole
    ``async with``; an in-process guard first, so a second runtime in this process fails
    without opening a connection."""

    def __init__(self, conninfo: str, schema: str) -> None:
        self._conninfo = conninfo
        self._schema = schema
        self._local = LocalRunnerLocks()
        self._held: dict[str, Conn] = {}  # the dedicated connection of every lock held
        self._tokens: dict[str, int] = {}  # the fencing token of every lock held

    def token(self, integration_id: str) -> int | None:
        """The fencing token of the integration's lock while this object holds it, else None."""
        return self._tokens.get(integration_id)

    def backend_pid(self, integration_id: str) -> int | None:
        """The server process of the connection that holds the integration's lock, while this
        object holds it: ``pg_terminate_backend`` of it ends the session, and the lock."""
        conn = self._held.get(integration_id)
        return None if conn is None else conn.info.backend_pid

    async def still_holds(self, integration_id: str) -> bool:
        """Whether the lock and its fencing token are still this object's: false once the lock
        connection died or another runner took over."""
        conn, token = self._held.get(integration_id), self._tokens.get(integration_id)
        if conn is None or token is None:
            return False

        def check() -> bool:
            try:
                row = conn.execute(
                    sql.SQL("SELECT token FROM {}.leases WHERE integration_id = %s").format(
                        sql.Identifier(self._schema)
                    ),
                    (integration_id,),
                ).fetchone()
            except psycopg.Error:
                return False  # the lock connection is gone, and the lock with it
            return row is not None and int(row[0]) == token

        return await anyio.to_thread.run_sync(check)

    def _acquire(self, integration_id: str, key: int) -> Conn:
        try:
            conninfo = make_conninfo(
                self._conninfo, application_name="ocean_core runner lock", **KEEPALIVE
            )
            conn: Conn = psycopg.connect(conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise TransientCatalogError(f"runner lock for {integration_id!r}: {exc}") from exc
        try:
            # The server's side of the keepalives: it is the server that must notice a holder
            # whose host vanished, to drop the lock (the client's side notices the server).
            for name, value in _SERVER_KEEPALIVE.items():
                conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(name), value))
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        except psycopg.Error as exc:
            conn.close()
            raise TransientCatalogError(f"runner lock for {integration_id!r}: {exc}") from exc
        if row is None or not row[0]:
            where = f"PostgreSQL advisory lock {key} at {conn.info.host}/{conn.info.dbname}"
            conn.close()
            raise RunnerLockedError(integration_id, where)
        try:
            self._tokens[integration_id] = _raise_token(conn, self._schema, integration_id)
        except psycopg.Error as exc:
            _release(conn, key)
            raise TransientCatalogError(f"runner lock for {integration_id!r}: {exc}") from exc
        return conn

    @asynccontextmanager
    async def hold(self, integration_id: str) -> AsyncIterator[None]:
        async with self._local.hold(integration_id):
            key = runner_key(self._schema, integration_id)
            conn = await anyio.to_thread.run_sync(self._acquire, integration_id, key)
            self._held[integration_id] = conn
            try:
                yield
            finally:
                self._held.pop(integration_id, None)
                self._tokens.pop(integration_id, None)
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(_release, conn, key)


def _raise_token(conn: Conn, schema: str, integration_id: str) -> int:
    """A new fencing token for the integration, higher than every earlier runner's."""
    query = sql.SQL(
        "INSERT INTO {}.leases (integration_id, token, holder, taken_at)"
        " VALUES (%s, 1, %s, now()) ON CONFLICT (integration_id) DO UPDATE"
        " SET token = leases.token + 1, holder = excluded.holder, taken_at = now()"
        " RETURNING token"
    ).format(sql.Identifier(schema))
    holder = f"{socket.gethostname()}:{os.getpid()}"
    row = conn.execute(query, (integration_id, holder)).fetchone()
    assert row is not None
    return int(row[0])


def _release(conn: Conn, key: int) -> None:
    """Unlock, then close. Closing alone would release the lock too, but the server ends the
    session after ``close()`` returns: a runner starting right after could still find it
    taken. A dead connection has already lost the lock: closing it is all there is to do."""
    try:
        conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
    except psycopg.Error:
        pass
    finally:
        conn.close()
