"""What an API reads from a catalog: entity search and keyset paging, run paging, single runs,
and the per-integration state store; plus the upgrade of a version-1 SQLite file.

Both catalogs run every test (the ``catalog`` fixture); a hypothesis test checks that they
answer random queries over random entities identically.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ocean_core._types import ResyncStatus, Trigger
from ocean_core.catalog import (
    Catalog,
    EntityKey,
    MemoryCatalog,
    RunCursor,
    SQLiteCatalog,
    encode,
)
from ocean_core.catalog._sqlite_schema import SCHEMA_VERSION
from ocean_core.entity import Entity
from ocean_core.results import ResyncResult

pytestmark = pytest.mark.anyio

# integration_id, blueprint, identifier, title, kind
Spec = tuple[str, str, str, str | None, str]

ENTITIES: tuple[Spec, ...] = (
    ("i1", "svc", "api-gateway", "API Gateway", "k1"),
    ("i1", "svc", "billing", "Billing 100%", "k1"),
    ("i1", "svc", "cart_v2", None, "k2"),
    ("i1", "db", "orders", "Orders_DB", "k2"),
    ("i1", "db", "users", "Users\\Main", "k1"),
    ("i2", "svc", "API", "gateway", "k1"),
    ("i2", "svc", "checkout", "Cart 50% off", "k1"),
    ("i2", "team", "ÉQUIPE", "Équipe", "k1"),
    ("i2", "team", "quipe", None, "k2"),
)
ALL_KEYS: list[EntityKey] = sorted(spec[:3] for spec in ENTITIES)


async def populate(catalog: Catalog, specs: tuple[Spec, ...] | list[Spec]) -> None:
    """Write the entities as one resync per integration, one page per kind."""
    pages: dict[tuple[str, str], list[Spec]] = {}
    for spec in specs:
        pages.setdefault((spec[0], spec[4]), []).append(spec)
    generations: dict[str, int] = {}
    tool = catalog.unfenced()
    for (integration_id, kind), page in pages.items():
        if integration_id not in generations:
            generations[integration_id] = await catalog.advance_generation(integration_id)
        rows = [encode(ident, bp, title, {"n": ident}, {}) for _, bp, ident, title, _ in page]
        await tool.write_page(integration_id, kind, 0, generations[integration_id], rows)


def keys(entities: list[Entity]) -> list[EntityKey]:
    return [(e.integration_id or "", e.blueprint, e.identifier) for e in entities]


@pytest.fixture
async def filled(catalog: Catalog) -> Catalog:
    await populate(catalog, ENTITIES)
    return catalog


async def search(catalog: Catalog, text: str, **filters: Any) -> list[str]:
    return [e.identifier for e in await catalog.list_entities(search=text, **filters)]


# -- list_entities: search --------------------------------------------------------------------


async def test_search_matches_identifier_or_title(filled: Catalog) -> None:
    assert await search(filled, "bill") == ["billing"]  # identifier only
    assert await search(filled, "main") == ["users"]  # title only
    assert await search(filled, "gateway") == ["api-gateway", "API"]  # one each way
    assert await search(filled, "nowhere") == []


async def test_search_folds_ascii_case_only(filled: Catalog) -> None:
    assert await search(filled, "aPi") == ["api-gateway", "API"]
    assert await search(filled, "ORDERS_db") == ["orders"]
    assert await search(filled, "QUIPE") == ["quipe", "ÉQUIPE"]
    # É and é are different letters to SQLite's LIKE, and so to both catalogs.
    assert await search(filled, "équipe") == []
    assert await search(filled, "Équipe") == ["ÉQUIPE"]


async def test_search_characters_are_literal(filled: Catalog) -> None:
    assert await search(filled, "%") == ["billing", "checkout"]
    assert await search(filled, "0%") == ["billing", "checkout"]
    assert await search(filled, "_") == ["orders", "cart_v2"]
    assert await search(filled, "t_v") == ["cart_v2"]
    assert await search(filled, "s_d") == ["orders"]
    assert await search(filled, "a_i") == []  # "_" is no wildcard: "api-gateway" stays out
    assert await search(filled, "\\") == ["users"]
    assert await search(filled, "\\%") == []


async def test_search_empty_string_matches_everything(filled: Catalog) -> None:
    assert keys(await filled.list_entities(search="")) == ALL_KEYS


async def test_search_never_matches_a_null_title(filled: Catalog) -> None:
    # "cart_v2" has no title: only its identifier can match.
    assert await search(filled, "none") == []
    assert await search(filled, "cart") == ["cart_v2", "checkout"]


async def test_search_combines_with_filters(filled: Catalog) -> None:
    assert await search(filled, "a", integration_id="i2") == ["API", "checkout"]
    assert await search(filled, "a", integration_id="i2", kind="k1") == ["API", "checkout"]
    assert await search(filled, "u", integration_id="i2", kind="k2") == ["quipe"]
    assert await search(filled, "s", integration_id="i1", blueprint="db") == ["orders", "users"]
    in_svc = ["api-gateway", "billing", "API"]
    assert await search(filled, "i", blueprint="svc", kind="k1") == in_svc
    assert await search(filled, "i", blueprint="svc", kind="k1", limit=2, offset=1) == [
        "billing", "API",
    ]


async def test_positional_integration_and_old_keywords_still_work(filled: Catalog) -> None:
    assert keys(await filled.list_entities("i1")) == [k for k in ALL_KEYS if k[0] == "i1"]
    found = await filled.list_entities(integration_id="i1", blueprint="svc", limit=2, offset=1)
    assert [e.identifier for e in found] == ["billing", "cart_v2"]
    assert [e.identifier for e in await filled.list_entities("i2", kind="k2")] == ["quipe"]


# -- list_entities: keyset paging -------------------------------------------------------------


async def page_through(catalog: Catalog, size: int, **filters: Any) -> list[EntityKey]:
    """Every key, fetched ``size`` at a time, each page starting after the last one's end."""
    seen: list[EntityKey] = []
    after: EntityKey | None = None
    while True:
        page = keys(await catalog.list_entities(after=after, limit=size, **filters))
        assert len(page) <= size
        seen += page
        if len(page) < size:
            return seen
        after = page[-1]


async def test_keyset_pages_of_three_cover_everything_once_in_order(filled: Catalog) -> None:
    seen = await page_through(filled, 3)
    assert seen == ALL_KEYS
    assert len(set(seen)) == len(ENTITIES)


async def test_keyset_paging_with_filters_and_search(filled: Catalog) -> None:
    everything = keys(await filled.list_entities(search="e", kind="k1"))
    assert len(everything) == 5
    assert await page_through(filled, 3, search="e", kind="k1") == everything
    assert await page_through(filled, 2, integration_id="i2") == [
        k for k in ALL_KEYS if k[0] == "i2"
    ]


async def test_after_is_strict_and_need_not_exist(filled: Catalog) -> None:
    assert keys(await filled.list_entities(after=("i1", "svc", "billing"), limit=2)) == [
        ("i1", "svc", "cart_v2"), ("i2", "svc", "API"),
    ]
    # A key no entity has: paging resumes where it would have been.
    assert keys(await filled.list_entities(after=("i1", "svc", "c"), limit=1)) == [
        ("i1", "svc", "cart_v2"),
    ]
    assert await filled.list_entities(after=ALL_KEYS[-1]) == []
    assert keys(await filled.list_entities(after=("", "", ""))) == ALL_KEYS


# -- runs -------------------------------------------------------------------------------------

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def run(run_id: str, integration_id: str = "i1", seconds: float = 0) -> ResyncResult:
    return ResyncResult(
        id=run_id, integration_id=integration_id, generation=1, trigger=Trigger.API,
        started_at=T0 + timedelta(seconds=seconds),
    )


# Saved in this (shuffled) order; "b", "e", "a" and "g" share one start time.
RUNS = [run("e", seconds=5), run("a", seconds=5), run("c", seconds=1), run("g", "i2", 5),
        run("b", seconds=5), run("d", "i2", 0.5), run("f", seconds=9), run("h", seconds=1)]
NEWEST_FIRST = ["f", "g", "e", "b", "a", "h", "c", "d"]


def cursor(last: ResyncResult) -> RunCursor:
    return (last.started_at, last.id)


async def run_pages(catalog: Catalog, size: int, integration_id: str | None = None) -> list[str]:
    seen: list[str] = []
    before: RunCursor | None = None
    while True:
        page = await catalog.runs(integration_id, size, before=before)
        seen += [r.id for r in page]
        if len(page) < size:
            return seen
        before = cursor(page[-1])


async def test_runs_newest_first_ties_broken_by_id(catalog: Catalog) -> None:
    for record in RUNS:
        await catalog.save_run(record)
    assert [r.id for r in await catalog.runs()] == NEWEST_FIRST
    assert [r.id for r in await catalog.runs("i1")] == [i for i in NEWEST_FIRST if i not in "dg"]
    # Updating a run (a new status) does not move it among its equals.
    await catalog.save_run(RUNS[1].model_copy(update={"status": ResyncStatus.SUCCEEDED}))
    assert [r.id for r in await catalog.runs()] == NEWEST_FIRST


@pytest.mark.parametrize("size", [1, 2, 3, 8])
async def test_runs_paged_with_before_through_equal_start_times(
    catalog: Catalog, size: int
) -> None:
    for record in RUNS:
        await catalog.save_run(record)
    assert await run_pages(catalog, size) == NEWEST_FIRST
    assert await run_pages(catalog, size, "i2") == ["g", "d"]


async def test_before_is_strict_in_both_parts(catalog: Catalog) -> None:
    for record in RUNS:
        await catalog.save_run(record)
    at_five = T0 + timedelta(seconds=5)
    assert [r.id for r in await catalog.runs(before=(at_five, "e"), limit=3)] == ["b", "a", "h"]
    assert [r.id for r in await catalog.runs("i1", before=(at_five, "a"))] == ["h", "c"]
    assert [r.id for r in await catalog.runs(before=(at_five, "zzz"), limit=1)] == ["g"]
    assert await catalog.runs(before=(T0, "")) == []


async def test_runs_are_in_time_order_whatever_zone_their_start_was_given_in(
    catalog: Catalog,
) -> None:
    """A start time given in another zone, or with no microseconds, is the same instant as
    ever: the order is by time, and a cursor taken in one zone pages in another."""
    plus_two = timezone(timedelta(hours=2))
    early = run("early").model_copy(  # 08:00 UTC, written as 10:00+02:00
        update={"started_at": datetime(2025, 1, 1, 10, 0, tzinfo=plus_two)}
    )
    whole = run("whole").model_copy(update={"started_at": datetime(2025, 1, 1, 9, 0, tzinfo=UTC)})
    later = run("later").model_copy(
        update={"started_at": datetime(2025, 1, 1, 9, 0, 0, 1, tzinfo=UTC)}
    )
    for record in (later, early, whole):
        await catalog.save_run(record)
    assert [r.id for r in await catalog.runs()] == ["later", "whole", "early"]
    assert [r.id for r in await catalog.runs(before=cursor(whole))] == ["early"]
    in_utc = (datetime(2025, 1, 1, 8, 0, tzinfo=UTC), "early")
    assert [r.id for r in await catalog.runs(before=in_utc)] == []
    assert await catalog.get_run("early") == early


async def test_get_run_found_and_missing(catalog: Catalog) -> None:
    for record in RUNS:
        await catalog.save_run(record)
    found = await catalog.get_run("b")
    assert found == RUNS[4]
    assert await catalog.get_run("nope") is None
    await catalog.save_run(RUNS[4].model_copy(update={"status": ResyncStatus.FAILED}))
    updated = await catalog.get_run("b")
    assert updated is not None and updated.status is ResyncStatus.FAILED


# -- state ------------------------------------------------------------------------------------


async def test_state_set_get_overwrite_delete(catalog: Catalog) -> None:
    assert await catalog.get_state("i1", "cursor") is None
    await catalog.set_state("i1", "cursor", {"page": 3, "tags": ["a", "b"]})
    assert await catalog.get_state("i1", "cursor") == {"page": 3, "tags": ["a", "b"]}
    assert await catalog.get_state("i2", "cursor") is None  # per integration
    await catalog.set_state("i1", "cursor", "done")
    assert await catalog.get_state("i1", "cursor") == "done"
    await catalog.set_state("i1", "cursor", None)
    assert await catalog.get_state("i1", "cursor") is None
    await catalog.set_state("i1", "cursor", None)  # deleting a missing key is fine
    assert await catalog.get_state("i1", "cursor") is None


@pytest.mark.parametrize("value", [0, False, "", [], {}, 1.5, [None]])
async def test_falsy_state_values_are_kept(catalog: Catalog, value: Any) -> None:
    await catalog.set_state("i", "k", value)
    got = await catalog.get_state("i", "k")
    assert got == value and type(got) is type(value)


async def test_state_is_stored_and_returned_as_copies(catalog: Catalog) -> None:
    value: dict[str, Any] = {"seen": [1, 2]}
    await catalog.set_state("i", "k", value)
    value["seen"].append(3)
    got = await catalog.get_state("i", "k")
    assert got == {"seen": [1, 2]}
    got["seen"].append(4)
    assert await catalog.get_state("i", "k") == {"seen": [1, 2]}


async def test_state_holds_json_only(catalog: Catalog) -> None:
    await catalog.set_state("i", "k", {"pair": (1, 2)})
    assert await catalog.get_state("i", "k") == {"pair": [1, 2]}  # as JSON gives it back
    with pytest.raises(TypeError):
        await catalog.set_state("i", "k", {"bad": object()})
    assert await catalog.get_state("i", "k") == {"pair": [1, 2]}


async def test_sqlite_state_survives_reopening(tmp_path: Path) -> None:
    catalog = SQLiteCatalog(tmp_path / "c.db")
    await catalog.set_state("i", "k", {"v": 1})
    await catalog.close()
    assert await SQLiteCatalog(tmp_path / "c.db").get_state("i", "k") == {"v": 1}


# -- SQLite: indexes serve the paged queries --------------------------------------------------


async def test_sqlite_paged_queries_seek_on_indexes_and_sort_nothing(tmp_path: Path) -> None:
    catalog = SQLiteCatalog(tmp_path / "c.db")
    await populate(catalog, ENTITIES)
    for record in RUNS:
        await catalog.save_run(record)
    statements: list[str] = []
    await catalog._run(lambda c: c.set_trace_callback(statements.append))
    after = ("i1", "db", "orders")
    await catalog.list_entities(after=after, search="a", limit=3)
    await catalog.list_entities("i1", after=after, kind="k1", limit=3)
    await catalog.list_entities("i1", blueprint="db", after=after, limit=3)
    await catalog.runs("i1", 3, before=cursor(RUNS[0]))
    await catalog._run(lambda c: c.set_trace_callback(None))

    def plan(statement: str) -> str:
        rows = catalog._locked(lambda c: c.execute(f"EXPLAIN QUERY PLAN {statement}").fetchall())
        return " | ".join(str(row[3]) for row in rows)

    assert [plan(s) for s in statements] == [
        "SEARCH entities USING PRIMARY KEY ((integration_id,blueprint,identifier)>(?,?,?))",
        "SEARCH entities USING PRIMARY KEY (integration_id=? AND (blueprint,identifier)>(?,?))",
        "SEARCH entities USING PRIMARY KEY (integration_id=? AND blueprint=? AND identifier>?)",
        "SEARCH runs USING INDEX runs_by_start (integration_id=? AND (started_at,id)<(?,?))",
    ]
    await catalog.close()


# -- upgrading a version-1 file ---------------------------------------------------------------

V1_SCHEMA = """
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
CREATE INDEX runs_by_integration ON runs (integration_id, started_at);
PRAGMA user_version = 1;
"""


def write_v1_file(path: Path, old_run: ResyncResult) -> None:
    """A catalog file as version 1 left it: a generation, a page of one entity, a run."""
    row = encode("svc-1", "svc", "Old Service", {"tier": 1}, {})
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    with conn:
        conn.execute("INSERT INTO integrations VALUES ('old', 4)")
        conn.execute("INSERT INTO pages VALUES (1, 'old', 'k', 0, NULL, 1, 4)")
        conn.execute(
            "INSERT INTO entities VALUES ('old', 'svc', 'svc-1', 'k', ?, ?, ?, ?, ?, ?, 1)",
            (row.title, row.team, row.icon, row.properties, row.relations, row.hash),
        )
        conn.execute(
            "INSERT INTO runs VALUES (?, 'old', ?, ?, ?)",
            (old_run.id, old_run.started_at.isoformat(), old_run.status.value,
             old_run.model_dump_json()),
        )
    conn.close()


def schema_of(path: Path) -> tuple[int, set[str]]:
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        return conn.execute("PRAGMA user_version").fetchone()[0], names
    finally:
        conn.close()


async def test_version_1_file_opens_with_its_data_and_new_features(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    old_run = run("r-old", "old", seconds=3).model_copy(update={"status": ResyncStatus.SUCCEEDED})
    write_v1_file(path, old_run)
    assert schema_of(path) == (1, {"integrations", "pages", "sqlite_sequence", "entities",
                                   "entities_by_page", "runs", "runs_by_integration",
                                   "sqlite_autoindex_integrations_1",
                                   "sqlite_autoindex_pages_1", "sqlite_autoindex_runs_1"})

    catalog = SQLiteCatalog(path)
    assert await catalog.generation("old") == 4
    assert await catalog.get_run("r-old") == old_run
    assert await catalog.runs("old", before=(old_run.started_at, "zzz")) == [old_run]
    [entity] = await catalog.list_entities("old", search="OLD serv")
    assert (entity.identifier, entity.title, entity.properties) == (
        "svc-1", "Old Service", {"tier": 1},
    )
    assert await catalog.list_entities(after=("old", "svc", "svc-1")) == []
    await catalog.set_state("old", "since", "2025-01-01")
    assert await catalog.get_state("old", "since") == "2025-01-01"
    # The old page still works: an unchanged rewrite in a new generation keeps the entity.
    generation = await catalog.advance_generation("old")
    outcome = await catalog.unfenced().write_page("old", "k", 0, generation, [
        encode("svc-1", "svc", "Old Service", {"tier": 1}, {}),
    ])
    assert (outcome.upserted, outcome.unchanged) == (0, 1)
    assert (await catalog.unfenced().delete_stale("old", generation, threshold=1.0)).deleted == 0
    await catalog.close()

    version, names = schema_of(path)
    assert version == SCHEMA_VERSION == 5
    assert {"state", "runs_by_start", "knowledge_bases", "kb_integrations"} <= names
    assert "runs_by_integration" not in names
    reopened = SQLiteCatalog(path)
    assert await reopened.get_state("old", "since") == "2025-01-01"
    assert [e.identifier for e in await reopened.list_entities("old")] == ["svc-1"]
    await reopened.close()


# -- differential: SQLite and memory answer every query alike ---------------------------------

ALPHABET = "aAbB%_\\éÉ"
SWAP_CASE = str.maketrans("aAbBéÉ", "AaBbÉé")
texts = st.text(alphabet=ALPHABET, max_size=4)
specs = st.lists(
    st.tuples(
        st.sampled_from(("i1", "i2")),
        st.sampled_from(("a", "B", "b")),
        texts,
        st.none() | texts,
        st.sampled_from(("k1", "k2")),
    ),
    max_size=25,
    unique_by=lambda spec: spec[:3],
)


@st.composite
def searches(draw: st.DrawFn, entities: list[Spec]) -> str:
    """Random text, or a piece of an identifier or title with some letters' case swapped
    (non-ASCII ones too, which must then no longer match)."""
    pieces = [text for _, _, ident, title, _ in entities for text in (ident, title) if text]
    if not pieces or draw(st.booleans()):
        return draw(texts)
    piece = draw(st.sampled_from(pieces))
    start = draw(st.integers(0, len(piece) - 1))
    piece = piece[start:draw(st.integers(start + 1, len(piece)))]
    flips = draw(st.lists(st.booleans(), min_size=len(piece), max_size=len(piece)))
    return "".join(c.translate(SWAP_CASE) if f else c for c, f in zip(piece, flips, strict=True))


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Spec], dict[str, Any]]:
    entities = draw(specs)
    query = draw(st.fixed_dictionaries(
        {},
        optional={
            "integration_id": st.sampled_from(("i1", "i2", "i3")),
            "blueprint": st.sampled_from(("a", "B", "b")),
            "kind": st.sampled_from(("k1", "k2")),
            "search": searches(entities),
            "after": st.tuples(
                st.sampled_from(("i1", "i2", "i3", "")), st.sampled_from(("a", "B", "b", "")),
                texts,
            ),
            "limit": st.integers(0, 6),
            "offset": st.integers(0, 3),
        },
    ))
    return entities, query


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal(backend="asyncio") as running:
        yield running


async def both_answers(
    entities: list[Spec], query: dict[str, Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    answers = []
    for catalog in (SQLiteCatalog(":memory:"), MemoryCatalog()):
        await populate(catalog, entities)
        found = await catalog.list_entities(**query)
        answers.append([(*key, e.title, e.kind) for key, e in zip(keys(found), found, strict=True)])
        await catalog.close()
    return answers[0], answers[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])
@example(case=([("i1", "a", "xÉa", None, "k1"), ("i1", "a", "y", "É_%", "k2")], {"search": "éA"}))
@given(case=cases())
def test_sqlite_and_memory_list_the_same_entities(
    portal: BlockingPortal, case: tuple[list[Spec], dict[str, Any]]
) -> None:
    entities, query = case
    from_sqlite, from_memory = portal.call(both_answers, entities, query)
    assert from_sqlite == from_memory
    expected = sorted(
        (i, b, ident, title, kind) for i, b, ident, title, kind in entities
        if query.get("integration_id", i) == i and query.get("blueprint", b) == b
        and query.get("kind", kind) == kind and (i, b, ident) > query.get("after", ("",) * 3)
    )
    if "search" not in query:  # without search, the answer is plain to compute here
        start = query.get("offset", 0)
        end = None if query.get("limit") is None else start + query["limit"]
        assert from_memory == expected[start:end]
