"""PagerDuty's classic offset pagination, which ends when the response says ``more: false``.

Local rather than ``ocean_core.http.paginate_offset``, which stops on a short page or at
``total``: PagerDuty sends ``total: null`` unless asked, and may serve fewer items than the
``limit`` asked for while ``more`` is still true, so only ``more`` says the listing is complete.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import Any

import httpx

from ocean_core.errors import PaginationError
from ocean_core.http import raise_for_status

Params = Mapping[str, str | int | list[str]]
MAX_PAGES = 10_000


async def paginate_more(
    client: httpx.AsyncClient,
    path: str,
    collection: str,
    *,
    limit: int,
    params: Params | None = None,
    max_pages: int = MAX_PAGES,
) -> AsyncGenerator[list[dict[str, Any]], None]:
    """Pages of ``collection`` from ``path``, stepping ``offset`` by what each page held.

    Raises ``PaginationError`` when a page is empty or the same as the one before while
    ``more`` is true (the listing would never end), or past ``max_pages``.
    """
    offset = 0
    previous: list[dict[str, Any]] | None = None
    for _ in range(max_pages):
        query = {**(params or {}), "offset": offset, "limit": limit}
        body = raise_for_status(await client.get(path, params=query)).json()
        page = _items(body, collection, path)
        more = body.get("more") is True
        if more and (not page or page == previous):
            raise PaginationError(path, f"offset {offset} gave no new items but more is true")
        yield page
        if not more:
            return
        offset, previous = offset + len(page), page
    raise PaginationError(path, f"more than max_pages={max_pages} pages")


def _items(body: Any, collection: str, path: str) -> list[dict[str, Any]]:
    items = body.get(collection) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise PaginationError(path, f"the response has no {collection!r} list")
    return items
