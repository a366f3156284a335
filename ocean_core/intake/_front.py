"""The intake process's HTTP app: webhook requests in, forwarded to ``ocean sail``.

A plain ASGI app, no router: ``POST /api/integrations/{id}/webhooks/{name}`` is read here,
within ``api.max_body_bytes`` (413, at once when ``Content-Length`` says so) and
``api.read_timeout`` (408), then forwarded, headers, query and body as received, over the
socket pair to ``ocean sail``, which verifies and stores it (``_bridge``) and says what to
answer. ``GET /health`` is 200 while sail is there; every other request is 404. Nothing of a
request is logged or parsed here.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from urllib.parse import parse_qsl

import anyio
from anyio.abc import ByteStream
from anyio.streams.buffered import BufferedByteReceiveStream
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from ocean_core.api._body import BodyTooLarge, ClientGone, read_body
from ocean_core.intake._wire import (
    Answer,
    Forwarded,
    WireError,
    encode_requests,
    read_answers,
)

_CODES = {404: "not_found", 408: "request_timeout", 413: "too_large", 503: "unavailable"}


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    """The API's error shape (``api/_errors.py``): ``{"detail": ..., "error": code}``."""
    return JSONResponse({"detail": detail, "error": _CODES[status]}, status_code=status,
                        headers=headers)


class Sail:
    """The intake's end of the socket pair: sends requests, matches the answers to them.

    The requests that arrive together go in one frame, and a frame goes at least
    ``interval`` after the one before: however fast requests come, sail wakes up at most
    ``1 / interval`` times a second for them. Frames do not wait for each other's answers.
    """

    def __init__(self, stream: ByteStream, *, interval: float = 0.02) -> None:
        self._stream = stream
        self._interval = interval
        self._ids = itertools.count(1)
        self._queued: list[Forwarded] = []
        self._waiting: dict[int, tuple[anyio.Event, list[Answer]]] = {}
        self._queued_event = anyio.Event()
        self.gone = anyio.Event()
        """Set once sail closed its end: the intake stops."""

    async def forward(self, integration_id: str, name: str, headers: Sequence[tuple[str, str]],
                      query: Sequence[tuple[str, str]], body: bytes) -> Answer | None:
        """Sail's answer, or None when it left before answering."""
        if self.gone.is_set():
            return None
        request_id = next(self._ids)
        done, answer = anyio.Event(), list[Answer]()
        self._waiting[request_id] = (done, answer)
        self._queued.append(Forwarded(request_id, integration_id, name, tuple(headers),
                                      tuple(query), body))
        self._queued_event.set()
        try:
            await done.wait()
        finally:
            self._waiting.pop(request_id, None)
        return answer[0] if answer else None

    async def run(self) -> None:
        """Send the queued requests and hand each answer to its request, until sail closes
        its end."""
        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(self._send_frames)
                await self._read_answers()
                tasks.cancel_scope.cancel()
        finally:
            self.gone.set()
            for done, _answer in self._waiting.values():
                done.set()

    async def _send_frames(self) -> None:
        try:
            while True:
                await self._queued_event.wait()
                self._queued_event = anyio.Event()
                batch, self._queued = self._queued, []
                began = anyio.current_time()
                await self._stream.send(encode_requests(batch))
                await anyio.sleep_until(began + self._interval)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # sail left: the answers' side sees its end of the pair closed too

    async def _read_answers(self) -> None:
        receive = BufferedByteReceiveStream(self._stream)
        try:
            while True:
                for answer in await read_answers(receive):
                    waiting = self._waiting.get(answer.id)
                    if waiting is not None:
                        waiting[1].append(answer)
                        waiting[0].set()
        except (anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError,
                WireError):
            pass


class IntakeApp:
    """ASGI: the webhook route, read within the limits and forwarded to sail."""

    def __init__(self, sail: Sail, *, max_body_bytes: int, read_timeout: float) -> None:
        self.sail = sail
        self.max_body_bytes = max_body_bytes
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        response = await self._answer(scope, receive)
        await response(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive) -> Response:
        parts = scope["path"].split("/")  # "", "api", "integrations", id, "webhooks", name
        if scope["method"] == "GET" and scope["path"] == "/health":
            return (_error(503, "ocean sail is not there") if self.sail.gone.is_set()
                    else JSONResponse({"status": "ok"}))
        if not (scope["method"] == "POST" and len(parts) == 6 and parts[:3] == ["", "api",
                "integrations"] and parts[4] == "webhooks" and parts[3] and parts[5]):
            return _error(404, "this port serves the webhook route only: POST"
                          " /api/integrations/{integration_id}/webhooks/{name}")
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return self._too_large()
        try:
            with anyio.fail_after(self.read_timeout):
                body = await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            return self._too_large()
        except TimeoutError:
            return _error(408, f"the request's body did not arrive within"
                          f" {self.read_timeout:g}s (api.read_timeout)", {"Connection": "close"})
        except ClientGone:
            return Response(status_code=400)
        query = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        answer = await self.sail.forward(parts[3], parts[5], headers, query, body)
        if answer is None:
            return _error(503, "ocean sail is not there to take the request; send it again")
        return Response(answer.body, status_code=answer.status,
                        headers=dict(answer.headers), media_type="application/json")

    def _too_large(self) -> Response:
        return _error(413, f"the request's body is larger than {self.max_body_bytes} bytes"
                      " (api.max_body_bytes)", {"Connection": "close"})
