"""A kind's fetch, shared by a run, a dry run and ``ocean try``: the fetcher's batches (lists of
items, or ``Deleted`` batches of what the source reports gone), counted, each failure recorded
(with its traceback) as the end of the kind; and a page mapped where mapping it is cheapest."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

import anyio
from loguru import logger

from ocean_core._deleted import Deleted
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
) -> Prepared:
    """``prepare`` one page: here for entities or the fast path, in a worker thread for jq.
    ``observe`` then sees the raw page in the same thread (a kind's cursor reads jq too)."""

    def prepared() -> Prepared:
        done = prepare(page, resource, kind)
        if observe is not None:
            observe(page)
        return done

    if resource is None or resource.fast is not None or (page and isinstance(page[0], Entity)):
        # Encoding entities, or mapping them on the fast path, takes a few ms a page:
        # cheaper here than a thread hop. Only jq mapping, which can take far longer,
        # goes to a worker thread.
        return prepared()
    return await anyio.to_thread.run_sync(prepared)
