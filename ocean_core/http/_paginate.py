"""Pagination helpers: each is an async generator of pages, a page being a list of items.

Pages, not items, because a kind's fetcher yields batches: ``async for page in ...: yield page``.
Every helper raises ``raise_for_status`` errors, and ``PaginationError`` when the API sends the
same page again or the listing outgrows ``max_pages``: a listing cut short must never look
complete, or the resync would delete what it did not see.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import Any

import httpx

from ocean_core.errors import PaginationError
from ocean_core.http._errors import raise_for_status, redactor_of
from ocean_core.http._links import next_link

Items = Callable[[httpx.Response], list[Any]]
Scalar = str | int | float | bool | None
Params = Mapping[str, Scalar | Sequence[Scalar]]
"""Query parameters; a sequence value repeats the parameter (``statuses[]=a&statuses[]=b``)."""
DEFAULT_MAX_PAGES = 10_000


def json_items(response: httpx.Response) -> list[Any]:
    """The default ``items``: the body is the JSON list of items."""
    body = response.json()
    return body if isinstance(body, list) else [body]


async def paginate_link(
    client: httpx.AsyncClient,
    url: str,
    params: Params | None = None,
    items: Items = json_items,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncGenerator[list[Any], None]:
    """Follow ``Link: <...>; rel="next"`` headers (GitHub, GitLab offset mode, many others).

    ``params`` go on the first request only: the next links carry the query themselves.
    """
    seen: set[str] = set()
    next_url: str | None = url
    query = params
    while next_url is not None:
        _check_limit(url, len(seen), max_pages)
        response = raise_for_status(await client.get(next_url, params=query))
        seen.add(str(response.url))
        yield items(response)
        target = next_link(response.headers.get("Link"))
        next_url = str(response.url.join(target)) if target is not None else None
        if next_url is not None and next_url in seen:
            raise _loop(response, url, "the next link points at a page already fetched")
        query = None


async def paginate_cursor(
    client: httpx.AsyncClient,
    url: str,
    *,
    cursor_param: str,
    next_cursor: Callable[[httpx.Response], str | None],
    params: Params | None = None,
    items: Items = json_items,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncGenerator[list[Any], None]:
    """Send the cursor from ``next_cursor(response)`` as ``cursor_param`` until it is empty."""
    seen: set[str] = set()
    cursor: str | None = None
    while True:
        _check_limit(url, len(seen), max_pages)
        query = {**(params or {}), **({cursor_param: cursor} if cursor is not None else {})}
        response = raise_for_status(await client.get(url, params=query))
        yield items(response)
        cursor = next_cursor(response) or None
        if cursor is None:
            return
        if cursor in seen:
            raise _loop(response, url, f"the API returned cursor {cursor!r} twice")
        seen.add(cursor)


async def paginate_offset(
    client: httpx.AsyncClient,
    url: str,
    *,
    offset_param: str = "offset",
    limit_param: str = "limit",
    limit: int = 100,
    params: Params | None = None,
    items: Items = json_items,
    total: Callable[[httpx.Response], int | None] | None = None,
    more: Callable[[Any], bool] | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> AsyncGenerator[list[Any], None]:
    """Step ``offset_param`` by the number of items each page held; stop on a short page or
    when the offset reaches ``total``.

    ``more`` (called with the page's JSON body) replaces both stop rules for APIs that say
    whether another page follows, such as PagerDuty's ``more``: the listing goes on while it
    returns true, whatever the page's size, and ends when it returns false.

    An API that ignores the offset would return the same full page forever: a page equal to the
    one before it is reported as a loop, and so is an empty page while ``more`` is true.
    """
    offset, previous = 0, None
    for number in range(max_pages + 1):
        _check_limit(url, number, max_pages)
        query = {**(params or {}), offset_param: offset, limit_param: limit}
        response = raise_for_status(await client.get(url, params=query))
        page = items(response)
        going_on = more(response.json()) if more is not None else False
        if going_on and (not page or page == previous):
            raise _loop(response, url, f"offset {offset} gave no new items but more is true")
        if page and page == previous:
            raise _loop(response, url, f"offset {offset} returned the same page as the one before")
        yield page
        offset, previous = offset + len(page), page
        if more is not None:
            if not going_on:
                return
            continue
        known = total(response) if total is not None else None
        if len(page) < limit or (known is not None and offset >= known):
            return


def _check_limit(url: str, pages_done: int, max_pages: int) -> None:
    if pages_done >= max_pages:
        raise PaginationError(url, f"more than max_pages={max_pages} pages")


def _loop(response: httpx.Response, url: str, reason: str) -> PaginationError:
    redactor = redactor_of(response)
    return PaginationError(redactor.url(url), redactor.text(reason))
