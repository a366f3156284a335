"""``fan_out``: at most ``limit`` sub-fetches at once, pages as they come, back-pressure from the
consumer, structured cancellation, and one failure cancelling the rest."""

from __future__ import annotations

import random
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterable
from contextlib import aclosing
from typing import Any

import anyio
import pytest

from ocean_core.fanout import fan_out

pytestmark = pytest.mark.anyio

Fan = Callable[..., AsyncGenerator[Any, None]]


@pytest.fixture(params=["own task group", "a task group that outlives it"])
async def fan(request: pytest.FixtureRequest) -> AsyncIterator[Fan]:
    """``fan_out`` with its tasks in a task group of its own, or in one it is given (as in a
    run): every property holds either way."""
    if request.param == "own task group":
        yield fan_out
        return
    async with anyio.create_task_group() as tasks:
        yield lambda sources, fetch, *, limit: fan_out(sources, fetch, limit=limit, tasks=tasks)
        tasks.cancel_scope.cancel()


class Boom(RuntimeError):
    """The failure a test injects into one sub-fetch."""


class Probe:
    """Sub-fetches that report what they do: started, active now, pages made, cancelled."""

    def __init__(self, pages_each: int = 2, *, seed: int = 7) -> None:
        self.pages_each = pages_each
        self.random = random.Random(seed)
        self.started: list[int] = []
        self.active = 0
        self.most_active = 0
        self.pages_made = 0
        self.cancelled = 0
        self.finished = 0
        self.fail: int | None = None
        self.fail_when: anyio.Event | None = None
        self.block: set[int] = set()
        self.all_blocked = anyio.Event()
        self.blocked = 0

    async def fetch(self, source: int) -> AsyncIterator[list[str]]:
        self.started.append(source)
        self.active += 1
        self.most_active = max(self.most_active, self.active)
        try:
            for page in range(self.pages_each):
                for _ in range(self.random.randrange(4)):  # interleave with the others
                    await anyio.lowlevel.checkpoint()
                if source == self.fail:
                    if self.fail_when is not None:
                        await self.fail_when.wait()
                    raise Boom(f"source {source} failed")
                if source in self.block:
                    await self._block()
                self.pages_made += 1
                yield [f"{source}.{page}"]
        except anyio.get_cancelled_exc_class():
            self.cancelled += 1
            raise
        finally:
            self.active -= 1
            self.finished += 1

    async def _block(self) -> None:
        self.blocked += 1
        if self.blocked == len(self.block):
            self.all_blocked.set()
        await anyio.sleep_forever()


async def collect(
    sources: Iterable[int] | AsyncIterable[int], probe: Probe, limit: int, fan: Fan = fan_out
) -> list[str]:
    found: list[str] = []
    async with aclosing(fan(sources, probe.fetch, limit=limit)) as pages:
        async for page in pages:
            found.extend(page)
    return found


async def test_results_equal_the_sequential_ones_whatever_the_limit(fan: Fan) -> None:
    sequential: list[str] = []
    for source in range(40):
        async for page in Probe(3).fetch(source):
            sequential.extend(page)
    for limit in (1, 3, 8, 100):
        found = await collect(range(40), Probe(3, seed=limit), limit, fan=fan)
        assert sorted(found) == sorted(sequential), limit
        assert len(found) == len(set(found)) == 120


async def test_limit_one_keeps_the_sequential_order(fan: Fan) -> None:
    assert await collect(range(5), Probe(2), 1, fan=fan) == [
        f"{source}.{page}" for source in range(5) for page in range(2)
    ]


async def test_never_more_than_limit_sub_fetches_at_once(fan: Fan) -> None:
    for limit in (1, 4, 8):
        probe = Probe(3, seed=limit)
        await collect(range(50), probe, limit, fan=fan)
        assert probe.most_active == limit
        assert probe.finished == 50 and probe.active == 0


async def test_a_blocked_consumer_stops_new_sub_fetches(fan: Fan) -> None:
    probe = Probe(pages_each=5)
    limit = 4
    async with aclosing(fan(range(100), probe.fetch, limit=limit)) as pages:
        first = await anext(pages)
        await anyio.wait_all_tasks_blocked()  # everything that can run without us has run
        # Each of the `limit` sub-fetches holds at most one page waiting for the consumer;
        # none asks for more, and no fifth source is started.
        assert probe.pages_made <= 1 + limit
        assert len(probe.started) == limit
        made = probe.pages_made
        await anyio.wait_all_tasks_blocked()
        assert probe.pages_made == made
        rest = [item async for page in pages for item in page]
    assert len(first) + len(rest) == 500


async def test_the_sources_are_read_only_as_sub_fetches_free_up(fan: Fan) -> None:
    read: list[int] = []

    async def sources() -> AsyncIterator[int]:
        for source in range(1000):
            read.append(source)
            yield source

    probe = Probe(pages_each=1)
    async with aclosing(fan(sources(), probe.fetch, limit=3)) as pages:
        await anext(pages)
        await anyio.wait_all_tasks_blocked()
        assert len(read) <= 3 + 2  # one source per busy sub-fetch, one taken, one in hand


async def test_cancellation_cancels_every_sub_fetch_in_flight_and_leaves_no_task(fan: Fan) -> None:
    probe = Probe(pages_each=1)
    probe.block = set(range(6))
    before = {task.id for task in anyio.get_running_tasks()}
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as group:

            async def consume() -> None:
                await collect(range(6), probe, limit=6, fan=fan)

            group.start_soon(consume)
            await probe.all_blocked.wait()
            scope.cancel()
    assert scope.cancelled_caught
    assert probe.cancelled == 6 and probe.active == 0
    assert {task.id for task in anyio.get_running_tasks()} == before


async def test_one_failure_cancels_the_others_and_is_raised_as_itself(fan: Fan) -> None:
    probe = Probe(pages_each=2)
    probe.block = {0, 1, 2}
    probe.fail = 3
    with pytest.raises(Boom, match="source 3 failed"):
        await collect(range(10), probe, limit=4, fan=fan)
    assert probe.cancelled == 3 and probe.active == 0
    assert max(probe.started) == 3  # nothing after the failure was started


async def test_a_failure_while_the_consumer_is_busy_stops_the_rest_at_once(fan: Fan) -> None:
    probe = Probe(pages_each=1)
    probe.block = {1, 2}
    probe.fail, probe.fail_when = 3, anyio.Event()
    async with aclosing(fan(range(4), probe.fetch, limit=4)) as pages:
        assert await anext(pages) == ["0.0"]
        # While the consumer does something else, source 3 fails: the two blocked sub-fetches
        # are cancelled now, not when the consumer comes back.
        probe.fail_when.set()
        await anyio.wait_all_tasks_blocked()
        assert probe.cancelled == 2 and probe.active == 0
        with pytest.raises(Boom):
            await anext(pages)


async def test_a_failing_source_listing_fails_the_fan_out(fan: Fan) -> None:
    async def sources() -> AsyncIterator[int]:
        yield 0
        yield 1
        raise Boom("the parent listing broke")

    probe = Probe(pages_each=1)
    with pytest.raises(Boom, match="parent listing"):
        await collect(sources(), probe, limit=2, fan=fan)


async def test_closing_early_cancels_the_sub_fetches(fan: Fan) -> None:
    probe = Probe(pages_each=3)
    async with aclosing(fan(range(20), probe.fetch, limit=5)) as pages:
        await anext(pages)
    assert probe.active == 0
    assert probe.finished == len(probe.started) <= 6


async def test_an_exception_thrown_in_by_the_consumer_comes_back_as_itself(fan: Fan) -> None:
    probe = Probe(pages_each=3)
    pages = fan(range(10), probe.fetch, limit=3)
    await anext(pages)
    with pytest.raises(KeyError, match="consumer"):
        await pages.athrow(KeyError("consumer"))
    assert probe.active == 0


async def test_the_limit_must_be_at_least_one(fan: Fan) -> None:
    with pytest.raises(ValueError, match="limit must be >= 1"):
        await collect(range(3), Probe(), 0, fan=fan)
