"""The SQLite catalog's schema and statements.

Seen-tracking is per page, not per entity: a no-op resync must not rewrite a million rows to
say "still here". ``entities.page_id`` points at the page that last held the entity; a page
row keeps a digest of its members' keys and content hashes, how many members it had when the
digest was taken, and the generation that last wrote it.

Members join a page only when that page is written; between two writes of a page they can only
leave it (moved to another page, or detached). So a page whose digest matches the new batch and
whose member count is unchanged holds exactly that batch, and marking the page seen marks them
all: the fast path, one row update per page.

Upgrades (``migrate``): whenever a file's ``user_version`` is below ``SCHEMA_VERSION``, every
statement of ``SCHEMA`` runs, then the data steps of the versions the file lacks, in one write
transaction that re-reads the version first (two processes opening an old file at once: the
second finds it done). So every statement in ``SCHEMA`` must be idempotent
(``IF NOT EXISTS``/``IF EXISTS``) and keep the data of every earlier version. Version 2 added
``state`` and the ``runs_by_start`` index (replacing ``runs_by_integration``); version 3 added
``knowledge_bases`` and ``kb_integrations``; version 4 rewrote every stored time in one format;
version 5 added rule 8's and rule 9's bookkeeping: ``live_seq`` on ``integrations`` and
``entities``, ``tombstones``, ``cursors``, and the webhook ``inbox`` with its
``inbox_totals`` (see ``_sql_live`` and ``_sql_inbox``).

``entities.live_seq`` is NULL for an entity no live change touched since a run last wrote it
(the design's 0): a NULL costs a resync's row nothing, and the partial index ``entities_live``
holds only the rows live changes touched, so it costs the resync path nothing either.

Times (``runs.started_at``, ``knowledge_bases.created_at``, ``kb_integrations.attached_at``) are
fixed-width ``isoformat()`` text of UTC datetimes, always with microseconds
(``_sql_dialect.fixed_width_utc``), so text order is time order. Before version 4,
``runs.started_at`` was ``isoformat()`` of the datetime as given: as wide as its microseconds
(none when 0), with its own offset.
"""

from __future__ import annotations

import sqlite3

from ocean_core.catalog._sql_dialect import SQLITE

SCHEMA_VERSION = 5

SCHEMA = (
    """
CREATE TABLE IF NOT EXISTS integrations (
    id TEXT PRIMARY KEY,
    generation INTEGER NOT NULL DEFAULT 0,
    live_seq INTEGER NOT NULL DEFAULT 0
)
""",
    """
CREATE TABLE IF NOT EXISTS pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: a page id names one page forever
    integration_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq INTEGER NOT NULL,
    digest BLOB,
    member_count INTEGER NOT NULL DEFAULT 0,
    seen_generation INTEGER NOT NULL,
    UNIQUE (integration_id, kind, seq)
)
""",
    """
CREATE TABLE IF NOT EXISTS entities (
    integration_id TEXT NOT NULL,
    blueprint TEXT NOT NULL,
    identifier TEXT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT,
    team TEXT,
    icon TEXT,
    properties TEXT NOT NULL,
    relations TEXT NOT NULL,
    hash INTEGER NOT NULL,
    page_id INTEGER,
    live_seq INTEGER,
    PRIMARY KEY (integration_id, blueprint, identifier)
) WITHOUT ROWID
""",
    """
CREATE INDEX IF NOT EXISTS entities_by_page ON entities (page_id)
""",
    """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    integration_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL,
    record TEXT NOT NULL
)
""",
    """
-- Serves runs() newest first, keyset-paged on (started_at, id), per integration.
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (integration_id, started_at, id)
""",
    """
DROP INDEX IF EXISTS runs_by_integration
""",
    """
CREATE TABLE IF NOT EXISTS state (
    integration_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,  -- JSON
    PRIMARY KEY (integration_id, key)
) WITHOUT ROWID
""",
    """
CREATE TABLE IF NOT EXISTS knowledge_bases (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
)
""",
    """
-- An integration attached to a knowledge base; not tied to any integrations row (the catalog
-- does not check that an integration is configured, and deleting a KB touches no entities).
CREATE TABLE IF NOT EXISTS kb_integrations (
    kb_id TEXT NOT NULL,
    integration_id TEXT NOT NULL,
    attached_at TEXT NOT NULL,
    PRIMARY KEY (kb_id, integration_id)
)
""",
    """
-- A key a live change deleted, with that change's live_seq: no run older than the change
-- brings it back. Dropped when a run starts above it (begin_run).
CREATE TABLE IF NOT EXISTS tombstones (
    integration_id TEXT NOT NULL,
    blueprint TEXT NOT NULL,
    identifier TEXT NOT NULL,
    kind TEXT NOT NULL,
    live_seq INTEGER NOT NULL,
    PRIMARY KEY (integration_id, blueprint, identifier)
) WITHOUT ROWID
""",
    """
CREATE TABLE IF NOT EXISTS cursors (
    integration_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,  -- JSON
    fingerprint TEXT NOT NULL,
    committed_at TEXT NOT NULL,
    PRIMARY KEY (integration_id, kind)
) WITHOUT ROWID
""",
    """
-- Verified webhook requests, kept before the 202; handled in id order per integration.
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    integration_id TEXT NOT NULL,
    name TEXT NOT NULL,
    received_at TEXT NOT NULL,
    headers TEXT NOT NULL,  -- JSON: [[name, value], ...]
    query TEXT NOT NULL,  -- JSON: [[name, value], ...]
    body BLOB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    handled_at TEXT
)
""",
    """
CREATE INDEX IF NOT EXISTS inbox_by_status ON inbox (integration_id, status, id)
""",
    """
-- Each integration's event counts, kept when handled events are pruned.
CREATE TABLE IF NOT EXISTS inbox_totals (
    integration_id TEXT PRIMARY KEY,
    received INTEGER NOT NULL DEFAULT 0,
    handled INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    retried INTEGER NOT NULL DEFAULT 0,
    last_received_at TEXT,
    last_handled_at TEXT
)
""",
)
"""Each statement idempotent: run whole on every upgrade."""

# Only new or changed content is written (so the statement's row count is the number
# upserted); a row whose content is unchanged stays where it is. A run's write takes the row
# back from the live changes (live_seq NULL): the page write only reaches keys that no live
# change newer than the run touched.
UPSERT_SQL = """
INSERT INTO entities (blueprint, identifier, title, team, icon, properties, relations, hash,
                      integration_id, kind, page_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (integration_id, blueprint, identifier) DO UPDATE SET
    kind = excluded.kind, title = excluded.title, team = excluded.team, icon = excluded.icon,
    properties = excluded.properties, relations = excluded.relations, hash = excluded.hash,
    page_id = excluded.page_id, live_seq = NULL
WHERE entities.hash IS NOT excluded.hash
"""

# Unchanged rows that another page (or none) held move into this one.
MOVE_SQL = """
UPDATE entities SET page_id = ?, kind = ?
WHERE integration_id = ? AND blueprint = ? AND identifier = ? AND page_id IS NOT ?
"""


TIME_COLUMNS = (
    ("runs", "started_at"), ("knowledge_bases", "created_at"), ("kb_integrations", "attached_at"),
)


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the file to ``SCHEMA_VERSION``, keeping its data; nothing when it is there."""
    if conn.execute("PRAGMA user_version").fetchone()[0] >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            for statement in SCHEMA:
                conn.execute(statement)
            if version < 4:
                _one_time_format(conn)
            if version < 5:
                _live_columns(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.rollback()
        raise


def _one_time_format(conn: sqlite3.Connection) -> None:
    """Version 4: every stored time as ``fixed_width_utc`` text. Each row keeps its instant,
    so the rows keep their time order (which the text order of the old format was only where
    the times were UTC)."""
    for table, column in TIME_COLUMNS:
        changed = []
        for rowid, text in conn.execute(f"SELECT rowid, {column} FROM {table}").fetchall():
            fixed = SQLITE.time_in(SQLITE.time_out(text))
            if fixed != text:
                changed.append((fixed, rowid))
        conn.executemany(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", changed)


LIVE_COLUMNS = (
    ("integrations", "live_seq", "INTEGER NOT NULL DEFAULT 0"),
    ("entities", "live_seq", "INTEGER"),
)
LIVE_INDEX = """
CREATE INDEX IF NOT EXISTS entities_live ON entities (integration_id, live_seq)
WHERE live_seq IS NOT NULL
"""


def _live_columns(conn: sqlite3.Connection) -> None:
    """Version 5: the ``live_seq`` columns on a file made before them (a new file has them
    from ``SCHEMA``), then the partial index over the one on ``entities``."""
    for table, column, declaration in LIVE_COLUMNS:
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if column not in present:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    conn.execute(LIVE_INDEX)
