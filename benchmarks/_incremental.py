"""Item 10 of the report (``--only incremental``): an incremental run against a full run of
the same source (rule 9), in one process.

The ``fake`` integration with ``incremental: true`` holds ``N`` = 100,000 items, each with a
cursor (``updated``) its fetcher filters on as a source's index would. One full run fills a
catalog; then 1% of the items change (``revision: 1`` for the first N/100). From copies of
that catalog, the same source is read by a full run and by an incremental run, ``ROUNDS``
times each, alternating; the best of each is compared: the share of the full run's fetched
items the incremental run fetched (target <= 2%: the changed ones, and the boundary item
again) and the share of its wall time (target <= 5%). Both catalogs must then hold the same
entities.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import anyio

from benchmarks._common import INTEGRATION_ID, KIND, emit, fake_config, progress
from benchmarks._report import Line, Report, secs

N = 100_000
CHANGED_SHARE = 0.01
ROUNDS = 3
FETCHED_TARGET = 0.02
WALL_TARGET = 0.05
ITEM = "10"


def _config(n: int, revision: int) -> dict[str, Any]:
    changed = {KIND: int(n * CHANGED_SHARE)} if revision else {}
    return {**fake_config(n, entities=False), "incremental": True, "revision": revision,
            "changed": changed}


async def _run(db: Path, n: int, revision: int, *, incremental: bool) -> dict[str, Any]:
    from integrations.fake import FakeIntegration
    from ocean_core import Ocean
    from ocean_core.catalog import SQLiteCatalog

    catalog = SQLiteCatalog(str(db))
    try:
        ocean = Ocean(FakeIntegration(_config(n, revision)), catalog=catalog,
                      integration_id=INTEGRATION_ID)
        await catalog.generation(INTEGRATION_ID)  # open it before the clock starts
        start = time.perf_counter()
        result = await ocean.resync(incremental=incremental)
        seconds = time.perf_counter() - start
        stats = result.kinds[KIND]
        entities = {(e.identifier, e.title, tuple(sorted(e.properties.items())))
                    for e in await catalog.list_entities(INTEGRATION_ID)}
    finally:
        await catalog.close()
    return {
        "seconds": seconds, "status": result.status.value, "mode": result.mode.value,
        "fetched": stats.fetched, "upserted": stats.upserted, "unchanged": stats.unchanged,
        "since": stats.since, "cursor": stats.cursor, "errors": result.errors,
        "entities": hash(frozenset(entities)), "count": len(entities),
    }


def run_incremental(n: int, folder: Path) -> None:
    """Child ``incremental``: the runs, their counts and timings."""

    async def main() -> dict[str, Any]:
        base = folder / "base.db"
        progress(f"incremental: a full run of {n:,} fills the catalog")
        seed = await _run(base, n, 0, incremental=False)
        runs: dict[str, list[dict[str, Any]]] = {"full": [], "incremental": []}
        for round_ in range(ROUNDS):
            for mode in ("incremental", "full") if round_ % 2 == 0 else ("full", "incremental"):
                copy = folder / f"{mode}-{round_}.db"
                shutil.copyfile(base, copy)
                done = await _run(copy, n, 1, incremental=mode == "incremental")
                progress(f"incremental: {mode} run {round_ + 1}: {done['seconds']:.3f} s,"
                         f" fetched {done['fetched']:,}, upserted {done['upserted']:,}")
                runs[mode].append(done)
                copy.unlink()
        return {"n": n, "seed": seed, **runs}

    emit(anyio.run(main))


def run_phase(child: Any, report: Report) -> None:
    """The phase: one child, and the report's lines of item 10."""
    result = child("incremental", N)
    full = min(result["full"], key=lambda run: run["seconds"])
    incremental = min(result["incremental"], key=lambda run: run["seconds"])
    changed = int(N * CHANGED_SHARE)
    report.add(Line(ITEM, f"full run, N={N:,}, {changed:,} changed (best of {ROUNDS})",
                    secs(full["seconds"], N)))
    report.add(Line(ITEM, f"incremental run of the same source (best of {ROUNDS})",
                    f"{incremental['seconds'] * 1000:.1f} ms, fetched"
                    f" {incremental['fetched']:,}, since {incremental['since']}"))
    for run in (*result["full"], *result["incremental"]):
        if run["status"] != "succeeded" or run["upserted"] != changed:
            report.error(ITEM, f"{run['mode']} run record",
                         f"status {run['status']}, upserted {run['upserted']:,},"
                         f" expected {changed:,}")
            return
    if {run["entities"] for run in (*result["full"], *result["incremental"])} != {
            full["entities"]}:
        report.error(ITEM, "catalogs after both runs", "they differ")
    else:
        report.add(Line(ITEM, "catalogs after both runs", f"equal ({full['count']:,} entities)"))
    fetched = incremental["fetched"] / full["fetched"]
    report.check(ITEM, "incremental / full: fetched items", f"{fetched:.2%}",
                 f"<= {FETCHED_TARGET:.0%}", fetched <= FETCHED_TARGET)
    wall = incremental["seconds"] / full["seconds"]
    report.check(ITEM, "incremental / full: wall time", f"{wall:.2%}",
                 f"<= {WALL_TARGET:.0%}", wall <= WALL_TARGET)
