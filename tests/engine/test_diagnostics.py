"""What a run leaves for the operator who reads why it failed: the last line of every run at a
level that matches its outcome, with its reason and counts; item errors logged (the first few);
a fetch error's traceback in the record; the deleted entities named."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from loguru import logger

from ocean_core import Ocean, ResyncStatus
from ocean_core._run_context import RunContext
from ocean_core.catalog import Catalog
from ocean_core.engine._kind import LOGGED_ITEM_ERRORS
from ocean_core.engine._records import MAX_TRACEBACK
from tests.support import Source, items, mapping_for

pytestmark = pytest.mark.anyio

Lines = list[tuple[str, str]]


@pytest.fixture
def logged() -> Iterator[Lines]:
    lines: Lines = []
    logger.enable("ocean_core")
    sink = logger.add(lambda m: lines.append((m.record["level"].name, m.record["message"])),
                      level="DEBUG", format="{message}")
    try:
        yield lines
    finally:
        logger.remove(sink)
        logger.disable("ocean_core")


def _ends(lines: Lines) -> list[tuple[str, str]]:
    return [(level, text) for level, text in lines if text.startswith("resync ")
            and not text.startswith("resync started")]


async def test_a_failed_run_is_logged_at_error_with_its_reason_and_counts(
    catalog: Catalog, logged: Lines
) -> None:
    source = Source({"svc": items("s", 3), "team": items("t", 1)})
    source.fail["team"] = 0
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc", "team"), integration_id="i")

    assert (await ocean.resync()).status is ResyncStatus.FAILED

    [(level, text)] = _ends(logged)
    assert level == "ERROR"
    assert text.startswith("resync failed: 1 kind(s) had errors: team; ")
    assert "svc: fetched 3, upserted 3, unchanged 0, filtered 0, errors 0" in text
    assert "team: fetched 0, upserted 0, unchanged 0, filtered 0, errors 1" in text


async def test_an_aborted_run_is_logged_at_warning_and_a_clean_one_at_info(
    catalog: Catalog, logged: Lines
) -> None:
    source = Source({"svc": items("s", 4)})
    async with Ocean(source, catalog=catalog, mapping=mapping_for("svc"),
                     integration_id="i") as ocean:
        source.block["svc"] = 1
        ocean.trigger()
        await source.blocked.wait()
        ocean.trigger()
        await ocean.wait_idle()

    aborted, succeeded = _ends(logged)
    assert aborted[0] == "WARNING" and aborted[1].startswith(
        "resync aborted: aborted: a newer trigger or shutdown; svc: fetched 2, upserted 2")
    assert succeeded[0] == "INFO" and succeeded[1].startswith("resync succeeded: svc:")


async def test_item_errors_are_logged_the_first_few_then_counted(
    catalog: Catalog, logged: Lines
) -> None:
    bad = [{"id": None, "name": f"bad {i}", "value": 0} for i in range(LOGGED_ITEM_ERRORS + 7)]
    ocean = Ocean(Source({"svc": bad}), catalog=catalog, mapping=mapping_for("svc"),
                  integration_id="i")

    await ocean.resync()

    item_lines = [text for level, text in logged if level == "WARNING" and "item error:" in text]
    assert len(item_lines) == LOGGED_ITEM_ERRORS
    assert "identifier is null" in item_lines[0] and '"bad 0"' in item_lines[0]  # as JSON
    assert ("WARNING", f"kind svc: {LOGGED_ITEM_ERRORS + 7} item errors in all, the first"
            f" {LOGGED_ITEM_ERRORS} logged") in logged


class _Deep(Source):
    async def _fetch(self, kind: str) -> AsyncIterator[list[object]]:
        def down(depth: int) -> None:
            if depth == 0:
                raise LookupError("x" * 10_000)
            down(depth - 1)

        down(50)
        yield []


async def test_a_fetch_error_keeps_its_traceback_bounded(catalog: Catalog) -> None:
    ocean = Ocean(_Deep({"svc": []}), catalog=catalog, mapping=mapping_for("svc"),
                  integration_id="i")

    await ocean.resync()

    [stored] = await catalog.runs("i")
    [detail] = stored.kinds["svc"].error_details
    assert detail.stage.value == "fetch" and detail.traceback is not None
    assert len(detail.traceback) <= MAX_TRACEBACK + 40
    assert detail.traceback.startswith("… (") and "characters cut" in detail.traceback
    assert detail.traceback.rstrip().endswith("x" * 100)  # the innermost end is kept


class _BrokenScope(Source):
    @asynccontextmanager
    async def run_scope(self, run: RunContext) -> AsyncIterator[None]:
        raise RuntimeError("the run scope broke")
        yield


async def test_a_broken_run_keeps_its_error_and_traceback(catalog: Catalog, logged: Lines) -> None:
    ocean = Ocean(_BrokenScope({"svc": []}), catalog=catalog, mapping=mapping_for("svc"),
                  integration_id="i")

    await ocean.resync()

    [stored] = await catalog.runs("i")
    assert stored.error == "RuntimeError: the run scope broke"
    assert stored.error_traceback and "in run_scope" in stored.error_traceback
    assert ("ERROR", "resync failed: RuntimeError: the run scope broke; no kinds; deleted 0"
            ) in logged


async def test_a_run_names_what_it_deleted(catalog: Catalog, logged: Lines) -> None:
    source = Source({"svc": items("s", 30)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")
    await ocean.resync()
    source.data["svc"] = items("s", 5)

    result = await ocean.resync()

    assert result.deleted == 25
    named = [(r.blueprint, r.identifier, r.kind) for r in result.deleted_sample]
    expected = sorted(f"s{i}" for i in range(5, 30))[:20]  # the first 20, in key order
    assert named == [("svc", identifier, "svc") for identifier in expected]
    [stored, _] = await catalog.runs("i")
    assert stored.deleted_sample == result.deleted_sample
    [(_, text)] = _ends(logged)[1:]
    assert text.endswith(f"deleted 25 (svc/{expected[0]}, svc/{expected[1]}, svc/{expected[2]},"
                         f" svc/{expected[3]}, svc/{expected[4]}, …)")

