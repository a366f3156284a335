"""The client factory: an ``httpx.AsyncClient`` whose transport rate-limits, retries and redacts.

Behaviour is added by wrapping the transport, not by subclassing the client, so the caller gets
a plain ``httpx.AsyncClient`` and a test passes ``httpx.MockTransport`` as the innermost layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import httpx
from loguru import logger

from ocean_core.http._errors import REDACTOR_EXTENSION, transport_error
from ocean_core.http._ratelimit import RateLimiter
from ocean_core.http._redact import Redactor
from ocean_core.http._retry import RetryPolicy


def create_client(
    base_url: str,
    *,
    headers: Mapping[str, str] | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    rate_limit: RateLimiter | None = None,
    secrets: Iterable[str] = (),
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for one third-party API; use it with ``async with``.

        limiter = RateLimiter(rate=10, burst=20)
        async with create_client("https://api.example.com", secrets=[token],
                                 headers={"Authorization": f"Bearer {token}"},
                                 rate_limit=limiter) as client:
            repos = raise_for_status(await client.get("/repos")).json()

    Transient failures are retried inside the transport. A connection error or timeout that
    outlasts the retries raises ``TransientHTTPError``; a failed status is returned as a
    response, for ``raise_for_status`` (or the pagination helpers) to translate.
    """
    wrapped = ResilientTransport(
        transport if transport is not None else httpx.AsyncHTTPTransport(),
        retry if retry is not None else RetryPolicy(),
        rate_limit,
        Redactor.for_client(secrets, headers, auth),
    )
    return httpx.AsyncClient(
        base_url=base_url, headers=headers, auth=auth, timeout=timeout, transport=wrapped
    )


class ResilientTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: a rate-limit token before each attempt, retries after failures."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy,
        limiter: RateLimiter | None,
        redactor: Redactor,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._limiter = limiter
        self._redactor = redactor

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        redactor = self._redactor.for_request(request)
        attempt = 1
        while True:
            response = await self._attempt(request, attempt, redactor)
            if response is not None:
                response.extensions[REDACTOR_EXTENSION] = redactor
                return response
            attempt += 1

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def _attempt(
        self, request: httpx.Request, attempt: int, redactor: Redactor
    ) -> httpx.Response | None:
        """One try: the final response, or None after waiting for the next try."""
        if self._limiter is not None:
            await self._limiter.acquire()
        may_retry = self._policy.may_retry(request.method, attempt)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError as exc:
            if not may_retry:
                raise transport_error(request, exc, redactor) from exc
            reason = redactor.text(f"{type(exc).__name__}: {exc}")
            await self._wait(request, attempt, self._policy.delay(attempt), reason, redactor)
            return None
        if not (may_retry and self._policy.retries_response(response)):
            return response
        await response.aclose()  # free the connection before sleeping
        delay = self._policy.delay(attempt, response)
        await self._wait(request, attempt, delay, f"status {response.status_code}", redactor)
        return None

    async def _wait(
        self, request: httpx.Request, attempt: int, delay: float, reason: str, redactor: Redactor
    ) -> None:
        url = redactor.url(request.url)
        logger.bind(method=request.method, url=url, attempt=attempt, delay=delay).warning(
            "retrying {} {} in {:.2f}s after {} (attempt {} of {})",
            request.method, url, delay, reason, attempt, self._policy.attempts,
        )
        await self._policy.sleep(delay)
