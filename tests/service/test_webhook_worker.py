"""The webhook worker on every catalog: events handled in the order received, a failed handler
retried with doubling delays a bounded number of times, then ``failed`` with its error;
errors that another attempt would repeat fail at once; what a previous process left pending
is handled at start; a catalog error records nothing. Delays are injected: nothing sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from ocean_core.catalog import Catalog, EventStatus
from ocean_core.engine._live import HandledEvents
from ocean_core.errors import NotFoundError, TerminalHTTPError, TransientCatalogError
from ocean_core.live import WebhookBodyError, WebhookRequest
from ocean_core.service._webhook_worker import RetryPolicy, WebhookWorker

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class Source:
    """A handler that fails the attempts listed in ``plan`` (event body -> errors to raise,
    one per attempt, in order) and records every attempt."""

    def __init__(self, **plan: list[BaseException]) -> None:
        self.plan = plan
        self.attempts: list[str] = []
        self.handled = anyio.Event()

    async def handle(self, request: WebhookRequest) -> object:
        body = request.body.decode()
        self.attempts.append(body)
        errors = self.plan.get(body, [])
        if errors:
            raise errors.pop(0)
        self.handled.set()
        return None


class Batches(Source):
    """``Source`` handling fresh events several at a time, as ``Ocean.handle_webhooks`` does:
    stops before the first failing one; records the ones before it handled in one step."""

    def __init__(self, catalog: Catalog, **plan: list[BaseException]) -> None:
        super().__init__(**plan)
        self.catalog = catalog
        self.batches: list[list[str]] = []

    async def handle_batch(self, events: Sequence[tuple[int, WebhookRequest]]) -> HandledEvents:
        self.batches.append([request.body.decode() for _, request in events])
        done, error = 0, None
        for _, request in events:
            try:
                await self.handle(request)
            except Exception as exc:
                error = exc
                break
            done += 1
        await self.catalog.apply_live_events("i", [], [event_id for event_id, _ in events[:done]])
        return HandledEvents(done, error)


class Delays:
    def __init__(self) -> None:
        self.given: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.given.append(seconds)
        await anyio.lowlevel.checkpoint()


@pytest.fixture
async def held(catalog: Catalog) -> AsyncIterator[Catalog]:
    async with catalog.runner_lock("i"):
        yield catalog


async def put(catalog: Catalog, body: str, n: int = 0) -> int:
    return await catalog.put_event("i", "events", headers=[("x-sig", "s")], query=[],
                                   body=body.encode(), received_at=T0 + timedelta(seconds=n))


def worker(catalog: Catalog, source: Source, delays: Delays, **kw: object) -> WebhookWorker:
    policy = RetryPolicy(max_attempts=3, base_delay=0.5, max_delay=10)
    return WebhookWorker("i", catalog, source.handle, policy, sleep=delays,
                         clock=lambda: T0 + timedelta(seconds=10), **kw)  # type: ignore[arg-type]


async def test_events_are_handled_in_the_order_received(held: Catalog) -> None:
    for n, body in enumerate(["a", "b", "c"]):
        await put(held, body, n)
    source, delays = Source(), Delays()
    outcomes: list[tuple[str, str, float | None]] = []
    done = await worker(held, source, delays, on_outcome=lambda *o: outcomes.append(o)).drain()
    assert done == 3 and source.attempts == ["a", "b", "c"] and delays.given == []
    stats = await held.inbox_stats("i")
    assert (stats.received, stats.handled, stats.pending, stats.failed) == (3, 3, 0, 0)
    assert outcomes == [("i", "handled", 10.0), ("i", "handled", 9.0), ("i", "handled", 8.0)]


async def test_a_failed_handler_is_retried_with_doubling_delays_and_blocks_the_next(
    held: Catalog,
) -> None:
    await put(held, "a")
    await put(held, "b")
    source = Source(a=[RuntimeError("busy"), RuntimeError("still busy")])
    delays = Delays()
    await worker(held, source, delays).drain()
    assert source.attempts == ["a", "a", "a", "b"]
    assert delays.given == [0.5, 1.0]
    stats = await held.inbox_stats("i")
    assert (stats.handled, stats.retried, stats.failed, stats.pending) == (2, 2, 0, 0)
    assert [(f.attempts, f.error, f.status) for f in stats.failures] == [
        (2, "RuntimeError: still busy", EventStatus.HANDLED)]


async def test_an_event_fails_with_its_error_once_no_attempt_is_left(held: Catalog) -> None:
    first = await put(held, "a")
    await put(held, "b")
    source = Source(a=[ValueError(f"boom {n}") for n in range(5)])
    outcomes: list[tuple[str, str, float | None]] = []
    delays = Delays()
    await worker(held, source, delays, on_outcome=lambda *o: outcomes.append(o)).drain()
    assert source.attempts == ["a", "a", "a", "b"] and delays.given == [0.5, 1.0]
    stats = await held.inbox_stats("i")
    assert (stats.handled, stats.failed, stats.retried, stats.pending) == (1, 1, 2, 0)
    assert (stats.failures[0].id, stats.failures[0].status) == (first, EventStatus.FAILED)
    assert stats.failures[0].error == "ValueError: boom 2"
    assert [o[1] for o in outcomes] == ["retried", "retried", "failed", "handled"]


@pytest.mark.parametrize("error", [
    WebhookBodyError("webhook 'events': the body is not JSON"),
    NotFoundError("webhook", "events", []),
    TerminalHTTPError("GET", "https://x.test/api", 404, "Not Found"),
])
async def test_an_error_another_attempt_would_repeat_fails_at_once(
    held: Catalog, error: Exception,
) -> None:
    await put(held, "a")
    source, delays = Source(a=[error]), Delays()
    await worker(held, source, delays).drain()
    assert source.attempts == ["a"] and delays.given == []
    stats = await held.inbox_stats("i")
    assert (stats.failed, stats.retried) == (1, 0)
    assert stats.failures[0].error.startswith(type(error).__name__)


async def test_pending_events_left_by_a_previous_process_are_replayed_at_start(
    held: Catalog,
) -> None:
    first = await put(held, "a")
    await put(held, "b")
    await held.settle_event("i", first, EventStatus.PENDING, error="killed mid-attempt")
    source, delays = Source(a=[RuntimeError("again")]), Delays()
    await worker(held, source, delays).drain()
    # one failed attempt was recorded before: this is the third and last
    assert source.attempts == ["a", "a", "b"] and delays.given == [1.0]
    assert (await held.inbox_stats("i")).handled == 2
    async with anyio.create_task_group() as tasks:  # a worker started later has nothing to do
        replay = worker(held, source, delays)
        tasks.start_soon(replay.run)
        await anyio.wait_all_tasks_blocked()
        tasks.cancel_scope.cancel()
    assert source.attempts == ["a", "a", "b"]


async def test_the_running_worker_is_woken_by_each_new_event(held: Catalog) -> None:
    await put(held, "left over")
    source, delays = Source(), Delays()
    running = worker(held, source, delays)
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(running.run)
        with anyio.fail_after(10):
            await source.handled.wait()  # replayed at start
            for body in ("x", "y"):
                source.handled = anyio.Event()
                await put(held, body)
                running.wake()
                await source.handled.wait()
        tasks.cancel_scope.cancel()
    assert source.attempts == ["left over", "x", "y"]


async def test_a_catalog_error_records_nothing_and_the_event_is_tried_again(
    held: Catalog,
) -> None:
    await put(held, "a")
    source = Source(a=[TransientCatalogError("database is locked")])
    delays, settled = Delays(), anyio.Event()
    running = worker(held, source, delays, on_outcome=lambda *_: settled.set())
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(running.run)
        with anyio.fail_after(10):
            await settled.wait()
        tasks.cancel_scope.cancel()
    assert source.attempts == ["a", "a"] and delays.given == [0.5]
    stats = await held.inbox_stats("i")
    assert (stats.handled, stats.retried, stats.failures) == (1, 0, ())


async def test_handled_events_are_pruned_to_the_newest_kept(held: Catalog) -> None:
    for n in range(5):
        await put(held, str(n), n)
    await worker(held, Source(), Delays(), keep=2).drain()
    stats = await held.inbox_stats("i")
    assert (stats.received, stats.handled) == (5, 5)
    assert await held.prune_inbox("i", keep=2) == 0  # the worker pruned already


def test_the_delay_doubles_up_to_its_cap() -> None:
    policy = RetryPolicy(max_attempts=9, base_delay=1.0, max_delay=5.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


async def test_fresh_events_go_in_batches_and_a_failing_one_is_retried_before_the_rest(
    held: Catalog,
) -> None:
    tried = await put(held, "tried")
    await held.settle_event("i", tried, EventStatus.PENDING, error="killed")
    for n, body in enumerate(["a", "b", "c", "d"]):
        await put(held, body, n + 1)
    source, delays = Batches(held, b=[RuntimeError("flaky")]), Delays()
    outcomes: list[tuple[str, str, float | None]] = []
    done = await worker(held, source, delays, handle_batch=source.handle_batch,
                        on_outcome=lambda *o: outcomes.append(o)).drain()
    assert done == 5
    # the event tried before goes alone; then a, and b fails in the batch; b is tried again
    # alone (after its delay) before c and d go on in a batch
    assert source.batches == [["a", "b", "c", "d"], ["c", "d"]]
    assert source.attempts == ["tried", "a", "b", "b", "c", "d"] and delays.given == [0.5]
    stats = await held.inbox_stats("i")
    assert (stats.handled, stats.retried, stats.pending, stats.failed) == (5, 2, 0, 0)
    assert [o[1] for o in outcomes] == ["handled", "handled", "retried", "handled", "handled",
                                        "handled"]
