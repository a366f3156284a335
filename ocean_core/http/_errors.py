"""The one boundary where HTTP failures become ocean_core errors.

A failed status goes through ``raise_for_status``; a transport failure (no response at all)
through ``transport_error``. Both redact the URL and the detail, so the exception is safe to log
and to record in a resync result.
"""

from __future__ import annotations

import httpx

from ocean_core.errors import HTTPError, TerminalHTTPError, TransientHTTPError
from ocean_core.http._redact import Redactor
from ocean_core.http._retry import is_rate_limited

# The transport stores the request's redactor here, so that raise_for_status(response) alone
# knows which secrets to hide.
REDACTOR_EXTENSION = "ocean_core.redactor"
_DETAIL_CHARS = 200


def raise_for_status(response: httpx.Response) -> httpx.Response:
    """Return ``response`` if it succeeded, else raise the matching ``HTTPError``.

        data = raise_for_status(await client.get("/repos")).json()

    429, 5xx and a 403 with an exhausted rate limit are transient (the retries ran out);
    every other 4xx is terminal.
    """
    if response.status_code < 400:
        return response
    redactor = redactor_of(response)
    args = (
        response.request.method,
        redactor.url(response.request.url),
        response.status_code,
        _excerpt(response, redactor),
    )
    if response.status_code == 429 or response.status_code >= 500 or is_rate_limited(response):
        raise TransientHTTPError(*args)
    raise TerminalHTTPError(*args)


def transport_error(
    request: httpx.Request, exc: httpx.TransportError, redactor: Redactor
) -> HTTPError:
    """The error for a request that got no response: always transient. The caller raises it
    ``from exc`` so the original stays in the traceback (which is not logged by this package)."""
    detail = redactor.text(f"{type(exc).__name__}: {exc}".rstrip(": "))
    return TransientHTTPError(request.method, redactor.url(request.url), None, detail)


def redactor_of(response: httpx.Response) -> Redactor:
    """The redactor the client attached, or a default one (URL rules still apply)."""
    found = response.extensions.get(REDACTOR_EXTENSION)
    return found if isinstance(found, Redactor) else Redactor()


def _excerpt(response: httpx.Response, redactor: Redactor) -> str:
    """The start of the body, on one line: enough to tell "bad token" from "no such repo".
    Redacted before it is cut, so a secret at the cut cannot survive in part."""
    try:
        body = response.text
    except httpx.ResponseNotRead:
        return ""  # a streamed response whose body the caller has not read
    flat = redactor.text(" ".join(body.split()))
    return flat if len(flat) <= _DETAIL_CHARS else flat[: _DETAIL_CHARS - 3] + "..."
