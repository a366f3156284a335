"""Knowledge bases, written once for every SQL catalog (see ``_sql_dialect``).

An attachment row is tied to no ``integrations`` row: the catalog does not check that an
integration is configured, and deleting a knowledge base touches no entities.
"""

from __future__ import annotations

from datetime import datetime

from ocean_core.catalog._sql_dialect import Tx
from ocean_core.catalog._types import KnowledgeBaseRecord
from ocean_core.errors import ConflictError, NotFoundError

CREATE = """
INSERT INTO knowledge_bases (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING
"""
GET = "SELECT id, name, created_at FROM knowledge_bases WHERE id = ?"
ALL = "SELECT id, name, created_at FROM knowledge_bases ORDER BY created_at, id"
EXISTS = "SELECT 1 FROM knowledge_bases WHERE id = ?"
EXISTS_LOCKED = EXISTS + "{for_share}"
"""The knowledge base's row, held against a delete until the transaction ends."""
ATTACHED = """
SELECT integration_id, attached_at FROM kb_integrations WHERE kb_id = ?
ORDER BY attached_at, integration_id
"""
ALL_ATTACHED = """
SELECT kb_id, integration_id FROM kb_integrations ORDER BY kb_id, attached_at, integration_id
"""
ATTACH = """
INSERT INTO kb_integrations (kb_id, integration_id, attached_at) VALUES (?, ?, ?)
ON CONFLICT (kb_id, integration_id) DO NOTHING
"""
DETACH = "DELETE FROM kb_integrations WHERE kb_id = ? AND integration_id = ?"
DELETE = "DELETE FROM knowledge_bases WHERE id = ?"
DETACH_ALL = "DELETE FROM kb_integrations WHERE kb_id = ?"


def create(tx: Tx, kb_id: str, name: str, created_at: datetime) -> None:
    # The primary key decides, in the INSERT itself: no check-then-insert race.
    if tx.execute(CREATE, (kb_id, name, tx.dialect.time_in(created_at))).rowcount != 1:
        raise ConflictError("knowledge base", kb_id)


def get(tx: Tx, kb_id: str) -> KnowledgeBaseRecord | None:
    """In a snapshot: the knowledge base and its attachments as of one moment."""
    row = tx.execute(GET, (kb_id,)).fetchone()
    if row is None:
        return None
    ids = tuple(integration_id for integration_id, _ in attachments(tx, kb_id))
    return KnowledgeBaseRecord(row[0], row[1], tx.dialect.time_out(row[2]), ids)


def every(tx: Tx) -> list[KnowledgeBaseRecord]:
    """In a snapshot: every knowledge base by ``(created_at, id)``, with its attachments."""
    attached: dict[str, list[str]] = {}
    for kb_id, integration_id in tx.execute(ALL_ATTACHED):
        attached.setdefault(kb_id, []).append(integration_id)
    return [
        KnowledgeBaseRecord(kb_id, name, tx.dialect.time_out(at), tuple(attached.get(kb_id, ())))
        for kb_id, name, at in tx.execute(ALL).fetchall()
    ]


def delete(tx: Tx, kb_id: str) -> bool:
    # The knowledge base's row first: a concurrent attach (which holds it FOR SHARE) commits
    # before, and its attachment goes too; a later one finds no row. (SQLite's write
    # transactions exclude each other, so there the order is only kept the same.)
    existed = tx.execute(DELETE, (kb_id,)).rowcount > 0
    tx.execute(DETACH_ALL, (kb_id,))
    return existed


def attach(tx: Tx, kb_id: str, integration_id: str, attached_at: datetime) -> bool:
    require(tx, kb_id, lock=True)  # cannot go away before the insert commits
    stored_at = tx.dialect.time_in(attached_at)
    return tx.execute(ATTACH, (kb_id, integration_id, stored_at)).rowcount == 1


def detach(tx: Tx, kb_id: str, integration_id: str) -> bool:
    return tx.execute(DETACH, (kb_id, integration_id)).rowcount > 0


def attachments(tx: Tx, kb_id: str) -> list[tuple[str, datetime]]:
    rows = tx.execute(ATTACHED, (kb_id,)).fetchall()
    return [(integration_id, tx.dialect.time_out(at)) for integration_id, at in rows]


def require(tx: Tx, kb_id: str, *, lock: bool = False) -> None:
    if tx.execute(EXISTS_LOCKED if lock else EXISTS, (kb_id,)).fetchone() is None:
        raise NotFoundError("knowledge base", kb_id)
