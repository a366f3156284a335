"""A server that does nothing but answer: item 11's control for its own load generator.

``python -m benchmarks._sink PORT`` answers every HTTP/1.1 request on ``127.0.0.1:PORT``
with 202 and ``{"event_id": N}`` (N counting from 1), on keep-alive connections, having read
its head and ``Content-Length`` body; it parses, stores and verifies nothing. Posting item
11's webhooks here instead of to ``ocean sail`` costs the machine what the load generator
and any server's sockets cost, and nothing of ours: a resync beside that load measures the
floor that the machine itself sets (two cores shared by the resync, the generator and the
server), which no change to the webhook path can go under.
"""

from __future__ import annotations

import asyncio
import itertools
import sys

_ids = itertools.count(1)


class _Answering(asyncio.Protocol):
    def __init__(self) -> None:
        self._buffer = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            size = _content_length(self._buffer[:end])
            if len(self._buffer) < end + 4 + size:
                return
            self._buffer = self._buffer[end + 4 + size:]
            body = b'{"event_id": %d}' % next(_ids)
            assert self._transport is not None
            self._transport.write(b"HTTP/1.1 202 Accepted\r\ncontent-type: application/json"
                                  b"\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def _serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(_Answering, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
