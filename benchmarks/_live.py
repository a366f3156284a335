"""Item 11 of the report (``--only live``): webhook to catalog on loopback (rule 8).

A real ``ocean sail`` (its own process) runs the ``fake`` integration with ``N`` = 100,000
items of one kind, with ``webhooks.port``: the webhook route served by its intake process.
Full resyncs of the same integration run back to back (each a ``PATCH`` of the config's
``revision``: every entity is rewritten), in rounds of three: one while this process posts
signed webhooks of the fake's ``events`` webhook at ``RATE`` (200) a second, open loop (each
at its own time, whatever the answers before it; ``_load``), each upserting one item; one
without; and the control, while the same load goes to a server that does nothing but answer
202 (``_sink``, its own process). The order within a round is reversed every other round
(none-events-control, control-events-none, ...), so that a drift of the machine's speed
weighs on all three alike. Rounds run until events have flowed for ``SECONDS`` (30;
``OCEAN_BENCH_LIVE_SECONDS`` changes it).

Measured: per event, from the moment its request is sent to the moment the worker recorded
it handled (its ``handled_at`` in the inbox: by then its change is durable in the catalog),
p50 and p99 (target <= 250 ms); events lost: answered 202 but not handled (target 0); the
median resync time with events over the median without (target <= 1.10); the same ratio for
the control: the floor that the machine itself sets (the generator, the sockets and the
resync on two cores), which no change to the webhook path can go under; and, from
``/proc``, the CPU that sail and its intake process spend per webhook during a resync (a
resync's CPU with events, less the median without, over the events of its time).

``OCEAN_BENCH_LIVE_INTAKE=api`` posts to the API's own port instead (the route served in the
resyncs' process); ``OCEAN_BENCH_LIVE_CATALOG=pg`` runs it on PostgreSQL
(``OCEAN_BENCH_POSTGRES_URL``) instead of SQLite, and with it ``OCEAN_BENCH_LIVE_INTAKE=
standby`` has a second ``ocean sail``, standing by, take the webhooks and pass them on.
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
from benchmarks._load import Answered, LoadGenerator, request_bytes
from benchmarks._report import Line, Report, ms, percentile

N = 100_000
RATE = 200
SECONDS = float(os.environ.get("OCEAN_BENCH_LIVE_SECONDS") or 30)
P99_TARGET = 0.250
RATIO_TARGET = 1.10
SECRET = "bench-webhook-secret"
TOKEN = "bench-token"
INTAKE = os.environ.get("OCEAN_BENCH_LIVE_INTAKE") or "port"
"""Where the webhooks go: ``port`` (``webhooks.port``, the intake process), ``api`` (the
API's port) or, with PostgreSQL, ``standby`` (a second ``ocean sail``, standing by, takes
them and passes them on to the runner; the resyncs and the worker stay in the first)."""
ITEM = "11"


def _catalog(name: str) -> str:
    """SQLite beside the config, or with ``OCEAN_BENCH_LIVE_CATALOG=pg`` a fresh schema of
    the benchmark's PostgreSQL server."""
    if os.environ.get("OCEAN_BENCH_LIVE_CATALOG") != "pg":
        return f"sqlite:///{name}.db"
    from benchmarks import _postgres

    return f"{_postgres.url()}?schema={_postgres.new_schema('live_' + name)}"


def _config(folder: Path, name: str, n: int, webhook_port: int | None = None) -> Path:
    path = folder / f"{name}.yaml"
    hooks: dict[str, Any] = {"retry_delay": 0, "keep_events": 10_000_000}
    if webhook_port is not None:
        hooks["port"] = webhook_port
    path.write_text(yaml.safe_dump({
        "catalog": _catalog(name), "api": {"token": TOKEN}, "webhooks": hooks,
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


def _start(config: Path, ready: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``ocean sail`` on a free port, once its ``/health`` (and ``ready``'s) answers."""
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
            if all(httpx.get(at + "/health", timeout=1).status_code == 200
                   for at in (url, ready or url)):
                return proc, url
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"ocean sail exited with {proc.returncode}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("ocean sail did not answer /health within 60 s")


def _stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/{pid}/stat`` after the command's name (Linux), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _cpu_seconds(pid: int | None) -> float:
    """User and system CPU seconds of process ``pid`` so far (0 without ``/proc``, or once
    it is gone)."""
    fields = None if pid is None else _stat(pid)
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _intake_pid(sail: int) -> int | None:
    """The pid of sail's intake process (its child running ``ocean_core.intake``)."""
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        fields = _stat(entry) if entry.isdigit() else None
        if fields is None or int(fields[1]) != sail:
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if b"ocean_core.intake" in cmdline.read():
                    return int(entry)
        except OSError:
            continue
    return None


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


class _Events:
    """Signed webhooks at ``RATE`` a second while flowing (open loop); ``sent`` maps each
    event id answered 202 to the time its request was sent."""

    def __init__(self, url: str, n: int, total: int) -> None:
        address = url.removeprefix("http://")
        host, port = address.rsplit(":", 1)
        self.sent: dict[int, float] = {}
        self.answered: list[float] = []
        self.refused: dict[int, int] = {}
        """Answers other than 202, by status (0: no answer after three tries)."""
        self.flowing = anyio.Event()
        self.done = anyio.Event()
        self._load = LoadGenerator(host, int(port), on_answer=self._answered)
        self._total = total
        self._requests = self._signed_requests(address, n, total)

    @staticmethod
    def _signed_requests(address: str, n: int, total: int) -> list[bytes]:
        rng = random.Random(11)
        path = f"/api/integrations/{INTEGRATION_ID}/webhooks/events"
        bodies = (json.dumps({"kind": KIND, "upserted": [rng.randrange(n)],
                              "revision": 10_000 + k}).encode() for k in range(total))
        return [request_bytes(address, path, body, _signed(body)) for body in bodies]

    def _answered(self, answer: Answered) -> None:
        if answer.status == 202:
            self.sent[int(json.loads(answer.body)["event_id"])] = answer.sent_at
            self.answered.append(answer.seconds)
        else:
            self.refused[answer.status] = self.refused.get(answer.status, 0) + 1

    async def run(self) -> None:
        """Send every request, ``RATE`` a second while flowing; pause while not."""
        async with anyio.create_task_group() as tasks:
            k = 0
            while k < self._total:
                await self.flowing.wait()
                start, first = time.perf_counter(), k
                while k < self._total and self.flowing.is_set():
                    await anyio.sleep(max(0.0, start + (k - first) / RATE
                                          - time.perf_counter()))
                    tasks.start_soon(self._load.send, self._requests[k])
                    k += 1
        if self._load.failures:
            self.refused[0] = self._load.failures
        await self._load.aclose()
        self.done.set()

    def pause(self) -> None:
        if self.flowing.is_set():  # an unset one may be waited on already: kept
            self.flowing = anyio.Event()

    def resume(self) -> None:
        self.flowing.set()


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


CONDITIONS = ("none", "events", "control")
"""A round's resyncs: without events, with webhooks to sail, with the same load to ``_sink``."""


def _sink() -> tuple[subprocess.Popen[bytes], str]:
    """The control's do-nothing server, once it accepts connections."""
    import socket

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "benchmarks._sink", str(port)],
                            cwd=Path(__file__).parent.parent, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"the control's server exited with {proc.returncode}") from None
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the control's server did not listen within 30 s")


async def _interleaved(folder: Path, n: int, seconds: float) -> dict[str, Any]:
    """Resyncs in rounds of the three conditions until the events are all sent."""
    webhook_port = _free_port() if INTAKE == "port" else None
    config = _config(folder, "live", n, webhook_port)
    hooks = f"http://127.0.0.1:{webhook_port}" if webhook_port else None
    proc, url = _start(config, ready=hooks)
    intake, hooks = (_start(config) if INTAKE == "standby" else (None, hooks or url))
    sink, sink_url = _sink()
    total = int(RATE * seconds)
    loads = {"events": _Events(hooks, n, total), "control": _Events(sink_url, n, total)}
    events = loads["events"]
    side = _intake_pid(proc.pid) if intake is None else intake.pid
    timings: dict[str, list[float]] = {name: [] for name in CONDITIONS}
    cpu: dict[str, list[tuple[float, float, float]]] = {name: [] for name in CONDITIONS}
    """Per resync: sail's and its intake's (or standby's) CPU seconds, and its wall time."""
    try:
        async with httpx.AsyncClient(base_url=url, timeout=60,
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as client, \
                anyio.create_task_group() as tasks:
            await _resync(client, 1)  # the catalog filled once, unmeasured
            for load in loads.values():
                tasks.start_soon(load.run)
            revision, round_ = 2, 0
            while not events.done.is_set():
                for name in CONDITIONS[::1 if round_ % 2 == 0 else -1]:
                    if name in loads:
                        loads[name].resume()
                    before = (_cpu_seconds(proc.pid), _cpu_seconds(side), time.perf_counter())
                    timings[name].append(await _resync(client, revision))
                    cpu[name].append((_cpu_seconds(proc.pid) - before[0],
                                      _cpu_seconds(side) - before[1],
                                      time.perf_counter() - before[2]))
                    if name in loads:
                        loads[name].pause()
                    progress(f"live: resync {revision - 1} ({name}): {timings[name][-1]:.2f} s")
                    revision += 1
                round_ += 1
            tasks.cancel_scope.cancel()  # the control's requests left: not needed
        async with httpx.AsyncClient(base_url=url, timeout=60,
                                     headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            stats = await _drained(client, len(events.sent))
    finally:
        for process in (proc, intake, sink):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
    handled = _handled_at(config)
    latencies = [handled[i] - at for i, at in events.sent.items() if i in handled]
    return {"resyncs": timings["events"], "baseline": timings["none"],
            "control": timings["control"], "cpu": cpu, "latencies": latencies,
            "answered": len(events.sent), "answer_p50": percentile(events.answered, 50),
            "answer_p99": percentile(events.answered, 99), "refused": events.refused,
            "lost": sum(1 for i in events.sent if i not in handled),
            "failed": stats["failed"], "intake": INTAKE}


def run_live(n: int, folder: Path) -> None:
    """Child ``live``: both conditions, their timings and latencies."""

    async def main() -> dict[str, Any]:
        progress(f"live: {RATE} events/s for {SECONDS:g} s during resyncs of {n:,}"
                 f" (webhooks to: {INTAKE})")
        loaded = await _interleaved(folder, n, SECONDS)
        return {"n": n, "seconds": SECONDS, "rate": RATE, **loaded}

    emit(anyio.run(main))


def run_phase(child: Any, report: Report) -> None:
    """The phase: one child, and the report's lines of item 11."""
    result = child("live", N)
    latencies = sorted(result["latencies"])
    with_events = statistics.median(result["resyncs"])
    without = statistics.median(result["baseline"])
    where = {"port": "webhooks.port (intake process)", "api": "the API's port",
             "standby": "a standby ocean sail"}[result["intake"]]
    refused = ", ".join(f"{count} {int(status) or 'unanswered'}"
                        for status, count in sorted(result["refused"].items())) or "none other"
    report.add(Line(ITEM, f"webhooks: {result['rate']} events/s for {result['seconds']:g} s"
                    f" during {len(result['resyncs'])} resyncs of {result['n']:,}, to {where}",
                    f"{result['answered']:,} answered 202; {refused}"))
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
    report.add(Line(ITEM, "resync of N, median: with events / without (interleaved)",
                    f"{with_events:.2f} s / {without:.2f} s"
                    f" ({len(result['resyncs'])} + {len(result['baseline'])}; control"
                    f" {len(result['control'])})"))
    ratio = with_events / without
    report.check(ITEM, "resync with events / without", f"{ratio:.2f}",
                 f"<= {RATIO_TARGET:.2f}", ratio <= RATIO_TARGET)
    control = statistics.median(result["control"])
    report.add(Line(ITEM, "control: the same load to a do-nothing server (_sink): resync"
                    " with it / without (the machine's floor)",
                    f"{control:.2f} s / {without:.2f} s = {control / without:.2f}"))
    sail, side = _cpu_per_event(result["cpu"], result["rate"])
    if sail is not None:
        report.add(Line(ITEM, "CPU per webhook while resyncs run: sail's own process /"
                        " its intake's", f"{sail * 1000:.2f} ms / {side * 1000:.2f} ms"))


def _cpu_per_event(cpu: dict[str, list[list[float]]], rate: float
                   ) -> tuple[float | None, float]:
    """The CPU seconds that sail and its intake spend per webhook during a resync: each
    resync with events, less the median resync without, over the events of its time
    (``rate`` a second); the median of those. None without ``/proc``."""
    if not any(row[0] for row in cpu["none"]):
        return None, 0.0
    without = [statistics.median(row[k] for row in cpu["none"]) for k in (0, 1)]
    sail, side = (statistics.median((row[k] - without[k]) / (rate * row[2])
                                    for row in cpu["events"]) for k in (0, 1))
    return sail, side
