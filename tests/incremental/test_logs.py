"""Rule 9 in the logs: every line of a run (and of a dry run) carries its ``mode``, and the line
that ends an incremental run says so, with each kind's since, cursor and deletes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from loguru import logger

from ocean_core import Ocean
from ocean_core.catalog import Catalog
from tests.incremental.support import Desk, item
from tests.support import mapping_for

pytestmark = pytest.mark.anyio

Lines = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def logged() -> Iterator[Lines]:
    lines: Lines = []
    logger.enable("ocean_core")
    sink = logger.add(lambda m: lines.append((m.record["message"], dict(m.record["extra"]))),
                      level="DEBUG", format="{message}")
    try:
        yield lines
    finally:
        logger.remove(sink)
        logger.disable("ocean_core")


def _desk() -> Desk:
    return Desk({"team": [item("x", 1)], "ticket": [item("t1", 10), item("t2", 20)]},
                plain={"team"})


async def test_the_end_of_an_incremental_run_names_its_mode_since_cursor_and_deletes(
    catalog: Catalog, logged: Lines
) -> None:
    source = _desk()
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("team", "ticket"),
                  integration_id="i")
    await ocean.resync()
    source.data["ticket"] = [item("t1", 25, name="renamed"), item("t3", 30)]
    source.gone["ticket"] = [item("t2", 31)]
    del logged[:]

    await ocean.resync(incremental=True)

    [end] = [text for text, _ in logged if text.startswith("resync succeeded")]
    assert end.startswith("resync succeeded (incremental): team: skipped; ticket: fetched 3,"
                          " upserted 2, unchanged 0, filtered 0, errors 0, deleted 1, since 20,"
                          " cursor 31; deleted 1")
    assert "resync started (sdk, incremental)" in [text for text, _ in logged]


async def test_a_full_run_keeps_its_end_line_and_adds_the_cursor_it_committed(
    catalog: Catalog, logged: Lines
) -> None:
    ocean = Ocean(_desk(), catalog=catalog, mapping=mapping_for("team", "ticket"),
                  integration_id="i")

    await ocean.resync()

    [end] = [text for text, _ in logged if text.startswith("resync succeeded")]
    assert end == ("resync succeeded: team: fetched 1, upserted 1, unchanged 0, filtered 0,"
                   " errors 0; ticket: fetched 2, upserted 2, unchanged 0, filtered 0, errors 0,"
                   " cursor 20; deleted 0")
    assert "resync started (sdk)" in [text for text, _ in logged]


async def test_every_line_of_a_run_or_a_dry_run_carries_its_mode(
    catalog: Catalog, logged: Lines
) -> None:
    ocean = Ocean(_desk(), catalog=catalog, mapping=mapping_for("team", "ticket"),
                  integration_id="i")
    await ocean.resync()
    await ocean.resync(incremental=True)
    await ocean.dry_run(incremental=True)

    of_runs = [extra for _, extra in logged if "run_id" in extra]
    assert of_runs and all("mode" in extra for extra in of_runs)
    modes = [(extra["run_id"] == "dry-run", extra["mode"]) for extra in of_runs]
    assert {(False, "full"), (False, "incremental"), (True, "incremental")} == set(modes)
