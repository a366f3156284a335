"""Crash safety at size: a resync of 100,000 entities in a subprocess, SIGKILLed at 20 moments
drawn from a seeded RNG, every third one after the child says its delete step begins. After
each kill: ``PRAGMA integrity_check`` passes; no entity that existed before the run is missing,
unless the run's delete step committed, and then exactly the stale ones are (never a partial
delete); the next start records the run ``interrupted`` (or ``succeeded`` if it had finished).

``OCEAN_CRASH_SEED`` picks the seed (default 20261124); ``make soak`` kills 100 times with a
random seed, recorded in the figures."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import anyio

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import SQLiteCatalog
from tests.reliability._kill import Moment, kill_at, reap, spawn
from tests.reliability._support import SOAK, record, scaled
from tests.reliability.crash_child import BATCH, SIZE, source_items
from tests.support import Source, mapping_for

KILLS = scaled(20, 100)
LANES = 2
SEED = int(os.environ.get("OCEAN_CRASH_SEED") or (random.randrange(2**32) if SOAK else 20261124))


def _moments(rng: random.Random) -> list[Moment]:
    batches = (SIZE - 5000) // BATCH
    return [
        Moment("delete", rng.uniform(0, 0.03)) if k % 3 == 2
        else Moment(f"batch {rng.randrange(batches)}", rng.uniform(0, 0.01))
        for k in range(KILLS)
    ]


def _spawn(path: Path, iteration: int) -> subprocess.Popen[str]:
    return spawn("tests.reliability.crash_child", path, iteration)


def _identifiers(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = raw.execute("SELECT identifier FROM entities WHERE integration_id = 'i'")
        found = {row[0] for row in rows}
    raw.close()
    return found


async def _first_run(path: Path) -> None:
    catalog = SQLiteCatalog(path)  # closed below: the copies are taken of a closed database
    source = Source({"svc": source_items(-1)}, batch_size=BATCH)
    result = await Ocean(source, catalog=catalog, mapping=mapping_for("svc"),
                         integration_id="i").resync()
    assert result.status is ResyncStatus.SUCCEEDED
    await catalog.close()


async def _next_start(path: Path) -> tuple[ResyncStatus, int]:
    """What a new runtime finds of the killed run: its status, and what it recorded deleted."""
    catalog = SQLiteCatalog(path)
    async with Ocean(Source({"svc": []}), catalog=catalog, mapping=mapping_for("svc"),
                     integration_id="i") as ocean:
        last = (await ocean.runs(limit=1))[0]
    await catalog.close()
    return last.status, last.deleted


def _lane(path: Path, moments: list[Moment]) -> Counter[str]:
    """Kill a child at each of ``moments`` in turn, checking the catalog after each."""
    outcomes: Counter[str] = Counter()
    child = _spawn(path, 0)
    try:
        _kills(path, moments, child, outcomes)
    finally:
        reap(child)
    return outcomes


def _kills(
    path: Path, moments: list[Moment], child: subprocess.Popen[str], outcomes: Counter[str]
) -> None:
    for iteration, moment in enumerate(moments):
        before = _identifiers(path)
        stale = before - {item["id"] for item in source_items(iteration)}

        said = kill_at(child, moment)
        if iteration + 1 < len(moments):
            child = _spawn(path, iteration + 1)  # imports while this one is checked

        missing = before - _identifiers(path)  # _identifiers runs PRAGMA integrity_check
        where = f"seed {SEED}, {path.parent.name} kill {iteration} at {moment}"
        assert missing in (set(), stale), (
            f"{where}: {len(missing)} missing, {len(stale)} stale: a partial or wrongful delete"
        )
        if any(line.startswith("deleted") for line in said):
            assert missing == stale, f"{where}: the delete step returned, yet nothing went"
        if missing:
            outcomes["delete_committed"] += 1
        elif "delete" in said:
            outcomes["killed_in_delete_step_before_commit"] += 1
        else:
            outcomes["killed_before_delete_step"] += 1

        status, deleted = anyio.run(_next_start, path)
        if status is ResyncStatus.SUCCEEDED:
            # Killed after the run recorded its end (maybe before it could say "finished").
            assert missing == stale and deleted == len(stale), where
            outcomes["recorded_succeeded"] += 1
        else:
            assert status is ResyncStatus.INTERRUPTED, f"{where}: recorded {status}"
            outcomes["recorded_interrupted"] += 1


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    """Two lanes (each its own copy of the catalog) kill in parallel, one per CI core."""
    first = tmp_path / "first.db"
    anyio.run(_first_run, first)
    moments = _moments(random.Random(SEED))
    paths = []
    for lane in range(LANES):
        (tmp_path / f"lane{lane}").mkdir()
        paths.append(tmp_path / f"lane{lane}" / "catalog.db")
        shutil.copyfile(first, paths[-1])
    with ThreadPoolExecutor(LANES) as pool:
        done = list(pool.map(_lane, paths, [moments[lane::LANES] for lane in range(LANES)]))
    outcomes = sum(done, Counter[str]())
    assert sum(outcomes[k] for k in ("delete_committed", "killed_in_delete_step_before_commit"))
    record("crash_safety", entities=SIZE, kills=len(moments), seed=SEED,
           kills_after_delete_marker=sum(m.marker == "delete" for m in moments),
           entities_lost=0, **dict(outcomes))
