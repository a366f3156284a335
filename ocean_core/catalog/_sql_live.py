"""Rule 8's bookkeeping and the writes by key (rule 9), written once for every SQL catalog.

A live change raises ``integrations.live_seq`` by one and stamps every key it touches: an
upserted entity gets ``entities.live_seq``, a deleted key a row in ``tombstones``. A run keeps
the ``live_seq`` of its start (its mark, from ``begin_run``); its writes leave alone every key
stamped above the mark (``touched``). When nothing was stamped since the mark (the resync
path, nearly always) that is one primary-key read of the integration's row per page, and the
page is written as before.

Writes by key (``write_items``, ``apply_live``) put an entity outside pages: a new one has no
page (so a full run that does not list it finds it stale), an existing one keeps its own, and
that page loses its digest when the entity changed, so the next run writes the page whole
instead of marking it seen by a digest that no longer describes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ocean_core.catalog._rows import EntityRow, latest_by_key
from ocean_core.catalog._sql_dialect import Tx
from ocean_core.catalog._types import LiveOutcome, PageOutcome, RunStart

Key = tuple[str, str]

BEGIN_RUN = """
INSERT INTO integrations (id, generation) VALUES (?, ?)
ON CONFLICT (id) DO UPDATE SET
    generation = {greatest}(integrations.generation, excluded.generation)
RETURNING generation, live_seq
"""
DROP_TOMBSTONES = "DELETE FROM tombstones WHERE integration_id = ? AND live_seq <= ?"

LIVE_SEQ = "SELECT live_seq FROM integrations WHERE id = ?{for_share}"
"""Read locked where the database locks rows: a live change (which raises it) waits for the
write that read it, or the write sees the change."""
RAISE_LIVE_SEQ = """
INSERT INTO integrations (id, generation, live_seq) VALUES (?, 0, 1)
ON CONFLICT (id) DO UPDATE SET live_seq = integrations.live_seq + 1
RETURNING live_seq
"""

TOUCHED = """
SELECT blueprint, identifier FROM entities
WHERE integration_id = ? AND live_seq IS NOT NULL AND live_seq > ?
UNION ALL
SELECT blueprint, identifier FROM tombstones WHERE integration_id = ? AND live_seq > ?
"""
"""The keys stamped above a mark; ``live_seq IS NOT NULL`` is the partial index's own
condition, so the entities' arm reads ``entities_live`` and nothing else."""

BY_KEY = """
INSERT INTO entities (blueprint, identifier, title, team, icon, properties, relations, hash,
                      integration_id, kind, page_id, live_seq)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)
ON CONFLICT (integration_id, blueprint, identifier) DO UPDATE SET
    kind = excluded.kind, title = excluded.title, team = excluded.team, icon = excluded.icon,
    properties = excluded.properties, relations = excluded.relations, hash = excluded.hash,
    live_seq = excluded.live_seq,
    page_id = CASE WHEN entities.kind = excluded.kind THEN entities.page_id END
"""
"""A new or changed entity by key: a new one has no page, an existing one keeps its own,
unless its kind changed (a page holds entities of its own kind only)."""
STAMP = (
    "UPDATE entities SET live_seq = ? WHERE integration_id = ? AND blueprint = ?"
    " AND identifier = ?"
)
DELETE_KEY = "DELETE FROM entities WHERE integration_id = ? AND blueprint = ? AND identifier = ?"
DELETE_UNSTAMPED = DELETE_KEY + " AND (live_seq IS NULL OR live_seq <= ?)"
UNTOMB = "DELETE FROM tombstones WHERE integration_id = ? AND blueprint = ? AND identifier = ?"
TOMB = """
INSERT INTO tombstones (integration_id, blueprint, identifier, kind, live_seq)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (integration_id, blueprint, identifier) DO UPDATE SET
    kind = excluded.kind, live_seq = excluded.live_seq
"""
FORGET_DIGEST = "UPDATE pages SET digest = NULL WHERE id = ?"

_CHUNK = 800
"""Identifiers looked up per statement: far below either database's parameter limit."""


def begin_run(tx: Tx, integration_id: str, generation: int) -> RunStart:
    stored, mark = tx.execute(BEGIN_RUN, (integration_id, generation)).fetchone()
    tx.execute(DROP_TOMBSTONES, (integration_id, mark))
    return RunStart(int(stored), int(mark))


def live_seq(tx: Tx, integration_id: str) -> int:
    value = tx.one(LIVE_SEQ, (integration_id,))
    return 0 if value is None else int(value)


def touched(tx: Tx, integration_id: str, mark: int | None) -> set[Key]:
    """The keys a live change above ``mark`` touched: none without a mark, or when the
    integration's ``live_seq`` has not moved past it (one read of its row)."""
    if mark is None or live_seq(tx, integration_id) <= mark:
        return set()
    return touched_since(tx, integration_id, mark)


def touched_since(tx: Tx, integration_id: str, mark: int) -> set[Key]:
    rows = tx.execute(TOUCHED, (integration_id, mark, integration_id, mark)).fetchall()
    return {(str(b), str(i)) for b, i in rows}


def existing(tx: Tx, integration_id: str, keys: Iterable[Key]) -> dict[Key, tuple[int, Any]]:
    """``(hash, page_id)`` of the keys that exist.

    Looked up one blueprint at a time, ``identifier IN (...)``: both databases then seek the
    whole primary key. A row value ``(blueprint, identifier) IN (VALUES ...)`` made SQLite
    seek only ``integration_id`` and scan every entity of the integration per statement
    (about 125 ms a page of 1,000 in a catalog of 100,000)."""
    found: dict[Key, tuple[int, Any]] = {}
    by_blueprint: dict[str, list[str]] = {}
    for blueprint, identifier in keys:
        by_blueprint.setdefault(blueprint, []).append(identifier)
    for blueprint, identifiers in by_blueprint.items():
        for start in range(0, len(identifiers), _CHUNK):
            chunk = identifiers[start : start + _CHUNK]
            marks = ", ".join("?" for _ in chunk)
            rows = tx.execute(
                "SELECT identifier, hash, page_id FROM entities WHERE integration_id = ?"
                f" AND blueprint = ? AND identifier IN ({marks})",
                [integration_id, blueprint, *chunk],
            ).fetchall()
            found.update({(blueprint, str(i)): (int(h), page) for i, h, page in rows})
    return found


def forget_digests(tx: Tx, page_ids: Iterable[Any]) -> None:
    tx.executemany(FORGET_DIGEST, [(page,) for page in set(page_ids) if page is not None])


def _upsert_by_key(
    tx: Tx, integration_id: str, kind: str, rows: dict[Key, EntityRow], stamp: int | None
) -> tuple[list[Key], list[Key]]:
    """Write the new and changed rows by key; return (written, unchanged) keys."""
    found = existing(tx, integration_id, rows)
    written = [k for k, row in rows.items() if k not in found or found[k][0] != row.hash]
    tx.executemany(BY_KEY, [(*rows[k], integration_id, kind, stamp) for k in written])
    forget_digests(tx, (found[k][1] for k in written if k in found))
    done = set(written)
    return written, [k for k in rows if k not in done]


def apply_live(
    tx: Tx, integration_id: str, kind: str, upserts: Sequence[EntityRow],
    deletes: Sequence[Key],
) -> LiveOutcome:
    """One live change (see ``LiveWriter.apply_live``), inside the caller's transaction."""
    seq = int(tx.one(RAISE_LIVE_SEQ, (integration_id,)))
    rows = latest_by_key(upserts)
    written, unchanged = _upsert_by_key(tx, integration_id, kind, rows, seq)
    tx.executemany(STAMP, [(seq, integration_id, *key) for key in unchanged])
    tx.executemany(UNTOMB, [(integration_id, *key) for key in rows])
    gone = list(dict.fromkeys(deletes))
    found = existing(tx, integration_id, gone)
    deleted = tx.executemany(DELETE_KEY, [(integration_id, *key) for key in gone])
    forget_digests(tx, (page for _, page in found.values()))
    tx.executemany(TOMB, [(integration_id, *key, kind, seq) for key in gone])
    return LiveOutcome(seq, len(written), len(unchanged), deleted)


def write_items(
    tx: Tx, integration_id: str, kind: str, rows: Sequence[EntityRow], live_mark: int | None
) -> PageOutcome:
    """A run's upserts by key (rule 9), leaving alone the keys touched live above the mark."""
    skip = touched(tx, integration_id, live_mark)
    every = latest_by_key(rows)
    latest = {k: r for k, r in every.items() if k not in skip}
    kept = len(every) - len(latest)
    written, _ = _upsert_by_key(tx, integration_id, kind, latest, None)
    return PageOutcome(len(written), len(rows) - len(written) - kept, kept)


def delete_items(tx: Tx, integration_id: str, keys: Sequence[Key], live_mark: int | None) -> int:
    """A run's deletes by key (rule 9); the caller has checked its generation."""
    gone = list(dict.fromkeys(keys))
    found = existing(tx, integration_id, gone)
    if live_mark is None:
        deleted = tx.executemany(DELETE_KEY, [(integration_id, *key) for key in gone])
    else:
        deleted = tx.executemany(
            DELETE_UNSTAMPED, [(integration_id, *key, live_mark) for key in gone]
        )
    forget_digests(tx, (page for _, page in found.values()))
    return deleted
