"""A cheap open-loop HTTP/1.1 load generator for item 11 (rule 8's webhooks).

The benchmark's own client shares the machine's two cores with the ``ocean sail`` it
measures, so it has to cost little: an ``httpx`` request costs about 2 ms of CPU here, which
at 200 requests a second is a fifth of the machine taken from the server. This one writes
each request's bytes, formatted once, on a keep-alive connection that is free (a new one
when none is), and reads the answer's status line, headers and ``Content-Length`` body;
nothing else. Requests are sent at their own times, whatever the answers before them (open
loop), as vendors send webhooks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import anyio
from anyio.abc import SocketStream
from anyio.streams.buffered import BufferedByteReceiveStream


@dataclass
class Answered:
    """One request's answer: status, body, and when it was sent (``time.time()``) and
    how long its answer took."""

    status: int
    body: bytes
    sent_at: float
    seconds: float


KEEPALIVE_EXPIRY = 2.0
"""Seconds a connection may stay idle before it is given up: before the server's keep-alive
(uvicorn's 5 s) closes it under a request."""


@dataclass
class _Connection:
    stream: SocketStream
    reader: BufferedByteReceiveStream
    idle_since: float = 0.0


def request_bytes(host: str, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    """A ``POST`` of ``body`` to ``path``, formatted once."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}",
             *(f"{name}: {value}" for name, value in headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


@dataclass
class LoadGenerator:
    """Sends requests to ``host:port`` over a pool of keep-alive connections.

        async with anyio.create_task_group() as tasks:
            load = LoadGenerator("127.0.0.1", 8001, on_answer=answers.append)
            tasks.start_soon(load.send, request_bytes(...))
    """

    host: str
    port: int
    on_answer: Callable[[Answered], None]
    _free: list[_Connection] = field(default_factory=list)
    failures: int = 0
    """Requests that got no answer (the connection failed, three times)."""

    async def send(self, request: bytes) -> None:
        """Send one request and hand its answer to ``on_answer``."""
        sent_at, began = time.time(), time.perf_counter()
        for attempt in range(3):  # as a vendor does: sent again when no answer came
            connection = await (self._connect() if attempt else self._take())
            try:
                await connection.stream.send(request)
                status, body, keep = await _answer(connection.reader)
            except (anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError,
                    OSError):
                await connection.stream.aclose()
                continue
            if keep:
                connection.idle_since = time.monotonic()
                self._free.append(connection)
            else:
                await connection.stream.aclose()
            self.on_answer(Answered(status, body, sent_at, time.perf_counter() - began))
            return
        self.failures += 1

    async def _take(self) -> _Connection:
        """A free connection that has not idled too long, else a new one."""
        while self._free:
            connection = self._free.pop()
            if time.monotonic() - connection.idle_since < KEEPALIVE_EXPIRY:
                return connection
            await connection.stream.aclose()
        return await self._connect()

    async def _connect(self) -> _Connection:
        stream = await anyio.connect_tcp(self.host, self.port)
        return _Connection(stream, BufferedByteReceiveStream(stream))

    async def aclose(self) -> None:
        for connection in self._free:
            await connection.stream.aclose()
        self._free.clear()


async def _answer(reader: BufferedByteReceiveStream) -> tuple[int, bytes, bool]:
    """Status, body, and whether the connection may be used again."""
    head = await reader.receive_until(b"\r\n\r\n", 65536)
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {name.strip().lower(): value.strip()
               for name, _, value in (line.partition(":") for line in header_lines)}
    size = int(headers.get("content-length", "0"))
    body = await reader.receive_exactly(size) if size else b""
    return status, body, headers.get("connection", "").lower() != "close"
