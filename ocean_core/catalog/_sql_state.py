"""The per-integration key-value state, written once for every SQL catalog: JSON text."""

from __future__ import annotations

from typing import Any

import orjson

from ocean_core.catalog._sql_dialect import Tx

GET = "SELECT value FROM state WHERE integration_id = ? AND key = ?"
DELETE = "DELETE FROM state WHERE integration_id = ? AND key = ?"
PUT = """
INSERT INTO state (integration_id, key, value) VALUES (?, ?, ?)
ON CONFLICT (integration_id, key) DO UPDATE SET value = excluded.value
"""


def encode_value(value: Any) -> str:
    """The JSON text of ``value``; raises ``TypeError`` (before any write) if it has none."""
    return orjson.dumps(value).decode()


def get_state(tx: Tx, integration_id: str, key: str) -> Any | None:
    text = tx.one(GET, (integration_id, key))
    return None if text is None else orjson.loads(text)


def set_state(tx: Tx, integration_id: str, key: str, text: str | None) -> None:
    """Store JSON ``text`` (from ``encode_value``) under ``key``; None deletes the key."""
    if text is None:
        tx.execute(DELETE, (integration_id, key))
    else:
        tx.execute(PUT, (integration_id, key, text))
