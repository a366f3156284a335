"""Trigger notices between the processes of one PostgreSQL catalog: ``NOTIFY`` on a channel
named after the schema, heard by a ``LISTEN`` on a connection of its own."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import anyio
import orjson
import psycopg
from psycopg import sql

NOTIFY = "SELECT pg_notify(%s, %s)"


def channel(schema: str) -> str:
    return f"ocean_triggers_{schema}"


def payload(notice: dict[str, Any]) -> str:
    return orjson.dumps(notice).decode()


async def listen(url: str, schema: str, on_notice: Callable[[dict[str, Any]], None]) -> None:
    """Call ``on_notice`` (in the event loop) with every notice any process publishes, until
    cancelled: LISTEN on a dedicated connection, read in a worker thread; a lost connection is
    opened again."""
    stop = threading.Event()
    name = sql.Identifier(channel(schema))

    def hear() -> None:
        while not stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(name))
                    while not stop.is_set():
                        for note in conn.notifies(timeout=0.25):
                            anyio.from_thread.run_sync(on_notice, orjson.loads(note.payload))
            except psycopg.Error:
                stop.wait(1.0)  # the server went away: listen again in a moment
            except RuntimeError:
                return  # the event loop is gone

    try:
        await anyio.to_thread.run_sync(hear, abandon_on_cancel=True)
    finally:
        stop.set()
