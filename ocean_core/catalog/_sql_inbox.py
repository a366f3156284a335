"""The webhook inbox, written once for every SQL catalog (see ``_sql_dialect``).

A verified request is one row of ``inbox`` (headers and query as JSON pairs, the body as the
bytes received), put in the same transaction that counts it in ``inbox_totals``; the runner of
its integration takes the pending rows in id order and records each attempt's outcome. Pruning
deletes settled rows only, so the totals (and every pending event) outlive it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson

from ocean_core.catalog._sql_dialect import Tx
from ocean_core.catalog._types import EventFailure, EventStatus, InboxEvent, InboxStats

COLUMNS = (
    "id, integration_id, name, received_at, headers, query, body, status, attempts,"
    " last_error, handled_at"
)
PUT = (
    "INSERT INTO inbox (integration_id, name, received_at, headers, query, body)"
    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id"
)
COUNT_RECEIVED = """
INSERT INTO inbox_totals (integration_id, received, last_received_at) VALUES (?, ?, ?)
ON CONFLICT (integration_id) DO UPDATE SET
    received = inbox_totals.received + excluded.received,
    last_received_at = excluded.last_received_at
"""
PENDING = (
    f"SELECT {COLUMNS} FROM inbox WHERE integration_id = ? AND status = 'pending'"
    " ORDER BY id LIMIT ?"
)
HANDLED = (
    "UPDATE inbox SET status = 'handled', handled_at = ?"
    " WHERE id = ? AND integration_id = ? AND status = 'pending'"
)
ATTEMPT_FAILED = (
    "UPDATE inbox SET status = ?, attempts = attempts + 1, last_error = ?"
    " WHERE id = ? AND integration_id = ? AND status = 'pending'"
)
COUNT = """
INSERT INTO inbox_totals (integration_id, {column}) VALUES (?, ?)
ON CONFLICT (integration_id) DO UPDATE SET {column} = inbox_totals.{column} + excluded.{column}
"""
LAST_HANDLED = "UPDATE inbox_totals SET last_handled_at = ? WHERE integration_id = ?"
TOTALS = (
    "SELECT received, handled, failed, retried, last_received_at, last_handled_at"
    " FROM inbox_totals WHERE integration_id = ?"
)
COUNT_PENDING = "SELECT count(*) FROM inbox WHERE integration_id = ? AND status = 'pending'"
FAILURES = (
    "SELECT id, name, received_at, attempts, last_error, status FROM inbox"
    " WHERE integration_id = ? AND last_error IS NOT NULL ORDER BY id DESC LIMIT ?"
)
PRUNE = """
DELETE FROM inbox WHERE integration_id = ? AND status = ? AND id <= (
    SELECT id FROM inbox WHERE integration_id = ? AND status = ?
    ORDER BY id DESC LIMIT 1 OFFSET ?)
"""
"""Settled rows of one status but the newest ``keep`` (no row at that offset: none go)."""

_COUNTED = {EventStatus.HANDLED: "handled", EventStatus.FAILED: "failed",
            EventStatus.PENDING: "retried"}


def pairs_json(pairs: Sequence[tuple[str, str]]) -> str:
    return orjson.dumps([[name, value] for name, value in pairs]).decode()


def put(
    tx: Tx, integration_id: str, events: Sequence[tuple[str, str, str, bytes]],
    received_at: datetime,
) -> list[int]:
    """Store ``events`` (name, headers and query as ``pairs_json``, body), received at one
    time, and count them; their ids, in order."""
    at = tx.dialect.time_in(received_at)
    ids = [int(tx.one(PUT, (integration_id, name, at, headers, query, body)))
           for name, headers, query, body in events]
    if ids:
        tx.execute(COUNT_RECEIVED, (integration_id, len(ids), at))
    return ids


def pending(tx: Tx, integration_id: str, limit: int) -> list[InboxEvent]:
    return [_event(tx, row) for row in tx.execute(PENDING, (integration_id, limit)).fetchall()]


def settle(
    tx: Tx, integration_id: str, event_id: int, status: EventStatus, error: str | None,
    now: datetime,
) -> None:
    """Record one attempt's outcome; an event settled already (a replay) is left as it is."""
    if status is EventStatus.HANDLED:
        handled(tx, integration_id, [event_id], now)
        return
    changed = tx.execute(ATTEMPT_FAILED, (status.value, error, event_id, integration_id))
    if changed.rowcount == 1:
        tx.execute(COUNT.format(column=_COUNTED[status]), (integration_id, 1))


def handled(tx: Tx, integration_id: str, event_ids: Sequence[int], now: datetime) -> None:
    """Record ``event_ids`` handled at ``now``, counted once for all; an event settled
    already (a replay) is left as it is, and not counted again."""
    at = tx.dialect.time_in(now)
    count = sum(tx.execute(HANDLED, (at, event_id, integration_id)).rowcount == 1
                for event_id in event_ids)
    if count:
        tx.execute(COUNT.format(column="handled"), (integration_id, count))
        tx.execute(LAST_HANDLED, (at, integration_id))


def stats(tx: Tx, integration_id: str, failures: int) -> InboxStats:
    totals = tx.execute(TOTALS, (integration_id,)).fetchone()
    waiting = int(tx.one(COUNT_PENDING, (integration_id,)))
    failed = tuple(
        EventFailure(int(i), str(n), tx.dialect.time_out(at), int(a), str(e), EventStatus(s))
        for i, n, at, a, e, s in tx.execute(FAILURES, (integration_id, failures)).fetchall()
    )
    if totals is None:
        return InboxStats(pending=waiting, failures=failed)
    received, handled, failed_count, retried, last_received, last_handled = totals
    return InboxStats(
        received=int(received), handled=int(handled), failed=int(failed_count),
        retried=int(retried), pending=waiting, last_received_at=_time(tx, last_received),
        last_handled_at=_time(tx, last_handled), failures=failed,
    )


def prune(tx: Tx, integration_id: str, keep: int) -> int:
    gone = 0
    for status in (EventStatus.HANDLED, EventStatus.FAILED):
        args = (integration_id, status.value, integration_id, status.value, keep)
        gone += max(tx.execute(PRUNE, args).rowcount, 0)
    return gone


def _time(tx: Tx, value: Any) -> datetime | None:
    return None if value is None else tx.dialect.time_out(value)


def _event(tx: Tx, row: Sequence[Any]) -> InboxEvent:
    event_id, integration_id, name, at, headers, query, body, status, attempts, error, done = row
    return InboxEvent(
        id=int(event_id), integration_id=str(integration_id), name=str(name),
        received_at=tx.dialect.time_out(at),
        headers=tuple((str(k), str(v)) for k, v in orjson.loads(headers)),
        query=tuple((str(k), str(v)) for k, v in orjson.loads(query)),
        body=bytes(body), status=EventStatus(status), attempts=int(attempts),
        last_error=error, handled_at=_time(tx, done),
    )
