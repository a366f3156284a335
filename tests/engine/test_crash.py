"""Rule 6: a process killed mid-run leaves the catalog consistent, and the run is found."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import SQLiteCatalog
from tests.support import Source, items, mapping_for

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]


def _kill_mid_run(path: Path) -> str:
    """Start a resync in another process; SIGKILL it once it says it is mid-run."""
    with subprocess.Popen(
        [sys.executable, "-m", "tests.engine.crash_child", str(path)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as child:
        assert child.stdout is not None
        said = child.stdout.readline().strip()
        child.send_signal(signal.SIGKILL)
        child.wait()
    return said


async def test_killed_runner_leaves_catalog_consistent_and_run_interrupted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "catalog.db"
    source = Source({"svc": items("s", 50)}, batch_size=10)
    catalog = SQLiteCatalog(path)
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")
    assert (await ocean.resync()).status is ResyncStatus.SUCCEEDED
    await catalog.close()

    assert _kill_mid_run(path) == "mid-run"

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        values = raw.execute("SELECT properties FROM entities ORDER BY identifier").fetchall()
    assert len(values) == 50  # nothing lost: the killed run deleted nothing
    # The fetcher runs ahead of the writer, so 0, 10 or 20 changes had committed: whole pages.
    assert sum('"value":1' in v[0] for v in values) in (0, 10, 20)

    reopened = SQLiteCatalog(path)
    ocean = Ocean(source, catalog=reopened, mapping=mapping_for("svc"), integration_id="i")
    async with ocean:
        runs = await ocean.runs()
    assert [r.status for r in runs] == [ResyncStatus.INTERRUPTED, ResyncStatus.SUCCEEDED]
    assert runs[0].generation == 2 and runs[0].ended_at is not None
    assert runs[0].deleted == 0
    await reopened.close()
