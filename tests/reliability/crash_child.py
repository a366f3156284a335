"""Run by test_crash_safety: one resync of ``SIZE`` entities in an SQLite catalog, saying where
it is (``batch N`` before each batch, ``delete`` / ``deleted`` around the delete step,
``finished``) so the parent can SIGKILL it at a chosen moment.

The child imports everything, prints ``ready`` and waits for a line on stdin before it starts,
so the parent can spawn the next child while it still checks the last one."""

from __future__ import annotations

import sys
from typing import Any

import anyio

from ocean_core import Ocean
from ocean_core.catalog import DeleteOutcome, SQLiteCatalog
from tests.support import Source, mapping_for

SIZE = 100_000
BATCH = 1000
BLOCK = 5000


def removed(iteration: int) -> range:
    """The block of items the source no longer holds in ``iteration`` (-1: none)."""
    if iteration < 0:
        return range(0)
    start = SIZE - BLOCK if iteration % 2 == 0 else SIZE - 2 * BLOCK
    return range(start, start + BLOCK)


def source_items(iteration: int) -> list[dict[str, Any]]:
    """The source of ``iteration``: ``SIZE`` items less a removed block, a few thousand
    changed. Iteration -1 is the first, complete, one."""
    gone = removed(iteration)
    changed = range((iteration * 3000) % 80_000, (iteration * 3000) % 80_000 + 3000)
    return [
        {"id": f"s{i}", "name": f"s {i}", "value": iteration + 1 if i in changed else 0}
        for i in range(SIZE)
        if i not in gone
    ]


def say(line: str) -> None:
    print(line, flush=True)


class MarkedCatalog(SQLiteCatalog):
    """Says when the delete step begins and when it has returned (committed)."""

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False,
        live_mark: int | None = None,
    ) -> DeleteOutcome:
        say("delete")
        outcome = await super().delete_stale(
            integration_id, generation, threshold=threshold, dry_run=dry_run,
            live_mark=live_mark,
        )
        say(f"deleted {outcome.deleted}")
        return outcome


async def main(path: str, iteration: int) -> None:
    source = Source({"svc": source_items(iteration)}, batch_size=BATCH)

    async def mark(kind: str, number: int) -> None:
        say(f"batch {number}")

    source.on_batch = mark
    ocean = Ocean(source, catalog=MarkedCatalog(path), mapping=mapping_for("svc"),
                  integration_id="i")
    say("ready")
    await anyio.to_thread.run_sync(sys.stdin.readline)
    result = await ocean.resync()
    say(f"finished {result.status.value}")
    await anyio.sleep_forever()  # the parent kills every child


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], int(sys.argv[2]))
