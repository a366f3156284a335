"""Every error class of the SDK, from real answers of the app (in-process)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from ocean_core.api import create_app
from ocean_core.errors import OceanError, Terminal, Transient
from ocean_core.sdk import (
    APIStatusError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    SDKError,
    ServerError,
    Unauthorized,
    UnprocessableEntity,
)
from ocean_core.sdk import _calls as calls
from ocean_core.sdk._errors import from_response
from ocean_core.sdk.aio import AsyncClient, Integration, KnowledgeBase
from tests.sdk.support import TOKEN, URL, box, serving, write_config

pytestmark = pytest.mark.anyio

READ_TOKEN = "read-only-token"


def test_every_error_is_an_ocean_error_with_a_marker() -> None:
    terminal = [BadRequest, Unauthorized, Forbidden, NotFound, Conflict, UnprocessableEntity]
    assert all(issubclass(e, APIStatusError) and issubclass(e, Terminal) for e in terminal)
    assert issubclass(RateLimited, Transient) and issubclass(ServerError, Transient)
    assert issubclass(SDKError, OceanError)


async def test_a_wrong_or_missing_token_is_unauthorized(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a"))
    async with serving(config, token="wrong") as served:
        with pytest.raises(Unauthorized) as wrong:
            await Integration.list(client=served.client)
        async with served.client_for(None) as anonymous:
            with pytest.raises(Unauthorized):
                await KnowledgeBase.list(client=anonymous)
    assert wrong.value.status == 401 and wrong.value.body["error"] == "unauthorized"
    assert str(wrong.value) == (
        "GET /api/integrations failed with 401: missing or wrong bearer token"
        " (header: Authorization: Bearer <token>)")


async def test_a_read_only_token_reads_but_may_not_change(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", resync_on_start=False),
                          api={"token": TOKEN, "read_token": READ_TOKEN})
    async with serving(config, token=READ_TOKEN) as served:
        integration = await Integration.get("box-a", client=served.client)
        with pytest.raises(Forbidden) as caught:
            await integration.resync()
        with pytest.raises(Forbidden):
            await KnowledgeBase.new(name="Docs", client=served.client)
    assert caught.value.status == 403
    assert caught.value.path == "/api/integrations/box-a/resync"
    assert "read-only token" in caught.value.detail


async def test_invalid_fields_are_unprocessable_with_each_problem(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", resync_on_start=False))
    async with serving(config) as served:
        integration = await Integration.get("box-a", client=served.client)
        with pytest.raises(UnprocessableEntity) as caught:
            await integration.runs(limit=None, page_size=5000)
        patch = calls.Call("PATCH", "/api/integrations/box-a", lambda r: r, body={"nope": 1})
        with pytest.raises(UnprocessableEntity) as patched:
            await served.client.send(patch)
    problems = caught.value.problems
    assert [(p["field"], p["type"]) for p in problems] == [("limit", "less_than_equal")]
    assert str(caught.value).startswith(
        "GET /api/integrations/box-a/resyncs failed with 422: limit: ")
    assert [p["field"] for p in patched.value.problems] == ["nope"]


async def test_a_body_that_is_not_json_is_a_bad_request(tmp_path: Path) -> None:
    config = write_config(tmp_path, box("box-a", resync_on_start=False))
    async with serving(config) as served, httpx.AsyncClient(
        transport=httpx.ASGITransport(app=served.app), base_url=URL,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    ) as raw:
        response = await raw.post("/api/knowledge-bases", content=b"{not json")
    error = from_response("POST", "/api/knowledge-bases", response)
    assert isinstance(error, BadRequest) and error.status == 400
    assert error.detail.startswith("the body is not valid JSON")


async def test_changes_beyond_the_rate_limit_are_rate_limited_and_never_retried(
    tmp_path: Path,
) -> None:
    config = write_config(
        tmp_path, box("box-a", resync_on_start=False),
        api={"token": TOKEN, "rate_limit": {"per_second": 0.01, "burst": 1}},
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with serving(config, sleep=sleep) as served:
        integration = await Integration.get("box-a", client=served.client)
        await integration.resync()
        served.requests.clear()
        with pytest.raises(RateLimited) as caught:
            await integration.resync()
        reads = await Integration.list(client=served.client)
    assert served.requests == ["POST /api/integrations/box-a/resync", "GET /api/integrations"]
    assert slept == [] and len(reads) == 1
    assert caught.value.status == 429 and caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 100


async def test_a_stopped_service_is_a_server_error(tmp_path: Path) -> None:
    app = create_app(write_config(tmp_path, box("box-a", resync_on_start=False)))
    async with app.router.lifespan_context(app):
        pass
    async with AsyncClient(URL, TOKEN, transport=httpx.ASGITransport(app=app)) as client:
        integration = await Integration.get("box-a", client=client)
        with pytest.raises(ServerError) as caught:
            await integration.resync()
    assert caught.value.status == 503 and isinstance(caught.value, Transient)
    assert caught.value.path == "/api/integrations/box-a/resync"


async def test_a_server_error_keeps_the_status_and_body() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"detail": "boom", "error": "internal"})

    async with AsyncClient(URL, TOKEN, transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(ServerError) as caught:
            await Integration.list(client=client)
    assert (caught.value.status, caught.value.body["error"]) == (500, "internal")
    assert str(caught.value) == "GET /api/integrations failed with 500: boom"


async def test_other_statuses_and_bodies_that_are_not_json_still_map() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(418, text="teapot")

    async with AsyncClient(URL, TOKEN, transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(APIStatusError) as caught:
            await client.send(calls.list_kbs())
    assert type(caught.value) is APIStatusError
    assert str(caught.value) == "GET /api/knowledge-bases failed with 418: teapot"
