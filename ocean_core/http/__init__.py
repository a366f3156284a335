"""HTTP for integrations: one client factory, a shared rate limiter, pagination, typed errors.

    from ocean_core.http import RateLimiter, create_client, paginate_link

    limiter = RateLimiter(rate=10, burst=20)          # one per integration, shared by its kinds
    async with create_client("https://api.github.com", rate_limit=limiter,
                             headers={"Authorization": f"Bearer {token}"}) as client:
        async for page in paginate_link(client, "/orgs/acme/repos", {"per_page": 100}):
            ...

Retries (backoff with full jitter, ``Retry-After`` and rate-limit reset headers honoured) and
redaction of secrets in logs and errors come with every client. See docs/http.md.
"""

from __future__ import annotations

from ocean_core.errors import (
    HTTPError,
    PaginationError,
    TerminalHTTPError,
    TransientHTTPError,
)
from ocean_core.http._client import ResilientTransport, create_client
from ocean_core.http._errors import raise_for_status
from ocean_core.http._integration import ClientOptions, HTTPIntegration
from ocean_core.http._links import next_link, parse_link_header
from ocean_core.http._meter import RequestMeter, RequestStats
from ocean_core.http._objects import get_object
from ocean_core.http._paginate import (
    DEFAULT_MAX_PAGES,
    Params,
    json_items,
    paginate_cursor,
    paginate_link,
    paginate_offset,
)
from ocean_core.http._quota import Quota, read_quota
from ocean_core.http._ratelimit import Permit, RateLimiter
from ocean_core.http._redact import Redactor
from ocean_core.http._retry import IDEMPOTENT_METHODS, RETRY_STATUSES, RetryPolicy

__all__ = [
    "DEFAULT_MAX_PAGES",
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "ClientOptions",
    "HTTPError",
    "HTTPIntegration",
    "PaginationError",
    "Params",
    "Permit",
    "Quota",
    "RateLimiter",
    "Redactor",
    "RequestMeter",
    "RequestStats",
    "ResilientTransport",
    "RetryPolicy",
    "TerminalHTTPError",
    "TransientHTTPError",
    "create_client",
    "get_object",
    "json_items",
    "next_link",
    "paginate_cursor",
    "paginate_link",
    "paginate_offset",
    "parse_link_header",
    "raise_for_status",
    "read_quota",
]
