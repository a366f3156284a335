"""Run by test_crash: a resync that says when it is mid-way, then waits to be killed."""

from __future__ import annotations

import sys

import anyio

from ocean_core import Ocean
from ocean_core.catalog import SQLiteCatalog
from tests.support import Source, items, mapping_for


async def main(path: str) -> None:
    source = Source({"svc": items("s", 40, value=1)}, batch_size=10)

    async def pause(kind: str, number: int) -> None:
        if number == 2:  # two pages written and committed, the rest not
            print("mid-run", flush=True)
            await anyio.sleep_forever()

    source.on_batch = pause
    ocean = Ocean(source, catalog=SQLiteCatalog(path), mapping=mapping_for("svc"),
                  integration_id="i")
    await ocean.resync()


if __name__ == "__main__":
    anyio.run(main, sys.argv[1])
