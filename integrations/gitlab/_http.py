"""How this integration talks to GitLab: its retry policy and two pagination styles.

GitLab pages in two ways. Keyset pagination (``pagination=keyset``, ``order_by=id``) gives a
``Link: rel="next"`` header and never gets slower or refused deep into a listing; it is what
large listings such as projects should use. Every other listing pages by offset and says which
page comes next in ``X-Next-Page`` (empty on the last page), which is the cursor style of
``paginate_cursor`` with ``page`` as the cursor parameter.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import httpx

from ocean_core.http import RetryPolicy, TerminalHTTPError, paginate_cursor, paginate_link

Params = Mapping[str, str | int | bool]
Pages = AsyncGenerator[list[Any], None]
KEYSET = {"pagination": "keyset", "order_by": "id", "sort": "asc"}


def encode_path(full_path: str) -> str:
    """A group or project path as an API id: ``acme/tools`` -> ``acme%2Ftools``."""
    return quote(full_path, safe="")


@dataclass(frozen=True)
class GitLabRetryPolicy(RetryPolicy):
    """``RetryPolicy`` that reads GitLab's ``RateLimit-Reset`` as epoch seconds.

    GitLab sends ``RateLimit-*`` headers on every response, and its ``RateLimit-Reset`` is a
    Unix time, not the IETF draft's delta that ``RetryPolicy`` expects: read as a delta, any
    retried 5xx would wait ``max_delay``. ``Retry-After`` (sent with GitLab's 429) still wins.
    """

    def delay(self, attempt: int, response: httpx.Response | None = None) -> float:
        if response is None or "Retry-After" in response.headers:
            return super().delay(attempt, response)
        reset = response.headers.get("RateLimit-Reset", "")
        if response.headers.get("RateLimit-Remaining") == "0" and reset.isdigit():
            return min(max(0.0, float(reset) - self.clock()), self.max_delay)
        return super().delay(attempt, None)  # no usable hint: jittered backoff


def generator(listing: AsyncIterator[list[Any]]) -> Pages:
    """An ``ocean_core.http`` listing typed as what it is, an async generator, for ``aclosing``."""
    return cast(Pages, listing)


def _next_page(response: httpx.Response) -> str | None:
    return response.headers.get("X-Next-Page") or None


async def offset_pages(
    client: httpx.AsyncClient, url: str, params: Params, page_size: int
) -> Pages:
    """Pages of an offset-paginated listing, following ``X-Next-Page``."""
    listing = generator(paginate_cursor(
        client,
        url,
        cursor_param="page",
        next_cursor=_next_page,
        params={**params, "per_page": page_size},
    ))
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
    listing = generator(paginate_link(client, url, {**params, **KEYSET, "per_page": page_size}))
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
