"""A fake GitHub- or GitLab-shaped API on a real socket (anyio TCP and h11, HTTP/1.1).

Every API request is answered on arrival (counted against the quota then, its rate-limit
headers written then) and the answer sent ``latency`` later (a held path waits
``hold_seconds``), while the server watches its socket, so a client that gives up is seen at
once. Optionally a
quota of ``quota`` requests per ``window`` seconds (from the first request), reported in the
vendor's headers and enforced with its refusal (GitHub: 403 with ``X-RateLimit-Remaining: 0``;
GitLab: 429 with ``Retry-After``), and "secondary" refusals of chosen requests (GitHub: 403,
GitLab: 429, both with ``Retry-After``). ``/__bench/stats`` and ``/__bench/reset`` are not API
requests: no latency, not counted.

    python -m benchmarks._api_server --shape github --size 300 --latency 0.04   # prints PORT n

In a test, ``served(...)`` runs one in a thread of its own.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.abc
import anyio.from_thread
import h11  # the HTTP/1.1 state machine httpx and uvicorn use: already installed with them
import orjson

from benchmarks._api_shapes import Answer, Shape, shape

CONTROL = "/__bench/"


@dataclass(frozen=True)
class Limits:
    latency: float = 0.0
    quota: int | None = None
    window: float = 1.0
    secondary: frozenset[int] = frozenset()
    """Numbers (1-based, in arrival order) of the requests refused as a secondary limit."""
    retry_after: float = 1
    """Seconds a secondary refusal asks to wait (an integer on the wire, as HTTP says, unless
    a test asks for a fraction)."""
    hold: str | None = None
    """A path prefix whose requests are held ``hold_seconds`` (the abort trials)."""
    hold_seconds: float = 3600.0


@dataclass
class Stats:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    served: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    refusals: list[dict[str, Any]] = field(default_factory=list)
    current: dict[int, float] = field(default_factory=dict)
    gone: dict[int, float] = field(default_factory=dict)
    window_start: float | None = None
    window_used: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "statuses": {str(k): v for k, v in self.statuses.items()},
            "ok": sum(v for k, v in self.statuses.items() if k < 400),
            "duplicates": sum(count - 1 for count in self.served.values() if count > 1),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "refusals": self.refusals,
            "current": sorted(self.current),
            "gone": {str(k): v for k, v in self.gone.items()},
        }


class Server:
    """One fake API: its shape (routes), its limits, and what it saw."""

    def __init__(self, api: Shape, limits: Limits) -> None:
        self.api = api
        self.limits = limits
        self.stats = Stats()
        self._numbers = 0

    async def serve(self, listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> None:
        async with listener:
            await listener.serve(self._connection)

    async def _connection(self, stream: anyio.abc.SocketStream) -> None:
        connection = h11.Connection(h11.SERVER)
        async with stream:
            while True:
                request = await _read_request(connection, stream)
                if request is None:
                    return
                answer = await self._answer(request, connection, stream)
                if answer is None:
                    return  # the client went away before the answer
                await _send(connection, stream, answer)
                if connection.our_state is not h11.DONE:
                    return
                connection.start_next_cycle()

    async def _answer(
        self, request: h11.Request, connection: h11.Connection, stream: anyio.abc.SocketStream
    ) -> Answer | None:
        target = request.target.decode("ascii")
        parts = urlsplit(target)
        if parts.path.startswith(CONTROL):
            return self._control(parts.path)
        self._numbers += 1
        number = self._numbers
        stats = self.stats
        stats.requests += 1
        stats.in_flight += 1
        stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        stats.current[number] = time.monotonic()
        try:
            # Answered (and counted against the quota) on arrival, as an API does when it
            # processes a request; the latency is the time the answer takes to come back.
            refusal = self._refusal(number)
            answer = refusal or self._counted(parts.path, dict(parse_qsl(parts.query)))
            held = self.limits.hold is not None and parts.path.startswith(self.limits.hold)
            wait = self.limits.hold_seconds if held else self.limits.latency
            if not await _wait_unless_gone(stream, connection, wait):
                stats.gone[number] = time.monotonic()
                return None
        finally:
            stats.in_flight -= 1
            stats.current.pop(number, None)
        status = answer[0]
        stats.statuses[status] += 1
        if status < 400:
            stats.served[target] += 1
        if refusal is not None:
            self._note_refusal(number, answer)
        return answer

    def _control(self, path: str) -> Answer:
        if path == f"{CONTROL}reset":
            self.stats = Stats()
        return 200, {}, self.stats.as_json()

    def _refusal(self, number: int) -> Answer | None:
        """A secondary-limit refusal, or a quota refusal, decided when the request arrives."""
        after = f"{self.limits.retry_after:g}"
        if number in self.limits.secondary:
            status = 403 if self.api.name == "github" else 429
            message = "You have exceeded a secondary rate limit."
            return status, {"Retry-After": after, **self._quota_headers()}, {"message": message}
        if self.limits.quota is None:
            return None
        left, _ = self._window()
        if left > 0:
            self.stats.window_used += 1
            return None
        headers = self._quota_headers()
        if self.api.name == "github":
            return 403, headers, {"message": "API rate limit exceeded for user ID 1."}
        _, reset = self._window()
        seconds = str(max(1, math.ceil(reset - time.time())))
        return 429, {"Retry-After": seconds, **headers}, {"message": "Retry later"}

    def _counted(self, path: str, query: dict[str, str]) -> Answer:
        status, headers, body = self.api.respond(path, query)
        return status, {**headers, **self._quota_headers()}, body

    def _window(self) -> tuple[int, float]:
        """Requests left in the current window, and when it ends (Unix time)."""
        assert self.limits.quota is not None
        now = time.time()
        stats = self.stats
        if stats.window_start is None:
            stats.window_start = now
        elapsed = math.floor((now - stats.window_start) / self.limits.window)
        start = stats.window_start + elapsed * self.limits.window
        if start > stats.window_start:
            stats.window_start, stats.window_used = start, 0
        return self.limits.quota - stats.window_used, start + self.limits.window

    def _quota_headers(self) -> dict[str, str]:
        if self.limits.quota is None:
            return {}
        left, reset = self._window()
        values = {"Limit": str(self.limits.quota), "Remaining": str(max(0, left)),
                  "Reset": f"{reset:.3f}"}
        prefix = "X-RateLimit-" if self.api.name == "github" else "RateLimit-"
        return {f"{prefix}{name}": value for name, value in values.items()}

    def _note_refusal(self, number: int, answer: Answer) -> None:
        status, headers, _ = answer
        asked = float(headers.get("Retry-After", 0))
        if not asked:
            reset = headers.get("X-RateLimit-Reset") or headers.get("RateLimit-Reset") or "0"
            asked = max(0.0, float(reset) - time.time())
        self.stats.refusals.append(
            {"number": number, "status": status, "at": time.monotonic(), "asked": asked,
             "secondary": number in self.limits.secondary}
        )


async def _read_request(
    connection: h11.Connection, stream: anyio.abc.SocketStream
) -> h11.Request | None:
    request: h11.Request | None = None
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            try:
                connection.receive_data(await stream.receive())
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return None
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.EndOfMessage):
            return request
        elif isinstance(event, h11.ConnectionClosed):
            return None


async def _wait_unless_gone(
    stream: anyio.abc.SocketStream, connection: h11.Connection, seconds: float
) -> bool:
    """Wait ``seconds``; False as soon as the client closes the connection."""
    with anyio.move_on_after(seconds):
        while True:
            try:
                connection.receive_data(await stream.receive())
            except (anyio.EndOfStream, anyio.BrokenResourceError):
                return False
    return True


async def _send(
    connection: h11.Connection, stream: anyio.abc.SocketStream, answer: Answer
) -> None:
    status, headers, body = answer
    payload = orjson.dumps(body)
    fields = [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
              *headers.items()]
    data = connection.send(h11.Response(status_code=status, headers=fields))
    data += connection.send(h11.Data(data=payload)) + connection.send(h11.EndOfMessage())
    with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        await stream.send(data)


async def _listen() -> anyio.abc.Listener[anyio.abc.SocketStream]:
    return await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)


def port_of(listener: anyio.abc.Listener[anyio.abc.SocketStream]) -> int:
    port: int = listener.extra(anyio.abc.SocketAttribute.local_port)
    return port


@contextmanager
def served(api: Shape, limits: Limits | None = None) -> Iterator[tuple[Server, int]]:
    """Run a server in a thread with its own event loop; yields it and its port."""
    server = Server(api, limits or Limits())
    with anyio.from_thread.start_blocking_portal() as portal:
        listener = portal.call(_listen)
        future = portal.start_task_soon(server.serve, listener)
        try:
            yield server, port_of(listener)
        finally:
            future.cancel()


async def _main(args: argparse.Namespace) -> None:
    secondary = frozenset(int(n) for n in args.secondary.split(",") if n) if args.secondary \
        else frozenset()
    limits = Limits(args.latency, args.quota, args.window, secondary, args.retry_after,
                    args.hold)
    server = Server(shape(args.shape, args.size), limits)
    listener = await _listen()
    sys.stdout.write(f"PORT {port_of(listener)}\n")
    sys.stdout.flush()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(server.serve, listener)
        await anyio.to_thread.run_sync(sys.stdin.read)  # until the parent closes our stdin
        tasks.cancel_scope.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._api_server")
    parser.add_argument("--shape", choices=("github", "gitlab"), required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--quota", type=int)
    parser.add_argument("--window", type=float, default=1.0)
    parser.add_argument("--secondary", default="")
    parser.add_argument("--retry-after", type=float, default=1)
    parser.add_argument("--hold")
    anyio.run(_main, parser.parse_args())


if __name__ == "__main__":
    main()
