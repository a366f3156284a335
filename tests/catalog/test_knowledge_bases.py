"""Knowledge bases in the catalog: create, list, attach and detach integrations, delete; the
``integration_ids`` filter of ``list_entities``; persistence and the upgrade of a version-2 file.

Both catalogs run every test (the ``catalog`` fixture); a hypothesis test checks that they
answer random attach/detach/delete sequences identically.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ocean_core._types import Trigger
from ocean_core.catalog import (
    Catalog,
    KnowledgeBaseRecord,
    MemoryCatalog,
    SQLiteCatalog,
    encode,
)
from ocean_core.catalog._sqlite_schema import SCHEMA_VERSION
from ocean_core.entity import Entity
from ocean_core.errors import ConflictError, NotFoundError
from ocean_core.results import ResyncResult

pytestmark = pytest.mark.anyio

T0 = datetime(2025, 1, 1, tzinfo=UTC)


class Ticks:
    """A clock that moves one second (and a microsecond, to check they are kept) per reading;
    ``frozen`` stops it."""

    def __init__(self) -> None:
        self.now, self.frozen = T0, False

    def __call__(self) -> datetime:
        if not self.frozen:
            self.now += timedelta(seconds=1, microseconds=1)
        return self.now


@pytest.fixture
def clock(catalog: Catalog) -> Ticks:
    """Installs a fake clock on the ``catalog`` fixture's store: no sleeps, no ties by chance."""
    ticks = Ticks()
    catalog._clock = ticks  # type: ignore[attr-defined]
    return ticks


def at(n: int) -> datetime:
    """The clock's ``n``-th reading."""
    return T0 + n * timedelta(seconds=1, microseconds=1)


def keys(entities: list[Entity]) -> list[tuple[str, str, str]]:
    return [(e.integration_id or "", e.blueprint, e.identifier) for e in entities]


# -- create, get, list ------------------------------------------------------------------------


async def test_create_get_and_list_in_creation_order(catalog: Catalog, clock: Ticks) -> None:
    created = await catalog.create_knowledge_base("zeta", "Payments")
    assert created == KnowledgeBaseRecord("zeta", "Payments", at(1), ())
    assert created.created_at.utcoffset() == timedelta(0)
    await catalog.create_knowledge_base("alpha", "Payments")  # names need not be unique
    assert await catalog.get_knowledge_base("zeta") == created
    assert await catalog.get_knowledge_base("missing") is None
    assert [kb.id for kb in await catalog.knowledge_bases()] == ["zeta", "alpha"]


async def test_equal_creation_times_are_ordered_by_id(catalog: Catalog, clock: Ticks) -> None:
    clock.frozen = True
    for kb_id in ("b", "c", "a"):
        await catalog.create_knowledge_base(kb_id, kb_id.upper())
    assert [(kb.id, kb.name) for kb in await catalog.knowledge_bases()] == [
        ("a", "A"), ("b", "B"), ("c", "C"),
    ]


async def test_no_knowledge_bases_at_first(catalog: Catalog) -> None:
    assert await catalog.knowledge_bases() == []


async def test_duplicate_id_conflicts_and_keeps_the_first(catalog: Catalog, clock: Ticks) -> None:
    first = await catalog.create_knowledge_base("kb", "First")
    await catalog.attach("kb", "i1")
    with pytest.raises(ConflictError) as raised:
        await catalog.create_knowledge_base("kb", "Second")
    assert (raised.value.what, raised.value.key) == ("knowledge base", "kb")
    kb = await catalog.get_knowledge_base("kb")
    assert kb is not None and (kb.name, kb.created_at, kb.integration_ids) == (
        "First", first.created_at, ("i1",),
    )
    assert len(await catalog.knowledge_bases()) == 1


async def test_real_clock_gives_aware_utc_times(catalog: Catalog) -> None:
    before = datetime.now(UTC)
    kb = await catalog.create_knowledge_base("kb", "KB")
    await catalog.attach("kb", "i1")
    [(_, attached_at)] = await catalog.attachments("kb")
    for moment in (kb.created_at, attached_at):
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
        assert before <= moment <= datetime.now(UTC)


async def test_a_clock_in_another_zone_is_stored_as_utc(catalog: Catalog) -> None:
    plus_two = timezone(timedelta(hours=2))
    catalog._clock = lambda: datetime(2025, 6, 1, 14, 0, tzinfo=plus_two)  # type: ignore[attr-defined]
    kb = await catalog.create_knowledge_base("kb", "KB")
    assert kb.created_at == datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    assert kb.created_at.utcoffset() == timedelta(0)
    stored = await catalog.get_knowledge_base("kb")
    assert stored is not None and stored.created_at.utcoffset() == timedelta(0)


# -- attach, detach, attachments --------------------------------------------------------------


async def test_attach_is_idempotent_and_keeps_the_first_time(
    catalog: Catalog, clock: Ticks
) -> None:
    await catalog.create_knowledge_base("kb", "KB")  # reading 1
    assert await catalog.attach("kb", "i1") is True  # reading 2
    assert await catalog.attach("kb", "i1") is False
    assert await catalog.attachments("kb") == [("i1", at(2))]
    kb = await catalog.get_knowledge_base("kb")
    assert kb is not None and kb.integration_ids == ("i1",)


async def test_attach_to_a_missing_kb_is_not_found(catalog: Catalog, clock: Ticks) -> None:
    with pytest.raises(NotFoundError) as raised:
        await catalog.attach("nope", "i1")
    assert (raised.value.what, raised.value.key) == ("knowledge base", "nope")
    with pytest.raises(NotFoundError):
        await catalog.attachments("nope")
    assert await catalog.knowledge_bases() == []
    # Nothing was left behind that a later KB of that id would inherit.
    await catalog.create_knowledge_base("nope", "Now it exists")
    assert await catalog.attachments("nope") == []


async def test_detach_says_whether_it_was_attached(catalog: Catalog, clock: Ticks) -> None:
    await catalog.create_knowledge_base("kb", "KB")
    await catalog.attach("kb", "i1")
    assert await catalog.detach("kb", "i1") is True
    assert await catalog.detach("kb", "i1") is False
    assert await catalog.detach("kb", "never") is False
    assert await catalog.detach("missing-kb", "i1") is False
    assert await catalog.attachments("kb") == []


async def test_attachments_in_attach_order(catalog: Catalog, clock: Ticks) -> None:
    await catalog.create_knowledge_base("kb", "KB")  # 1
    for integration_id in ("z", "a", "m"):  # 2, 3, 4
        await catalog.attach("kb", integration_id)
    await catalog.detach("kb", "a")
    await catalog.attach("kb", "a")  # 5: re-attached, so last
    assert await catalog.attachments("kb") == [("z", at(2)), ("m", at(4)), ("a", at(5))]
    kb = await catalog.get_knowledge_base("kb")
    assert kb is not None and kb.integration_ids == ("z", "m", "a")
    assert [k.integration_ids for k in await catalog.knowledge_bases()] == [("z", "m", "a")]


async def test_equal_attach_times_are_ordered_by_id(catalog: Catalog, clock: Ticks) -> None:
    await catalog.create_knowledge_base("kb", "KB")
    clock.frozen = True
    for integration_id in ("c", "a", "b"):
        await catalog.attach("kb", integration_id)
    assert [i for i, _ in await catalog.attachments("kb")] == ["a", "b", "c"]


async def test_kbs_are_independent(catalog: Catalog, clock: Ticks) -> None:
    await catalog.create_knowledge_base("k1", "One")
    await catalog.create_knowledge_base("k2", "Two")
    await catalog.attach("k1", "shared")
    await catalog.attach("k2", "shared")
    await catalog.attach("k2", "own")
    assert await catalog.detach("k1", "shared") is True
    assert [(kb.id, kb.integration_ids) for kb in await catalog.knowledge_bases()] == [
        ("k1", ()), ("k2", ("shared", "own")),
    ]


# -- delete -----------------------------------------------------------------------------------


async def test_delete_detaches_and_touches_no_data(catalog: Catalog, clock: Ticks) -> None:
    generation = await catalog.advance_generation("i1")
    rows = [encode("svc-1", "svc", "Service", {"tier": 1}, {}), encode("db-1", "db", None, {}, {})]
    await catalog.unfenced().write_page("i1", "k", 0, generation, rows)
    run = ResyncResult(id="r1", integration_id="i1", generation=generation, trigger=Trigger.API,
                       started_at=T0)
    await catalog.save_run(run)
    await catalog.set_state("i1", "since", "x")
    before = await catalog.list_entities()

    await catalog.create_knowledge_base("kb", "KB")
    await catalog.create_knowledge_base("other", "Other")
    await catalog.attach("kb", "i1")
    await catalog.attach("other", "i1")
    assert await catalog.delete_knowledge_base("kb") is True
    assert await catalog.delete_knowledge_base("kb") is False
    assert await catalog.delete_knowledge_base("never") is False

    assert await catalog.get_knowledge_base("kb") is None
    with pytest.raises(NotFoundError):
        await catalog.attachments("kb")
    assert [kb.id for kb in await catalog.knowledge_bases()] == ["other"]
    assert await catalog.attachments("other") == [("i1", at(4))]
    assert await catalog.list_entities() == before and len(before) == 2
    assert await catalog.count_entities("i1") == 2
    assert await catalog.generation("i1") == generation
    assert await catalog.get_run("r1") == run
    assert await catalog.get_state("i1", "since") == "x"
    assert await catalog.integration_ids() == ["i1"]

    # A KB made again under the same id starts empty.
    await catalog.create_knowledge_base("kb", "Again")
    assert await catalog.attachments("kb") == []


# -- list_entities(integration_ids=...) -------------------------------------------------------

SPECS = [  # integration_id, blueprint, identifier, title
    ("i1", "svc", "api", "API gateway"), ("i1", "svc", "cart", None), ("i1", "db", "orders", "Gw"),
    ("i2", "svc", "billing", "Gateway"), ("i2", "team", "ops", None),
    ("i3", "svc", "search", "gateway 3"),
]
ALL = sorted(spec[:3] for spec in SPECS)


@pytest.fixture
async def filled(catalog: Catalog) -> Catalog:
    for integration_id in ("i1", "i2", "i3"):
        generation = await catalog.advance_generation(integration_id)
        rows = [encode(ident, bp, title, {}, {}) for i, bp, ident, title in SPECS
                if i == integration_id]
        await catalog.unfenced().write_page(integration_id, "k", 0, generation, rows)
    return catalog


async def test_integration_ids_alone(filled: Catalog) -> None:
    found = keys(await filled.list_entities(integration_ids=["i3", "i1"]))
    assert found == [k for k in ALL if k[0] in ("i1", "i3")]
    # Any collection; unknown ids and repeats are harmless.
    assert keys(await filled.list_entities(integration_ids={"i2", "nope"})) == [
        k for k in ALL if k[0] == "i2"
    ]
    assert keys(await filled.list_entities(integration_ids=("i2", "i2"))) == [
        k for k in ALL if k[0] == "i2"
    ]
    assert keys(await filled.list_entities(integration_ids=None)) == ALL


async def test_empty_integration_ids_give_nothing(filled: Catalog) -> None:
    assert await filled.list_entities(integration_ids=[]) == []
    assert await filled.list_entities(integration_ids=set(), search="a", limit=5) == []


async def test_a_bare_string_is_refused(filled: Catalog) -> None:
    with pytest.raises(TypeError):
        await filled.list_entities(integration_ids="i1")


async def test_integration_ids_with_other_filters_and_search(filled: Catalog) -> None:
    ids = ["i1", "i2"]
    assert keys(await filled.list_entities(integration_ids=ids, search="GATEWAY")) == [
        ("i1", "svc", "api"), ("i2", "svc", "billing"),
    ]
    assert keys(await filled.list_entities(integration_ids=ids, blueprint="svc")) == [
        ("i1", "svc", "api"), ("i1", "svc", "cart"), ("i2", "svc", "billing"),
    ]
    assert keys(await filled.list_entities(integration_ids=ids, kind="k")) == [
        k for k in ALL if k[0] in ids
    ]
    assert keys(await filled.list_entities("i2", integration_ids=ids)) == [
        k for k in ALL if k[0] == "i2"
    ]
    assert await filled.list_entities("i3", integration_ids=ids) == []


async def test_integration_ids_with_after_limit_offset(filled: Catalog) -> None:
    ids = ["i1", "i3"]
    expected = [k for k in ALL if k[0] in ids]
    seen: list[tuple[str, str, str]] = []
    after = None
    while True:  # keyset pages of two
        page = keys(await filled.list_entities(integration_ids=ids, after=after, limit=2))
        seen += page
        if len(page) < 2:
            break
        after = page[-1]
    assert seen == expected
    assert keys(await filled.list_entities(integration_ids=ids, limit=2, offset=1)) == (
        expected[1:3]
    )
    # A cursor from an integration outside the set still pages on in key order.
    assert keys(await filled.list_entities(integration_ids=ids, after=("i2", "a", "a"))) == [
        k for k in expected if k > ("i2", "a", "a")
    ]
    # With integration_id and blueprint fixed too (the index-friendly cursor).
    assert keys(await filled.list_entities(
        "i1", blueprint="svc", integration_ids=ids, after=("i1", "svc", "api"),
    )) == [("i1", "svc", "cart")]
    assert keys(await filled.list_entities(
        integration_ids=ids, search="gateway", after=("i1", "svc", "api"), limit=5,
    )) == [("i3", "svc", "search")]


async def test_sqlite_integration_ids_seek_on_the_primary_key(tmp_path: Path) -> None:
    catalog = SQLiteCatalog(tmp_path / "c.db")
    statements: list[str] = []
    await catalog._run(lambda c: c.set_trace_callback(statements.append))
    await catalog.list_entities(integration_ids=["i1", "i3"], after=("i1", "svc", "a"), limit=2)
    await catalog._run(lambda c: c.set_trace_callback(None))
    [statement] = statements
    rows = catalog._locked(lambda c: c.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall())
    plan = " | ".join(str(row[3]) for row in rows)
    assert plan.startswith("SEARCH entities USING PRIMARY KEY (integration_id=?")
    assert "TEMP B-TREE" not in plan  # no sort
    await catalog.close()


# -- SQLite: persistence and upgrade ----------------------------------------------------------


async def test_sqlite_knowledge_bases_survive_reopening(tmp_path: Path) -> None:
    ticks = Ticks()
    catalog = SQLiteCatalog(tmp_path / "c.db", clock=ticks)
    await catalog.create_knowledge_base("kb", "KB")
    await catalog.attach("kb", "i2")
    await catalog.attach("kb", "i1")
    await catalog.close()
    reopened = SQLiteCatalog(tmp_path / "c.db")
    assert await reopened.knowledge_bases() == [
        KnowledgeBaseRecord("kb", "KB", at(1), ("i2", "i1")),
    ]
    assert await reopened.attachments("kb") == [("i2", at(2)), ("i1", at(3))]
    with pytest.raises(ConflictError):
        await reopened.create_knowledge_base("kb", "Again")
    await reopened.close()


V2_SCHEMA = """
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
PRAGMA user_version = 2;
"""


def write_v2_file(path: Path) -> None:
    """A catalog file as version 2 left it: a generation, a page of one entity, some state."""
    row = encode("svc-1", "svc", "Old Service", {"tier": 1}, {})
    conn = sqlite3.connect(path)
    conn.executescript(V2_SCHEMA)
    with conn:
        conn.execute("INSERT INTO integrations VALUES ('old', 4)")
        conn.execute("INSERT INTO pages VALUES (1, 'old', 'k', 0, NULL, 1, 4)")
        conn.execute(
            "INSERT INTO entities VALUES ('old', 'svc', 'svc-1', 'k', ?, ?, ?, ?, ?, ?, 1)",
            (row.title, row.team, row.icon, row.properties, row.relations, row.hash),
        )
        conn.execute("INSERT INTO state VALUES ('old', 'since', '\"2025-01-01\"')")
    conn.close()


def schema_of(path: Path) -> tuple[int, set[str]]:
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        return conn.execute("PRAGMA user_version").fetchone()[0], names
    finally:
        conn.close()


async def test_version_2_file_upgrades_in_place(tmp_path: Path) -> None:
    path = tmp_path / "v2.db"
    write_v2_file(path)
    version, names = schema_of(path)
    assert version == 2 and not {"knowledge_bases", "kb_integrations"} & names

    catalog = SQLiteCatalog(path, clock=Ticks())
    assert await catalog.knowledge_bases() == []
    await catalog.create_knowledge_base("kb", "KB")
    assert await catalog.attach("kb", "old") is True
    assert keys(await catalog.list_entities(integration_ids=["old"])) == [("old", "svc", "svc-1")]
    assert await catalog.generation("old") == 4
    assert await catalog.get_state("old", "since") == "2025-01-01"
    await catalog.close()

    version, names = schema_of(path)
    assert version == SCHEMA_VERSION == 5
    assert {"knowledge_bases", "kb_integrations", "state", "runs_by_start"} <= names
    reopened = SQLiteCatalog(path)
    assert await reopened.attachments("kb") == [("old", at(2))]
    [entity] = await reopened.list_entities("old")
    assert (entity.identifier, entity.title, entity.properties) == (
        "svc-1", "Old Service", {"tier": 1},
    )
    await reopened.close()


# -- differential: SQLite and memory agree on random sequences --------------------------------

KB_IDS = ("k1", "k2", "k3")
INTEGRATIONS = ("i1", "i2", "i3")
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.sampled_from(KB_IDS), st.sampled_from(("A", "B"))),
        st.tuples(st.just("delete"), st.sampled_from(KB_IDS)),
        st.tuples(st.just("attach"), st.sampled_from(KB_IDS), st.sampled_from(INTEGRATIONS)),
        st.tuples(st.just("detach"), st.sampled_from(KB_IDS), st.sampled_from(INTEGRATIONS)),
        st.tuples(st.just("attachments"), st.sampled_from(KB_IDS)),
        st.tuples(st.just("get"), st.sampled_from(KB_IDS)),
        st.tuples(st.just("entities"), st.sampled_from(KB_IDS)),
        st.tuples(st.just("freeze"), st.booleans()),
    ),
    max_size=30,
)


async def apply(catalog: Catalog, ticks: Ticks, ops: list[tuple[Any, ...]]) -> list[Any]:
    """Every operation's answer (or the type of error it raised), then the final listing."""
    tool = catalog.unfenced()
    generation = await catalog.advance_generation("i1")
    await tool.write_page("i1", "k", 0, generation, [encode("a", "svc", None, {}, {})])
    generation = await catalog.advance_generation("i2")
    await tool.write_page("i2", "k", 0, generation, [encode("b", "svc", None, {}, {})])
    answers: list[Any] = []
    for name, *args in ops:
        try:
            if name == "create":
                answers.append(await catalog.create_knowledge_base(*args))
            elif name == "delete":
                answers.append(await catalog.delete_knowledge_base(*args))
            elif name == "attach":
                answers.append(await catalog.attach(*args))
            elif name == "detach":
                answers.append(await catalog.detach(*args))
            elif name == "attachments":
                answers.append(await catalog.attachments(*args))
            elif name == "get":
                answers.append(await catalog.get_knowledge_base(*args))
            elif name == "entities":
                kb = await catalog.get_knowledge_base(*args)
                ids = () if kb is None else kb.integration_ids
                answers.append(keys(await catalog.list_entities(integration_ids=ids)))
            else:
                ticks.frozen = args[0]
        except (ConflictError, NotFoundError) as exc:
            answers.append(type(exc).__name__)
    answers.append(await catalog.knowledge_bases())
    answers.append(len(await catalog.list_entities()))
    return answers


async def both_answers(ops: list[tuple[Any, ...]]) -> tuple[list[Any], list[Any]]:
    results = []
    for make in (lambda t: SQLiteCatalog(":memory:", clock=t), lambda t: MemoryCatalog(clock=t)):
        ticks = Ticks()
        catalog = make(ticks)
        results.append(await apply(catalog, ticks, ops))
        await catalog.close()
    return results[0], results[1]


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal(backend="asyncio") as running:
        yield running


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_sqlite_and_memory_agree_on_knowledge_bases(
    portal: BlockingPortal, ops: list[tuple[Any, ...]]
) -> None:
    from_sqlite, from_memory = portal.call(both_answers, ops)
    assert from_sqlite == from_memory
    assert from_memory[-1] == 2  # entities are never touched
