"""Ctrl-C (SIGINT) or SIGTERM during ``ocean resync``: the run in flight is recorded
``aborted`` (nothing deleted) and the command exits with 1, as the README says."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import anyio
import pytest

from ocean_core._types import ResyncStatus
from ocean_core.catalog import SQLiteCatalog
from ocean_core.results import RunRecord
from tests.cli._helpers import clean_env, fake, ocean_script, write_config


def _records(db: Path, wait_for_running: bool) -> list[RunRecord]:
    """The runs of ``demo``; with ``wait_for_running``, once one is recorded running (polled:
    another process writes them)."""
    async def read() -> list[RunRecord]:
        catalog = SQLiteCatalog(db)
        try:
            deadline = time.monotonic() + 30
            while True:
                found = await catalog.runs("demo") if await anyio.Path(db).exists() else []
                running = any(r.status is ResyncStatus.RUNNING for r in found)
                if not wait_for_running or running or time.monotonic() > deadline:
                    return found
                await anyio.sleep(0.05)
        finally:
            await catalog.close()

    return anyio.run(read)


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_records_the_run_aborted_and_exits_1(conf: Path, sent: signal.Signals) -> None:
    config = write_config(conf, fake(kinds={"service": 40}, batch_size=2, latency=0.2))
    proc = subprocess.Popen([str(ocean_script()), "resync", "-c", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=clean_env())
    try:
        [running] = _records(conf / "ocean.db", wait_for_running=True)
        proc.send_signal(sent)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
        proc.wait()

    assert running.status is ResyncStatus.RUNNING
    assert proc.returncode == 1, (proc.returncode, stderr)
    assert f"interrupted by {sent.name}: the run in flight was recorded aborted" in stderr
    assert "Traceback" not in stderr
    [record] = _records(conf / "ocean.db", wait_for_running=False)
    assert record.id == running.id and record.status is ResyncStatus.ABORTED
    assert record.deleted == 0 and record.ended_at is not None
    assert "demo: aborted" in stdout  # its summary
