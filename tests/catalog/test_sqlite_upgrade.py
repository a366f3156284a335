"""Upgrading a version-3 SQLite file to version 4: every stored time in one format (fixed-width
UTC text with microseconds), with the data and the order of the rows kept; and a version-4 file
to version 5 (rule 8's and rule 9's bookkeeping)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ocean_core._types import ResyncStatus, Trigger
from ocean_core.catalog import CursorCommit, KnowledgeBaseRecord, RunStart, SQLiteCatalog, encode
from ocean_core.catalog._rows import page_digest
from ocean_core.catalog._sqlite_schema import SCHEMA_VERSION
from ocean_core.results import ResyncResult

pytestmark = pytest.mark.anyio

V3_SCHEMA = """
CREATE TABLE integrations (id TEXT PRIMARY KEY, generation INTEGER NOT NULL DEFAULT 0);
CREATE TABLE pages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, integration_id TEXT NOT NULL, kind TEXT NOT NULL,
    seq INTEGER NOT NULL, digest BLOB, member_count INTEGER NOT NULL DEFAULT 0,
    seen_generation INTEGER NOT NULL, UNIQUE (integration_id, kind, seq)
);
CREATE TABLE entities (
    integration_id TEXT NOT NULL, blueprint TEXT NOT NULL, identifier TEXT NOT NULL,
    kind TEXT NOT NULL, title TEXT, team TEXT, icon TEXT, properties TEXT NOT NULL,
    relations TEXT NOT NULL, hash INTEGER NOT NULL, page_id INTEGER,
    PRIMARY KEY (integration_id, blueprint, identifier)
) WITHOUT ROWID;
CREATE INDEX entities_by_page ON entities (page_id);
CREATE TABLE runs (
    id TEXT PRIMARY KEY, integration_id TEXT NOT NULL, started_at TEXT NOT NULL,
    status TEXT NOT NULL, record TEXT NOT NULL
);
CREATE INDEX runs_by_start ON runs (integration_id, started_at, id);
CREATE TABLE state (
    integration_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (integration_id, key)
) WITHOUT ROWID;
CREATE TABLE knowledge_bases (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE kb_integrations (
    kb_id TEXT NOT NULL, integration_id TEXT NOT NULL, attached_at TEXT NOT NULL,
    PRIMARY KEY (kb_id, integration_id)
);
PRAGMA user_version = 3;
"""

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NEWEST_FIRST = "SELECT id FROM runs ORDER BY started_at DESC, id DESC"


def run(run_id: str, started_at: datetime) -> ResyncResult:
    return ResyncResult(
        id=run_id, integration_id="i", generation=1, trigger=Trigger.API, started_at=started_at,
        status=ResyncStatus.SUCCEEDED,
    )


# What version 3 stored for them: isoformat() as given, as wide as the microseconds.
RUNS = [
    run("whole", T0),                                          # ...12:00:00+00:00
    run("micro", T0 + timedelta(microseconds=1)),              # ...12:00:00.000001+00:00
    run("tenth", T0 + timedelta(microseconds=100_000)),        # ...12:00:00.100000+00:00
    run("next", T0 + timedelta(seconds=1)),
    run("tie-a", T0 + timedelta(seconds=2)),
    run("tie-b", T0 + timedelta(seconds=2)),
]
KB_TIMES = [T0 + timedelta(seconds=n, microseconds=n) for n in range(3)]


def fixed(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def write_v3_file(path: Path, runs: list[ResyncResult]) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V3_SCHEMA)
    with conn:
        conn.execute("INSERT INTO integrations VALUES ('i', 1)")
        for record in runs:
            conn.execute(
                "INSERT INTO runs VALUES (?, 'i', ?, ?, ?)",
                (record.id, record.started_at.isoformat(), record.status.value,
                 record.model_dump_json()),
            )
        conn.execute("INSERT INTO knowledge_bases VALUES ('kb', 'KB', ?)", (fixed(KB_TIMES[0]),))
        for n, integration_id in ((1, "i2"), (2, "i1")):
            conn.execute(
                "INSERT INTO kb_integrations VALUES ('kb', ?, ?)",
                (integration_id, fixed(KB_TIMES[n])),
            )
    conn.close()


def stored(path: Path, query: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


async def test_a_version_3_file_keeps_its_rows_and_their_order_in_one_time_format(
    tmp_path: Path,
) -> None:
    path = tmp_path / "v3.db"
    write_v3_file(path, RUNS)
    old_order = [r[0] for r in stored(path, NEWEST_FIRST)]
    assert stored(path, "SELECT started_at FROM runs WHERE id = 'whole'") == [
        ("2025-03-01T12:00:00+00:00",)  # version 3's variable width
    ]

    catalog = SQLiteCatalog(path)
    newest_first = [r.id for r in await catalog.runs("i")]
    assert newest_first == old_order == ["tie-b", "tie-a", "next", "tenth", "micro", "whole"]
    for record in RUNS:
        assert await catalog.get_run(record.id) == record
    before = (RUNS[1].started_at, RUNS[1].id)
    assert [r.id for r in await catalog.runs("i", before=before)] == ["whole"]
    assert await catalog.knowledge_bases() == [
        KnowledgeBaseRecord("kb", "KB", KB_TIMES[0], ("i2", "i1")),
    ]
    assert await catalog.attachments("kb") == [("i2", KB_TIMES[1]), ("i1", KB_TIMES[2])]
    assert await catalog.generation("i") == 1
    await catalog.close()

    assert stored(path, "PRAGMA user_version") == [(SCHEMA_VERSION,)] == [(5,)]
    times = [
        text for query in (
            "SELECT started_at FROM runs", "SELECT created_at FROM knowledge_bases",
            "SELECT attached_at FROM kb_integrations",
        ) for (text,) in stored(path, query)
    ]
    assert len(times) == len(RUNS) + 3
    assert {len(str(text)) for text in times} == {len("2025-03-01T12:00:00.000000+00:00")}
    assert sorted(stored(path, "SELECT id, started_at FROM runs")) == sorted(
        (record.id, fixed(record.started_at)) for record in RUNS
    )


async def test_a_time_stored_in_another_zone_takes_its_place_in_time_order(
    tmp_path: Path,
) -> None:
    """Version 3 kept a start time given in another zone as written, so its text sorted out of
    time order; after the upgrade it sorts by its instant."""
    path = tmp_path / "v3.db"
    zoned = run("zoned", datetime(2025, 3, 1, 13, 30, tzinfo=timezone(timedelta(hours=2))))
    write_v3_file(path, [*RUNS, zoned])  # 11:30 UTC: before every other run
    old_order = [r[0] for r in stored(path, NEWEST_FIRST)]
    assert old_order[0] == "zoned"  # 13:30+02:00 sorted as if it were the newest

    catalog = SQLiteCatalog(path)
    assert [r.id for r in await catalog.runs("i")][-2:] == ["whole", "zoned"]
    assert await catalog.get_run("zoned") == zoned
    await catalog.close()


async def test_opening_an_upgraded_file_again_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "v3.db"
    write_v3_file(path, RUNS)
    await SQLiteCatalog(path).close()  # close without a call: nothing opened
    first = SQLiteCatalog(path)
    await first.generation("i")
    await first.close()
    snapshot = stored(path, "SELECT id, started_at FROM runs ORDER BY id")
    again = SQLiteCatalog(path)
    assert (await again.runs("i", limit=1))[0].id == "tie-b"
    await again.close()
    assert stored(path, "SELECT id, started_at FROM runs ORDER BY id") == snapshot
    assert stored(path, "PRAGMA user_version") == [(5,)]


async def test_a_version_4_file_gains_rule_8s_bookkeeping_and_keeps_its_pages(
    tmp_path: Path,
) -> None:
    """Version 5: ``live_seq`` on both tables (the old rows with none: NULL and 0), the
    partial index, tombstones, cursors and the inbox; the old page still marks seen by its
    digest, and live changes, cursors and events work on it."""
    path = tmp_path / "v4.db"
    row = encode("a", "svc", "A", {}, {})
    conn = sqlite3.connect(path)
    conn.executescript(V3_SCHEMA.replace("user_version = 3", "user_version = 4"))
    with conn:  # as version 4 left a first resync: a page and its member
        conn.execute("INSERT INTO integrations VALUES ('i', 1)")
        page = conn.execute(
            "INSERT INTO pages (integration_id, kind, seq, digest, member_count,"
            " seen_generation) VALUES ('i', 'svc', 0, ?, 1, 1) RETURNING id",
            (page_digest([row]),),
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO entities (blueprint, identifier, title, team, icon, properties,"
            " relations, hash, integration_id, kind, page_id) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, 'i', 'svc', ?)", (*row, page),
        )
    conn.close()

    catalog = SQLiteCatalog(path)
    async with catalog.runner_lock("i"):
        start = await catalog.begin_run("i", 2)
        assert start == RunStart(2, 0)
        seen = await catalog.write_page("i", "svc", 0, 2, [row], live_mark=start.live_mark)
        assert (seen.upserted, seen.unchanged) == (0, 1)  # the old digest still holds
        await catalog.apply_live("i", "svc", [], [("svc", "a")])
        await catalog.commit_cursor("i", "svc", CursorCommit("2026", "f"))
    await catalog.put_event("i", "events", headers=[], query=[], body=b"{}")
    assert await catalog.list_entities("i") == []
    assert (await catalog.cursors("i"))["svc"].value == "2026"
    assert len(await catalog.pending_events("i")) == 1
    await catalog.close()
    assert stored(path, "PRAGMA user_version") == [(5,)]
    names = {name for (name,) in stored(path, "SELECT name FROM sqlite_master")}
    assert {"tombstones", "cursors", "inbox", "inbox_totals", "entities_live"} <= names
