"""A catalog with ``overlapped_writes`` gets one page write in flight while the next batch is
fetched: pages still land in order, a failed write stops its kind before anything after it is
written, and an abort never cuts a page write off. Without the flag, nothing overlaps. The
write in flight gets the event loop for as long as it says it needs it (``PageProgress``)."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import CatalogCapabilities, MemoryCatalog, PageProgress
from ocean_core.engine import _fetch
from ocean_core.errors import CatalogError
from tests.support import Source, identifiers, items, mapping_for

pytestmark = pytest.mark.anyio


class GatedCatalog(MemoryCatalog):
    """Each page write waits until the test opens its gate; records what happened when. With
    ``overlapped``, it says (as a catalog writing on the event loop does) that it is sent and
    handed over as soon as it starts, then waits on the loop for its gate: its answer."""

    def __init__(self, *, overlapped: bool, fail_seq: int | None = None) -> None:
        super().__init__()
        self.capabilities = CatalogCapabilities(overlapped_writes=overlapped)
        self.fail_seq = fail_seq
        self.events: list[str] = []
        self.gate: anyio.Event | None = None
        self.writing = anyio.Event()

    async def write_page(
        self, integration_id: str, kind: str, seq: int, *args: Any,
        progress: PageProgress | None = None, **kw: Any,
    ) -> Any:
        self.events.append(f"write {seq} start")
        self.writing.set()
        if progress is not None:
            progress.handed_over()
        if self.gate is not None:
            await self.gate.wait()
        if seq == self.fail_seq:
            self.events.append(f"write {seq} failed")
            raise CatalogError(f"disk full writing page {seq}")
        outcome = await super().write_page(integration_id, kind, seq, *args, **kw)
        self.events.append(f"write {seq} done")
        return outcome


def _recording(source: Source, catalog: GatedCatalog) -> None:
    async def on_batch(kind: str, number: int) -> None:
        catalog.events.append(f"fetch {number}")

    source.on_batch = on_batch


async def test_the_next_batch_is_fetched_while_a_page_is_written() -> None:
    catalog = GatedCatalog(overlapped=True)
    source = Source({"svc": items("s", 6)})
    catalog.gate = anyio.Event()

    async def on_batch(kind: str, number: int) -> None:
        catalog.events.append(f"fetch {number}")
        if number == 1:  # page 0's write can end only once batch 1 is being fetched
            catalog.gate.set()  # type: ignore[union-attr]

    source.on_batch = on_batch
    with anyio.fail_after(10):  # without the overlap, page 0's write would wait forever
        result = await Ocean(source, catalog=catalog, mapping=mapping_for("svc")).resync()

    assert result.status is ResyncStatus.SUCCEEDED
    events = catalog.events
    assert events.index("fetch 1") < events.index("write 0 done")
    assert [e for e in events if e.startswith("write")] == [
        "write 0 start", "write 0 done", "write 1 start", "write 1 done",
        "write 2 start", "write 2 done",
    ]
    assert await identifiers(catalog, "source") == [f"s{i}" for i in range(6)]


async def test_without_the_flag_a_batch_is_fetched_after_the_page_before_it_is_written() -> None:
    catalog = GatedCatalog(overlapped=False)
    source = Source({"svc": items("s", 6)})
    _recording(source, catalog)
    await Ocean(source, catalog=catalog, mapping=mapping_for("svc")).resync()

    assert catalog.events == [
        "fetch 0", "write 0 start", "write 0 done", "fetch 1", "write 1 start", "write 1 done",
        "fetch 2", "write 2 start", "write 2 done",
    ]


@pytest.mark.parametrize("overlapped", [True, False])
async def test_a_failed_write_stops_its_kind_before_the_next_page(overlapped: bool) -> None:
    catalog = GatedCatalog(overlapped=overlapped)
    source = Source({"svc": items("s", 6), "team": items("t", 2)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc", "team"))
    assert (await ocean.resync()).status is ResyncStatus.SUCCEEDED
    source.data["svc"] = items("s", 6, value=1)
    catalog.fail_seq, catalog.events = 1, []

    result = await ocean.resync()

    assert result.status is ResyncStatus.FAILED
    assert "disk full writing page 1" in str(result.kinds["svc"].error_details)
    assert "write 2 start" not in catalog.events  # nothing after the failed page
    assert result.kinds["team"].unchanged == 2  # the next kind still ran
    assert result.deleted == 0
    values = {e.identifier: e.properties["value"] for e in await catalog.list_entities("source")}
    assert values == {"s0": 1, "s1": 1, "s2": 0, "s3": 0, "s4": 0, "s5": 0, "t0": 0, "t1": 0}


async def test_an_abort_during_a_write_in_flight_lets_that_write_finish() -> None:
    catalog = GatedCatalog(overlapped=True)
    source = Source({"svc": items("s", 6)})
    source.block["svc"] = 1  # the fetch of batch 1 hangs while page 0 is being written
    catalog.gate = anyio.Event()
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"))
    async with ocean:
        ocean.trigger()
        await source.blocked.wait()
        await catalog.writing.wait()
        ocean.trigger()  # supersedes the run: its cancel scope is cancelled
        await anyio.wait_all_tasks_blocked()
        assert "write 0 done" not in catalog.events
        catalog.gate.set()  # only now can page 0's write end
        await ocean.wait_idle()

    first = [r for r in await ocean.runs() if r.status is ResyncStatus.ABORTED]
    assert len(first) == 1 and first[0].kinds["svc"].upserted == 2
    assert catalog.events[:2] == ["write 0 start", "write 0 done"]
    assert await identifiers(catalog, "source") == [f"s{i}" for i in range(6)]


class SlowToHandOver(MemoryCatalog):
    """A write that sends its first message at once, then needs many turns of the event loop
    before all of it is out (as a COPY's rows going out in chunks would)."""

    TURNS = 20

    def __init__(self) -> None:
        super().__init__()
        self.capabilities = CatalogCapabilities(overlapped_writes=True)
        self.events: list[str] = []

    async def write_page(
        self, integration_id: str, kind: str, seq: int, *args: Any,
        progress: PageProgress | None = None, **kw: Any,
    ) -> Any:
        assert progress is not None, "an overlapped catalog is always told of progress"
        progress.sent()
        self.events.append(f"write {seq} sent")
        for _ in range(self.TURNS):
            await anyio.lowlevel.checkpoint()
        self.events.append(f"write {seq} handed over")
        progress.handed_over()
        return await super().write_page(integration_id, kind, seq, *args, **kw)


async def test_the_write_in_flight_gets_the_loop_until_it_has_handed_over(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The engine prepares the next page only once the write in flight says all of it is
    out, however many turns of the loop that took; and it fetches the next batch as soon as
    the write's first message is out."""
    catalog = SlowToHandOver()
    source = Source({"svc": items("s", 6)})

    async def on_batch(kind: str, number: int) -> None:
        catalog.events.append(f"fetch {number}")

    source.on_batch = on_batch
    prepare = _fetch.prepare  # a page is prepared through the shared fetch module

    def recorded(page: Any, *args: Any) -> Any:
        catalog.events.append(f"prepare {len([e for e in catalog.events if 'prepare' in e])}")
        return prepare(page, *args)

    monkeypatch.setattr(_fetch, "prepare", recorded)
    result = await Ocean(source, catalog=catalog, mapping=mapping_for("svc")).resync()

    assert result.status is ResyncStatus.SUCCEEDED
    events = catalog.events
    for seq in (0, 1):
        assert events.index(f"write {seq} sent") < events.index(f"fetch {seq + 1}")
        assert events.index(f"write {seq} handed over") < events.index(f"prepare {seq + 1}")
    assert await identifiers(catalog, "source") == [f"s{i}" for i in range(6)]
