"""One kind of one run: fetch, map and write its batches as a bounded pipeline.

Three stages joined by one-slot streams: the fetcher (in the event loop), the mapping and
encoding (in a worker thread) and the catalog write (in the catalog's thread). SQLite releases
the GIL while it writes, so page k is written while page k+1 is mapped and page k+2 fetched;
and a slow catalog slows the fetcher instead of filling memory. Any failure stops this kind
only; what was written stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from anyio.abc import ObjectReceiveStream, ObjectSendStream
from loguru import logger

from ocean_core.catalog import Catalog, EntityRow
from ocean_core.engine._plan import KindStep
from ocean_core.engine._prepare import prepare
from ocean_core.errors import CatalogError
from ocean_core.integration import Integration
from ocean_core.results import ErrorStage, KindStats

PAGE_SIZE = 1000
"""Largest page written in one transaction; a bigger fetched batch is split."""


@dataclass
class KindRun:
    """Runs one step of a resync and keeps its live counts in ``stats``."""

    integration: Integration
    catalog: Catalog
    integration_id: str
    generation: int
    step: KindStep
    stats: KindStats
    first_seq: int = 0

    @property
    def kind(self) -> str:
        return self.step.spec.name

    async def run(self) -> int:
        """Sync the kind; return the next free page number."""
        seq = self.first_seq
        fetched, to_prepare = anyio.create_memory_object_stream[Sequence[Any]](1)
        prepared, to_write = anyio.create_memory_object_stream[list[EntityRow]](1)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(self._fetch, fetched)
            tasks.start_soon(self._prepare, to_prepare, prepared)
            async with to_write:
                async for rows in to_write:
                    if not await self._write(rows, seq):
                        tasks.cancel_scope.cancel()
                        return seq
                    seq += 1
        if self.stats.errors == 0:
            await self._guard_empty()
        return seq

    async def _prepare(
        self, batches: ObjectReceiveStream[Sequence[Any]], pages: ObjectSendStream[list[EntityRow]]
    ) -> None:
        """Map and encode each batch, in pages of at most ``PAGE_SIZE`` items."""
        async with batches, pages:
            async for batch in batches:
                for start in range(0, max(len(batch), 1), PAGE_SIZE):
                    done = await anyio.to_thread.run_sync(
                        prepare, batch[start : start + PAGE_SIZE], self.step.resource, self.kind
                    )
                    self.stats.filtered += done.filtered
                    for message, item in done.errors:
                        self.stats.add_error(ErrorStage.MAP, message, item)
                    await pages.send(done.rows)

    async def _fetch(self, send: ObjectSendStream[Sequence[Any]]) -> None:
        fetcher = self.integration.fetcher(self.kind)
        async with send:
            batches = fetcher()
            try:
                async for batch in batches:
                    if not isinstance(batch, list | tuple):
                        raise TypeError(
                            f"the fetcher of kind {self.kind!r} must yield lists of items,"
                            f" got {type(batch).__name__}"
                        )
                    self.stats.fetched += len(batch)
                    await send.send(batch)
            except Exception as exc:  # integration code: any failure ends this kind only
                message = f"{type(exc).__name__}: {exc}"
                self.stats.add_error(ErrorStage.FETCH, message)
                logger.warning("kind {} fetch failed: {}", self.kind, message)
            finally:
                # Close the generator here, cancelled or not, so its own cleanup runs now.
                close = getattr(batches, "aclose", None)
                if close is not None:
                    with anyio.CancelScope(shield=True):
                        await close()

    async def _write(self, rows: list[EntityRow], seq: int) -> bool:
        try:
            outcome = await self.catalog.write_page(
                self.integration_id, self.kind, seq, self.generation, rows
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
            self.stats.add_error(
                ErrorStage.GUARD,
                f"empty-kind guard: kind {self.kind!r} returned no entities but the catalog"
                f" holds {had}; declare @kind({self.kind!r}, may_be_empty=True) if that is"
                " expected",
            )
