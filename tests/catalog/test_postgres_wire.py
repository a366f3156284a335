"""PostgresCatalog's event-loop write path (``_postgres_wire``): a new page in one message plus
COPY, an unchanged page in one round trip, and everything unusual handed to the general path
(a worker thread) with the same result. The contract itself runs through the ``catalog``
fixture; these tests pin down which path a page takes and what each refuses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from ocean_core.catalog import PostgresCatalog, encode
from ocean_core.catalog import _postgres_pages as general
from ocean_core.catalog._postgres_page import PageWrite
from ocean_core.catalog._rows import EntityRow
from ocean_core.errors import FencedError, TransientCatalogError
from tests.catalog.test_postgres_runners import _kill
from tests.conftest import drop_postgres_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[PostgresCatalog]:
    schema = f"test_{uuid.uuid4().hex[:8]}"
    store = PostgresCatalog(postgres_url, schema=schema)
    yield store
    await store.close()
    drop_postgres_schema(postgres_url, schema)


@pytest.fixture
def general_writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The page numbers written by the general path (a worker thread)."""
    seqs: list[int] = []
    original = general.write_page

    def counted(conn: Any, page: PageWrite, **kw: Any) -> Any:
        seqs.append(page.seq)
        return original(conn, page, **kw)

    monkeypatch.setattr(general, "write_page", counted)
    return seqs


def rows(*identifiers: str, value: int = 0) -> list[EntityRow]:
    return [encode(i, "svc", f"title {i}", {"v": value}, {}) for i in identifiers]


def stored(url: str, schema: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            f"SELECT e.identifier, e.properties, p.seq, p.seen_generation, p.member_count"
            f" FROM {schema}.entities e JOIN {schema}.pages p ON p.id = e.page_id"
            " ORDER BY e.identifier"
        ).fetchall()


async def test_new_and_unchanged_pages_take_the_event_loop_path(
    pg: PostgresCatalog, postgres_url: str, general_writes: list[int]
) -> None:
    tool = pg.unfenced()
    first = await pg.advance_generation("i")
    outcome = await tool.write_page("i", "svc", 0, first, [*rows("a", "b"), *rows("a", value=2)])
    assert (outcome.upserted, outcome.unchanged) == (2, 1)  # a repeated key: the last row wins
    await tool.write_page("i", "svc", 1, first, rows("c"))
    assert stored(postgres_url, pg.schema) == [
        ("a", '{"v":2}', 0, first, 2), ("b", '{"v":0}', 0, first, 2), ("c", '{"v":0}', 1, first, 1),
    ]

    second = await pg.advance_generation("i")
    again = await tool.write_page("i", "svc", 0, second, [*rows("a", "b"), *rows("a", value=2)])
    assert (again.upserted, again.unchanged) == (0, 3)
    assert [r[3] for r in stored(postgres_url, pg.schema)][:2] == [second, second]
    assert general_writes == []


async def test_a_changed_page_and_a_moved_key_take_the_general_path(
    pg: PostgresCatalog, postgres_url: str, general_writes: list[int]
) -> None:
    tool = pg.unfenced()
    first = await pg.advance_generation("i")
    await tool.write_page("i", "svc", 0, first, rows("a", "b"))
    second = await pg.advance_generation("i")
    changed = await tool.write_page("i", "svc", 0, second, rows("b", value=1))  # a left page 0
    moved = await tool.write_page("i", "svc", 1, second, rows("a"))  # new page, key held elsewhere
    assert (changed.upserted, moved.upserted, moved.unchanged) == (1, 0, 1)
    assert general_writes == [0, 1]
    assert stored(postgres_url, pg.schema) == [
        ("a", '{"v":0}', 1, second, 1), ("b", '{"v":1}', 0, second, 1),
    ]
    assert (await tool.delete_stale("i", second, threshold=1.0)).deleted == 0


async def test_a_page_another_writer_made_meanwhile_is_written_right(
    pg: PostgresCatalog, postgres_url: str, general_writes: list[int]
) -> None:
    tool = pg.unfenced()
    generation = await pg.advance_generation("i")
    await tool.write_page("i", "svc", 0, generation, rows("a"))  # reads the kind's pages
    other = PostgresCatalog(postgres_url, schema=pg.schema)
    try:
        await other.unfenced().write_page("i", "svc", 1, generation, rows("b"))
    finally:
        await other.close()
    outcome = await tool.write_page("i", "svc", 1, generation, rows("b", "c"))
    assert (outcome.upserted, outcome.unchanged) == (1, 1)
    assert general_writes == [1]
    assert [r[:3] for r in stored(postgres_url, pg.schema)] == [
        ("a", '{"v":0}', 0), ("b", '{"v":0}', 1), ("c", '{"v":0}', 1),
    ]


async def test_a_fenced_out_runner_writes_nothing_on_either_path(
    pg: PostgresCatalog, postgres_url: str
) -> None:
    new = PostgresCatalog(postgres_url, schema=pg.schema)
    try:
        async with pg.runner_lock("i"):
            generation = await pg.advance_generation("i")
            await pg.write_page("i", "svc", 0, generation, rows("a"))
            _kill(postgres_url, pg, "i")
            async with new.runner_lock("i"):
                later = await new.advance_generation("i")
                before = stored(postgres_url, pg.schema)
                with pytest.raises(FencedError):  # a new page: its COPY is never sent
                    await pg.write_page("i", "svc", 1, generation, rows("b"))
                with pytest.raises(FencedError):  # unchanged: not even marked seen
                    await pg.write_page("i", "svc", 0, later, rows("a"))
                assert stored(postgres_url, pg.schema) == before
    finally:
        await new.close()


def _terminate(url: str, conn: Any) -> None:
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (conn.info.backend_pid,))


async def test_a_lost_connection_is_replaced_once_then_the_error_is_transient(
    pg: PostgresCatalog, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = pg.unfenced()
    generation = await pg.advance_generation("i")
    await tool.write_page("i", "svc", 0, generation, rows("a"))
    assert pg._wire._conn is not None
    _terminate(postgres_url, pg._wire._conn)  # as a server restart would, between two pages
    await tool.write_page("i", "svc", 1, generation, rows("b"))
    assert [r[0] for r in stored(postgres_url, pg.schema)] == ["a", "b"]

    # A connection that dies again at once: the second failure is reported, not retried.
    connect = pg._wire._connect

    async def doomed() -> Any:
        conn = await connect()
        _terminate(postgres_url, conn)
        return conn

    monkeypatch.setattr(pg._wire, "_connect", doomed)
    await pg._wire.close()
    with pytest.raises(TransientCatalogError):
        await tool.write_page("i", "svc", 2, generation, rows("c"))
    assert [r[0] for r in stored(postgres_url, pg.schema)] == ["a", "b"]


async def test_page_writes_commit_without_waiting_for_the_disk_and_leave_no_setting_behind(
    pg: PostgresCatalog,
) -> None:
    tool = pg.unfenced()
    generation = await pg.advance_generation("i")
    await tool.write_page("i", "svc", 0, generation, rows("a"))
    await tool.write_page("i", "svc", 0, generation, rows("b"))  # the general path
    # SET LOCAL ends with each page's transaction: every later call (the delete step, run
    # records) commits synchronously, which flushes the pages written before it.
    setting = await pg._run(lambda c: c.execute("SHOW synchronous_commit").fetchone())
    assert setting == ("on",)
    wire = pg._wire._conn
    assert wire is not None and wire.execute("SHOW synchronous_commit").fetchone() == ("on",)


async def test_with_the_wire_busy_a_new_page_whose_key_exists_goes_direct_then_staged(
    pg: PostgresCatalog, postgres_url: str, general_writes: list[int]
) -> None:
    """The event-loop connection writing another page (another integration's, say) sends a
    page to the general path. Its direct COPY meets a key that page 0 holds: that attempt is
    undone whole (no page row left behind) and the staged way writes the page."""
    tool = pg.unfenced()
    first = await pg.advance_generation("i")
    await tool.write_page("i", "svc", 0, first, rows("a", "b"))
    second = await pg.advance_generation("i")
    await tool.write_page("i", "svc", 0, second, rows("a"))
    async with pg._wire._lock:  # busy, as with another page in flight
        moved = await tool.write_page("i", "svc", 1, second, rows("b"))
    assert (moved.upserted, moved.unchanged) == (0, 1)
    # Page 0 changed (general); page 1: direct (a miss), then staged.
    assert general_writes == [0, 1, 1]
    assert [r[:3] for r in stored(postgres_url, pg.schema)] == [
        ("a", '{"v":0}', 0), ("b", '{"v":0}', 1),
    ]
    with psycopg.connect(postgres_url) as conn:
        pages = conn.execute(f"SELECT seq FROM {pg.schema}.pages ORDER BY seq").fetchall()
    assert pages == [(0,), (1,)]
    assert (await tool.delete_stale("i", second, threshold=1.0)).deleted == 0


async def test_with_a_live_mark_and_no_live_change_since_pages_still_take_the_event_loop(
    pg: PostgresCatalog, general_writes: list[int]
) -> None:
    """Rule 8 costs the resync path nothing when no live change came: the wire way reads the
    integration's ``live_seq`` in the message it sends anyway."""
    async with pg.runner_lock("i"):
        await pg.apply_live("i", "svc", rows("x"), [("svc", "y")])  # older than the run
        first = await pg.begin_run("i", 1)
        new = await pg.write_page("i", "svc", 0, 1, rows("a", "b"), live_mark=first.live_mark)
        second = await pg.begin_run("i", 2)
        seen = await pg.write_page("i", "svc", 0, 2, rows("a", "b"), live_mark=second.live_mark)
    assert (new.upserted, new.kept, seen.unchanged, seen.kept) == (2, 0, 2, 0)
    assert general_writes == []


async def test_a_new_page_after_a_live_change_goes_general_and_leaves_its_keys_out(
    pg: PostgresCatalog, postgres_url: str, general_writes: list[int]
) -> None:
    async with pg.runner_lock("i"):
        start = await pg.begin_run("i", 1)
        await pg.apply_live("i", "svc", [], [("svc", "gone")])  # a delete the run did not see
        done = await pg.write_page("i", "svc", 0, 1, rows("a", "gone"), live_mark=start.live_mark)
    assert (done.upserted, done.unchanged, done.kept) == (1, 0, 1)
    assert general_writes == [0]  # the event-loop way saw the live change and passed the page on
    assert [r[0] for r in stored(postgres_url, pg.schema)] == ["a"]
