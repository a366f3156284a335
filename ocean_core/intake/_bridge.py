"""``serve_intake``: ``ocean sail``'s end of the socket pair to its intake process.

Each request the intake forwards is answered by the webhook route's own decision
(``answer_read_webhook``: 404, then ``verify_webhook``, then the inbox). The requests of one
frame are answered together, each in a task of its own, so that they are stored in one write
(``GroupCommit``); their answers go back in one frame, tagged with their requests' ids. A
frame that comes while another is being answered is answered alongside it.
"""

from __future__ import annotations

from contextlib import suppress

import anyio
from anyio.abc import ByteStream
from anyio.streams.buffered import BufferedByteReceiveStream
from loguru import logger

from ocean_core.api._webhook_routes import answer_read_webhook
from ocean_core.intake._wire import Answer, Forwarded, WireError, encode_answers, read_requests
from ocean_core.service import OceanService

_SENT_HEADERS = frozenset({"retry-after", "connection"})
"""The headers of an answer that the intake repeats (the server sets the others)."""


async def _answer(service: OceanService, request: Forwarded) -> Answer:
    response = await answer_read_webhook(
        service, request.integration_id, request.name, request.body, request.headers,
        request.query)
    headers = tuple((k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in response.raw_headers
                    if k.decode("latin-1").lower() in _SENT_HEADERS)
    return Answer(request.id, response.status_code, headers, bytes(response.body))


async def _answer_into(answers: list[Answer], service: OceanService, request: Forwarded
                       ) -> None:
    answers.append(await _answer(service, request))


async def serve_intake(stream: ByteStream, service: OceanService) -> None:
    """Answer the intake's requests until it closes its end (or sends a broken frame)."""
    receive = BufferedByteReceiveStream(stream)
    sending = anyio.Lock()

    async def answer_frame(requests: list[Forwarded]) -> None:
        answers: list[Answer] = []
        async with anyio.create_task_group() as tasks:
            for request in requests:
                tasks.start_soon(_answer_into, answers, service, request)
        # The intake may have left: its clients get no answer, and send their requests again.
        async with sending:
            with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                await stream.send(encode_answers(answers))

    async with anyio.create_task_group() as frames:
        while True:
            try:
                requests = await read_requests(receive)
            except (anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError):
                return
            except WireError as exc:
                logger.error("webhook intake: {}; its connection is closed", exc)
                return
            frames.start_soon(answer_frame, requests)
