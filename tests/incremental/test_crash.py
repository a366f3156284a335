"""Crash safety of incremental runs (rules 6 and 9) at size: an incremental run of 100,000
changed items (and a block of reported deletes) in a subprocess, SIGKILLed at moments drawn
from a seeded RNG (every fourth in the last batch, the reported deletes and the kind's final
commit), each kill followed by a clean incremental run. After each kill:
``PRAGMA integrity_check`` passes; a committed cursor is never ahead of its data (every item
at or below it is stored as this iteration has it); after the clean run, the catalog equals
what an uninterrupted run leaves (the mapped source, deletes included) and the cursor is the
source's highest.

``OCEAN_CRASH_SEED`` picks the seed (default 20261203); CI kills 4 times, ``make soak`` 40
with a random seed, recorded in the figures."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import orjson

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import SQLiteCatalog
from tests.incremental.crash_child import BATCH, SIZE, expected, source
from tests.reliability._kill import Moment, kill_at, reap, spawn
from tests.reliability._support import SOAK, record, scaled
from tests.support import mapping_for

KILLS = scaled(4, 40)
SEED = int(os.environ.get("OCEAN_CRASH_SEED") or (random.randrange(2**32) if SOAK else 20261203))


def _spawn(path: Path, iteration: int) -> subprocess.Popen[str]:
    return spawn("tests.incremental.crash_child", path, iteration)


def _stored(path: Path) -> tuple[dict[str, Any], Any]:
    """identifier -> properties, and the committed cursor, read straight from the file."""
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = raw.execute("SELECT identifier, properties FROM entities WHERE integration_id = 'i'")
        found = {identifier: orjson.loads(props) for identifier, props in rows}
        cursor = raw.execute("SELECT value FROM cursors WHERE integration_id = 'i'").fetchone()
    raw.close()
    return found, None if cursor is None else orjson.loads(cursor[0])


def _not_ahead(found: dict[str, Any], cursor: Any, iteration: int) -> None:
    """Every item at or below a cursor committed in this iteration is stored as it is now."""
    items = source(iteration).data["svc"]
    if cursor is None or cursor < items[0]["updated"]:
        return  # the iteration committed nothing yet
    behind = [i["id"] for i in items if i["updated"] <= cursor
              and found.get(i["id"]) != {"value": i["value"]}]
    assert not behind, f"cursor {cursor} is ahead of {len(behind)} items: {behind[:3]}"


async def _run(path: Path, iteration: int, *, incremental: bool) -> Any:
    catalog = SQLiteCatalog(path)
    try:
        return await Ocean(source(iteration), catalog=catalog, mapping=mapping_for("svc"),
                           integration_id="i").resync(incremental=incremental)
    finally:
        await catalog.close()


async def _run_full_first(path: Path) -> Any:
    return await _run(path, -1, incremental=False)


async def _clean_run(path: Path, iteration: int) -> Any:
    return await _run(path, iteration, incremental=True)


def test_sigkill_during_incremental_runs_loses_no_change(tmp_path: Path) -> None:
    path = tmp_path / "catalog.db"
    first = anyio.run(_run_full_first, path)
    assert first.status is ResyncStatus.SUCCEEDED
    rng = random.Random(SEED)
    batches = SIZE // BATCH
    outcomes: Counter[str] = Counter()
    child = _spawn(path, 0)
    try:
        for iteration in range(KILLS):
            batch, delay = rng.randrange(batches), rng.uniform(0, 0.02)
            if iteration % 4 == 3:  # near the end: the Deleted batch, the kind's last commit
                batch, delay = batches - 1, rng.uniform(0, 0.15)
            said = kill_at(child, Moment(f"batch {batch}", delay))
            where = f"seed {SEED}, kill {iteration} at batch {batch} + {delay:.3f}s"
            found, cursor = _stored(path)
            _not_ahead(found, cursor, iteration)
            outcomes["finished_before_kill" if any(s.startswith("finished") for s in said)
                     else "killed_mid_run"] += 1
            outcomes["cursor_committed_before_kill"] += int(
                cursor is not None and cursor >= source(iteration).data["svc"][-1]["updated"])
            outcomes["ordered" if iteration % 2 == 0 else "unordered"] += 1
            clean = anyio.run(_clean_run, path, iteration)
            if iteration + 1 < KILLS:
                child = _spawn(path, iteration + 1)  # imports while this one is checked
            assert clean.status is ResyncStatus.SUCCEEDED, (where, clean.error)
            found, cursor = _stored(path)
            assert found == expected(iteration), f"{where}: the catalog is not the source's"
            newest = source(iteration)
            top = max(i["updated"] for i in [*newest.data["svc"], *newest.gone["svc"]])
            assert cursor == top, where
            since = clean.kinds["svc"].since
            outcomes["resumed_from_a_page_cursor"] += int(
                since is not None and isinstance(since, int)
                and newest.data["svc"][0]["updated"] <= since < newest.data["svc"][-1]["updated"])
    finally:
        reap(child)
    assert outcomes["killed_mid_run"]
    record("incremental_crash_safety", items=SIZE, kills=KILLS, seed=SEED, changes_lost=0,
           **dict(outcomes))
