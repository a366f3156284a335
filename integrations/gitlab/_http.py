"""How this integration talks to GitLab: two pagination styles.

GitLab pages in two ways. Keyset pagination (``pagination=keyset``, ``order_by=id``) gives a
``Link: rel="next"`` header and never gets slower or refused deep into a listing; it is what
large listings such as projects should use. Every other listing pages by offset and says which
page comes next in ``X-Next-Page`` (empty on the last page), which is the cursor style of
``paginate_cursor`` with ``page`` as the cursor parameter.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from typing import Any
from urllib.parse import quote

import httpx

from ocean_core.http import TerminalHTTPError, paginate_cursor, paginate_link

Params = Mapping[str, str | int | bool]
Pages = AsyncGenerator[list[Any], None]
KEYSET = {"pagination": "keyset", "order_by": "id", "sort": "asc"}


def encode_path(full_path: str) -> str:
    """A group or project path as an API id: ``acme/tools`` -> ``acme%2Ftools``."""
    return quote(full_path, safe="")


def _next_page(response: httpx.Response) -> str | None:
    return response.headers.get("X-Next-Page") or None


async def offset_pages(
    client: httpx.AsyncClient, url: str, params: Params, page_size: int
) -> Pages:
    """Pages of an offset-paginated listing, following ``X-Next-Page``."""
    listing = paginate_cursor(
        client,
        url,
        cursor_param="page",
        next_cursor=_next_page,
        params={**params, "per_page": page_size},
    )
    async with aclosing(listing):
        async for page in listing:
            yield page


async def keyset_pages(
    client: httpx.AsyncClient, url: str, params: Params, page_size: int
) -> Pages:
    """Pages of a listing in keyset mode (``Link: rel="next"``).

    An instance that does not offer keyset pagination for this listing answers the first
    request with 405; the listing is then read by offset instead (``X-Next-Page``).
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
    async with aclosing(offset_pages(client, url, params, page_size)) as fallback:
        async for page in fallback:
            yield page
