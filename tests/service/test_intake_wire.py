"""The intake process's frames, and its end of the socket pair (``ocean_core.intake``)."""

from __future__ import annotations

import socket
import struct
from collections.abc import AsyncIterator

import anyio
import pytest
from anyio.abc import SocketStream
from anyio.streams.buffered import BufferedByteReceiveStream

from ocean_core.intake._front import Sail
from ocean_core.intake._wire import (
    Answer,
    Forwarded,
    WireError,
    encode_answers,
    encode_requests,
    read_answers,
    read_requests,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pair() -> AsyncIterator[tuple[SocketStream, SocketStream]]:
    left, right = socket.socketpair()
    ours, theirs = await SocketStream.from_socket(left), await SocketStream.from_socket(right)
    async with ours, theirs:
        yield ours, theirs


REQUESTS = [
    Forwarded(1, "gh", "events", (("X-Sig", "sha256=ab"), ("Accept", "é")), (("a", ""),),
              b'{"x": 1}'),
    Forwarded(2, "gh", "events", (), (), b""),
    Forwarded(3, "jira", "issues", (("K", "v"),), (("q", "1"), ("q", "2")), bytes(range(256))),
]


async def test_requests_and_answers_cross_as_sent(pair: tuple[SocketStream, SocketStream]
                                                  ) -> None:
    ours, theirs = pair
    answers = [Answer(3, 202, (), b'{"event_id": 9}'),
               Answer(1, 503, (("Retry-After", "1"),), b"{}")]

    await ours.send(encode_requests(REQUESTS))
    await theirs.send(encode_answers(answers))

    assert await read_requests(BufferedByteReceiveStream(theirs)) == REQUESTS
    assert await read_answers(BufferedByteReceiveStream(ours)) == answers


@pytest.mark.parametrize("frame", [
    struct.pack(">II", 5, 0) + b"nope!",  # the head is not JSON
    struct.pack(">II", 2, 0) + b"[]",  # not an object
    struct.pack(">II", 13, 0) + b'{"other": []}',  # no list of requests
    struct.pack(">II", 27, 3) + b'{"requests": [{"size": 9}]}' + b"abc",  # sizes wrong
    struct.pack(">II", 27, 3) + b'{"requests": [{"size": 1}]}' + b"abc",  # bytes left over
    struct.pack(">II", 1 << 30, 0),  # over the limits
])
async def test_a_broken_frame_is_a_wire_error(pair: tuple[SocketStream, SocketStream],
                                              frame: bytes) -> None:
    ours, theirs = pair
    await ours.send(frame)
    with pytest.raises(WireError):
        await read_requests(BufferedByteReceiveStream(theirs))


async def test_requests_that_come_together_go_in_one_frame_and_get_their_own_answers(
    pair: tuple[SocketStream, SocketStream],
) -> None:
    ours, theirs = pair
    sail = Sail(ours, interval=0)
    got: dict[str, Answer | None] = {}

    async def forward(name: str) -> None:
        got[name] = await sail.forward("gh", name, (), (), name.encode())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(sail.run)
        for name in ("a", "b", "c"):
            tasks.start_soon(forward, name)
        received = BufferedByteReceiveStream(theirs)
        frame = await read_requests(received)
        assert sorted(r.body for r in frame) == [b"a", b"b", b"c"]  # one frame, any order
        await theirs.send(encode_answers([Answer(r.id, 200 + ord(r.body) - 96, (), r.body)
                                          for r in reversed(frame)]))
        while len(got) < 3:
            await anyio.wait_all_tasks_blocked()
        tasks.cancel_scope.cancel()

    assert {name: (a.status, a.body) for name, a in got.items() if a} == {
        "a": (201, b"a"), "b": (202, b"b"), "c": (203, b"c")}


async def test_a_request_waiting_when_sail_leaves_gets_no_answer(
    pair: tuple[SocketStream, SocketStream],
) -> None:
    ours, theirs = pair
    sail = Sail(ours, interval=0)
    got: list[Answer | None] = []

    async def forward() -> None:
        got.append(await sail.forward("gh", "events", (), (), b"{}"))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(sail.run)
        tasks.start_soon(forward)
        await read_requests(BufferedByteReceiveStream(theirs))
        await theirs.aclose()  # sail is gone before it answered
        await sail.gone.wait()

    assert got == [None]
    assert await sail.forward("gh", "events", (), (), b"{}") is None
