"""One kind of one run: fetch, map and write its batches, one page at a time.

A plain loop: fetch a batch, map and encode it, write it as one transaction. Any failure stops
this kind only; what was written stays.

A catalog whose page writes wait on the event loop, not in a worker thread
(``capabilities.overlapped_writes``: PostgreSQL's COPY path), gets one page write in flight
while the next batch is fetched and prepared: the database works on page N while Python builds
page N+1. A write is settled before the next one starts, so pages still land in order and a
failed write stops the kind before anything after it is written. Catalogs that write in worker
threads (SQLite) keep the plain loop: measured on the 1,000,000-entity benchmark, a CPU-bound
fetcher and a writer thread convoy on CPython's GIL, which cost more than the overlap gains.

The write in flight needs the event loop between its steps (the database answers, the next
message goes out), and the engine preparing a page never yields it. So the write says where it
is (``PageProgress``): the engine waits for its first message to be out before it fetches,
and for all of it to be out before it prepares the next page.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import anyio
from loguru import logger

from ocean_core.catalog import EntityRow, PageProgress, ResyncStore
from ocean_core.engine._plan import KindStep
from ocean_core.engine._prepare import Prepared, prepare
from ocean_core.entity import Entity
from ocean_core.errors import CatalogError
from ocean_core.integration import FetchRequest, Integration, fetching
from ocean_core.results import ErrorStage, KindStats

PAGE_SIZE = 1000
"""Largest page written in one transaction; a bigger fetched batch is split."""


@dataclass
class KindRun:
    """Runs one step of a resync and keeps its live counts in ``stats``."""

    integration: Integration
    catalog: ResyncStore
    integration_id: str
    generation: int
    step: KindStep
    stats: KindStats
    request: FetchRequest
    """What the step's fetcher is called with."""
    first_seq: int = 0
    live_mark: int | None = None
    """The run's live mark (``RunStart``), passed to every page write (rule 8)."""

    @property
    def kind(self) -> str:
        return self.step.spec.name

    async def run(self) -> int:
        """Sync the kind; return the next free page number. The fetcher is called with
        ``request``; while it runs, ``current_selector()`` gives helpers the same selector."""
        try:
            with fetching(self.request):
                return await self._run()
        except ExceptionGroup as group:  # the page-write task group: one failure is itself
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise



    async def _run(self) -> int:
        seq = self.first_seq
        overlap = self.catalog.capabilities.overlapped_writes
        async with anyio.create_task_group() as writes, aclosing(self._batches()) as batches:
            in_flight: _PageWrite | None = None
            async for batch in batches:
                for start in range(0, max(len(batch), 1), PAGE_SIZE):
                    if in_flight is not None:
                        await in_flight.handed_over_or_done()
                    done = await self._prepare_page(batch[start : start + PAGE_SIZE])
                    self.stats.filtered += done.filtered
                    for message, item in done.errors:
                        self.stats.add_error(ErrorStage.MAP, message, item)
                    if in_flight is not None and not await in_flight.settled():
                        return in_flight.seq  # it failed: nothing after it is written
                    if not overlap:
                        if not await self._write(done.rows, seq):
                            return seq
                    else:
                        in_flight = _PageWrite(self._write, done.rows, seq)
                        writes.start_soon(in_flight.run)
                        await in_flight.sent_or_done()
                    seq += 1
            if in_flight is not None and not await in_flight.settled():
                return in_flight.seq
        if self.stats.errors == 0:
            await self._guard_empty()
        return seq

    async def _batches(self) -> AsyncGenerator[Sequence[Any], None]:
        """The fetcher's batches; a failure of the fetcher is recorded and ends the kind."""
        batches = self.integration.fetch_batches(self.step.spec, self.request)
        try:
            while True:
                try:
                    batch = await anext(batches)
                except StopAsyncIteration:
                    return
                except anyio.get_cancelled_exc_class():
                    raise
                except BaseException as exc:  # integration code: any failure ends this kind
                    # only; even SystemExit or KeyboardInterrupt, which would otherwise end
                    # the whole process (every integration of `ocean sail` with it)
                    self._fetch_failed(f"{type(exc).__name__}: {exc}")
                    return
                if not isinstance(batch, list | tuple):
                    self._fetch_failed(
                        f"the fetcher of kind {self.kind!r} must yield lists of items,"
                        f" got {type(batch).__name__}"
                    )
                    return
                self.stats.fetched += len(batch)
                self.stats.pages += 1
                yield batch
        finally:
            # Close the generator now, cancelled or not, so its own cleanup runs in this run.
            close = getattr(batches, "aclose", None)
            if close is not None:
                with anyio.CancelScope(shield=True):
                    await close()

    def _fetch_failed(self, message: str) -> None:
        self.stats.add_error(ErrorStage.FETCH, message)
        logger.warning("kind {} fetch failed: {}", self.kind, message)

    async def _prepare_page(self, page: Sequence[Any]) -> Prepared:
        resource = self.step.resource
        if resource is None or resource.fast is not None or (
            page and isinstance(page[0], Entity)
        ):
            # Encoding entities, or mapping them on the fast path, takes a few ms a page:
            # cheaper here than a thread hop. Only jq mapping, which can take far longer,
            # goes to a worker thread.
            return prepare(page, resource, self.kind)
        return await anyio.to_thread.run_sync(prepare, page, resource, self.kind)

    async def _write(
        self, rows: list[EntityRow], seq: int, progress: PageProgress | None = None
    ) -> bool:
        page = (self.integration_id, self.kind, seq, self.generation, rows)
        try:
            # Only a catalog with overlapped writes is told of progress: one that writes in a
            # worker thread (or was written before ``progress`` existed) needs no argument.
            outcome = await (
                self.catalog.write_page(*page, live_mark=self.live_mark) if progress is None
                else self.catalog.write_page(*page, progress=progress, live_mark=self.live_mark)
            )
        except CatalogError as exc:
            self.stats.add_error(ErrorStage.WRITE, str(exc))
            logger.warning("kind {} write failed: {}", self.kind, exc)
            return False
        self.stats.upserted += outcome.upserted
        self.stats.unchanged += outcome.unchanged
        self.stats.kept += outcome.kept
        return True

    async def _guard_empty(self) -> None:
        """A kind that had entities and now has none is an error unless it may be empty."""
        if self.step.spec.may_be_empty or (
            self.stats.upserted + self.stats.unchanged + self.stats.kept
        ):
            return
        had = await self.catalog.count_entities(self.integration_id, self.kind)
        if had:
            self.stats.add_error(
                ErrorStage.GUARD,
                f"empty-kind guard: kind {self.kind!r} returned no entities but the catalog"
                f" holds {had}; declare @kind({self.kind!r}, may_be_empty=True) if that is"
                " expected",
            )


class _PageWrite:
    """One page write running beside the loop that prepares the next page; the catalog tells
    it how far the write is (``PageProgress``), and the end of the write counts as both."""

    def __init__(
        self, write: Callable[[list[EntityRow], int, PageProgress], Awaitable[bool]],
        rows: list[EntityRow], seq: int,
    ) -> None:
        self._write, self._rows, self.seq = write, rows, seq
        self._sent, self._handed_over, self._done = anyio.Event(), anyio.Event(), anyio.Event()
        self._ok = False

    def sent(self) -> None:
        self._sent.set()

    def handed_over(self) -> None:
        self._sent.set()
        self._handed_over.set()

    async def run(self) -> None:
        # Shielded, as a write in the plain loop is never cut off: a batch handed over before
        # an abort is written, whatever the loop was doing when the abort came.
        try:
            with anyio.CancelScope(shield=True):
                self._ok = await self._write(self._rows, self.seq, self)
        finally:
            self._rows = []
            self.handed_over()
            self._done.set()

    async def sent_or_done(self) -> None:
        """Wait until the write's first message is out: the database is working on it."""
        await self._sent.wait()

    async def handed_over_or_done(self) -> None:
        """Wait until all of the write is out: it needs the loop no more before its answer."""
        await self._handed_over.wait()

    async def settled(self) -> bool:
        """Wait for the write; whether it succeeded."""
        await self._done.wait()
        return self._ok
