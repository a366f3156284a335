"""Item 11 of the report (``--only live``): webhook to catalog on loopback (rule 8).

A real ``ocean sail`` (its own process) runs the ``fake`` integration with ``N`` = 100,000
items of one kind. For ``SECONDS`` (30; ``OCEAN_BENCH_LIVE_SECONDS`` changes it) this
process posts signed webhooks of the fake's ``events`` webhook at ``RATE`` (200) a second,
open loop (each at its own time, whatever the answers before it), each upserting one item,
while full resyncs of the same integration run back to back (each a ``PATCH`` of the config's
``revision``: every entity is rewritten). Then the same number of resyncs runs in a fresh
``ocean sail`` without events.

Measured: per event, from the moment its request is sent to the moment the worker recorded
it handled (its ``handled_at`` in the inbox: by then its change is durable in the catalog),
p50 and p99 (target <= 250 ms); events lost: answered 202 but not handled (target 0); and the
median resync time with events over the one without (target <= 1.10).
``OCEAN_BENCH_LIVE_CATALOG=pg`` runs it on PostgreSQL (``OCEAN_BENCH_POSTGRES_URL``) instead
of SQLite; with ``OCEAN_BENCH_LIVE_INTAKE=standby`` too, a second ``ocean sail`` that stands
by takes the webhooks and passes them on to the runner.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import yaml

from benchmarks._common import INTEGRATION_ID, KIND, emit, progress
from benchmarks._report import Line, Report, ms, percentile

N = 100_000
RATE = 200
SECONDS = float(os.environ.get("OCEAN_BENCH_LIVE_SECONDS") or 30)
P99_TARGET = 0.250
RATIO_TARGET = 1.10
SECRET = "bench-webhook-secret"
TOKEN = "bench-token"
STANDBY_INTAKE = os.environ.get("OCEAN_BENCH_LIVE_INTAKE") == "standby"
"""With PostgreSQL: a second ``ocean sail``, standing by, takes the webhooks and passes them
on to the runner (the resyncs and the worker stay in the first)."""
ITEM = "11"


def _catalog(name: str) -> str:
    """SQLite beside the config, or with ``OCEAN_BENCH_LIVE_CATALOG=pg`` a fresh schema of
    the benchmark's PostgreSQL server."""
    if os.environ.get("OCEAN_BENCH_LIVE_CATALOG") != "pg":
        return f"sqlite:///{name}.db"
    from benchmarks import _postgres

    return f"{_postgres.url()}?schema={_postgres.new_schema('live_' + name)}"


def _config(folder: Path, name: str, n: int) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        "catalog": _catalog(name), "api": {"token": TOKEN},
        "webhooks": {"retry_delay": 0, "keep_events": 10_000_000},
        "integrations": [{
            "id": INTEGRATION_ID, "type": "fake", "resync_on_start": False,
            "config": {"kinds": {KIND: n}, "batch_size": 1000, "latency": 0,
                       "webhook_secret": SECRET},
        }],
    }), encoding="utf-8")
    return path


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(config: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    command = [sys.executable, "-c", "from ocean_core.cli import main; main()", "sail",
               "--config", str(config), "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCEAN_")}
    proc = subprocess.Popen(command, cwd=config.parent, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"ocean sail exited with {proc.returncode}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("ocean sail did not answer /health within 60 s")


def _signed(body: bytes) -> dict[str, str]:
    from integrations.fake import signed_headers

    return signed_headers(SECRET, body)


async def _resync(client: httpx.AsyncClient, revision: int) -> float:
    """One full resync (a PATCH of the revision), followed to its end; its own duration."""
    answer = await client.patch(f"/api/integrations/{INTEGRATION_ID}",
                                json={"config": {"revision": revision}})
    answer.raise_for_status()
    run_id = answer.json()["run_id"]
    while True:
        followed = await client.get(f"/api/integrations/{INTEGRATION_ID}/resyncs/{run_id}",
                                    params={"wait": 30}, timeout=60)
        body = followed.json()
        if body["status"] == "superseded":
            run_id = body["superseded_by"]
        elif body["status"] not in ("pending", "running"):
            run = body["run"]
            if run["status"] != "succeeded":
                raise RuntimeError(f"a resync ended {run['status']}: {run}")
            started = datetime.fromisoformat(run["started_at"])
            ended = datetime.fromisoformat(run["ended_at"])
            return (ended - started).total_seconds()


async def _events(url: str, n: int, seconds: float, sent: dict[int, float],
                  answered: list[float]) -> int:
    """Post RATE events a second for ``seconds``; ``sent`` maps each event id answered 202
    to the time its request was sent, ``answered`` gets the seconds each 202 took. Returns
    how many were not answered 202."""
    rng = random.Random(11)
    refused = 0
    path = f"/api/integrations/{INTEGRATION_ID}/webhooks/events"
    # Idle connections given up before the server's keep-alive (5 s) closes them under us.
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64,
                          keepalive_expiry=2.0)

    async def post(client: httpx.AsyncClient, body: bytes) -> None:
        nonlocal refused
        at = time.time()
        for attempt in range(3):  # as a vendor does: sent again when no answer came
            try:
                answer = await client.post(path, content=body, headers=_signed(body))
                break
            except httpx.TransportError:
                if attempt == 2:
                    raise
        if answer.status_code == 202:
            sent[int(answer.json()["event_id"])] = at
            answered.append(time.time() - at)
        else:
            refused += 1

    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client, \
            anyio.create_task_group() as tasks:
        start = time.perf_counter()
        for k in range(int(RATE * seconds)):
            await anyio.sleep(max(0.0, start + k / RATE - time.perf_counter()))
            body = json.dumps({"kind": KIND, "upserted": [rng.randrange(n)],
                               "revision": 10_000 + k}).encode()
            tasks.start_soon(post, client, body)
    return refused


async def _drained(client: httpx.AsyncClient, expected: int) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        stats: dict[str, Any] = (await client.get(
            f"/api/integrations/{INTEGRATION_ID}/webhooks")).json()
        if stats["handled"] + stats["failed"] >= expected or time.monotonic() > deadline:
            return stats
        await anyio.sleep(0.1)


def _handled_at(config: Path) -> dict[int, float]:
    """Each handled event's ``handled_at``, read from the catalog's inbox table."""
    catalog = str(yaml.safe_load(config.read_text(encoding="utf-8"))["catalog"])
    query = "SELECT id, handled_at FROM inbox WHERE status = 'handled'"
    if catalog.startswith("sqlite:///"):
        with sqlite3.connect(config.parent / catalog.removeprefix("sqlite:///")) as raw:
            rows = raw.execute(query).fetchall()
        raw.close()
        return {int(i): datetime.fromisoformat(h).timestamp() for i, h in rows}
    import psycopg

    address, schema = catalog.split("?schema=")
    from benchmarks import _postgres

    with psycopg.connect(address, autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        found = conn.execute(query).fetchall()
    _postgres.drop_schemas(address, [schema])
    return {int(i): (h if isinstance(h, datetime) else datetime.fromisoformat(h)).timestamp()
            for i, h in found}


async def _with_events(folder: Path, n: int, seconds: float) -> dict[str, Any]:
    config = _config(folder, "with", n)
    proc, url = _start(config)
    intake, intake_url = (_start(config) if STANDBY_INTAKE else (None, url))
    sent: dict[int, float] = {}
    answered: list[float] = []
    resyncs: list[float] = []
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60,
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            resyncs.append(await _resync(client, 1))  # the catalog filled once, unmeasured
            resyncs.clear()
            done = anyio.Event()
            refused = 0

            async def events() -> None:
                nonlocal refused
                refused = await _events(intake_url, n, seconds, sent, answered)
                done.set()

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(events)
                revision = 2
                while not done.is_set():
                    resyncs.append(await _resync(client, revision))
                    progress(f"live: resync {revision - 1} with events: {resyncs[-1]:.2f} s")
                    revision += 1
            stats = await _drained(client, len(sent))
    finally:
        for process in (proc, intake):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    handled = _handled_at(config)
    latencies = [handled[i] - at for i, at in sent.items() if i in handled]
    return {"resyncs": resyncs, "latencies": latencies, "answered": len(sent),
            "answer_p50": percentile(answered, 50), "answer_p99": percentile(answered, 99),
            "refused": refused, "lost": sum(1 for i in sent if i not in handled),
            "failed": stats["failed"]}


async def _without_events(folder: Path, n: int, count: int) -> list[float]:
    config = _config(folder, "without", n)
    proc, url = _start(config)
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60,
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            await _resync(client, 1)
            resyncs = []
            for revision in range(2, 2 + count):
                resyncs.append(await _resync(client, revision))
                progress(f"live: resync {revision - 1} without events: {resyncs[-1]:.2f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        _handled_at(config)  # and a PostgreSQL schema dropped
    return resyncs


def run_live(n: int, folder: Path) -> None:
    """Child ``live``: both conditions, their timings and latencies."""

    async def main() -> dict[str, Any]:
        progress(f"live: {RATE} events/s for {SECONDS:g} s during resyncs of {n:,}")
        loaded = await _with_events(folder, n, SECONDS)
        baseline = await _without_events(folder, n, max(1, len(loaded["resyncs"])))
        return {"n": n, "seconds": SECONDS, "rate": RATE, **loaded, "baseline": baseline}

    emit(anyio.run(main))


def run_phase(child: Any, report: Report) -> None:
    """The phase: one child, and the report's lines of item 11."""
    result = child("live", N)
    latencies = sorted(result["latencies"])
    with_events = statistics.median(result["resyncs"])
    without = statistics.median(result["baseline"])
    report.add(Line(ITEM, f"webhooks: {result['rate']} events/s for {result['seconds']:g} s"
                    f" during {len(result['resyncs'])} resyncs of {result['n']:,}",
                    f"{result['answered']:,} answered 202, {result['refused']} not"))
    report.add(Line(ITEM, "webhook to catalog: p50 / p90 / max",
                    f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 90))}"
                    f" / {ms(max(latencies, default=0.0))}"))
    report.add(Line(ITEM, "the 202 answer itself: p50 / p99",
                    f"{ms(result['answer_p50'])} / {ms(result['answer_p99'])}"))
    p99 = percentile(latencies, 99)
    report.check(ITEM, "webhook to catalog: p99", ms(p99), f"<= {ms(P99_TARGET)}",
                 p99 <= P99_TARGET)
    report.check(ITEM, "events lost (answered 202, not handled)", str(result["lost"]), "0",
                 result["lost"] == 0 and result["failed"] == 0)
    report.add(Line(ITEM, "resync of N, median: with events / without",
                    f"{with_events:.2f} s / {without:.2f} s"))
    ratio = with_events / without
    report.check(ITEM, "resync with events / without", f"{ratio:.2f}",
                 f"<= {RATIO_TARGET:.2f}", ratio <= RATIO_TARGET)
