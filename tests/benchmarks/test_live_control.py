"""Item 11's control: its do-nothing server (``benchmarks._sink``) answers the benchmark's
own load generator (``benchmarks._load``) as sail's webhook route would: 202, an event id."""

from __future__ import annotations

import asyncio
import json

import anyio
import pytest

from benchmarks._load import Answered, LoadGenerator, request_bytes
from benchmarks._sink import _Answering

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the server is plain asyncio
async def test_every_request_gets_202_and_an_event_id_of_its_own() -> None:
    server = await asyncio.get_running_loop().create_server(_Answering, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    answers: list[Answered] = []
    load = LoadGenerator("127.0.0.1", port, on_answer=answers.append)
    bodies = [b"", b"{}", b'{"kind": "service", "upserted": [1]}' * 200]  # one over a read
    try:
        async with anyio.create_task_group() as tasks:
            for body in bodies * 3:
                tasks.start_soon(load.send, request_bytes(
                    f"127.0.0.1:{port}", "/api/integrations/x/webhooks/events", body,
                    {"X-Signature": "s"}))
        for body in bodies:  # and again, one at a time, on the connections kept alive
            await load.send(request_bytes(f"127.0.0.1:{port}", "/", body, {}))
    finally:
        await load.aclose()
        server.close()
        await server.wait_closed()

    assert load.failures == 0
    assert [a.status for a in answers] == [202] * 12
    ids = [json.loads(a.body)["event_id"] for a in answers]
    assert len(set(ids)) == 12
