"""The frames between the intake process and ``ocean sail``, over their private socket pair.

A frame is two big-endian lengths (of its head, then of its body), the head as a JSON
object, then its items' bodies, one after the other (each item's head gives its ``size``).
Frames carry several items, so that the requests that arrive together cost sail one wake-up:

- ``Forwarded`` requests (intake to sail): each with its id, the integration, the webhook's
  name, the headers and query as the request had them, and the body exactly as received;
- ``Answer`` items (sail to intake): the id each answers, the HTTP status, the headers to send
  and the answer's body.

Nothing is parsed from a webhook's body here: it is carried as bytes, so the integration's
``verify_webhook`` sees the very bytes the vendor signed.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from anyio.streams.buffered import BufferedByteReceiveStream

from ocean_core.errors import OceanError

_LENGTHS = struct.Struct(">II")
MAX_HEAD = 1 << 20
"""The largest head read: far above any request's headers (the server limits those)."""
MAX_BODY = 1 << 30
"""The largest body read: the intake never forwards one over ``api.max_body_bytes``."""

Pairs = tuple[tuple[str, str], ...]


class WireError(OceanError):
    """The other end sent something that is not a frame of this protocol."""


@dataclass(frozen=True)
class Forwarded:
    """A webhook request the intake took, for ``ocean sail`` to verify and store."""

    id: int
    integration_id: str
    name: str
    headers: Pairs
    query: Pairs
    body: bytes


@dataclass(frozen=True)
class Answer:
    """What the intake answers a ``Forwarded`` request with."""

    id: int
    status: int
    headers: Pairs
    body: bytes


def _frame(key: str, heads: list[dict[str, Any]], bodies: list[bytes]) -> bytes:
    encoded = orjson.dumps({key: heads})
    body = b"".join(bodies)
    return _LENGTHS.pack(len(encoded), len(body)) + encoded + body


def encode_requests(requests: Sequence[Forwarded]) -> bytes:
    """One frame of several requests."""
    return _frame("requests", [
        {"id": r.id, "integration_id": r.integration_id, "name": r.name,
         "headers": r.headers, "query": r.query, "size": len(r.body)} for r in requests
    ], [r.body for r in requests])


def encode_answers(answers: Sequence[Answer]) -> bytes:
    """One frame of several answers."""
    return _frame("answers", [
        {"id": a.id, "status": a.status, "headers": a.headers, "size": len(a.body)}
        for a in answers
    ], [a.body for a in answers])


async def _read_frame(stream: BufferedByteReceiveStream, key: str
                      ) -> list[tuple[dict[str, Any], bytes]]:
    """Each item of the next frame with its body; ``WireError`` for anything else."""
    head_size, body_size = _LENGTHS.unpack(await stream.receive_exactly(_LENGTHS.size))
    if head_size > MAX_HEAD or body_size > MAX_BODY:
        raise WireError(f"a frame of {head_size} + {body_size} bytes is over the limits")
    try:
        head = orjson.loads(await stream.receive_exactly(head_size))
    except orjson.JSONDecodeError as exc:
        raise WireError(f"a frame's head is not JSON: {exc}") from None
    body = await stream.receive_exactly(body_size) if body_size else b""
    items = head.get(key) if isinstance(head, dict) else None
    if not isinstance(items, list):
        raise WireError(f"a frame's head has no list {key!r}")
    found, at = [], 0
    for item in items:
        size = item.get("size") if isinstance(item, dict) else None
        if not isinstance(size, int) or size < 0 or at + size > len(body):
            raise WireError(f"an item of a frame has no valid size: {item!r:.200}")
        found.append((item, body[at:at + size]))
        at += size
    if at != len(body):
        raise WireError(f"a frame's body has {len(body) - at} bytes no item claims")
    return found


def _pairs(value: Any) -> Pairs:
    return tuple((str(name), str(text)) for name, text in value)


async def read_requests(stream: BufferedByteReceiveStream) -> list[Forwarded]:
    """The next frame's requests; ``anyio.IncompleteRead`` or ``EndOfStream`` once the
    intake left."""
    try:
        return [Forwarded(int(h["id"]), str(h["integration_id"]), str(h["name"]),
                          _pairs(h["headers"]), _pairs(h["query"]), body)
                for h, body in await _read_frame(stream, "requests")]
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"a request frame is malformed: {exc!r}") from None


async def read_answers(stream: BufferedByteReceiveStream) -> list[Answer]:
    """The next frame's answers; ``anyio.IncompleteRead`` or ``EndOfStream`` once sail
    left."""
    try:
        return [Answer(int(h["id"]), int(h["status"]), _pairs(h["headers"]), body)
                for h, body in await _read_frame(stream, "answers")]
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"an answer frame is malformed: {exc!r}") from None
