"""The PostgreSQL catalog's page writes and its delete step: each runs inside one transaction.

The algorithm is ``_sqlite_pages``' (see ``_sqlite_schema`` for why seen-tracking is per page):
an unchanged page costs one ``UPDATE pages``; a new page (every page of a first resync) is one
``COPY`` straight into ``entities``. A changed page's rows go in with ``COPY`` into a
per-connection temporary staging table, then three set-based statements: detach the page's
members that the batch no longer holds, upsert what is new or changed (only those rows are
written, so the statement's row count is ``upserted``), and move unchanged rows that another
page (or none) held into this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from ocean_core.catalog._guards import threshold_reason
from ocean_core.catalog._protocol import DeleteOutcome, PageOutcome
from ocean_core.catalog._rows import EntityRow, latest_by_key, page_digest
from ocean_core.errors import FencedError

Conn = psycopg.Connection[tuple[Any, ...]]

STAGE_COLUMNS = "blueprint, identifier, title, team, icon, properties, relations, hash"

# Created once per connection (the pool's ``configure``); emptied at every commit, and its rows
# vanish with a rolled-back transaction too.
CREATE_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS ocean_stage (
    blueprint text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    title text,
    team text,
    icon text,
    properties text NOT NULL,
    relations text NOT NULL,
    hash bigint NOT NULL
) ON COMMIT DELETE ROWS
"""

COPY_STAGE = f"COPY pg_temp.ocean_stage ({STAGE_COLUMNS}) FROM STDIN"
COPY_ENTITIES = f"COPY entities ({STAGE_COLUMNS}, integration_id, kind, page_id) FROM STDIN"

DETACH_DEPARTED = """
UPDATE entities e SET page_id = NULL
WHERE e.page_id = %(page)s AND e.integration_id = %(integration)s
  AND NOT EXISTS (
    SELECT 1 FROM pg_temp.ocean_stage s
    WHERE s.blueprint = e.blueprint AND s.identifier = e.identifier)
"""

UPSERT = f"""
INSERT INTO entities ({STAGE_COLUMNS}, integration_id, kind, page_id)
SELECT {STAGE_COLUMNS}, %(integration)s, %(kind)s, %(page)s FROM pg_temp.ocean_stage
ON CONFLICT (integration_id, blueprint, identifier) DO UPDATE SET
    kind = excluded.kind, title = excluded.title, team = excluded.team, icon = excluded.icon,
    properties = excluded.properties, relations = excluded.relations, hash = excluded.hash,
    page_id = excluded.page_id
WHERE entities.hash IS DISTINCT FROM excluded.hash
"""

MOVE = """
UPDATE entities e SET page_id = %(page)s, kind = %(kind)s
FROM pg_temp.ocean_stage s
WHERE e.integration_id = %(integration)s AND e.blueprint = s.blueprint
  AND e.identifier = s.identifier AND e.page_id IS DISTINCT FROM %(page)s
"""

STALE_WHERE = """
(e.page_id IN (
    SELECT p.id FROM pages p
    WHERE p.integration_id = %(integration)s AND p.seen_generation <> %(generation)s)
 OR (e.page_id IS NULL AND e.integration_id = %(integration)s))
"""
"""The entities a delete step removes: members of pages the run did not see, and detached
rows. Both arms are lookups in the page index, so the cost follows the stale rows, not the
integration's size (nothing to scan after a clean first resync)."""


class StagingNeeded(Exception):
    """A new page's direct COPY met a key that exists already: the transaction is spoiled,
    and the caller runs the write again through the staging path (``direct=False``)."""


FENCE = "SELECT token FROM leases WHERE integration_id = %s FOR SHARE"
"""The integration's fencing token, locked against a takeover until the transaction ends."""


def check_token(integration_id: str, token: int, row: tuple[Any, ...] | None) -> None:
    current = None if row is None else int(row[0])
    if current != token:
        raise FencedError(integration_id, token, current)


def write_page(
    conn: Conn, integration_id: str, kind: str, seq: int, generation: int,
    rows: Sequence[EntityRow], *, direct: bool = True, token: int | None = None,
) -> PageOutcome:
    """Write one page: mark it seen by digest, or write what changed and re-take its digest.

    A page never written before goes straight into ``entities`` with one COPY (every page of
    a first resync); if one of its keys exists already (held by another page, or left
    unseen), ``StagingNeeded`` asks for the write again with ``direct=False``. No savepoint:
    two round trips a page saved on the common path, one retry on the rare one."""
    digest = page_digest(rows)
    with conn.pipeline():  # the fencing check and the page lookup: one round trip
        # Durable by the delete step's synchronous commit, as ``_postgres_wire`` explains.
        conn.execute("SET LOCAL synchronous_commit TO off")
        fence = None if token is None else conn.execute(FENCE, (integration_id,))
        page = conn.execute(
            "SELECT id, digest, member_count FROM pages"
            " WHERE integration_id = %s AND kind = %s AND seq = %s FOR UPDATE",
            (integration_id, kind, seq),
        )
    if fence is not None and token is not None:
        check_token(integration_id, token, fence.fetchone())
    found = page.fetchone()
    if found is not None and found[1] == digest and _member_count(conn, found[0]) == found[2]:
        conn.execute(
            "UPDATE pages SET seen_generation = %s WHERE id = %s", (generation, found[0])
        )
        return PageOutcome(upserted=0, unchanged=len(rows))
    latest = latest_by_key(rows)  # ON CONFLICT cannot touch one row twice: the last one wins
    if found is None:
        page_id = _one(conn.execute(
            "INSERT INTO pages (integration_id, kind, seq, seen_generation, digest,"
            " member_count) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
            (integration_id, kind, seq, generation, digest, len(latest)),
        ).fetchone())
        if direct:
            try:
                with conn.cursor() as cur, cur.copy(COPY_ENTITIES) as copy:
                    for row in latest.values():
                        copy.write_row((*row, integration_id, kind, page_id))
            except psycopg.errors.UniqueViolation:
                raise StagingNeeded from None
            return PageOutcome(upserted=len(latest), unchanged=len(rows) - len(latest))
    else:
        page_id = found[0]
    with conn.cursor() as cur:
        with cur.copy(COPY_STAGE) as copy:
            for row in latest.values():
                copy.write_row(row)
        args = {"integration": integration_id, "kind": kind, "page": page_id}
        if found is not None:
            cur.execute(DETACH_DEPARTED, args)
        cur.execute(UPSERT, args)
        upserted = cur.rowcount
        if _member_count(conn, page_id) != len(latest):
            # Some unchanged rows are held elsewhere (or detached): move them here. Rare: it
            # takes a change of page boundaries or an entity repeated across pages.
            cur.execute(MOVE, args)
    _seal(conn, page_id, digest, len(latest), generation)
    return PageOutcome(upserted=upserted, unchanged=len(rows) - upserted)


def _seal(conn: Conn, page_id: int, digest: bytes, members: int, generation: int) -> None:
    conn.execute(
        "UPDATE pages SET digest = %s, member_count = %s, seen_generation = %s WHERE id = %s",
        (digest, members, generation, page_id),
    )


def _one(row: tuple[Any, ...] | None) -> Any:
    assert row is not None
    return row[0]


def _member_count(conn: Conn, page_id: int) -> int:
    return int(_one(conn.execute(
        "SELECT count(*) FROM entities WHERE page_id = %s", (page_id,)
    ).fetchone()))


def delete_stale(
    conn: Conn, integration_id: str, generation: int, threshold: float, dry_run: bool
) -> DeleteOutcome:
    """The generation check and the delete in one transaction: the integration's row stays
    locked until commit, so a concurrent ``advance_generation`` waits for the delete."""
    row = conn.execute(
        "SELECT generation FROM integrations WHERE id = %s FOR UPDATE", (integration_id,)
    ).fetchone()
    current = int(row[0]) if row else 0
    if current != generation:
        reason = f"superseded: generation {generation} is no longer current (now {current})"
        return DeleteOutcome(0, 0, 0, skipped_reason=reason, superseded=True)
    args = {"integration": integration_id, "generation": generation}
    stale = int(_one(conn.execute(
        f"SELECT count(*) FROM entities e WHERE {STALE_WHERE}", args
    ).fetchone()))
    if stale == 0:  # nothing to weigh against the total: skip counting it
        return DeleteOutcome(0, 0, 0)
    total = int(_one(conn.execute(
        "SELECT count(*) FROM entities WHERE integration_id = %s", (integration_id,)
    ).fetchone()))
    too_many = threshold_reason(stale, total, threshold)
    if too_many is not None or dry_run:
        return DeleteOutcome(0, stale, total, skipped_reason=too_many)
    deleted = conn.execute(f"DELETE FROM entities e WHERE {STALE_WHERE}", args).rowcount
    conn.execute(
        "DELETE FROM pages WHERE integration_id = %s AND seen_generation <> %s",
        (integration_id, generation),
    )
    return DeleteOutcome(deleted, stale, total)
