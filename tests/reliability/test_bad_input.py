"""Bad input the engine meets in real sources, on every catalog: values JSON cannot hold, a
10 MB item, duplicate identifiers in one batch, and identifiers made of quotes, SQL
metacharacters and unicode. An error case leaves every entity of before the run in place, is
counted against its kind with a message that names what is wrong, and the next clean run
converges. (The cases already covered elsewhere: ``docs/guarantees.md`` section 5.)"""

from __future__ import annotations

import datetime
import decimal
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ocean_core import Entity, Ocean, ResyncStatus
from ocean_core.catalog import Catalog
from ocean_core.integration import Batch
from tests.reliability._support import expected, snapshot
from tests.support import Source, items, mapping_for

pytestmark = pytest.mark.anyio


class EntitySource(Source):
    """The same items as ``Source``, yielded as ``Entity`` objects (no mapping)."""

    async def _fetch(self, kind: str) -> AsyncIterator[Batch]:
        async for batch in super()._fetch(kind):
            yield [
                Entity(identifier=i["id"], blueprint=kind, title=i["name"],
                       properties={"value": i["value"]})
                for i in batch
            ]


def _ocean(path: str, catalog: Catalog, data: dict[str, list[Any]], batch_size: int = 2
           ) -> tuple[Ocean, Source]:
    if path == "jq":
        source = Source(data, batch_size=batch_size)
        return Ocean(source, catalog=catalog, mapping=mapping_for(*data),
                     integration_id="i"), source
    source = EntitySource(data, batch_size=batch_size)
    return Ocean(source, catalog=catalog, mapping=None, integration_id="i"), source


VALUES = [
    pytest.param("jq", decimal.Decimal("1.5"), "Decimal", id="jq-decimal"),
    pytest.param("jq", b"\x00", "bytes", id="jq-bytes"),
    pytest.param("entity", decimal.Decimal("1.5"), "Decimal", id="entity-decimal"),
    pytest.param("entity", b"\x00", "bytes", id="entity-bytes"),
]


@pytest.mark.parametrize(("path", "value", "named"), VALUES)
async def test_a_value_json_cannot_hold_is_an_item_error_and_loses_nothing(
    catalog: Catalog, path: str, value: Any, named: str
) -> None:
    data = {"svc": items("s", 4)}
    ocean, source = _ocean(path, catalog, data)
    assert (await ocean.resync()).status is ResyncStatus.SUCCEEDED
    before = await snapshot(catalog, "i")
    source.data = {"svc": [dict(i, value=1) for i in items("s", 4)]}
    source.data["svc"][1]["value"] = value  # s1, in the first batch; s3 (last batch) is gone
    del source.data["svc"][3]

    result = await ocean.resync()

    stats = result.kinds["svc"]
    assert result.status is ResyncStatus.FAILED, result
    assert (stats.errors, stats.upserted + stats.unchanged) == (1, 2), stats
    [detail] = stats.error_details
    where = "properties" if path == "entity" else "cannot be read as JSON"  # jq reads the item
    assert where in detail.message and named.lower() in detail.message.lower(), detail
    assert '"s1"' in (detail.item or ""), detail  # the item as JSON
    assert result.deleted == 0
    after = await snapshot(catalog, "i")
    assert after.keys() == before.keys()  # s3 stale but kept: the run had an error
    assert after[("svc", "s1")] == before[("svc", "s1")]  # the bad item did not overwrite it
    assert after[("svc", "s0")] == ("s 0", {"value": 1})  # the good items were written

    source.data["svc"][1]["value"] = 1
    clean = await ocean.resync()
    assert clean.status is ResyncStatus.SUCCEEDED and clean.deleted == 1
    assert await snapshot(catalog, "i") == expected(source.data)


@pytest.mark.parametrize("path", ["jq", "entity"])
async def test_a_datetime_is_stored_as_its_iso_text(catalog: Catalog, path: str) -> None:
    """orjson writes a ``datetime`` as RFC 3339 text, on both paths (the jq path reads the item
    as orjson writes it): no error, and the value reads back as that string."""
    data = {"svc": items("s", 2)}
    data["svc"][0]["value"] = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    ocean, _ = _ocean(path, catalog, data)

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED and result.kinds["svc"].errors == 0
    stored = await snapshot(catalog, "i")
    assert stored[("svc", "s0")] == ("s 0", {"value": "2026-01-02T03:04:05+00:00"})


@pytest.mark.parametrize("path", ["jq", "entity"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
async def test_a_non_finite_number_is_stored_as_null_on_every_path(
    catalog: Catalog, path: str, value: float
) -> None:
    """JSON has no NaN or infinity: like JavaScript's ``JSON.stringify``, both paths store
    null (documented in docs/mapping.md), never a different number."""
    data = {"svc": items("s", 2)}
    data["svc"][0]["value"] = value
    ocean, _ = _ocean(path, catalog, data)

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED and result.kinds["svc"].errors == 0
    assert (await snapshot(catalog, "i"))[("svc", "s0")] == ("s 0", {"value": None})


@pytest.mark.parametrize("path", ["jq", "entity"])
async def test_a_10_mb_item_is_stored_whole(catalog: Catalog, path: str) -> None:
    data = {"svc": items("s", 3)}
    ocean, source = _ocean(path, catalog, data)
    await ocean.resync()
    big = "\u00e9x" * (5 * 1024 * 1024)  # 10 Mi characters, 15 MiB of UTF-8
    source.data = {"svc": [*items("s", 3), {"id": "big", "name": "big", "value": big}]}

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED, result
    assert result.kinds["svc"].errors == 0 and result.kinds["svc"].upserted == 1
    [stored] = await catalog.list_entities("i", search="big")
    assert stored.properties["value"] == big
    assert await snapshot(catalog, "i") == expected(source.data)
    source.data["svc"].pop()
    assert (await ocean.resync()).deleted == 1
    assert await snapshot(catalog, "i") == expected(source.data)


@pytest.mark.parametrize("path", ["jq", "entity"])
async def test_duplicate_identifiers_in_one_batch_the_last_wins_counted_once(
    catalog: Catalog, path: str
) -> None:
    """The catalogs keep a key's last row of a page (``latest_by_key``, ``_rows.py``); the
    repeats count as unchanged, so ``upserted`` counts the key once."""
    data = {"svc": [{"id": "a", "name": "first", "value": 1},
                    {"id": "b", "name": "b", "value": 2},
                    {"id": "a", "name": "second", "value": 3},
                    {"id": "a", "name": "last", "value": 4}]}
    ocean, _ = _ocean(path, catalog, data, batch_size=10)

    result = await ocean.resync()

    stats = result.kinds["svc"]
    assert result.status is ResyncStatus.SUCCEEDED and stats.errors == 0
    assert (stats.fetched, stats.upserted) == (4, 2)
    assert await catalog.count_entities("i") == 2
    assert await snapshot(catalog, "i") == {("svc", "a"): ("last", {"value": 4}),
                                            ("svc", "b"): ("b", {"value": 2})}
    again = await ocean.resync()
    assert again.status is ResyncStatus.SUCCEEDED and again.kinds["svc"].upserted == 0
    assert again.deleted == 0 and await catalog.count_entities("i") == 2


AWKWARD = [
    "it's", 'say "hi"', "'; DROP TABLE entities; --", "100%", "%", "a_b", "_", "back\\slash",
    "\\", "\\%_'\"", "rocket \U0001f680",
    "\u05e9\u05dc\u05d5\u05dd \u0627\u0644\u0633\u0644\u0627\u0645",  # Hebrew and Arabic (RTL)
    "e\u0301 vs \u00e9", "clef \U0001d11e", "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "Zebra", "zebra", "tab\tand\nnewline",
]
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _contains(text: str, part: str) -> bool:
    return part.translate(_ASCII_LOWER) in text.translate(_ASCII_LOWER)


@pytest.mark.parametrize("path", ["jq", "entity"])
async def test_awkward_identifiers_round_trip_search_and_page(catalog: Catalog, path: str) -> None:
    data = {"svc": [{"id": ident, "name": f"t{n}", "value": ident}
                    for n, ident in enumerate(AWKWARD)]}
    ocean, source = _ocean(path, catalog, data, batch_size=5)

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED and result.kinds["svc"].errors == 0, result
    assert await snapshot(catalog, "i") == expected(data)  # every character exact
    for ident in AWKWARD:
        found = {e.identifier for e in await catalog.list_entities("i", search=ident)}
        assert found == {i for i in AWKWARD if _contains(i, ident)}, ident
    whole = [e.identifier for e in await catalog.list_entities("i")]
    paged: list[str] = []
    after = None
    while True:
        page = await catalog.list_entities("i", after=after, limit=3)
        if not page:
            break
        paged += [e.identifier for e in page]
        last = page[-1]
        after = ("i", last.blueprint, last.identifier)
    assert paged == whole and sorted(paged) == sorted(AWKWARD)

    source.data["svc"] = data["svc"][1:]  # "it's" goes; the next run deletes only it
    again = await ocean.resync()
    assert again.status is ResyncStatus.SUCCEEDED and again.deleted == 1
    assert await snapshot(catalog, "i") == expected(source.data)


def _deep_dict(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def _deep_list(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


HOSTILE = [
    pytest.param(_deep_dict(5000), "nested deeper than 254 levels", id="dict-5000-deep"),
    pytest.param(_deep_list(100_000), "nested deeper than 254 levels", id="list-100000-deep"),
    pytest.param({1: "one"}, "key", id="int-key"),
    pytest.param({"ok": [{"x": {(1, 2): 3}}]}, "key", id="tuple-key-inside"),
]


def _ocean_paths(path: str, catalog: Catalog, data: dict[str, list[Any]]) -> tuple[Ocean, Source]:
    """``_ocean``, and ``jq-only``: a mapping whose value expression the fast path does not
    handle, so that every item goes through the jq library."""
    if path != "jq-only":
        return _ocean(path, catalog, data)
    source = Source(data, batch_size=2)
    mapping = mapping_for(*data)
    for resource in mapping["resources"]:
        resource["port"]["entity"]["mappings"]["properties"]["value"] = (
            "def same: .; .value | same")
    return Ocean(source, catalog=catalog, mapping=mapping, integration_id="i"), source


@pytest.mark.parametrize("path", ["jq", "jq-only", "entity"])
@pytest.mark.parametrize(("value", "named"), HOSTILE)
async def test_a_hostile_item_is_an_item_error_the_rest_is_written(
    catalog: Catalog, path: str, value: Any, named: str
) -> None:
    """One item nested far past the limit (or with a key that is not a string) is an item
    error of its kind: the kind's other items are written, the next kind runs, and the error
    names the item (``ocean_core._limits``)."""
    data = {"svc": items("s", 4), "other": items("o", 3)}
    data["svc"][1]["value"] = value
    ocean, _ = _ocean_paths(path, catalog, data)

    result = await ocean.resync()

    stats = result.kinds["svc"]
    assert (stats.errors, stats.upserted) == (1, 3), stats
    [detail] = stats.error_details
    assert named in detail.message, detail
    assert "'s1'" in (detail.item or "") or '"s1"' in (detail.item or ""), detail
    assert result.kinds["other"].errors == 0 and result.kinds["other"].upserted == 3
    stored = await snapshot(catalog, "i")
    assert sorted(k for k in stored if k[0] == "svc") == [("svc", "s0"), ("svc", "s2"),
                                                          ("svc", "s3")]


@pytest.mark.parametrize("path", ["jq", "entity"])
@pytest.mark.parametrize(("field", "size", "ok"), [
    pytest.param("identifier", 3000, False, id="identifier-3000"),
    pytest.param("identifier", 1024, True, id="identifier-1024"),
    pytest.param("identifier", 1025, False, id="identifier-1025"),
    pytest.param("blueprint", 256, True, id="blueprint-256"),
    pytest.param("blueprint", 257, False, id="blueprint-257"),
])
async def test_key_byte_limits_are_the_same_item_error_on_every_catalog(
    catalog: Catalog, path: str, field: str, size: int, ok: bool
) -> None:
    """PostgreSQL's index cannot hold a 3,000-character identifier (it failed its whole page
    without naming the item): every catalog refuses a key past the limit as an item error,
    counted in UTF-8 bytes (``é`` is two), and takes one at the limit."""
    data = {"svc": items("s", 4), "other": items("o", 2)}
    long = "x" * (size % 2) + "\u00e9" * (size // 2)  # `size` bytes of UTF-8
    if field == "identifier":
        data["svc"][2]["id"] = long
    ocean, source = _ocean(path, catalog, data)
    if field == "blueprint":
        if path == "entity":
            source.data = data
            ocean = Ocean(_Blueprint(data, long), catalog=catalog, mapping=None,
                          integration_id="i")
        else:
            mapping = mapping_for(*data)
            mapping["resources"][0]["port"]["entity"]["mappings"]["blueprint"] = (
                'if .id == "s2" then ' + _jq_string(long) + ' else "svc" end')
            ocean = Ocean(source, catalog=catalog, mapping=mapping, integration_id="i")

    result = await ocean.resync()

    stats = result.kinds["svc"]
    assert result.kinds["other"].upserted == 2
    if ok:
        assert (stats.errors, stats.upserted) == (0, 4), stats
        return
    assert (stats.errors, stats.upserted) == (1, 3), stats
    [detail] = stats.error_details
    assert f"{field} is {size:,} bytes of UTF-8" in detail.message, detail
    assert "s2" in (detail.item or "") or long[:20] in (detail.item or ""), detail


def _jq_string(text: str) -> str:
    import json

    return json.dumps(text)


class _Blueprint(EntitySource):
    """``EntitySource`` whose item ``s2`` has the blueprint ``blueprint``."""

    def __init__(self, data: dict[str, list[Any]], blueprint: str) -> None:
        super().__init__(data)
        self.long = blueprint

    async def _fetch(self, kind: str) -> AsyncIterator[Batch]:
        async for batch in super()._fetch(kind):
            for entity in batch:
                if entity.identifier == "s2":
                    entity.blueprint = self.long
            yield batch
