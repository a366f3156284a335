"""Child mode ``abort``: how fast a trigger cancels a run whose fetcher is blocked in I/O.

One ``async with Ocean(...)`` runs a chain of trials. In each, the previous trigger's run is
blocked in its fetcher (after a first batch); the trial times ``ocean.trigger()`` until

- *unwound*: the blocked fetcher's ``finally`` ran (cancellation reached and unwound it), and
- *recorded*: ``ocean.runs()`` shows the old run as ``aborted`` (polled), and the record's own
  ``ended_at`` against the wall clock at the trigger.

The new run blocks in turn and becomes the next trial's old run.
"""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio

from benchmarks._common import emit, fake_config, progress

BLOCK_SECONDS = 3600.0
BUSY_ITEMS = 50_000_000
"""More than a busy run can ingest between two triggers: it is always mid-ingest."""
BUSY_WARMUP = 0.3
BUSY_POLL = 0.005
POLL_SECONDS = 0.0002
TRIAL_TIMEOUT = 10.0


@dataclass
class _Call:
    """One invocation of the blocking fetcher."""

    blocked: anyio.Event = field(default_factory=anyio.Event)
    unwound: anyio.Event = field(default_factory=anyio.Event)
    unwound_at: float = 0.0
    scope: anyio.CancelScope | None = None
    cancelled: bool = False


def _blocking_integration() -> Any:
    from ocean_core import Entity, Integration, kind

    class Blocking(Integration):
        """Yields one batch, then blocks as if waiting on a socket that never answers."""

        type = "bench-blocking"

        def __init__(self) -> None:
            super().__init__()
            self.calls: list[_Call] = []
            self.call_started = anyio.Event()

        @kind("item", may_be_empty=True)
        async def items(self) -> AsyncIterator[list[Entity]]:
            call = _Call()
            self.calls.append(call)
            self.call_started.set()
            yield [Entity(identifier="item-1", blueprint="item", title="Item 1")]
            try:
                # The scope only lets the harness release the last run; the engine's
                # cancellation passes through it untouched.
                with anyio.CancelScope() as scope:
                    call.scope = scope
                    call.blocked.set()
                    await anyio.sleep(BLOCK_SECONDS)
            except BaseException:
                call.cancelled = True
                raise
            finally:
                call.unwound_at = time.perf_counter()
                call.unwound.set()

    return Blocking()


async def _next_call(integration: Any, index: int) -> _Call:
    while len(integration.calls) <= index:
        integration.call_started = anyio.Event()
        await integration.call_started.wait()
    call: _Call = integration.calls[index]
    await call.blocked.wait()
    return call


async def _recorded(ocean: Any, generation: int, poll: float = POLL_SECONDS) -> tuple[float, Any]:
    """Poll the run records until the run of ``generation`` shows ``aborted``."""
    from ocean_core import ResyncStatus

    while True:
        for run in await ocean.runs():
            if run.generation != generation:
                continue
            if run.status is ResyncStatus.ABORTED:
                return time.perf_counter(), run
            if run.status.finished:
                raise RuntimeError(f"run of generation {generation} ended {run.status.value}")
        await anyio.sleep(poll)


async def _trials(db: Path, trials: int) -> dict[str, Any]:
    from ocean_core import Ocean
    from ocean_core.catalog import SQLiteCatalog

    catalog = SQLiteCatalog(str(db))
    integration = _blocking_integration()
    unwound: list[float] = []
    recorded: list[float] = []
    record_end: list[float] = []
    trigger_call: list[float] = []
    not_cancelled = 0
    try:
        async with Ocean(integration, catalog=catalog, integration_id="bench-abort") as ocean:
            generation = ocean.trigger()
            with anyio.fail_after(TRIAL_TIMEOUT):
                await _next_call(integration, 0)
            for index in range(trials):
                old = integration.calls[index]
                with anyio.fail_after(TRIAL_TIMEOUT):
                    wall0 = time.time()
                    t0 = time.perf_counter()
                    new_generation = ocean.trigger()
                    trigger_call.append(time.perf_counter() - t0)
                    await old.unwound.wait()
                    unwound.append(old.unwound_at - t0)
                    seen_at, run = await _recorded(ocean, generation)
                    recorded.append(seen_at - t0)
                    if run.ended_at is not None:
                        record_end.append(run.ended_at.timestamp() - wall0)
                    not_cancelled += not old.cancelled
                    await _next_call(integration, index + 1)
                generation = new_generation
            last = integration.calls[trials]
            if last.scope is not None:
                last.scope.cancel()
            with anyio.fail_after(TRIAL_TIMEOUT):
                await ocean.wait_idle()
    finally:
        await catalog.close()
    return {
        "trials": trials,
        "unwound_s": unwound,
        "recorded_s": recorded,
        "record_ended_at_s": record_end,
        "trigger_call_s": trigger_call,
        "fetcher_not_cancelled": not_cancelled,
    }


async def _busy_trials(db: Path, *, entities: bool, trials: int) -> list[float]:
    """Abort latency of a run busy mapping and writing (not blocked): ``trigger()`` to the
    aborted record's ``ended_at``. Cancellation has to wait for the page in a worker thread."""
    from integrations.fake import FakeIntegration
    from ocean_core import Ocean
    from ocean_core.catalog import SQLiteCatalog

    catalog = SQLiteCatalog(str(db))
    integration = FakeIntegration(fake_config(BUSY_ITEMS, entities=entities))
    latencies: list[float] = []
    try:
        async with Ocean(integration, catalog=catalog, integration_id="bench-busy") as ocean:
            generation = ocean.trigger()
            for _ in range(trials):
                await anyio.sleep(BUSY_WARMUP)  # let the run get into its stride
                with anyio.fail_after(TRIAL_TIMEOUT):
                    wall0 = time.time()
                    new_generation = ocean.trigger()
                    _, run = await _recorded(ocean, generation, poll=BUSY_POLL)
                    latencies.append(run.ended_at.timestamp() - wall0)
                generation = new_generation
    finally:
        await catalog.close()
    return latencies


def run_abort(db: Path, trials: int) -> None:
    """Child ``abort``: abort latency over ``trials`` trials."""

    async def main() -> dict[str, Any]:
        return await _trials(db, trials)

    from loguru import logger

    # As the ``ocean`` CLI does: two INFO lines per trial would bury the progress output.
    logger.remove()
    logger.add(sys.stderr, level="WARNING")
    progress(f"abort latency: {trials} trials ...")
    result = anyio.run(main)
    worst = max(result["unwound_s"], default=0.0)
    progress(f"abort latency: done, worst fetcher unwind {worst * 1000:.2f} ms")
    for mode, entities in (("entities", True), ("jq", False)):
        busy_trials = max(1, trials // 5)
        progress(f"abort latency while busy ({mode}): {busy_trials} trials ...")

        async def busy(entities: bool = entities, count: int = busy_trials) -> list[float]:
            return await _busy_trials(
                db.with_name(f"busy-{db.name}"), entities=entities, trials=count
            )

        result[f"busy_{mode}_s"] = anyio.run(busy)
    emit(result)
