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

from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

import anyio
from loguru import logger

from ocean_core.catalog import EntityRow, PageProgress, ResyncStore
from ocean_core.engine._fetch import fetched_batches, prepare_page
from ocean_core.engine._plan import KindStep
from ocean_core.errors import CatalogError
from ocean_core.integration import FetchRequest, Integration, fetching
from ocean_core.results import ErrorStage, KindStats

PAGE_SIZE = 1000
"""Largest page written in one transaction; a bigger fetched batch is split."""
LOGGED_ITEM_ERRORS = 5
"""Item errors of a kind logged one by one in each run; the rest only counted, in one line at
the end of the kind (a million bad items must not mean a million log lines)."""


def empty_kind_message(kind: str, had: int) -> str:
    """The empty-kind guard's error: ``kind`` returned nothing, the catalog holds ``had``."""
    return (f"empty-kind guard: kind {kind!r} returned no entities but the catalog holds"
            f" {had}; declare @kind({kind!r}, may_be_empty=True) if that is expected")


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
    item_errors: int = field(default=0, init=False)

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
        finally:
            if self.item_errors > LOGGED_ITEM_ERRORS:
                logger.warning("kind {}: {} item errors in all, the first {} logged",
                               self.kind, self.item_errors, LOGGED_ITEM_ERRORS)

    async def _run(self) -> int:
        seq = self.first_seq
        overlap = self.catalog.capabilities.overlapped_writes
        batches_of = fetched_batches(self.integration, self.step.spec, self.request, self.stats)
        async with anyio.create_task_group() as writes, aclosing(batches_of) as batches:
            in_flight: _PageWrite | None = None
            async for batch in batches:
                for start in range(0, max(len(batch), 1), PAGE_SIZE):
                    if in_flight is not None:
                        await in_flight.handed_over_or_done()
                    done = await prepare_page(
                        batch[start : start + PAGE_SIZE], self.step.resource, self.kind)
                    self.stats.filtered += done.filtered
                    self._item_errors(done.errors)
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

    def _item_errors(self, errors: list[tuple[str, str]]) -> None:
        """Record the page's item errors; log the first ``LOGGED_ITEM_ERRORS`` of the kind."""
        for message, item in errors:
            self.stats.add_error(ErrorStage.MAP, message, item)
            self.item_errors += 1
            if self.item_errors <= LOGGED_ITEM_ERRORS:
                logger.warning("kind {} item error: {} (item: {})", self.kind, message, item)

    async def _write(
        self, rows: list[EntityRow], seq: int, progress: PageProgress | None = None
    ) -> bool:
        page = (self.integration_id, self.kind, seq, self.generation, rows)
        try:
            # Only a catalog with overlapped writes is told of progress: one that writes in a
            # worker thread (or was written before ``progress`` existed) needs no argument.
            outcome = await (
                self.catalog.write_page(*page) if progress is None
                else self.catalog.write_page(*page, progress=progress)
            )
        except CatalogError as exc:
            self.stats.add_error(ErrorStage.WRITE, str(exc))
            logger.warning("kind {} write failed: {}", self.kind, exc)
            return False
        self.stats.upserted += outcome.upserted
        self.stats.unchanged += outcome.unchanged
        return True

    async def _guard_empty(self) -> None:
        """A kind that had entities and now has none is an error unless it may be empty."""
        if self.step.spec.may_be_empty or self.stats.upserted + self.stats.unchanged:
            return
        had = await self.catalog.count_entities(self.integration_id, self.kind)
        if had:
            self.stats.add_error(ErrorStage.GUARD, empty_kind_message(self.kind, had))


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
