"""The SDK's errors: one tree under ``ocean_core.errors.OceanError``.

    OceanError
    └── SDKError                        a call to the ocean_core API failed (.method .path .detail)
        ├── APIConnectionError          no connection to the server            [Transient]
        ├── APITimeoutError             no answer in time                      [Transient]
        ├── RunWaitTimeout              Run.wait(timeout=...) ran out first
        └── APIStatusError              the server answered with an error (.status .body)
            ├── BadRequest              400: the body is not JSON              [Terminal]
            ├── Unauthorized            401: no token, or a wrong one          [Terminal]
            ├── Forbidden               403: a read-only token on a change     [Terminal]
            ├── NotFound                404: no such object (.what .key .known) [Terminal]
            │   └── KbIntegrationNotFound   the integration is not attached to the KB
            ├── Conflict                409: it exists already                 [Terminal]
            ├── UnprocessableEntity     422: invalid fields (.problems)        [Terminal]
            ├── RateLimited             429: too many changes (.retry_after)   [Transient]
            └── ServerError             5xx (503: stopping or busy)            [Transient]

httpx's errors are translated here, at one boundary (``from_transport``), with ``raise ... from``.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from ocean_core.errors import OceanError, Terminal, Transient
from ocean_core.http._retry import server_hint


class SDKError(OceanError):
    """A call to the ocean_core API failed. ``detail`` is what went wrong, in words."""

    def __init__(self, method: str, path: str, detail: str, message: str | None = None) -> None:
        self.method = method
        self.path = path
        self.detail = detail
        super().__init__(message or f"{method} {path}: {detail}")


class APIConnectionError(SDKError, Transient):
    """The server could not be reached (refused, reset, DNS...)."""


class APITimeoutError(SDKError, Transient):
    """The server did not answer within the client's timeout."""


class RunWaitTimeout(SDKError):
    """``Run.wait(timeout=...)`` ran out before the run ended. ``run_id`` and ``status`` say
    where it stood."""

    def __init__(self, method: str, path: str, run_id: str, status: str, timeout: float) -> None:
        self.run_id = run_id
        self.status = status
        self.timeout = timeout
        super().__init__(method, path, f"run {run_id!r} still {status} after {timeout:g}s")


class APIStatusError(SDKError):
    """The server answered with an error status. ``body`` is its JSON (or ``{}``), ``detail``
    the server's explanation in one line."""

    def __init__(
        self, method: str, path: str, status: int, body: dict[str, Any], detail: str,
        message: str | None = None,
    ) -> None:
        self.status = status
        self.body = body
        super().__init__(
            method, path, detail, message or f"{method} {path} failed with {status}: {detail}"
        )


class BadRequest(APIStatusError, Terminal):
    """400: the request body could not be read."""


class Unauthorized(APIStatusError, Terminal):
    """401: no token, or a wrong one (``OCEAN_API_TOKEN``)."""


class Forbidden(APIStatusError, Terminal):
    """403: the token may read but not change (a read-only token)."""


class NotFound(APIStatusError, Terminal):
    """404: no such integration, run, knowledge base... ``what``, ``key`` and ``known`` (the
    ids that do exist) come from the server when it says."""

    @property
    def what(self) -> str | None:
        return _text(self.body.get("what"))

    @property
    def key(self) -> str | None:
        return _text(self.body.get("key"))

    @property
    def known(self) -> list[str] | None:
        known = self.body.get("known")
        return [str(k) for k in known] if isinstance(known, list) else None


class KbIntegrationNotFound(NotFound):
    """The integration is not attached to the knowledge base; ``available`` are the ids that
    are. ``kb.resync_integration`` raises it before sending any resync request (``body`` is
    then ``{}``); a 404 of the server's KB resync route is this error too."""

    def __init__(
        self, method: str, path: str, integration_id: str, knowledge_base_id: str,
        available: list[str], body: dict[str, Any] | None = None,
    ) -> None:
        self.integration_id = integration_id
        self.knowledge_base_id = knowledge_base_id
        self.available = list(available)
        attached = ", ".join(repr(a) for a in self.available) or "none"
        detail = (f"integration {integration_id!r} is not attached to knowledge base "
                  f"{knowledge_base_id!r} (attached: {attached})")
        where = f"{method} {path}" if body is not None else f"checked before {method} {path}"
        super().__init__(method, path, 404, body or {}, detail, f"{detail}; {where}")


class Conflict(APIStatusError, Terminal):
    """409: what was to be created exists already (or the integration's runner is taken)."""


class UnprocessableEntity(APIStatusError, Terminal):
    """422: ``problems`` lists each invalid field as ``{loc, field, msg, type}``."""

    @property
    def problems(self) -> list[dict[str, Any]]:
        detail = self.body.get("detail")
        return [p for p in detail if isinstance(p, dict)] if isinstance(detail, list) else []


class RateLimited(APIStatusError, Transient):
    """429: too many changes; ``retry_after`` is the server's wait in seconds (or None)."""

    retry_after: float | None = None


class ServerError(APIStatusError, Transient):
    """5xx: the server failed (500) or is stopping or busy (503, maybe with ``retry_after``)."""

    retry_after: float | None = None


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 409: Conflict,
    422: UnprocessableEntity, 429: RateLimited,
}


def from_response(method: str, path: str, response: httpx.Response) -> APIStatusError:
    """The most specific error for an error response of the API."""
    body = _json_body(response)
    detail = _describe(body.get("detail")) or response.reason_phrase or "error"
    status = response.status_code
    if status == 404 and body.get("what") == "integration" and "knowledge_base" in body:
        known = body.get("known")
        return KbIntegrationNotFound(
            method, path, str(body.get("key")), str(body["knowledge_base"]),
            [str(k) for k in known] if isinstance(known, list) else [], body=body,
        )
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIStatusError)
    error = cls(method, path, status, body, detail)
    if isinstance(error, RateLimited | ServerError):
        error.retry_after = server_hint(response.headers, time.time(), limited=True)
    return error


def from_transport(method: str, path: str, exc: httpx.TransportError) -> SDKError:
    """A connection failure or a timeout, as the SDK's own error."""
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    return cls(method, path, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


def _json_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return {"detail": text[:500]} if text else {}
    return body if isinstance(body, dict) else {"detail": body}


def _describe(detail: Any) -> str:
    """The server's ``detail`` as one line: a sentence, or each field problem."""
    if isinstance(detail, list):
        return "; ".join(
            f"{p.get('field') or '.'.join(map(str, p.get('loc', [])))}: {p.get('msg')}"
            if isinstance(p, dict) else str(p)
            for p in detail
        )
    return "" if detail is None else str(detail)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
