"""Run by test_crash: one incremental run of ``SIZE`` changed items in an SQLite catalog,
saying where it is (``batch N`` before each batch, ``finished``) so the parent can SIGKILL it
at a chosen moment.

The source of iteration ``k`` (``source(k)``; -1 is the first, full, one): of the items
``s0``..``s{SIZE-1}``, those before ``(k + 1) * BLOCK`` are gone (each with a tombstone), and
``BLOCK`` new ones join each iteration; every item there changes (``value`` and ``updated``
move on), so an incremental run fetches all of them. Even iterations declare the kind
``ordered`` (the cursor is committed with each page), odd ones do not.

The child imports everything, prints ``ready`` and waits for a line on stdin before it starts,
so the parent can spawn the next child while it still checks the last one."""

from __future__ import annotations

import sys
from typing import Any

import anyio

from ocean_core import Ocean
from ocean_core.catalog import SQLiteCatalog
from tests.incremental.support import Desk
from tests.support import mapping_for

SIZE = 100_000
BATCH = 1000
BLOCK = 500
STRIDE = 1_000_000
"""``updated`` of an item in iteration ``k``: ``(k + 2) * STRIDE + its position``."""


def source(iteration: int) -> Desk:
    """The source as it is in ``iteration``: its items, and its tombstones."""
    clock = (iteration + 2) * STRIDE
    cut = (iteration + 1) * BLOCK
    ids = [f"s{i}" for i in range(cut, SIZE)]
    ids += [f"n{j}-{i}" for j in range(iteration + 1) for i in range(BLOCK)]
    items = [{"id": ident, "name": ident, "value": iteration + 1, "updated": clock + position}
             for position, ident in enumerate(ids)]
    desk = Desk({"svc": items}, batch_size=BATCH,
                ordered={"svc"} if iteration % 2 == 0 else set())
    # s{i} went in iteration i // BLOCK: its tombstone is stamped then, after its items
    desk.gone["svc"] = [
        {"id": f"s{i}", "updated": (i // BLOCK + 2) * STRIDE + STRIDE // 2 + i}
        for i in range(cut)
    ]
    return desk


def expected(iteration: int) -> dict[str, dict[str, Any]]:
    """identifier -> properties of what a clean run of ``iteration`` leaves in the catalog."""
    return {item["id"]: {"value": item["value"]}
            for item in source(iteration).data["svc"]}


def say(line: str) -> None:
    print(line, flush=True)


async def main(path: str, iteration: int) -> None:
    desk = source(iteration)

    async def mark(kind: str, number: int) -> None:
        say(f"batch {number}")

    desk.on_batch = mark
    ocean = Ocean(desk, catalog=SQLiteCatalog(path), mapping=mapping_for("svc"),
                  integration_id="i")
    say("ready")
    await anyio.to_thread.run_sync(sys.stdin.readline)
    result = await ocean.resync(incremental=True)
    say(f"finished {result.status.value}")
    await anyio.sleep_forever()  # the parent kills every child


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], int(sys.argv[2]))
