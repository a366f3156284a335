"""The PostgreSQL catalog's schema: its name, its versioned migrations, and the lock keys.

Every object lives in one schema (default ``ocean``). Migrations are an ordered list of steps;
``migrate`` applies the missing ones in one transaction that holds an advisory lock derived from
the schema name, so two processes starting at once serialise and the second applies nothing.
``schema_migrations`` records which versions are applied.

Version 1 is the whole schema of SQLite's version 3 (see ``_sqlite_schema`` for the page-digest
seen-tracking design), with PostgreSQL types: ``bigint`` for generations, page ids and content
hashes (a signed 64-bit int already), ``bytea`` for page digests, ``text`` for properties and
relations (the canonical JSON of ``_rows.encode``: cheap to COPY, equality is exact), and
``timestamptz`` for times (microseconds, as Python's datetimes: ``(started_at, id)`` keyset
cursors round-trip exactly). Every key and id column is ``COLLATE "C"``, so ordering is by
code point (UTF-8 bytes), as SQLite's and Python's are, whatever the database's locale.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import psycopg
from psycopg import sql

DEFAULT_SCHEMA = "ocean"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
"""An unquoted PostgreSQL identifier of at most 63 bytes (NAMEDATALEN - 1)."""


def check_schema_name(name: str) -> str:
    """``name`` if it is a plain identifier (letters, digits, ``_``; not starting with a digit;
    at most 63 characters) and not reserved by PostgreSQL (``pg_*``); else ``ValueError``."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            f"invalid PostgreSQL schema name {name!r}: use letters, digits and '_',"
            " not starting with a digit, at most 63 characters"
        )
    if name.lower().startswith("pg_") or name.lower() == "information_schema":
        raise ValueError(f"invalid PostgreSQL schema name {name!r}: reserved by PostgreSQL")
    return name


def lock_key(*parts: str) -> int:
    """A stable signed 64-bit advisory lock key: the first 8 bytes of a blake2b of the parts."""
    digest = hashlib.blake2b("\x00".join(("ocean_core", *parts)).encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def migration_key(schema: str) -> int:
    return lock_key("migrate", schema)


def runner_key(schema: str, integration_id: str) -> int:
    return lock_key("runner", schema, integration_id)


V1 = """
CREATE TABLE integrations (
    id text COLLATE "C" PRIMARY KEY,
    generation bigint NOT NULL DEFAULT 0
);
CREATE TABLE pages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- never reused
    integration_id text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    digest bytea,
    member_count bigint NOT NULL DEFAULT 0,
    seen_generation bigint NOT NULL,
    UNIQUE (integration_id, kind, seq)
);
CREATE TABLE entities (
    integration_id text COLLATE "C" NOT NULL,
    blueprint text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL,
    title text COLLATE "C",
    team text,
    icon text,
    properties text NOT NULL,
    relations text NOT NULL,
    hash bigint NOT NULL,
    page_id bigint,
    PRIMARY KEY (integration_id, blueprint, identifier)
);
CREATE INDEX entities_by_page ON entities (page_id);
CREATE TABLE runs (
    id text COLLATE "C" PRIMARY KEY,
    integration_id text COLLATE "C" NOT NULL,
    started_at timestamptz NOT NULL,
    status text NOT NULL,
    record text NOT NULL
);
-- Serves runs() newest first, keyset-paged on (started_at, id), per integration.
CREATE INDEX runs_by_start ON runs (integration_id, started_at, id);
CREATE TABLE state (
    integration_id text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    value text NOT NULL,  -- JSON
    PRIMARY KEY (integration_id, key)
);
CREATE TABLE knowledge_bases (
    id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL
);
-- Not tied to any integrations row: the catalog does not check that an integration is
-- configured, and deleting a knowledge base touches no entities.
CREATE TABLE kb_integrations (
    kb_id text COLLATE "C" NOT NULL REFERENCES knowledge_bases (id) ON DELETE CASCADE,
    integration_id text COLLATE "C" NOT NULL,
    attached_at timestamptz NOT NULL,
    PRIMARY KEY (kb_id, integration_id)
);
"""

V2 = """
-- One row per integration ever run: the fencing token of its current runner. Each runner
-- that takes an integration's advisory lock raises the token; every page write and delete
-- step checks in its own transaction that the token is still its own, so a runner that lost
-- the lock (its lock connection died, another process took over) can no longer write.
CREATE TABLE leases (
    integration_id text COLLATE "C" PRIMARY KEY,
    token bigint NOT NULL,
    holder text NOT NULL,
    taken_at timestamptz NOT NULL
);
"""

V3 = """
-- Rule 8 and rule 9 (SQLite's version 5, see _sqlite_schema): live marks, tombstones, cursors
-- and the webhook inbox. entities.live_seq is NULL for a row no live change touched since a
-- run last wrote it: no bytes in the row, and no entry in the partial index.
ALTER TABLE integrations ADD COLUMN live_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE entities ADD COLUMN live_seq bigint;
CREATE INDEX entities_live ON entities (integration_id, live_seq) WHERE live_seq IS NOT NULL;
CREATE TABLE tombstones (
    integration_id text COLLATE "C" NOT NULL,
    blueprint text COLLATE "C" NOT NULL,
    identifier text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL,
    live_seq bigint NOT NULL,
    PRIMARY KEY (integration_id, blueprint, identifier)
);
CREATE TABLE cursors (
    integration_id text COLLATE "C" NOT NULL,
    kind text COLLATE "C" NOT NULL,
    value text NOT NULL,  -- JSON
    fingerprint text NOT NULL,
    committed_at timestamptz NOT NULL,
    PRIMARY KEY (integration_id, kind)
);
CREATE TABLE inbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    integration_id text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    received_at timestamptz NOT NULL,
    headers text NOT NULL,  -- JSON: [[name, value], ...]
    query text NOT NULL,
    body bytea NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    handled_at timestamptz
);
CREATE INDEX inbox_by_status ON inbox (integration_id, status, id);
CREATE TABLE inbox_totals (
    integration_id text COLLATE "C" PRIMARY KEY,
    received bigint NOT NULL DEFAULT 0,
    handled bigint NOT NULL DEFAULT 0,
    failed bigint NOT NULL DEFAULT 0,
    retried bigint NOT NULL DEFAULT 0,
    last_received_at timestamptz,
    last_handled_at timestamptz
);
"""

MIGRATIONS: Sequence[tuple[int, str]] = ((1, V1), (2, V2), (3, V3))
"""``(version, SQL)`` in order. Append a step to change the schema; never edit an applied one."""

SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrate(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> list[int]:
    """Apply the missing migrations to ``schema`` (creating it), in one transaction that holds
    the schema's advisory lock; return the versions this call applied."""
    check_schema_name(schema)
    name = sql.Identifier(schema)
    with conn.transaction():
        # Taken before anything is read or created: a second process waits here, then finds
        # every version applied (READ COMMITTED: each statement sees what committed before it).
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (migration_key(schema),))
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
        conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(name))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations"
            " (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        applied = []
        for version, statements in MIGRATIONS:
            if version in done:
                continue
            conn.execute(statements)  # several statements: allowed without parameters
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
            applied.append(version)
        return applied
