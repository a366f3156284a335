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

Rule 9 adds three things. A kind with a cursor has each page's cursor values observed
(``KindCursor``); an ordered kind commits its cursor with each page. A ``Deleted`` batch is
applied in order with the pages: the page write in flight settles first, then its keys are
deleted, atomically with the generation check. In an incremental run pages are written by key
(``write_items``: no page membership, since no sweep follows), the empty-kind guard does not
apply (nothing changed is no error), and the keys of changed items the selector now drops are
kept for the kind's end (``Dropped``).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

import anyio
from loguru import logger

from ocean_core._deleted import Deleted
from ocean_core._types import RunMode
from ocean_core.catalog import EntityRow, PageOutcome, PageProgress, ResyncStore
from ocean_core.catalog._types import CursorCommit
from ocean_core.engine._cursor import KindCursor
from ocean_core.engine._fetch import fetched_batches, prepare_page
from ocean_core.engine._page_write import PageWrite
from ocean_core.engine._plan import KindStep
from ocean_core.engine._pooled import removal_keys
from ocean_core.engine._prepare import Prepared
from ocean_core.engine._removals import Dropped
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
    mode: RunMode = RunMode.FULL
    cursor: KindCursor | None = None
    """The kind's cursor in this run, when it declares one."""
    live_mark: int | None = None
    """The run's live mark (rule 8), passed to every write."""
    plan_only: bool = False
    """A plan: ``Deleted`` batches are counted, not applied, and no cursor is committed."""
    dropped: Dropped | None = None
    """Incremental runs of a resource with a selector: keys the selector now drops."""
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
            in_flight: PageWrite | None = None
            async for batch in batches:
                if isinstance(batch, Deleted):
                    if in_flight is not None and not await in_flight.settled():
                        return in_flight.seq
                    in_flight = None
                    if not await self._delete(batch):
                        return seq
                    continue
                for start in range(0, max(len(batch), 1), PAGE_SIZE):
                    if in_flight is not None:
                        await in_flight.handed_over_or_done()
                    page = batch[start : start + PAGE_SIZE]
                    done = await prepare_page(page, self.step.resource, self.kind,
                                              self._observe,
                                              item_seconds=self.step.mapping_timeout)
                    await self._drop(page)
                    self._count(done)
                    commit = self._page_cursor()
                    if in_flight is not None and not await in_flight.settled():
                        return in_flight.seq  # it failed: nothing after it is written
                    if not overlap:
                        if not await self._write(done.rows, seq, commit, None):
                            return seq
                    else:
                        in_flight = PageWrite(self._write, done.rows, seq, commit)
                        writes.start_soon(in_flight.run)
                        await in_flight.sent_or_done()
                    seq += 1
            if in_flight is not None and not await in_flight.settled():
                return in_flight.seq
        if self.stats.errors == 0 and self.mode is RunMode.FULL:
            await self._guard_empty()
        return seq

    def _observe(self, page: Sequence[Any]) -> None:
        """Observe a raw page's cursor values, in whichever thread maps the page, after it is
        mapped."""
        if self.cursor is not None:
            self.cursor.observe(page)

    async def _drop(self, page: Sequence[Any]) -> None:
        """Note the keys a page's selector now drops (incremental runs), found in a jq worker
        when the resource needs jq."""
        if self.dropped is not None and self.step.resource is not None:
            found = await removal_keys(page, self.step.resource, self.kind,
                                       self.step.mapping_timeout, dropped_only=True)
            self.dropped.drop(found.keys)

    def _count(self, done: Prepared) -> None:
        self.stats.filtered += done.filtered
        self._item_errors(ErrorStage.MAP, done.errors)
        if self.cursor is not None:
            self.stats.cursor_nulls = self.cursor.nulls
            self._item_errors(ErrorStage.CURSOR, self.cursor.take_errors())

    def _item_errors(self, stage: ErrorStage, errors: list[tuple[str, str]]) -> None:
        """Record item errors; log the first ``LOGGED_ITEM_ERRORS`` of the kind."""
        for message, item in errors:
            self.stats.add_error(stage, message, item)
            self.item_errors += 1
            if self.item_errors <= LOGGED_ITEM_ERRORS:
                logger.warning("kind {} item error: {} (item: {})", self.kind, message, item)

    def _page_cursor(self) -> CursorCommit | None:
        """The cursor an ordered kind commits with the page just prepared: while the kind has
        had no error, the highest value so far (its items come in cursor order)."""
        cursor = self.cursor
        if cursor is None or not cursor.per_page or self.plan_only or self.stats.errors:
            return None
        value = cursor.value
        return None if value is None else CursorCommit(value, cursor.fingerprint)

    async def _write(
        self, rows: list[EntityRow], seq: int, cursor: CursorCommit | None,
        progress: PageProgress | None,
    ) -> bool:
        try:
            if self.mode is RunMode.INCREMENTAL:
                outcome = await self._write_items(rows, cursor)
            else:
                outcome = await self._write_page(rows, seq, progress)
                if cursor is not None:  # after its page: a cursor is never ahead of its data
                    await self.catalog.commit_cursor(self.integration_id, self.kind, cursor)
        except CatalogError as exc:
            self.stats.add_error(ErrorStage.WRITE, str(exc))
            logger.warning("kind {} write failed: {}", self.kind, exc)
            return False
        self.stats.upserted += outcome.upserted
        self.stats.unchanged += outcome.unchanged
        self.stats.kept += outcome.kept
        if cursor is not None:
            self.stats.cursor = cursor.value
        if self.dropped is not None:
            self.dropped.wrote((row.blueprint, row.identifier) for row in rows)
        return True

    async def _write_page(
        self, rows: list[EntityRow], seq: int, progress: PageProgress | None
    ) -> PageOutcome:
        page = (self.integration_id, self.kind, seq, self.generation, rows)
        # Only a catalog with overlapped writes is told of progress: one that writes in a
        # worker thread (or was written before ``progress`` existed) needs no argument; the
        # live mark likewise only when the run has one.
        more: dict[str, Any] = {}
        if progress is not None:
            more["progress"] = progress
        if self.live_mark is not None:
            more["live_mark"] = self.live_mark
        return await self.catalog.write_page(*page, **more)

    async def _write_items(
        self, rows: list[EntityRow], cursor: CursorCommit | None
    ) -> PageOutcome:
        if not rows and cursor is None:
            return PageOutcome(0, 0)
        return await self.catalog.write_items(
            self.integration_id, self.kind, rows, live_mark=self.live_mark, cursor=cursor)

    async def _delete(self, batch: Deleted) -> bool:
        """Delete what a ``Deleted`` batch reports gone; False if the catalog failed."""
        if self.cursor is not None:
            self.cursor.observe(batch)
        found = await removal_keys(batch, self.step.resource, self.kind,
                                   self.step.mapping_timeout)
        self._count(Prepared(errors=found.errors))
        if self.plan_only or not found.keys:
            return True
        try:
            deleted = await self.catalog.delete_items(
                self.integration_id, found.keys, generation=self.generation,
                live_mark=self.live_mark)
        except CatalogError as exc:
            self.stats.add_error(ErrorStage.WRITE, str(exc))
            logger.warning("kind {} delete failed: {}", self.kind, exc)
            return False
        self.stats.deleted += deleted
        return True

    async def _guard_empty(self) -> None:
        """A kind that had entities and now has none is an error unless it may be empty."""
        if self.step.spec.may_be_empty or (
            self.stats.upserted + self.stats.unchanged + self.stats.kept
        ):
            return
        had = await self.catalog.count_entities(self.integration_id, self.kind)
        if had:
            self.stats.add_error(ErrorStage.GUARD, empty_kind_message(self.kind, had))
