"""The PostgreSQL catalog's general page write, in a worker thread, inside one transaction:
the last two ways of ``_postgres_page_chain`` (direct, then staged).

The algorithm is ``_sqlite_pages``' (see ``_sqlite_schema`` for why seen-tracking is per page):
an unchanged page costs one ``UPDATE pages``; a new page is one ``COPY`` straight into
``entities`` (direct). A changed page's rows go in with ``COPY`` into a per-connection temporary
staging table, then three set-based statements: detach the page's members that the batch no
longer holds, upsert what is new or changed (only those rows are written, so the statement's
row count is ``upserted``), and move unchanged rows that another page (or none) held into this
one. The delete step is written once for both SQL catalogs (``_sql_entities``).

Rule 8 as in ``_sqlite_pages``: the integration's ``live_seq`` is read ``FOR SHARE`` with the
fence; a page that is not marked seen by its digest leaves out the keys a live change newer
than the run touched, and is stored without a digest.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ocean_core.catalog._postgres_page import Miss, PageWrite
from ocean_core.catalog._rows import EntityRow, latest_by_key
from ocean_core.catalog._sql_dialect import POSTGRES, Tx
from ocean_core.catalog._sql_live import LIVE_SEQ, touched_since
from ocean_core.catalog._types import PageOutcome
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
    page_id = excluded.page_id, live_seq = NULL
WHERE entities.hash IS DISTINCT FROM excluded.hash
"""

MOVE = """
UPDATE entities e SET page_id = %(page)s, kind = %(kind)s
FROM pg_temp.ocean_stage s
WHERE e.integration_id = %(integration)s AND e.blueprint = s.blueprint
  AND e.identifier = s.identifier AND e.page_id IS DISTINCT FROM %(page)s
"""


LEASE_TOKEN = "SELECT token FROM leases WHERE integration_id = ?{for_share}"
"""The integration's fencing token, locked against a takeover until the transaction ends."""
FENCE = POSTGRES.render(LEASE_TOKEN)
LIVE = POSTGRES.render(LIVE_SEQ)


def check_token(integration_id: str, token: int, row: tuple[Any, ...] | None) -> None:
    current = None if row is None else int(row[0])
    if current != token:
        raise FencedError(integration_id, token, current)


def write_page(conn: Conn, page: PageWrite, *, direct: bool) -> PageOutcome | Miss:
    """Write one page: mark it seen by digest, or write what changed and re-take its digest.

    ``direct``: a page never written before goes straight into ``entities`` with one COPY; if
    one of its keys exists already (held by another page, or left unseen), that is undone and
    the answer is ``Miss.KEY_EXISTS``. Else (staged) every page can be written."""
    found, live_seq = _lock_page(conn, page)
    if found is not None and found[1] == page.digest and _member_count(conn, found[0]) == found[2]:
        conn.execute(
            "UPDATE pages SET seen_generation = %s WHERE id = %s", (page.generation, found[0])
        )
        return PageOutcome(upserted=0, unchanged=len(page.rows))
    latest = latest_by_key(page.rows)  # ON CONFLICT cannot touch one row twice: the last wins
    kept = 0
    digest: bytes | None = page.digest
    if page.live_mark is not None and live_seq > page.live_mark:
        skip = touched_since(Tx(conn, POSTGRES), page.integration_id, page.live_mark)
        kept = len(latest)
        latest = {key: row for key, row in latest.items() if key not in skip}
        kept -= len(latest)
        digest = None if kept else digest
    if found is None and direct:
        return _copy_new(conn, page, latest, digest, kept)
    page_id = _insert_page(conn, page, len(latest), digest) if found is None else found[0]
    with conn.cursor() as cur:
        with cur.copy(COPY_STAGE) as copy:
            for row in latest.values():
                copy.write_row(row)
        args = {"integration": page.integration_id, "kind": page.kind, "page": page_id}
        if found is not None:
            cur.execute(DETACH_DEPARTED, args)
        cur.execute(UPSERT, args)
        upserted = cur.rowcount
        if _member_count(conn, page_id) != len(latest):
            # Some unchanged rows are held elsewhere (or detached): move them here. Rare: it
            # takes a change of page boundaries or an entity repeated across pages.
            cur.execute(MOVE, args)
    _seal(conn, page_id, digest, len(latest), page.generation)
    return PageOutcome(upserted, len(page.rows) - upserted - kept, kept)


def _lock_page(conn: Conn, page: PageWrite) -> tuple[tuple[Any, ...] | None, int]:
    """The fencing check, the integration's ``live_seq`` (when the write has a mark) and the
    page's row, locked: one round trip."""
    with conn.pipeline():
        # Durable by the delete step's synchronous commit, as ``_postgres_wire`` explains.
        conn.execute("SET LOCAL synchronous_commit TO off")
        fence = None if page.token is None else conn.execute(FENCE, (page.integration_id,))
        live = None if page.live_mark is None else conn.execute(LIVE, (page.integration_id,))
        found = conn.execute(
            "SELECT id, digest, member_count FROM pages"
            " WHERE integration_id = %s AND kind = %s AND seq = %s FOR UPDATE",
            (page.integration_id, page.kind, page.seq),
        )
    if fence is not None and page.token is not None:
        check_token(page.integration_id, page.token, fence.fetchone())
    seq = None if live is None else live.fetchone()
    return found.fetchone(), 0 if seq is None else int(seq[0])


def _copy_new(
    conn: Conn, page: PageWrite, latest: dict[tuple[str, str], EntityRow],
    digest: bytes | None, kept: int,
) -> PageOutcome | Miss:
    try:
        # A savepoint: a held key undoes the page row and its COPY, and nothing else. Only the
        # rare writes take this way (most new pages go through ``_postgres_wire``).
        with conn.transaction(), conn.cursor() as cur:
            page_id = _insert_page(conn, page, len(latest), digest)
            with cur.copy(COPY_ENTITIES) as copy:
                for row in latest.values():
                    copy.write_row((*row, page.integration_id, page.kind, page_id))
    except psycopg.errors.UniqueViolation:
        return Miss.KEY_EXISTS
    return PageOutcome(len(latest), len(page.rows) - len(latest) - kept, kept)


def _insert_page(conn: Conn, page: PageWrite, members: int, digest: bytes | None) -> int:
    return int(_one(conn.execute(
        "INSERT INTO pages (integration_id, kind, seq, seen_generation, digest, member_count)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
        (page.integration_id, page.kind, page.seq, page.generation, digest, members),
    ).fetchone()))


def _seal(
    conn: Conn, page_id: int, digest: bytes | None, members: int, generation: int
) -> None:
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
