"""Pagination: Link, cursor and offset styles end, and refuse to loop or run away."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from ocean_core.http import (
    PaginationError,
    RateLimiter,
    TerminalHTTPError,
    create_client,
    paginate_cursor,
    paginate_link,
    paginate_offset,
)
from tests.http.support import VirtualTime

BASE = "https://api.example.com"


def link_api(pages: int, *, loop_to: int | None = None) -> httpx.MockTransport:
    """A GitHub-like API: ``?page=N`` with a Link header that has prev, next and last."""

    def handle(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        links = [f'<{BASE}/items?page=1>; rel="first"']
        if page < pages:
            links.append(f'<{BASE}/items?page={page + 1}&per_page=2>; rel="next"')
        elif loop_to is not None:
            links.append(f'<{BASE}/items?page={loop_to}&per_page=2>;rel=next')
        return httpx.Response(200, json=[page * 10, page * 10 + 1],
                              headers={"Link": ", ".join(links)})

    return httpx.MockTransport(handle)


async def collect(pages: AsyncIterator[list[Any]]) -> list[list[Any]]:
    return [page async for page in pages]


@pytest.mark.anyio
async def test_link_follows_three_pages() -> None:
    async with create_client(BASE, transport=link_api(3)) as client:
        pages = await collect(paginate_link(client, "/items", {"per_page": 2}))
    assert pages == [[10, 11], [20, 21], [30, 31]]


@pytest.mark.anyio
async def test_link_loop_is_an_error() -> None:
    async with create_client(BASE, transport=link_api(3, loop_to=2)) as client:
        with pytest.raises(PaginationError, match="already fetched"):
            await collect(paginate_link(client, "/items", {"per_page": 2}))


@pytest.mark.anyio
async def test_link_max_pages_is_an_error_after_the_allowed_pages() -> None:
    got: list[list[Any]] = []
    async with create_client(BASE, transport=link_api(5)) as client:
        with pytest.raises(PaginationError, match="max_pages=2"):
            async for page in paginate_link(client, "/items", max_pages=2):
                got.append(page)
    assert got == [[10, 11], [20, 21]]


@pytest.mark.anyio
async def test_link_failed_page_is_translated() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(401, text="Bad credentials"))
    async with create_client(BASE, transport=transport) as client:
        with pytest.raises(TerminalHTTPError, match="Bad credentials"):
            await collect(paginate_link(client, "/items"))


def cursor_api(cursors: dict[str | None, str | None]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("after")
        return httpx.Response(200, json={"data": [cursor or "start"], "next": cursors[cursor]})

    return httpx.MockTransport(handle)


def next_cursor(response: httpx.Response) -> str | None:
    value: str | None = response.json()["next"]
    return value


def data(response: httpx.Response) -> list[Any]:
    items: list[Any] = response.json()["data"]
    return items


@pytest.mark.anyio
async def test_cursor_follows_three_pages() -> None:
    transport = cursor_api({None: "b", "b": "c", "c": None})
    async with create_client(BASE, transport=transport) as client:
        pages = await collect(paginate_cursor(client, "/items", cursor_param="after",
                                              next_cursor=next_cursor, items=data))
    assert pages == [["start"], ["b"], ["c"]]


@pytest.mark.anyio
async def test_cursor_repeated_is_an_error() -> None:
    transport = cursor_api({None: "b", "b": "c", "c": "b"})
    async with create_client(BASE, transport=transport) as client:
        with pytest.raises(PaginationError, match="'b' twice"):
            await collect(paginate_cursor(client, "/items", cursor_param="after",
                                          next_cursor=next_cursor, items=data))


@pytest.mark.anyio
async def test_cursor_max_pages() -> None:
    transport = cursor_api({None: "b", "b": "c", "c": "d", "d": None})
    async with create_client(BASE, transport=transport) as client:
        pages = paginate_cursor(client, "/items", cursor_param="after",
                                next_cursor=next_cursor, items=data, max_pages=3)
        with pytest.raises(PaginationError, match="max_pages=3"):
            await collect(pages)


def offset_api(count: int, *, ignore_offset: bool = False) -> tuple[httpx.MockTransport,
                                                                    list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        offset = 0 if ignore_offset else int(request.url.params["offset"])
        limit = int(request.url.params["limit"])
        return httpx.Response(200, json={"items": list(range(count))[offset:offset + limit],
                                         "total": count})

    return httpx.MockTransport(handle), seen


def offset_items(response: httpx.Response) -> list[Any]:
    items: list[Any] = response.json()["items"]
    return items


@pytest.mark.anyio
async def test_offset_stops_on_a_short_page() -> None:
    transport, seen = offset_api(7)
    async with create_client(BASE, transport=transport) as client:
        pages = await collect(paginate_offset(client, "/items", limit=3, items=offset_items))
    assert pages == [[0, 1, 2], [3, 4, 5], [6]]
    assert [r.url.params["offset"] for r in seen] == ["0", "3", "6"]


@pytest.mark.anyio
async def test_offset_stops_at_total_without_an_empty_request() -> None:
    transport, seen = offset_api(6)
    async with create_client(BASE, transport=transport) as client:
        pages = await collect(paginate_offset(client, "/items", limit=3, items=offset_items,
                                              total=lambda r: int(r.json()["total"])))
    assert pages == [[0, 1, 2], [3, 4, 5]] and len(seen) == 2


@pytest.mark.anyio
async def test_offset_ignored_by_the_api_is_a_loop() -> None:
    transport, _ = offset_api(10, ignore_offset=True)
    async with create_client(BASE, transport=transport) as client:
        with pytest.raises(PaginationError, match="same page"):
            await collect(paginate_offset(client, "/items", limit=3, items=offset_items))


@pytest.mark.anyio
async def test_offset_max_pages() -> None:
    transport, seen = offset_api(100)
    async with create_client(BASE, transport=transport) as client:
        with pytest.raises(PaginationError, match="max_pages=2"):
            await collect(paginate_offset(client, "/items", limit=3, items=offset_items,
                                          max_pages=2))
    assert len(seen) == 2


def more_api(count: int, *, serve: int, stuck: bool = False,
             empty: bool = False) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A PagerDuty-like listing: at most ``serve`` items a page whatever the limit, and
    ``more`` says whether items follow. ``stuck`` ignores the offset; ``empty`` serves no items
    while still saying ``more``."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        offset = 0 if stuck else int(request.url.params["offset"])
        limit = min(serve, int(request.url.params["limit"]))
        page = [] if empty else list(range(count))[offset:offset + limit]
        more = empty or offset + len(page) < count
        return httpx.Response(200, json={"items": page, "more": more, "total": None})

    return httpx.MockTransport(handle), seen


def more_flag(body: Any) -> bool:
    return body["more"] is True


@pytest.mark.anyio
async def test_offset_with_more_follows_short_pages_until_more_is_false() -> None:
    transport, seen = more_api(5, serve=2)
    async with create_client(BASE, transport=transport) as client:
        pages = await collect(paginate_offset(client, "/items", limit=10, items=offset_items,
                                              more=more_flag))
    assert pages == [[0, 1], [2, 3], [4]]
    assert [r.url.params["offset"] for r in seen] == ["0", "2", "4"], "stepped by items served"
    assert {r.url.params["limit"] for r in seen} == {"10"}


@pytest.mark.anyio
async def test_offset_with_more_false_stops_after_a_full_page() -> None:
    transport, seen = more_api(6, serve=3)
    async with create_client(BASE, transport=transport) as client:
        pages = await collect(paginate_offset(client, "/items", limit=3, items=offset_items,
                                              more=more_flag))
    assert pages == [[0, 1, 2], [3, 4, 5]] and len(seen) == 2, "no empty page asked for"


@pytest.mark.anyio
async def test_offset_with_more_and_an_empty_listing_yields_one_empty_page() -> None:
    transport, seen = more_api(0, serve=3)
    async with create_client(BASE, transport=transport) as client:
        pages = await collect(paginate_offset(client, "/items", items=offset_items,
                                              more=more_flag))
    assert pages == [[]] and len(seen) == 1


@pytest.mark.anyio
async def test_offset_with_more_true_on_an_empty_page_is_a_loop() -> None:
    transport, seen = more_api(5, serve=2, empty=True)
    async with create_client(BASE, transport=transport) as client:
        with pytest.raises(PaginationError, match="more is true"):
            await collect(paginate_offset(client, "/items", items=offset_items,
                                          more=more_flag))
    assert len(seen) == 1


@pytest.mark.anyio
async def test_offset_with_more_true_on_a_repeated_page_is_a_loop() -> None:
    transport, seen = more_api(5, serve=2, stuck=True)
    pages: list[list[Any]] = []
    async with create_client(BASE, transport=transport) as client:
        with pytest.raises(PaginationError, match="more is true"):
            async for page in paginate_offset(client, "/items", items=offset_items,
                                              more=more_flag):
                pages.append(page)
    assert pages == [[0, 1]] and len(seen) == 2


@pytest.mark.anyio
async def test_every_page_request_takes_a_rate_limit_token() -> None:
    time = VirtualTime(now=0.0)
    limiter = RateLimiter(rate=1.0, burst=1, clock=time.clock, sleep=time.sleep)
    async with create_client(BASE, transport=link_api(3), rate_limit=limiter) as client:
        await collect(paginate_link(client, "/items"))
    assert time.now == pytest.approx(2.0)
