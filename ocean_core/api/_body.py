"""Reading a request's body within a size limit, straight from the ASGI channel: for
``RequestGuard`` (every route) and the intake process (``ocean_core.intake``)."""

from __future__ import annotations

from starlette.types import Receive


class BodyTooLarge(Exception):
    """The body went over the limit (reading stopped at the first chunk past it)."""


class ClientGone(Exception):
    """The client left before its body arrived."""


async def read_body(receive: Receive, max_bytes: int) -> bytes:
    """The whole body; ``BodyTooLarge`` past ``max_bytes``, ``ClientGone`` on a disconnect."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
