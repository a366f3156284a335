"""Load: 1,000 trigger requests over HTTP within 2 seconds against a running ``ocean sail``
(a real uvicorn subprocess). The API stays responsive (p99 latency of the triggers and of
reads made meanwhile, reported in the figures), one run at a time, and the final state is
right: the last generation's run succeeded and the catalog holds the source's entities."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from tests.reliability._support import record, scaled
from tests.service.process import SailProcess
from tests.service.support import TOKEN, write_config

pytestmark = pytest.mark.serial  # timing bounds: run alone, after the rest (make test)

REQUESTS = scaled(1000, 5000)
WINDOW = 2.0 * REQUESTS / 1000
KINDS = {"service": 300, "team": 20}


def _p(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _burst(url: str) -> tuple[list[float], list[float], list[dict[str, Any]]]:
    """Send ``REQUESTS`` triggers paced evenly over ``WINDOW`` seconds, while reading the
    integration's state in a loop; the latencies of both and the triggers' answers."""
    triggers: list[float] = []
    reads: list[float] = []
    handles: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"},
                                 limits=limits, timeout=30) as client:
        done = anyio.Event()

        async def trigger() -> None:
            start = time.perf_counter()
            response = await client.post("/api/integrations/demo/resync")
            triggers.append(time.perf_counter() - start)
            assert response.status_code == 202, response.text
            handles.append(response.json())

        async def read() -> None:
            while not done.is_set():
                start = time.perf_counter()
                response = await client.get("/api/integrations/demo")
                reads.append(time.perf_counter() - start)
                assert response.status_code == 200, response.text

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read)
            async with anyio.create_task_group() as burst:
                began = time.perf_counter()
                for n in range(REQUESTS):
                    # Pacing the load, not synchronising: request n leaves at n/REQUESTS of
                    # the window.
                    await anyio.sleep(max(0.0, began + WINDOW * n / REQUESTS
                                          - time.perf_counter()))
                    burst.start_soon(trigger)
            done.set()
    return triggers, reads, handles


def test_a_thousand_triggers_in_two_seconds(
    tmp_path: Path, sail: Callable[..., SailProcess]
) -> None:
    config = write_config(tmp_path, {"id": "demo", "type": "fake", "config": {
        "kinds": KINDS, "batch_size": 20, "latency": 0.002}})
    server = sail(config)
    began = time.perf_counter()
    triggers, reads, handles = anyio.run(_burst, server.url)
    elapsed = time.perf_counter() - began
    assert len(handles) == REQUESTS
    newest = max(handles, key=lambda h: h["generation"])
    final = server.ended(newest, timeout=60)
    assert final["status"] == "succeeded", final
    server.client.get("/health")

    with sqlite3.connect(tmp_path / "catalog.db") as raw:
        runs = [
            (datetime.fromisoformat(a), datetime.fromisoformat(b) if b else None, s)
            for a, b, s in raw.execute(
                "SELECT json_extract(record, '$.started_at'), json_extract(record, '$.ended_at'),"
                " status FROM runs WHERE integration_id = 'demo' ORDER BY started_at"
            )
        ]
        count = raw.execute(
            "SELECT count(*) FROM entities WHERE integration_id = 'demo'").fetchone()[0]
    raw.close()
    assert all(end is not None for _, end, _ in runs), "a run still open"
    for (_, end, _), (start, _, _) in pairwise(runs):
        assert end is not None and end <= start, "two runs overlapped"
    assert count == sum(KINDS.values())
    assert len({h["generation"] for h in handles}) == REQUESTS
    p99_trigger, p99_read = _p(triggers, 0.99), _p(reads, 0.99)
    assert p99_trigger < 1.0 and p99_read < 1.0, (p99_trigger, p99_read)
    record("load", requests=REQUESTS, window_s=WINDOW, elapsed_s=round(elapsed, 2),
           p50_trigger_ms=round(_p(triggers, 0.5) * 1000, 1),
           p99_trigger_ms=round(p99_trigger * 1000, 1),
           p99_read_ms=round(p99_read * 1000, 1), reads=len(reads), runs=len(runs),
           runs_succeeded=sum(s == "succeeded" for *_, s in runs))
