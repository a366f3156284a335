"""The API's request guard (``ocean_core/api/_guard.py``), at the ASGI level: a request is
authenticated from its headers before a byte of its body is read; the body is bounded in size
(``api.max_body_bytes``, 413) and in time (``api.read_timeout``, 408); a route declared open
needs no token but is limited all the same.

Before the fix FastAPI read and parsed the body before the token was checked: a 150 MiB PATCH
without a token was read whole before its 401, and a non-JSON one got 400."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.types import Message, Receive, Scope, Send

from ocean_core.api import create_app
from ocean_core.api._auth import Tokens
from ocean_core.api._guard import OpenRoute, RequestGuard
from tests.service.support import TOKEN, write_config

pytestmark = pytest.mark.anyio
READ_TOKEN = "read-only-token"
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Body:
    """A request body sent in chunks; counts what the server took. ``stall`` never sends."""

    def __init__(self, chunks: list[bytes], stall: bool = False) -> None:
        self.chunks, self.stall = chunks, stall
        self.taken = 0

    async def receive(self) -> Message:
        if self.stall:
            await anyio.Event().wait()
        if self.taken < len(self.chunks):
            self.taken += 1
            return {"type": "http.request", "body": self.chunks[self.taken - 1],
                    "more_body": self.taken < len(self.chunks)}
        await anyio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")


async def _call(app: App, method: str, path: str, body: Body, token: str | None = None,
                **headers: str) -> tuple[int, dict[str, str], bytes]:
    sent: list[Message] = []
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    if token is not None:
        raw.append((b"authorization", f"Bearer {token}".encode()))
    scope: Scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "headers": raw, "server": ("ocean", 80), "client": ("t", 1),
    }

    async def send(message: Message) -> None:
        sent.append(message)

    with anyio.fail_after(10):
        await app(scope, body.receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, content


def _app(tmp_path: Path, **api: Any) -> App:
    config = write_config(tmp_path, {"id": "f", "type": "fake"},
                          api={"token": TOKEN, "read_token": READ_TOKEN, **api})
    app: App = create_app(config)
    return app


MIB = 1024 * 1024


async def test_an_anonymous_body_is_never_read(tmp_path: Path) -> None:
    app = _app(tmp_path)
    huge = Body([b"x" * MIB] * 150)  # 150 MiB, if anyone read it
    garbage = Body([b"not json at all"])
    huge_answer = await _call(app, "PATCH", "/api/integrations/f", huge,
                              content_length=str(150 * MIB))
    garbage_answer = await _call(app, "PATCH", "/api/integrations/f", garbage)
    reader = Body([b"{}"])
    reader_answer = await _call(app, "PATCH", "/api/integrations/f", reader, READ_TOKEN)
    assert huge_answer[0] == 401 and huge_answer[1]["www-authenticate"] == "Bearer"
    assert b'"error":"unauthorized"' in huge_answer[2]
    assert garbage_answer[0] == 401
    assert reader_answer[0] == 403
    assert (huge.taken, garbage.taken, reader.taken) == (0, 0, 0)


async def test_a_body_over_the_limit_is_413_reading_no_more_than_the_limit(
    tmp_path: Path
) -> None:
    app = _app(tmp_path, max_body_bytes=1000)
    declared = Body([b"{}"])
    declared_answer = await _call(app, "PATCH", "/api/integrations/f", declared, TOKEN,
                                  content_length="1001")
    chunked = Body([b"x" * 400] * 100)  # no length said: read until over the limit
    chunked_answer = await _call(app, "PATCH", "/api/integrations/f", chunked, TOKEN)
    assert declared_answer[0] == 413 and declared.taken == 0
    assert b"api.max_body_bytes" in declared_answer[2]
    assert chunked_answer[0] == 413 and chunked.taken == 3
    assert chunked_answer[1]["connection"] == "close"


async def test_a_body_that_does_not_arrive_in_time_is_408(tmp_path: Path) -> None:
    app = _app(tmp_path, read_timeout=0.2)
    status, headers, content = await _call(app, "PATCH", "/api/integrations/f",
                                           Body([], stall=True), TOKEN)
    assert status == 408 and headers["connection"] == "close"
    assert b"api.read_timeout" in content


async def test_the_default_limit_is_one_mib(tmp_path: Path) -> None:
    app = _app(tmp_path)
    status, _, _ = await _call(app, "PATCH", "/api/integrations/f", Body([b"{}"]), TOKEN,
                               content_length=str(MIB + 1))
    assert status == 413


async def test_a_route_declared_open_needs_no_token_and_is_still_limited() -> None:
    got: list[bytes] = []

    async def webhook(scope: Scope, receive: Receive, send: Send) -> None:
        got.append((await receive())["body"])
        await send({"type": "http.response.start", "status": 202, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guard = RequestGuard(
        webhook, tokens=Tokens(TOKEN), max_body_bytes=100, read_timeout=5,
        open_routes=[OpenRoute("POST", "/api/integrations/{id}/webhooks/{name}")],
    )
    path = "/api/integrations/shop/webhooks/products"
    accepted = await _call(guard, "POST", path, Body([b'{"id": 1}']))
    too_big = await _call(guard, "POST", path, Body([b"x" * 101]))
    elsewhere = await _call(guard, "POST", "/api/integrations/shop/resync", Body([b"{}"]))
    deeper = await _call(guard, "POST", path + "/more", Body([b"{}"]))
    assert [accepted[0], too_big[0], elsewhere[0], deeper[0]] == [202, 413, 401, 401]
    assert got == [b'{"id": 1}']
