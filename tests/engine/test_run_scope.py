"""``Integration.run_scope``: entered around the kinds of every run, left however they end, and
naming the kind whose fetcher runs; ``KindStats.pages`` counts the batches of each kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest

from ocean_core import Ocean, ResyncStatus, RunContext
from ocean_core.catalog import Catalog
from ocean_core.integration import Batch
from tests.support import Source, items, mapping_for

pytestmark = pytest.mark.anyio


class Scoped(Source):
    """A source that records its run scopes and, per batch, the kind its context names."""

    def __init__(self, data: dict[str, list[dict[str, object]]]) -> None:
        super().__init__(data)
        self.events: list[str] = []
        self.context: RunContext | None = None
        self.seen: list[tuple[str, str | None, bool]] = []

    @asynccontextmanager
    async def run_scope(self, run: RunContext) -> AsyncIterator[None]:
        self.events.append(f"enter {run.generation}")
        self.context = run
        how = "ended"
        try:
            yield
        except anyio.get_cancelled_exc_class():
            how = "cancelled"
            raise
        finally:
            self.events.append(f"exit {run.generation} ({how}, kind {run.kind})")
            self.context = None

    async def _fetch(self, kind: str) -> AsyncIterator[Batch]:
        async for batch in super()._fetch(kind):
            context = self.context
            assert context is not None
            self.seen.append((kind, context.kind, context.stats is not None))
            yield batch


async def test_the_scope_wraps_the_kinds_and_names_the_kind_fetching(catalog: Catalog) -> None:
    source = Scoped({"a": items("a", 3), "b": items("b", 2)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("a", "b"), integration_id="i")

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED
    assert source.events == ["enter 1", "exit 1 (ended, kind None)"]
    assert source.seen == [("a", "a", True), ("a", "a", True), ("b", "b", True)]
    assert (result.kinds["a"].pages, result.kinds["b"].pages) == (2, 1)


async def test_the_scope_is_left_when_a_kind_fails(catalog: Catalog) -> None:
    source = Scoped({"a": items("a", 4), "b": items("b", 2)})
    source.fail["a"] = 1
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("a", "b"), integration_id="i")

    result = await ocean.resync()

    assert result.status is ResyncStatus.FAILED
    assert source.events == ["enter 1", "exit 1 (ended, kind None)"]
    assert result.kinds["a"].pages == 1 and result.kinds["b"].pages == 1


async def test_the_scope_is_left_when_the_run_is_aborted(catalog: Catalog) -> None:
    source = Scoped({"a": items("a", 4)})
    source.block["a"] = 1
    runtime = Ocean(source, catalog=catalog, mapping=mapping_for("a"), integration_id="i")
    async with runtime as ocean:
        ocean.trigger()
        await source.blocked.wait()
        assert source.events == ["enter 1"]
        ocean.trigger()
        with anyio.fail_after(5):
            await ocean.wait_idle()
    runs = await ocean.runs()
    assert [run.status for run in runs] == [ResyncStatus.SUCCEEDED, ResyncStatus.ABORTED]
    # The aborted run left its scope, cancelled, before the next run began.
    assert source.events == [
        "enter 1", "exit 1 (cancelled, kind None)", "enter 2", "exit 2 (ended, kind None)"
    ]
