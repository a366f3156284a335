from __future__ import annotations

import httpx
import pytest

from ocean_core.http import create_client, paginate_link
from ocean_core.testing import pages, recorded_transport


@pytest.mark.anyio
async def test_pages_follow_link_headers_and_end() -> None:
    transport = recorded_transport({"/items": pages([1, 2], [3], [4])})
    async with create_client("https://api.test", transport=transport) as client:
        got = [page async for page in paginate_link(client, "/items", {"per_page": 2})]
    assert got == [[1, 2], [3], [4]]
    assert [r.url.params.get("page") for r in transport.requests] == [None, "2", "3"]
    assert transport.requested_paths()[-1] == "/items?per_page=2&page=3"


@pytest.mark.anyio
async def test_unknown_path_is_a_clear_404() -> None:
    transport = recorded_transport({"/known": {"ok": True}})
    async with create_client("https://api.test", transport=transport) as client:
        response = await client.get("/unknown")
    assert response.status_code == 404
    assert response.json()["path"] == "/unknown"
    assert response.json()["known_paths"] == ["/known"]


@pytest.mark.anyio
async def test_query_routes_win_over_bare_paths_and_handlers_are_called() -> None:
    transport = recorded_transport({
        "/search": [],
        "/search?state=open": [{"id": 1}],
        "/echo": lambda request: httpx.Response(201, json={"path": request.url.path}),
    })
    async with create_client("https://api.test", transport=transport) as client:
        assert (await client.get("/search", params={"state": "open"})).json() == [{"id": 1}]
        assert (await client.get("/search", params={"state": "closed"})).json() == []
        echo = await client.get("/echo")
    assert (echo.status_code, echo.json()) == (201, {"path": "/echo"})
    assert len(transport.requests) == 3
