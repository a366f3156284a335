"""The SQLite catalog's page write, run inside one write transaction.

See ``_sqlite_schema`` for why seen-tracking is per page; the delete step that reads what the
page writes leave behind is written once for both SQL catalogs (``_sql_entities``).

A page whose digest still matches is marked seen whatever live changes came since the run
began: a live change that altered or deleted one of its members took the page's digest (or a
member) with it, so a match means the page still holds exactly the rows the run read. Any
other page leaves out the keys a live change newer than the run touched (``_sql_live``), and
is then stored without a digest, so the next run writes it whole.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import ocean_core.catalog._sqlite_schema as sql
from ocean_core.catalog._rows import EntityRow, latest_by_key, page_digest
from ocean_core.catalog._sql_dialect import SQLITE, Tx
from ocean_core.catalog._sql_live import touched
from ocean_core.catalog._types import PageOutcome


def write_page(
    conn: sqlite3.Connection, integration_id: str, kind: str, seq: int, generation: int,
    rows: Sequence[EntityRow], live_mark: int | None = None,
) -> PageOutcome:
    """Write one page: mark it seen by digest, or write what changed and re-take its digest."""
    digest: bytes | None = page_digest(rows)
    found = conn.execute(
        "SELECT id, digest, member_count FROM pages"
        " WHERE integration_id = ? AND kind = ? AND seq = ?",
        (integration_id, kind, seq),
    ).fetchone()
    if found is not None and found[1] == digest and _member_count(conn, found[0]) == found[2]:
        conn.execute("UPDATE pages SET seen_generation = ? WHERE id = ?", (generation, found[0]))
        return PageOutcome(upserted=0, unchanged=len(rows))
    latest = latest_by_key(rows)
    skip = touched(Tx(conn, SQLITE), integration_id, live_mark)
    kept = 0
    if skip:
        kept = len(latest)
        latest = {key: row for key, row in latest.items() if key not in skip}
        kept -= len(latest)
        digest = None if kept else digest
    if found is None:
        page_id = conn.execute(
            "INSERT INTO pages (integration_id, kind, seq, seen_generation) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (integration_id, kind, seq, generation),
        ).fetchone()[0]
    else:
        page_id = found[0]
        _detach_departed(conn, integration_id, page_id, latest)
    tail = (integration_id, kind, page_id)
    upserted = conn.executemany(sql.UPSERT_SQL, [(*row, *tail) for row in latest.values()]).rowcount
    if _member_count(conn, page_id) != len(latest):
        # Some unchanged rows are held elsewhere (or detached): move them here. Rare: it takes
        # a change of page boundaries or an entity repeated across pages.
        conn.executemany(
            sql.MOVE_SQL, [(page_id, kind, integration_id, *key, page_id) for key in latest]
        )
    conn.execute(
        "UPDATE pages SET digest = ?, member_count = ?, seen_generation = ? WHERE id = ?",
        (digest, len(latest), generation, page_id),
    )
    return PageOutcome(upserted, len(rows) - upserted - kept, kept)


def _member_count(conn: sqlite3.Connection, page_id: int) -> int:
    row = conn.execute("SELECT count(*) FROM entities WHERE page_id = ?", (page_id,)).fetchone()
    return int(row[0])


def _detach_departed(
    conn: sqlite3.Connection, integration_id: str, page_id: int, latest: dict[tuple[str, str], Any]
) -> None:
    """Members of the page that this write does not hold again lose their page: unseen."""
    members = conn.execute(
        "SELECT blueprint, identifier FROM entities WHERE page_id = ?", (page_id,)
    ).fetchall()
    departed = [(integration_id, b, i) for b, i in members if (b, i) not in latest]
    conn.executemany(
        "UPDATE entities SET page_id = NULL"
        " WHERE integration_id = ? AND blueprint = ? AND identifier = ?",
        departed,
    )

