"""``fan_out`` inside a fetcher: a failing sub-fetch fails its kind as rule 3 says (the others
cancelled, what was written stays, nothing deleted), and a trigger cancels every sub-fetch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import Any

import anyio
import pytest

from ocean_core import Integration, Ocean, ResyncStatus, RunContext, kind
from ocean_core.catalog import Catalog, MemoryCatalog
from ocean_core.fanout import fan_out
from tests.support import identifiers, mapping_for

pytestmark = pytest.mark.anyio


class Boom(RuntimeError):
    """The failure of one sub-fetch."""


class Shelves(Integration):
    """Kind ``book``: the books of every shelf, fetched four shelves at a time."""

    type = "shelves"

    def __init__(self, shelves: int) -> None:
        super().__init__()
        self.shelves = shelves
        self.fail: int | None = None
        self.block = False
        self.in_flight = 0
        self.all_in_flight = anyio.Event()
        self.cancelled = 0

    async def _books(self, shelf: int) -> AsyncIterator[list[dict[str, Any]]]:
        if shelf == self.fail:
            raise Boom(f"shelf {shelf} is unreadable")
        if self.block:
            self.in_flight += 1
            if self.in_flight == 4:
                self.all_in_flight.set()
            try:
                await anyio.sleep_forever()
            except anyio.get_cancelled_exc_class():
                self.cancelled += 1
                raise
        yield [{"id": f"b{shelf}-{n}", "name": f"book {n} of shelf {shelf}"} for n in range(2)]

    @kind("book")
    async def books(self) -> AsyncIterator[list[dict[str, Any]]]:
        async with aclosing(fan_out(range(self.shelves), self._books, limit=4)) as pages:
            async for page in pages:
                yield page


async def test_a_failing_sub_fetch_fails_the_kind_and_deletes_nothing(catalog: Catalog) -> None:
    shelves = Shelves(10)
    ocean = Ocean(shelves, catalog=catalog, mapping=mapping_for("book"), integration_id="i")
    first = await ocean.resync()
    assert first.status is ResyncStatus.SUCCEEDED
    assert first.kinds["book"].upserted == 20

    shelves.fail = 9  # the last shelf: the others have been written by then
    broken = await ocean.resync()

    assert broken.status is ResyncStatus.FAILED
    stats = broken.kinds["book"]
    assert stats.errors == 1
    assert stats.error_details[0].message == "Boom: shelf 9 is unreadable"
    assert broken.deleted == 0 and broken.delete_skipped_reason == "1 kind(s) had errors: book"
    assert len(await identifiers(catalog, "i")) == 20


async def test_a_trigger_cancels_every_sub_fetch_in_flight(catalog: Catalog) -> None:
    shelves = Shelves(10)
    shelves.block = True
    runtime = Ocean(shelves, catalog=catalog, mapping=mapping_for("book"), integration_id="i")
    async with runtime as ocean:
        ocean.trigger()
        with anyio.fail_after(5):
            await shelves.all_in_flight.wait()
        shelves.block = False
        ocean.trigger()
        with anyio.fail_after(5):
            last = await ocean.wait_idle()
    assert shelves.cancelled == 4
    assert last is not None and last.status is ResyncStatus.SUCCEEDED
    runs = await ocean.runs()
    assert [run.status for run in runs] == [ResyncStatus.SUCCEEDED, ResyncStatus.ABORTED]
    assert runs[1].deleted == 0


class SlowWrites(MemoryCatalog):
    """Holds the second page write until cancelled: the fetcher waits at its yield meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.writing = anyio.Event()
        self.pages = 0

    async def write_page(self, *args: Any, **kwargs: Any) -> Any:
        self.pages += 1
        if self.pages == 2:
            self.writing.set()
            await anyio.sleep_forever()
        return await super().write_page(*args, **kwargs)


class ScopedShelves(Shelves):
    """Its fan-out's tasks live in a task group of the run, not in the fetcher's frame."""

    @asynccontextmanager
    async def run_scope(self, run: RunContext) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            self.tasks = tasks
            yield
            tasks.cancel_scope.cancel()

    @kind("book")
    async def books(self) -> AsyncIterator[list[dict[str, Any]]]:
        fan = fan_out(range(self.shelves), self._books, limit=4, tasks=self.tasks)
        async with aclosing(fan) as pages:
            async for page in pages:
                yield page


async def test_an_abort_while_a_page_is_written_unwinds_the_fan_out() -> None:
    catalog = SlowWrites()
    shelves = ScopedShelves(10)
    runtime = Ocean(shelves, catalog=catalog, mapping=mapping_for("book"), integration_id="i")
    async with runtime as ocean:
        ocean.trigger()
        with anyio.fail_after(5):
            await catalog.writing.wait()
        await anyio.wait_all_tasks_blocked()  # the sub-fetches wait with their pages
        ocean.trigger()
        catalog.pages = 100  # the next run writes freely
        with anyio.fail_after(5):
            last = await ocean.wait_idle()
    assert last is not None and last.status is ResyncStatus.SUCCEEDED
    runs = await ocean.runs()
    assert [run.status for run in runs] == [ResyncStatus.SUCCEEDED, ResyncStatus.ABORTED]
    assert runs[1].error is None
