"""Webhook requests that arrive together are stored in one durable write, in arrival order;
each is answered once its batch is stored; a batch the catalog refuses fails its requests
only."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from ocean_core.catalog import Catalog
from ocean_core.errors import CatalogError
from ocean_core.service._group_commit import GroupCommit

pytestmark = pytest.mark.anyio


class Counted:
    """Delegates to ``inner``; the first ``put_events`` waits for ``go_on``; every batch and
    its size is recorded, and while ``refusing`` a write raises it."""

    def __init__(self, inner: Catalog) -> None:
        self.inner = inner
        self.batches: list[int] = []
        self.writing, self.go_on = anyio.Event(), anyio.Event()
        self.refusing: CatalogError | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def put_events(self, integration_id: str, events: Any) -> list[int]:
        self.batches.append(len(events))
        if len(self.batches) == 1:
            self.writing.set()
            await self.go_on.wait()
        if self.refusing is not None:
            raise self.refusing
        found: list[int] = await self.inner.put_events(integration_id, events)
        return found


async def test_requests_that_arrive_together_are_one_write_in_their_order(
    catalog: Catalog,
) -> None:
    store = Counted(catalog)
    commit = GroupCommit(store, "i")  # type: ignore[arg-type]
    ids: dict[int, int] = {}
    arrived: list[int] = []  # the order the requests came in (trio starts tasks in any order)

    async def send(n: int) -> None:
        arrived.append(n)  # no checkpoint between this and put's queueing
        ids[n] = await commit.put("events", [], [], b"%d" % n)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(send, 0)
        await store.writing.wait()  # the first is being written; five more arrive
        for n in range(1, 6):
            tasks.start_soon(send, n)
        await anyio.wait_all_tasks_blocked()
        store.go_on.set()
    assert store.batches == [1, 5]
    assert [ids[n] for n in arrived] == sorted(ids.values())
    bodies = [e.body for e in await catalog.pending_events("i")]
    assert bodies == [b"%d" % n for n in arrived]


async def test_a_refused_batch_fails_its_requests_and_the_next_is_written(
    catalog: Catalog,
) -> None:
    store = Counted(catalog)
    store.go_on.set()
    commit = GroupCommit(store, "i")  # type: ignore[arg-type]
    store.refusing = CatalogError("attempt to write a readonly database")
    with pytest.raises(CatalogError, match="readonly"):
        await commit.put("events", [], [], b"lost")
    store.refusing = None
    assert await commit.put("events", [], [], b"kept") > 0
    assert [e.body for e in await catalog.pending_events("i")] == [b"kept"]
