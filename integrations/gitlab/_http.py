"""How this integration talks to GitLab: two pagination styles.

GitLab pages in two ways. Keyset pagination (``pagination=keyset``, ``order_by=id``) gives a
``Link: rel="next"`` header and never gets slower or refused deep into a listing; it is what
large listings such as projects should use, and its pages come one after the other (each next
link is in the page before). Every other listing pages by offset: ``X-Next-Page`` names the
next page (empty on the last one) and, below 10,000 items, ``X-Total-Pages`` says how many there
are. With the count known, pages 2 to N are fetched through ``fan`` (the integration's
``fan_out``, ``max_concurrency`` at a time); without it, or without ``fan``, the listing follows
``X-Next-Page``, the cursor style of ``paginate_cursor``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Iterable, Mapping
from contextlib import aclosing
from typing import Any
from urllib.parse import quote

import httpx

from ocean_core.errors import PaginationError
from ocean_core.http import (
    DEFAULT_MAX_PAGES,
    TerminalHTTPError,
    paginate_cursor,
    paginate_link,
    raise_for_status,
)

Params = Mapping[str, str | int | bool]
Pages = AsyncGenerator[list[Any], None]
FanOut = Callable[[Iterable[int], Callable[[int], Pages]], Pages]
"""Fetches the pages of each number, some at a time (``HTTPIntegration.fan_out``)."""
KEYSET = {"pagination": "keyset", "order_by": "id", "sort": "asc"}


def encode_path(full_path: str) -> str:
    """A group or project path as an API id: ``acme/tools`` -> ``acme%2Ftools``."""
    return quote(full_path, safe="")


def _next_page(response: httpx.Response) -> str | None:
    return response.headers.get("X-Next-Page") or None


def _total_pages(response: httpx.Response) -> int | None:
    value = response.headers.get("X-Total-Pages", "")
    return int(value) if value.isdigit() else None


async def offset_pages(
    client: httpx.AsyncClient, url: str, params: Params, page_size: int,
    fan: FanOut | None = None,
) -> Pages:
    """Pages of an offset-paginated listing: the first, then the rest through ``fan`` when
    GitLab says how many there are, else one after the other following ``X-Next-Page``."""
    query = {**params, "per_page": page_size}
    first = raise_for_status(await client.get(url, params=query))
    yield first.json()
    following = _next_page(first)
    if following is None:
        return
    total = _total_pages(first)
    if total is None or fan is None:
        rest = paginate_cursor(
            client, url, cursor_param="page", next_cursor=_next_page,
            params={**query, "page": following},
        )
    else:
        if total > DEFAULT_MAX_PAGES:
            raise PaginationError(url, f"more than max_pages={DEFAULT_MAX_PAGES} pages")

        def page(number: int) -> Pages:
            return _page(client, url, {**query, "page": number})

        rest = fan(range(2, total + 1), page)
    async with aclosing(rest):
        async for items in rest:
            yield items


async def _page(client: httpx.AsyncClient, url: str, query: Params) -> Pages:
    yield raise_for_status(await client.get(url, params=query)).json()


async def keyset_pages(
    client: httpx.AsyncClient, url: str, params: Params, page_size: int,
    fan: FanOut | None = None,
) -> Pages:
    """Pages of a listing in keyset mode (``Link: rel="next"``).

    An instance that does not offer keyset pagination for this listing answers the first
    request with 405; the listing is then read by offset instead.
    """
    first = True
    listing = paginate_link(client, url, {**params, **KEYSET, "per_page": page_size})
    try:
        async with aclosing(listing):
            async for page in listing:
                first = False
                yield page
    except TerminalHTTPError as exc:
        if not (first and exc.status == 405):
            raise
    else:
        return
    async with aclosing(offset_pages(client, url, params, page_size, fan)) as fallback:
        async for page in fallback:
            yield page
