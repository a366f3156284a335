"""``get_object``: one object by its path, ``None`` when gone, a typed error otherwise."""

from __future__ import annotations

import httpx
import pytest

from ocean_core.errors import TerminalHTTPError, UnexpectedPayloadError
from ocean_core.http import get_object

pytestmark = pytest.mark.anyio


def _client(status: int, body: object) -> httpx.AsyncClient:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.params.get("expand") in (None, "x")
        return httpx.Response(status, json=body)

    return httpx.AsyncClient(base_url="https://api.test", transport=httpx.MockTransport(answer))


async def test_an_object_is_returned_and_a_gone_one_is_none() -> None:
    async with _client(200, {"id": 1}) as client:
        assert await get_object(client, "/things/1", params={"expand": "x"}) == {"id": 1}
    async with _client(410, {}) as client:
        assert await get_object(client, "/things/1", gone=(404, 410)) is None
        with pytest.raises(TerminalHTTPError):
            await get_object(client, "/things/1")


async def test_the_object_under_a_key() -> None:
    async with _client(200, {"incident": {"id": "P1"}}) as client:
        assert await get_object(client, "/incidents/P1", key="incident") == {"id": "P1"}
        with pytest.raises(UnexpectedPayloadError, match="expected an 'service' object"):
            await get_object(client, "/incidents/P1", key="service")


async def test_a_body_that_is_not_an_object_is_an_unexpected_payload() -> None:
    async with _client(200, [1, 2]) as client:
        with pytest.raises(UnexpectedPayloadError,
                           match=r"GET /things/1: expected one JSON object in the response body"):
            await get_object(client, "/things/1")
