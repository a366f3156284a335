"""Concurrency inside one kind: fetch the sub-resources of many parents at once, boundedly.

    @kind("pull-request")
    async def pull_requests(self):
        async with aclosing(fan_out(repositories, pulls_of, limit=8)) as pages:
            async for page in pages:          # pages of every repository, as they arrive
                yield page

Kinds still run one after the other (rule 3); inside one, ``fan_out`` runs up to ``limit``
sub-fetches at once and hands their pages on as they come. Everything is structured:

- **Back-pressure.** A page is handed over only when the consumer asks for the next one (a
  zero-size memory object stream). A sub-fetch with a page in hand waits, and asks for no more,
  so a slow catalog write slows the fetching, and memory holds at most ``limit`` pages plus the
  one being written, however many parents there are. The parents themselves are read only as
  sub-fetches free up.
- **Cancellation.** The sub-fetches run in a task group inside the generator: cancelling the
  consumer (a new trigger, a shutdown) cancels every request in flight at once, and the
  generator does not finish before every one of them has unwound.
- **Failure.** The first sub-fetch (or parent listing) to raise cancels all the others at once
  and is raised, as itself, to the consumer when it next asks for a page. In a resync that
  fails the kind as rule 3 says: what was written stays, the delete phase is skipped.

Consume it to its end or close it (``contextlib.aclosing``) in the task that iterates it, as
the engine does with every fetcher: its task group belongs to that task.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import anyio
from anyio.abc import TaskGroup
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ocean_core._closing import close_now

S = TypeVar("S")
P = TypeVar("P")
T = TypeVar("T")

Sources = Iterable[S] | AsyncIterable[S]


def fan_out(
    sources: Sources[S],
    fetch: Callable[[S], AsyncIterator[P]],
    *,
    limit: int,
    tasks: TaskGroup | None = None,
) -> AsyncGenerator[P, None]:
    """The pages of ``fetch(source)`` for every source, up to ``limit`` sources at a time.

    ``sources`` is an iterable or an async iterable (a parent listing, read lazily);
    ``fetch(source)`` an async iterator of pages (usually an async generator, closed when the
    fan-out is). Pages come in the order they arrive; with ``limit=1`` that is the sequential
    order.

    ``tasks``: a task group that outlives the fan-out, such as the one a run scope holds
    (``HTTPIntegration.fan_out`` passes its run's). The sub-fetches then run there and this
    generator holds no cancel scope between its pages, so whoever closes it may do so from
    inside a scope of its own, as the engine closes a fetcher (shielded). Without it the
    sub-fetches run in a task group of the generator itself: fine for a consumer that closes it
    in its own task with nothing entered in between (``aclosing``, as tests do), not for a
    fetcher the engine may close while it waits at a yield.
    """
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    if tasks is not None:
        return _in_group(sources, fetch, limit, tasks)
    return _in_own_group(sources, fetch, limit)


async def _in_group(
    sources: Sources[S], fetch: Callable[[S], AsyncIterator[P]], limit: int, tasks: TaskGroup
) -> AsyncGenerator[P, None]:
    failure = _Failure()
    send, receive = anyio.create_memory_object_stream[P](0)
    producer = _Producer(sources, fetch, limit, send, failure)
    tasks.start_soon(producer.run)
    try:
        async with receive:
            async for page in receive:
                yield page
    finally:
        await producer.stop()
    failure.raise_first()


async def _in_own_group(
    sources: Sources[S], fetch: Callable[[S], AsyncIterator[P]], limit: int
) -> AsyncGenerator[P, None]:
    failure = _Failure()
    thrown: BaseException | None = None
    send, receive = anyio.create_memory_object_stream[P](0)
    # No exception other than a cancellation may cross this task group: anyio would wrap it
    # in an ExceptionGroup. The workers keep theirs in `failure`; ours is kept in `thrown`.
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_produce, sources, fetch, limit, send, failure)
        try:
            async with receive:
                async for page in receive:
                    try:
                        yield page
                    except (GeneratorExit, Exception) as exc:  # closed early, or thrown in
                        thrown = exc
                        break
        finally:
            tasks.cancel_scope.cancel()
    if thrown is not None:
        raise thrown
    failure.raise_first()


class _Producer(Generic[S, P]):
    """The workers of one fan-out, run in a task group that is not the consumer's frame."""

    def __init__(
        self, sources: Sources[S], fetch: Callable[[S], AsyncIterator[P]], limit: int,
        pages: MemoryObjectSendStream[P], failure: _Failure,
    ) -> None:
        self._sources, self._fetch, self._limit, self._pages = sources, fetch, limit, pages
        self._failure = failure
        self._scope = anyio.CancelScope()
        self._started = False
        self._stopped = anyio.Event()

    async def run(self) -> None:
        self._started = True
        try:
            with self._scope:
                await _produce(
                    self._sources, self._fetch, self._limit, self._pages, self._failure
                )
        except Exception as exc:  # never into the foreign task group: the consumer raises it
            self._failure.record(exc)
        finally:
            self._stopped.set()

    async def stop(self) -> None:
        """Cancel the workers and wait until every one has unwound (shielded: a consumer that
        is itself being cancelled still leaves no request behind)."""
        self._scope.cancel()
        if self._started:  # a task that never started has nothing in flight
            with anyio.CancelScope(shield=True):
                await self._stopped.wait()


@dataclass
class _Failure:
    """The first exception of a sub-fetch or of the sources, raised to the consumer."""

    error: Exception | None = None
    scope: anyio.CancelScope | None = field(default=None, repr=False)

    def record(self, error: Exception) -> None:
        if self.error is None:
            self.error = error
        if self.scope is not None:
            self.scope.cancel()  # every other sub-fetch, at once

    def raise_first(self) -> None:
        if self.error is not None:
            raise self.error


async def _produce(
    sources: Sources[S],
    fetch: Callable[[S], AsyncIterator[P]],
    limit: int,
    pages: MemoryObjectSendStream[P],
    failure: _Failure,
) -> None:
    """Start ``limit`` workers and the feeder; close ``pages`` when all have ended."""
    jobs_in, jobs_out = anyio.create_memory_object_stream[S](0)
    async with pages, anyio.create_task_group() as workers:
        failure.scope = workers.cancel_scope
        async with jobs_out:
            for _ in range(limit):
                workers.start_soon(_work, jobs_out.clone(), fetch, pages.clone(), failure)
        workers.start_soon(_feed, sources, jobs_in, failure)


async def _feed(
    sources: Sources[S], jobs: MemoryObjectSendStream[S], failure: _Failure
) -> None:
    """Hand the sources to the workers one by one, reading them only as workers free up."""
    async with jobs:
        try:
            if isinstance(sources, AsyncIterable):
                await _send_all(aiter(sources), jobs)
            else:
                for source in sources:
                    await jobs.send(source)
        except anyio.BrokenResourceError:
            return  # every worker has stopped: a failure is already recorded
        except Exception as exc:  # the parent listing failed: the fan-out fails with it
            failure.record(exc)


async def _work(
    jobs: MemoryObjectReceiveStream[S],
    fetch: Callable[[S], AsyncIterator[P]],
    pages: MemoryObjectSendStream[P],
    failure: _Failure,
) -> None:
    """Fetch one source at a time; each page waits here until the consumer takes it."""
    async with jobs, pages:
        async for source in jobs:
            try:
                await _send_all(fetch(source), pages)
            except anyio.BrokenResourceError:
                return  # the consumer has gone: the fan-out is being cancelled
            except Exception as exc:  # integration code: the first failure ends them all
                failure.record(exc)
                return


async def _send_all(items: AsyncIterator[T], stream: MemoryObjectSendStream[T]) -> None:
    """Send every item on, then close the iterator here, in this task."""
    try:
        async for item in items:
            await stream.send(item)
    finally:
        await close_now(items)
