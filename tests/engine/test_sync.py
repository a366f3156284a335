"""Rules 3 and 5: kinds in sequence, failures contained to their kind, unchanged not rewritten."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_core import Entity, Integration, Ocean, ResyncStatus, kind
from ocean_core.catalog import Catalog, SQLiteCatalog
from ocean_core.errors import CatalogError
from tests.support import Source, WriteCountingMemoryCatalog, identifiers, items, mapping_for

pytestmark = pytest.mark.anyio


async def test_upsert_update_delete(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 4)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")

    first = await ocean.resync()
    assert first.status is ResyncStatus.SUCCEEDED
    assert first.kinds["svc"].upserted == 4

    source.data["svc"][1]["name"] = "renamed"
    del source.data["svc"][3]
    second = await ocean.resync()

    assert second.status is ResyncStatus.SUCCEEDED
    assert (second.kinds["svc"].upserted, second.kinds["svc"].unchanged) == (1, 2)
    assert second.deleted == 1
    assert await identifiers(catalog, "i") == ["s0", "s1", "s2"]
    titles = {e.identifier: e.title for e in await catalog.list_entities("i")}
    assert titles["s1"] == "renamed"


async def test_unchanged_entities_are_not_rewritten_in_memory() -> None:
    catalog = WriteCountingMemoryCatalog()
    ocean = Ocean(Source({"svc": items("s", 5)}), catalog=catalog, mapping=mapping_for("svc"))
    await ocean.resync()
    writes = catalog.writes

    again = await ocean.resync()

    assert (again.kinds["svc"].upserted, again.kinds["svc"].unchanged) == (0, 5)
    assert catalog.writes == writes


async def test_unchanged_entities_are_not_rewritten_in_sqlite() -> None:
    catalog = SQLiteCatalog(":memory:")
    source = Source({"svc": items("s", 5)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"))
    await ocean.resync()
    await catalog._run(
        lambda c: c.executescript(
            "CREATE TEMP TABLE rewrites (n INTEGER);"
            "CREATE TEMP TRIGGER count_updates AFTER UPDATE ON entities"
            " BEGIN INSERT INTO rewrites VALUES (1); END;"
        )
    )
    source.data["svc"][4]["value"] = 99  # one changed entity among unchanged ones

    again = await ocean.resync()

    rewrites = await catalog._run(lambda c: c.execute("SELECT count(*) FROM rewrites").fetchone())
    assert (again.kinds["svc"].upserted, again.kinds["svc"].unchanged) == (1, 4)
    assert rewrites[0] == 1
    await catalog.close()


async def test_failing_kind_stops_next_kind_runs_nothing_deleted(catalog: Catalog) -> None:
    source = Source({"a": items("a", 6), "b": items("b", 2)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("a", "b"), integration_id="i")
    await ocean.resync()
    source.data["a"] = items("a", 5, value=1)  # a4 went away, the rest changed
    source.data["b"] = items("b", 1, value=1)  # b1 went away
    source.fail["a"] = 1

    failed = await ocean.resync()

    assert failed.status is ResyncStatus.FAILED
    assert failed.kinds["a"].upserted == 2  # batch 0 was written and stays
    assert failed.kinds["a"].errors == 1
    assert "injected failure" in failed.kinds["a"].error_details[0].message
    assert failed.kinds["b"].upserted == 1 and failed.kinds["b"].errors == 0
    assert failed.deleted == 0
    assert failed.delete_skipped_reason is not None and "a" in failed.delete_skipped_reason
    assert len(await identifiers(catalog, "i")) == 8

    del source.fail["a"]
    clean = await ocean.resync()

    assert clean.status is ResyncStatus.SUCCEEDED
    assert clean.deleted == 2
    assert await identifiers(catalog, "i", "a") == [f"a{i}" for i in range(5)]
    assert await identifiers(catalog, "i", "b") == ["b0"]


class _FailingWrites:
    """A catalog whose writes of one kind fail, as a full disk would."""

    def __init__(self, inner: Catalog, kind: str) -> None:
        self.inner, self.kind = inner, kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def write_page(self, integration_id: str, kind: str, *args: Any, **kw: Any) -> Any:
        if kind == self.kind:
            raise CatalogError("disk full")
        return await self.inner.write_page(integration_id, kind, *args, **kw)


async def test_failing_catalog_write_stops_only_that_kind(catalog: Catalog) -> None:
    source = Source({"a": items("a", 4), "b": items("b", 2)})
    failing: Any = _FailingWrites(catalog, "a")
    ocean = Ocean(source, catalog=failing, mapping=mapping_for("a", "b"), integration_id="i")

    result = await ocean.resync()

    assert result.status is ResyncStatus.FAILED
    assert result.kinds["a"].errors == 1
    assert result.kinds["a"].error_details[0].stage.value == "write"
    assert result.kinds["b"].upserted == 2
    assert "kind(s) had errors" in (result.delete_skipped_reason or "")


async def test_kinds_run_in_mapping_order_and_only_listed_kinds(catalog: Catalog) -> None:
    order: list[str] = []
    source = Source({"a": items("a", 1), "b": items("b", 1), "c": items("c", 1)})

    async def record(kind_name: str, number: int) -> None:
        order.append(kind_name)

    source.on_batch = record
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("c", "a"), integration_id="i")

    result = await ocean.resync()

    assert order == ["c", "a"]
    assert list(result.kinds) == ["c", "a"]


async def test_selector_filters_without_error(catalog: Catalog) -> None:
    data = items("s", 4)
    for i, item in enumerate(data):
        item["value"] = i
    mapping = mapping_for("svc", selector=".value >= 2")
    ocean = Ocean(Source({"svc": data}), catalog=catalog, mapping=mapping, integration_id="i")

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED
    assert (result.kinds["svc"].filtered, result.kinds["svc"].errors) == (2, 0)
    assert await identifiers(catalog, "i") == ["s2", "s3"]


async def test_items_to_parse_expands_each_item(catalog: Catalog) -> None:
    data = [{"repo": "r1", "files": ["a.py", "b.py"]}, {"repo": "r2", "files": ["c.py"]}]
    mapping = {
        "resources": [
            {
                "kind": "repo",
                "port": {
                    "itemsToParse": ".files",
                    "entity": {
                        "mappings": {
                            "identifier": '.repo + "/" + .item',
                            "blueprint": '"file"',
                            "properties": {"repo": ".repo"},
                        }
                    },
                },
            }
        ]
    }
    ocean = Ocean(Source({"repo": data}), catalog=catalog, mapping=mapping, integration_id="i")

    result = await ocean.resync()

    assert result.kinds["repo"].upserted == 3
    assert await identifiers(catalog, "i") == ["r1/a.py", "r1/b.py", "r2/c.py"]


class Direct(Integration):
    type = "direct"

    @kind("team")
    async def teams(self) -> Any:
        yield [Entity(identifier="t1", blueprint="team", title="One", properties={"size": 3})]

    @kind("user")
    async def users(self) -> Any:
        yield [Entity(identifier="u1", blueprint="user", relations={"team": "t1"})]


async def test_fetchers_may_yield_entities_without_mapping(catalog: Catalog) -> None:
    result = await Ocean(Direct(), catalog=catalog, integration_id="d").resync()

    assert list(result.kinds) == ["team", "user"]  # declaration order
    assert result.status is ResyncStatus.SUCCEEDED
    found = {e.identifier: e for e in await catalog.list_entities("d")}
    assert found["t1"].properties == {"size": 3} and found["t1"].kind == "team"
    assert found["u1"].relations == {"team": "t1"} and found["u1"].integration_id == "d"


async def test_run_record_fields(catalog: Catalog) -> None:
    ocean = Ocean(Source({"svc": items("s", 3)}), catalog=catalog, mapping=mapping_for("svc"),
                  integration_id="i")

    result = await ocean.resync("cli")

    [stored] = await ocean.runs()
    assert stored.id == result.id and stored.integration_id == "i"
    assert stored.trigger.value == "cli" and stored.status is ResyncStatus.SUCCEEDED
    assert stored.ended_at is not None and stored.ended_at >= stored.started_at
    assert stored.kinds["svc"].fetched == 3 and stored.deleted == 0
