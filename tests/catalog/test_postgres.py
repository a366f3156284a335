"""What is particular to PostgresCatalog: versioned migrations (idempotent, concurrent), the
schema name, ``catalog_from_url``, advisory runner locks across processes, COPY writes, no-op
resyncs that rewrite no row, and search and ordering parity with SQLite on tricky strings.

The rest of the contract runs through the ``catalog`` fixture (tests/conftest.py), which gives
every catalog and engine test a PostgreSQL run in a fresh schema; a differential state machine
below adds PostgreSQL to the page-tracking comparison of ``test_pages_differential``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from ocean_core.catalog import (
    Catalog,
    CursorCommit,
    PageOutcome,
    RunStart,
    SQLiteCatalog,
    catalog_from_url,
    encode,
)
from ocean_core.errors import ConfigError, RunnerLockedError, TransientCatalogError
from tests.catalog._support import row
from tests.catalog.test_pages_differential import PageMachine
from tests.conftest import drop_postgres_schema

psycopg = pytest.importorskip("psycopg")

from ocean_core.catalog import PostgresCatalog  # noqa: E402
from ocean_core.catalog._postgres_schema import (  # noqa: E402
    MIGRATIONS,
    check_schema_name,
    migrate,
    runner_key,
)

pytestmark = pytest.mark.anyio

ALL_VERSIONS = [version for version, _ in MIGRATIONS]


@pytest.fixture
def schemas(postgres_url: str) -> Iterator[Callable[[], str]]:
    """Fresh schema names, every one dropped at teardown."""
    made: list[str] = []

    def fresh() -> str:
        made.append(f"test_{uuid.uuid4().hex[:8]}")
        return made[-1]

    yield fresh
    for schema in made:
        drop_postgres_schema(postgres_url, schema)


@pytest.fixture
async def pg(postgres_url: str, schemas: Callable[[], str]) -> AsyncIterator[PostgresCatalog]:
    store = PostgresCatalog(postgres_url, schema=schemas())
    yield store
    await store.close()


def connect(url: str) -> Any:
    return psycopg.connect(url, autocommit=True)


def versions(url: str, schema: str) -> list[tuple[int]]:
    with connect(url) as conn:
        return conn.execute(  # type: ignore[no-any-return]
            f"SELECT version FROM {schema}.schema_migrations ORDER BY version"
        ).fetchall()


# -- migrations -------------------------------------------------------------------------------


def test_migrations_apply_once_and_are_idempotent(
    postgres_url: str, schemas: Callable[[], str]
) -> None:
    schema = schemas()
    with connect(postgres_url) as conn:
        assert migrate(conn, schema) == ALL_VERSIONS
        assert migrate(conn, schema) == []
    assert versions(postgres_url, schema) == [(v,) for v in ALL_VERSIONS]


def test_concurrent_migrations_serialise_and_apply_each_version_once(
    postgres_url: str, schemas: Callable[[], str]
) -> None:
    schema = schemas()
    starters = 4
    barrier = threading.Barrier(starters)
    applied: list[list[int]] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            with connect(postgres_url) as conn:
                barrier.wait()
                applied.append(migrate(conn, schema))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(applied) == [[]] * (starters - 1) + [ALL_VERSIONS]
    assert versions(postgres_url, schema) == [(v,) for v in ALL_VERSIONS]


async def test_two_catalogs_opening_one_fresh_schema_at_once(
    postgres_url: str, schemas: Callable[[], str]
) -> None:
    import anyio

    schema = schemas()
    first, second = (PostgresCatalog(postgres_url, schema=schema) for _ in range(2))
    async with anyio.create_task_group() as group:
        group.start_soon(first.advance_generation, "i")
        group.start_soon(second.advance_generation, "i")
    assert await first.generation("i") == 2
    await first.close()
    await second.close()
    assert versions(postgres_url, schema) == [(v,) for v in ALL_VERSIONS]


async def test_close_then_reopen_lazily(pg: PostgresCatalog) -> None:
    await pg.advance_generation("i")
    await pg.close()
    await pg.close()  # closing twice is fine
    assert await pg.advance_generation("i") == 2


# -- schema names and URLs -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["ocean", "_x", "Team_1", "a" * 63])
def test_valid_schema_names(name: str) -> None:
    assert check_schema_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "1abc", "a-b", "a b", 'x"; DROP SCHEMA public; --', "a" * 64, "pg_temp", "PG_x",
     "information_schema", "é"],
)
def test_invalid_schema_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="schema name"):
        PostgresCatalog("postgresql://localhost/db", schema=name)


async def test_catalog_from_url_reads_the_schema_parameter(
    postgres_url: str, schemas: Callable[[], str]
) -> None:
    schema = schemas()
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}connect_timeout=5&schema={schema}"
    store = catalog_from_url(url)
    assert isinstance(store, PostgresCatalog)
    assert store.schema == schema
    assert "schema=" not in store.url and "connect_timeout=5" in store.url
    await store.advance_generation("i")
    await store.close()
    assert versions(postgres_url, schema) == [(v,) for v in ALL_VERSIONS]


def test_catalog_from_url_defaults_and_refusals() -> None:
    store = catalog_from_url("postgres://u@h/db")
    assert isinstance(store, PostgresCatalog) and store.schema == "ocean"
    with pytest.raises(ConfigError, match="schema name"):
        catalog_from_url("postgresql://u@h/db?schema=bad-name")
    with pytest.raises(ConfigError, match="more than one schema"):
        catalog_from_url("postgresql://u@h/db?schema=a&schema=b")


def test_the_password_stays_out_of_repr() -> None:
    store = PostgresCatalog("postgresql://u:s3cret@h:5433/db", schema="s")
    assert "s3cret" not in repr(store)
    assert repr(store) == "PostgresCatalog('u@h:5433/db', schema='s')"


async def test_an_unreachable_server_is_a_transient_catalog_error() -> None:
    store = PostgresCatalog("postgresql://postgres@127.0.0.1:1/db?connect_timeout=2")
    with pytest.raises(TransientCatalogError):
        await store.generation("i")


# -- runner locks ------------------------------------------------------------------------


async def test_runner_lock_across_two_processes(
    postgres_url: str, schemas: Callable[[], str]
) -> None:
    schema = schemas()
    one, two = (PostgresCatalog(postgres_url, schema=schema) for _ in range(2))
    async with one.runner_lock("i"):
        with pytest.raises(RunnerLockedError, match="PostgreSQL advisory lock"):
            async with two.runner_lock("i"):
                pass
        with pytest.raises(RunnerLockedError, match="in this process"):
            async with one.runner_lock("i"):
                pass
        async with two.runner_lock("other"):  # another integration: its own lock
            pass
    async with two.runner_lock("i"):  # released on exit
        pass
    # Another schema is another catalog: same integration id, no conflict.
    other = PostgresCatalog(postgres_url, schema=schemas())
    async with one.runner_lock("i"), other.runner_lock("i"):
        pass


async def test_a_dead_holders_lock_is_released(
    postgres_url: str, schemas: Callable[[], str]
) -> None:
    schema = schemas()
    holder, next_runner = (PostgresCatalog(postgres_url, schema=schema) for _ in range(2))
    async with holder.runner_lock("i"):
        pid = holder.runner_lock_pid("i")
        with connect(postgres_url) as admin:
            locked = admin.execute(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND ((classid::bigint << 32) | objid::bigint) = %s",
                (runner_key(schema, "i"),),
            ).fetchall()
            assert locked == [(pid,)]
            # The holding process dies: PostgreSQL ends its session, and the lock with it.
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
        async with next_runner.runner_lock("i"):
            pass
    # The holder's exit closed its dead connection without an error.
    async with holder.runner_lock("i"):
        pass


# -- writes ------------------------------------------------------------------------------


def row_versions(url: str, schema: str) -> dict[tuple[str, str], str]:
    """Each entity row's ``xmin``: a rewritten row gets a new one."""
    with connect(url) as conn:
        rows = conn.execute(
            f"SELECT blueprint, identifier, xmin::text FROM {schema}.entities"
        ).fetchall()
    return {(b, i): x for b, i, x in rows}


async def test_copy_writes_thousands_of_rows_and_a_noop_rewrites_none(
    postgres_url: str, pg: PostgresCatalog
) -> None:
    rows = [
        encode(f"e{i:05}", "svc", f"Entity {i}", {"n": i, "tab": "a\tb\\n"}, {"r": [i]},
               team=["t"], icon="i")
        for i in range(3000)
    ]
    tool = pg.unfenced()
    generation = await pg.advance_generation("i")
    for seq in range(2):
        outcome = await tool.write_page("i", "k", seq, generation, rows[seq * 1500:][:1500])
        assert (outcome.upserted, outcome.unchanged) == (1500, 0)
    assert await pg.count_entities("i", "k") == 3000
    first = await pg.list_entities("i", limit=1)
    assert first[0].properties == {"n": 0, "tab": "a\tb\\n"} and first[0].team == ["t"]
    before = row_versions(postgres_url, pg.schema)

    generation = await pg.advance_generation("i")
    for seq in range(2):
        outcome = await tool.write_page("i", "k", seq, generation, rows[seq * 1500:][:1500])
        assert (outcome.upserted, outcome.unchanged) == (0, 1500)
    assert row_versions(postgres_url, pg.schema) == before  # the digest fast path

    # Page boundaries move: no content is rewritten (the moved rows only change page).
    generation = await pg.advance_generation("i")
    for seq, (start, end) in enumerate(((0, 500), (500, 2500), (2500, 3000))):
        outcome = await tool.write_page("i", "k", seq, generation, rows[start:end])
        assert (outcome.upserted, outcome.unchanged) == (0, end - start)
    assert await pg.stale_entities("i", generation) == []
    verdict = await tool.delete_stale("i", generation, threshold=0.9)
    assert (verdict.deleted, verdict.stale) == (0, 0)


async def test_a_key_repeated_in_one_page_keeps_its_last_row(pg: PostgresCatalog) -> None:
    generation = await pg.advance_generation("i")
    page = [row("a", v=1), row("b"), row("a", v=2)]
    outcome = await pg.unfenced().write_page("i", "k", 0, generation, page)
    assert (outcome.upserted, outcome.unchanged) == (2, 1)
    [a, _] = await pg.list_entities("i")
    assert a.properties == {"v": 2}


# -- parity with SQLite on tricky strings ------------------------------------------------

TRICKY = [
    "100%", "100_", "a_b", "a%b", "back\\slash", "\\", "%", "_", "ÉQUIPE", "équipe", "Équipe",
    "straße", "STRASSE", "İstanbul", "istanbul", "K\u212aelvin", "kelvin", "ǅ", "日本", "😀x",
    "MiXeD", "mixed", "a b", " ", "Z", "a", "~", "ÿ", "Ā",
]
NEEDLES = [
    "%", "_", "\\", "a_b", "a%b", "100%", "É", "é", "équipe", "ÉQUIPE", "strasse", "ß", "İ",
    "i", "k", "K", "\u212a", "mixed", "MIXED", "😀", "", " ", "x\\", "%_", "ǆ",
]


async def fill_tricky(catalog: Catalog) -> None:
    generation = await catalog.advance_generation("i")
    rows = [
        encode(text, blueprint, TRICKY[-1 - n], {}, {})
        for n, text in enumerate(TRICKY) for blueprint in ("B", "a", "é")
    ]
    tool = catalog.unfenced()
    await tool.write_page("i", "k", 0, generation, rows)
    await tool.write_page("j", "k", 0, await catalog.advance_generation("j"), rows[:5])


async def test_search_and_ordering_match_sqlite(pg: PostgresCatalog, tmp_path: Path) -> None:
    sqlite = SQLiteCatalog(tmp_path / "c.db")
    for store in (pg, sqlite):
        await fill_tricky(store)

    async def both(**query: Any) -> list[tuple[str | None, str, str]]:
        found = [
            [(e.integration_id, e.blueprint, e.identifier) for e in
             await store.list_entities(**query)]
            for store in (pg, sqlite)
        ]
        assert found[0] == found[1], query
        return found[0]

    everything = await both()
    assert everything == sorted(everything)  # code point order, as Python's
    for needle in NEEDLES:
        await both(search=needle)
        await both(search=needle, integration_id="i", blueprint="é")
    for cursor in everything[::7]:
        key = (cursor[0] or "", cursor[1], cursor[2])
        await both(after=key, limit=5)
        await both(integration_id="i", after=key, limit=5)
        await both(integration_id="i", blueprint="a", after=key)
    await both(limit=3, offset=4)
    await both(integration_ids=["j"], search="A")
    await sqlite.close()


# -- differential: PostgreSQL joins the page-tracking state machine ------------------------


# psycopg_pool's worker thread draws from the global `random` (jitter of connection lifetimes)
# when it opens a connection; hypothesis sees the global state move during a draw and warns.
# The draws themselves do not depend on it.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
def test_page_tracking_on_postgres_agrees_with_the_others(postgres_url: str) -> None:
    with start_blocking_portal(backend="asyncio") as running:

        class WithPostgres(PageMachine):
            portal = running

            def __init__(self) -> None:
                super().__init__()
                self.schema = f"test_{uuid.uuid4().hex[:8]}"
                self.catalogs["postgres"] = PostgresCatalog(postgres_url, schema=self.schema)

            def teardown(self) -> None:
                super().teardown()
                drop_postgres_schema(postgres_url, self.schema)

        run_state_machine_as_test(
            WithPostgres,
            settings=settings(
                max_examples=10, stateful_step_count=15, deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )


async def test_a_new_page_whose_keys_exist_takes_the_staging_path(pg: PostgresCatalog) -> None:
    """A page never written before goes in with one COPY; when one of its keys is held by
    another page already (boundaries moved), the write is run again through the stage."""
    a, b = encode("a", "svc", None, {}, {}), encode("b", "svc", None, {}, {})
    tool = pg.unfenced()
    first = await pg.advance_generation("i")
    assert await tool.write_page("i", "svc", 0, first, [a, b]) == PageOutcome(2, 0)
    second = await pg.advance_generation("i")
    assert await tool.write_page("i", "svc", 0, second, [a]) == PageOutcome(0, 1)
    assert await tool.write_page("i", "svc", 1, second, [b]) == PageOutcome(0, 1)  # b moves
    outcome = await tool.delete_stale("i", second, threshold=1.0)
    assert outcome.deleted == 0 and outcome.stale == 0
    assert [e.identifier for e in await pg.list_entities("i")] == ["a", "b"]


async def test_a_version_2_schema_gains_rule_8s_bookkeeping_and_keeps_its_rows(
    postgres_url: str, schemas: Callable[[], str]
) -> None:
    """Migration 3 on a schema a resync filled at version 2: the old rows keep their pages
    (``live_seq`` NULL and 0), and live changes, cursors and the inbox work on them."""
    schema = schemas()
    with psycopg.connect(postgres_url) as conn, conn.transaction():
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET LOCAL search_path TO {schema}")
        conn.execute("CREATE TABLE schema_migrations (version integer PRIMARY KEY,"
                     " applied_at timestamptz NOT NULL DEFAULT now())")
        for version, statements in MIGRATIONS[:2]:
            conn.execute(statements)
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
        conn.execute("INSERT INTO integrations VALUES ('i', 4)")
        conn.execute(
            "INSERT INTO entities (blueprint, identifier, title, team, icon, properties,"
            " relations, hash, integration_id, kind) VALUES"
            " (%s, %s, %s, %s, %s, %s, %s, %s, 'i', 'svc')", tuple(row("old")),
        )
    old = PostgresCatalog(postgres_url, schema=schema)
    try:
        with psycopg.connect(postgres_url) as conn:
            conn.execute(f"SET search_path TO {schema}")
            assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone() == (2,)
        async with old.runner_lock("i"):
            start = await old.begin_run("i", 1)
            assert start == RunStart(4, 0)
            await old.write_page("i", "svc", 0, 4, [row("old"), row("a"), row("b")],
                                 live_mark=start.live_mark)
            await old.apply_live("i", "svc", [], [("svc", "a")])
            await old.commit_cursor("i", "svc", CursorCommit([1], "f"))
        await old.put_event("i", "events", headers=[], query=[], body=b"\x00")
        assert [e.identifier for e in await old.list_entities("i")] == ["b", "old"]
        assert (await old.pending_events("i"))[0].body == b"\x00"
    finally:
        await old.close()
    assert versions(postgres_url, schema) == [(v,) for v in ALL_VERSIONS] == [(1,), (2,), (3,)]
