"""A kind's fetch, shared by a run, a dry run and ``ocean try``: the fetcher's batches (lists of
items, or ``Deleted`` batches of what the source reports gone), counted, each failure recorded
(with its traceback) as the end of the kind; and a page mapped where mapping it is cheapest."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

import anyio
from loguru import logger

from ocean_core._deleted import Deleted
from ocean_core._limits import MAPPING_TIMEOUT
from ocean_core.engine._pooled import prepare_pooled
from ocean_core.engine._prepare import Prepared, prepare
from ocean_core.engine._records import traceback_text
from ocean_core.entity import Entity
from ocean_core.integration import FetchRequest, Integration, KindSpec
from ocean_core.mapping import CompiledResource
from ocean_core.results import ErrorStage, KindStats


async def fetched_batches(
    integration: Integration, spec: KindSpec, request: FetchRequest, stats: KindStats
) -> AsyncGenerator[Sequence[Any] | Deleted, None]:
    """The fetcher's batches, counted in ``stats``; a failure of the fetcher is recorded
    there and ends the kind. The fetcher's generator is closed when this one is, in the same
    task and shielded, so its own cleanup runs even when the run is cancelled."""
    batches = integration.fetch_batches(spec, request)
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
                _failed(stats, spec.name, f"{type(exc).__name__}: {exc}", traceback_text(exc))
                return
            if not isinstance(batch, list | tuple | Deleted):
                _failed(stats, spec.name, f"the fetcher of kind {spec.name!r} must yield lists"
                        f" of items, got {type(batch).__name__} (a list, a tuple or a Deleted"
                        " batch)")
                return
            stats.fetched += len(batch)
            stats.pages += 1
            yield batch
    finally:
        close = getattr(batches, "aclose", None)
        if close is not None:
            with anyio.CancelScope(shield=True):
                await close()


def _failed(stats: KindStats, kind: str, message: str, traceback: str | None = None) -> None:
    stats.add_error(ErrorStage.FETCH, message, traceback=traceback)
    logger.warning("kind {} fetch failed: {}", kind, message)


async def prepare_page(
    page: Sequence[Any], resource: CompiledResource | None, kind: str,
    observe: Callable[[Sequence[Any]], None] | None = None,
    *, item_seconds: float = MAPPING_TIMEOUT,
) -> Prepared:
    """``prepare`` one page: here for entities or the fast path; in a jq worker process for a
    resource with an expression only jq evaluates (``prepare_pooled``: ``item_seconds`` seconds an
    item may take). ``observe`` then sees the raw page in a worker thread (a kind's cursor
    reads jq too)."""
    if resource is None or (page and isinstance(page[0], Entity)) or not resource.needs_jq:
        # Encoding entities, or mapping them on the fast path, takes a few ms a page:
        # cheaper here than a hop to a thread or a process.
        done = prepare(page, resource, kind)
        if observe is not None:
            observe(page)
        return done
    done = await prepare_pooled(page, resource, kind, item_seconds)
    if observe is not None:
        await anyio.to_thread.run_sync(observe, page)
    return done
