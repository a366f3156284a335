"""Child modes that resync the bundled github or gitlab integration from a fake API served in a
subprocess on 127.0.0.1 (real sockets, real HTTP), and the floor of each run.

``api-run``: one resync of an organization of ``n`` repositories (projects); its wall time
against the floor computed from what it had to ask for, its requests, the most in flight, and
with a quota, the rate-limit answers and any request sent too early after one.
``api-rss``: one resync at a low latency, then the process's peak RSS.
``api-abort``: trials of a trigger while a fan-out has ``max_concurrency`` requests in flight,
timed until the server has seen every one of those connections closed.

The client's transport is the real ``httpx.AsyncHTTPTransport`` inside a ``WireLog``, which
notes when each request leaves and when a rate-limit answer arrives, below every layer of
ocean_core (retries, rate limiting, the cap on requests in flight).
"""

from __future__ import annotations

import math
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx

from benchmarks import _api_data as data
from benchmarks._common import emit, peak_rss_kib, progress

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-value"
MAX_CONCURRENCY = 8


@dataclass
class WireLog(httpx.AsyncBaseTransport):
    """The real transport, noting send times and rate-limit answers; shared by every client
    of one integration, so closing a client does not close it (``close`` does)."""

    inner: httpx.AsyncHTTPTransport = field(default_factory=httpx.AsyncHTTPTransport)
    sent: list[float] = field(default_factory=list)
    refusals: list[tuple[float, float]] = field(default_factory=list)
    """(arrived, seconds it asked to wait) of each rate-limit answer."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(time.monotonic())
        response = await self.inner.handle_async_request(request)
        if response.status_code in (403, 429):
            asked = _asked_wait(response.headers)
            if asked is not None:
                self.refusals.append((time.monotonic(), asked))
        return response

    async def aclose(self) -> None:
        """Kept open across the clients of one run."""

    async def close(self) -> None:
        await self.inner.aclose()

    def too_early(self) -> int:
        """Requests sent after a rate-limit answer arrived and before the time it asked for."""
        return sum(
            1 for arrived, asked in self.refusals for sent in self.sent
            if arrived < sent < arrived + asked
        )


def _asked_wait(headers: httpx.Headers) -> float | None:
    if "Retry-After" in headers:
        return float(headers["Retry-After"])
    if headers.get("X-RateLimit-Remaining") == "0":
        return max(0.0, float(headers["X-RateLimit-Reset"]) - time.time())
    return None


class ServerProcess:
    """``python -m benchmarks._api_server`` in a subprocess; stopped by closing its stdin."""

    def __init__(self, shape: str, size: int, **limits: Any) -> None:
        command = [sys.executable, "-m", "benchmarks._api_server", "--shape", shape,
                   "--size", str(size)]
        for name, value in limits.items():
            if value is not None:
                command += [f"--{name.replace('_', '-')}", str(value)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the fake API did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def stats(self, reset: bool = False) -> dict[str, Any]:
        path = "/__bench/reset" if reset else "/__bench/stats"
        found: dict[str, Any] = httpx.get(self.url + path, timeout=10).json()
        return found

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def running(shape: str, size: int, **limits: Any) -> Iterator[ServerProcess]:
    server = ServerProcess(shape, size, **limits)
    try:
        yield server
    finally:
        server.stop()


def make_integration(shape: str, url: str, wire: WireLog, concurrency: int) -> Any:
    common = {"token": TOKEN, "base_url": url, "max_concurrency": concurrency,
              "requests_per_second": 1e6, "page_size": data.PER_PAGE}
    if shape == "github":
        from integrations.github import GitHubIntegration

        return GitHubIntegration({**common, "org": data.ORG}, transport=wire)
    from integrations.gitlab import GitLabIntegration

    return GitLabIntegration({**common, "groups": [data.ORG]}, transport=wire)


def need(shape: str, n: int) -> dict[str, data.Need]:
    return data.github_need(n) if shape == "github" else data.gitlab_need(n)


def entities(shape: str, n: int) -> int:
    return data.github_entities(n) if shape == "github" else data.gitlab_entities(n)


def floor(
    shape: str, n: int, latency: float, concurrency: int, quota: int | None, window: float,
    pauses: float,
) -> dict[str, float]:
    """The least wall time for what the run had to ask for, from its requests, the latency,
    ``concurrency`` and the quota (``quota`` per ``window``):

    - ``throughput``: all requests, ``concurrency`` at a time, as if the kinds overlapped;
    - ``kinds``: kind after kind (rule 3), each its requests ``concurrency`` at a time but no
      faster than its longest chain of requests that must follow one another;
    - ``windows``: every full quota window but the last;

    plus, to the first two, the pauses the server asked for (nothing may be sent during one).
    ``floor`` is the largest of ``kinds`` and ``windows``; ``throughput`` is shown beside it.
    """
    wanted = need(shape, n)
    requests = sum(kind.requests for kind in wanted.values())
    throughput = math.ceil(requests / concurrency) * latency + pauses
    kinds = sum(max(math.ceil(k.requests / concurrency), k.chain) for k in wanted.values())
    by_kind = kinds * latency + pauses
    windows = (math.ceil(requests / quota) - 1) * window + latency if quota else 0.0
    return {"throughput": max(throughput, windows), "kinds": by_kind, "windows": windows,
            "floor": max(by_kind, windows), "requests": requests}


async def _resync(shape: str, server: ServerProcess, concurrency: int) -> dict[str, Any]:
    from ocean_core import Ocean
    from ocean_core.catalog import SQLiteCatalog

    wire = WireLog()
    integration = make_integration(shape, server.url, wire, concurrency)
    with tempfile.TemporaryDirectory(prefix="ocean-bench-api-") as tmp:
        catalog = SQLiteCatalog(Path(tmp) / "catalog.db")
        ocean = Ocean(integration, catalog=catalog, integration_id=f"bench-{shape}")
        try:
            started = time.perf_counter()
            result = await ocean.resync()
            seconds = time.perf_counter() - started
            stored = await catalog.count_entities(f"bench-{shape}")
        finally:
            await catalog.close()
            await wire.close()
    stats = integration.request_stats()
    return {
        "seconds": seconds, "status": result.status.value, "entities": stored,
        "errors": [f"{kind}: {d.message}" for kind, s in result.kinds.items()
                   for d in s.error_details],
        "client_requests": stats.requests, "client_max_in_flight": stats.max_in_flight,
        "rate_limited": stats.rate_limited, "too_early": wire.too_early(),
        "refusals_seen": len(wire.refusals),
        "kinds": {kind: {"requests": s.requests, "pages": s.pages}
                  for kind, s in result.kinds.items()},
    }


def run_api(shape: str, n: int, latency: float, quota: int | None, window: float,
            secondary: str) -> None:
    """Child mode ``api-run``."""
    with running(shape, n, latency=latency, quota=quota, window=window,
                 secondary=secondary or None) as server:
        run = anyio.run(_resync, shape, server, MAX_CONCURRENCY)
        served = server.stats()
    pauses = sum(r["asked"] for r in served["refusals"])
    bound = floor(shape, n, latency, MAX_CONCURRENCY, quota, window, pauses)
    emit({**run, "server": served, "floor": bound, "expected_entities": entities(shape, n),
          "n": n, "latency": latency, "quota": quota, "window": window,
          "max_concurrency": MAX_CONCURRENCY})


def run_api_rss(shape: str, n: int, latency: float) -> None:
    """Child mode ``api-rss``."""
    baseline = peak_rss_kib()
    with running(shape, n, latency=latency) as server:
        run = anyio.run(_resync, shape, server, MAX_CONCURRENCY)
    emit({**run, "peak_rss_kib": peak_rss_kib(), "baseline_rss_kib": baseline,
          "expected_entities": entities(shape, n)})


def run_api_abort(shape: str, n: int, trials: int) -> None:
    """Child mode ``api-abort``."""
    hold = "/repos/" if shape == "github" else "/api/v4/projects/"
    with running(shape, n, hold=hold) as server:
        results = anyio.run(_abort_trials, shape, server, trials)
    emit(results)


async def _abort_trials(shape: str, server: ServerProcess, trials: int) -> dict[str, Any]:
    from ocean_core import Ocean
    from ocean_core.catalog import SQLiteCatalog

    wire = WireLog()
    integration = make_integration(shape, server.url, wire, MAX_CONCURRENCY)
    unwound: list[float] = []
    recorded: list[float] = []
    ended: dict[int, float] = {}
    changed = anyio.Event()

    def on_end(run: Any) -> None:
        nonlocal changed
        ended.setdefault(run.generation, time.monotonic())
        changed.set()
        changed = anyio.Event()

    with tempfile.TemporaryDirectory(prefix="ocean-bench-abort-") as tmp:
        catalog = SQLiteCatalog(Path(tmp) / "catalog.db")
        runtime = Ocean(integration, catalog=catalog, integration_id=f"abort-{shape}")
        runtime.add_listener(on_end)
        try:
            async with runtime as ocean:
                ocean.trigger()
                for trial in range(trials):
                    held = await _wait_for_held(server)
                    generation = ocean.generation
                    triggered = time.monotonic()
                    ocean.trigger()
                    closed = await _wait_for_closed(server, held)
                    unwound.append(max(closed) - triggered)
                    while generation not in ended:
                        await changed.wait()
                    recorded.append(ended[generation] - triggered)
                    progress(f"abort trial {trial + 1}: {unwound[-1] * 1000:.1f} ms")
        finally:
            await catalog.close()
            await wire.close()
    return {"unwound_s": unwound, "recorded_s": recorded, "held": MAX_CONCURRENCY}


async def _wait_for_held(server: ServerProcess) -> list[int]:
    """The requests the server holds once ``max_concurrency`` of them are in flight."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        stats = await anyio.to_thread.run_sync(server.stats)
        if len(stats["current"]) >= MAX_CONCURRENCY:
            return list(stats["current"])
        await anyio.sleep(0.005)
    raise TimeoutError("the fan-out never had its requests in flight")


async def _wait_for_closed(server: ServerProcess, held: list[int]) -> list[float]:
    """When the server saw each held request's connection close (monotonic, shared clock)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        gone = (await anyio.to_thread.run_sync(server.stats))["gone"]
        if all(str(number) in gone for number in held):
            return [gone[str(number)] for number in held]
        await anyio.sleep(0.002)
    raise TimeoutError("requests in flight were not closed after the trigger")
