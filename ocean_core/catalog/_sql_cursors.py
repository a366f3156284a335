"""Each kind's committed cursor (rule 9), written once for every SQL catalog: JSON text."""

from __future__ import annotations

from datetime import datetime

import orjson

from ocean_core.catalog._sql_dialect import Tx
from ocean_core.catalog._types import CursorCommit, StoredCursor

PUT = """
INSERT INTO cursors (integration_id, kind, value, fingerprint, committed_at)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (integration_id, kind) DO UPDATE SET
    value = excluded.value, fingerprint = excluded.fingerprint,
    committed_at = excluded.committed_at
"""
EVERY = (
    "SELECT kind, value, fingerprint, committed_at FROM cursors WHERE integration_id = ?"
    " ORDER BY kind"
)


def encode_cursor(cursor: CursorCommit) -> str:
    """The JSON text of a cursor's value; raises ``TypeError`` (before any write) if none."""
    return orjson.dumps(cursor.value).decode()


def commit(
    tx: Tx, integration_id: str, kind: str, cursor: CursorCommit, text: str, at: datetime
) -> None:
    tx.execute(PUT, (integration_id, kind, text, cursor.fingerprint, tx.dialect.time_in(at)))


def every(tx: Tx, integration_id: str) -> dict[str, StoredCursor]:
    return {
        str(kind): StoredCursor(orjson.loads(value), str(fingerprint), tx.dialect.time_out(at))
        for kind, value, fingerprint, at in tx.execute(EVERY, (integration_id,)).fetchall()
    }
