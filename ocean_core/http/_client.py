"""The client factory: an ``httpx.AsyncClient`` whose transport rate-limits, retries and redacts.

Behaviour is added by wrapping the transport, not by subclassing the client, so the caller gets
a plain ``httpx.AsyncClient`` and a test passes ``httpx.MockTransport`` as the innermost layer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import anyio
import httpx
from loguru import logger

from ocean_core.http._errors import REDACTOR_EXTENSION, transport_error
from ocean_core.http._flight import Flight, LandingStream
from ocean_core.http._meter import RequestMeter
from ocean_core.http._quota import read_quota
from ocean_core.http._ratelimit import RateLimiter
from ocean_core.http._redact import Redactor
from ocean_core.http._retry import RetryPolicy, is_rate_limited


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
    in_flight: anyio.CapacityLimiter | None = None,
    meter: RequestMeter | None = None,
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

    ``in_flight`` caps the requests on the wire at once (its ``total_tokens``), from the moment
    one is sent until its body is read or closed; ``meter`` counts them. Share both, like the
    rate limiter, between every client of one credential.
    """
    wrapped = ResilientTransport(
        transport if transport is not None else httpx.AsyncHTTPTransport(),
        retry if retry is not None else RetryPolicy(),
        rate_limit,
        Redactor.for_client(secrets, headers, auth),
        in_flight=in_flight,
        meter=meter,
    )
    return httpx.AsyncClient(
        base_url=base_url, headers=headers, auth=auth, timeout=timeout, transport=wrapped
    )


class ResilientTransport(httpx.AsyncBaseTransport):
    """Wraps a transport: a place among the requests in flight and a rate-limit permit before
    each attempt, the quota headers read after it, retries after failures."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        policy: RetryPolicy,
        limiter: RateLimiter | None,
        redactor: Redactor,
        *,
        in_flight: anyio.CapacityLimiter | None = None,
        meter: RequestMeter | None = None,
    ) -> None:
        self._inner = inner
        self._policy = policy
        self._limiter = limiter
        self._redactor = redactor
        self._in_flight = in_flight
        self._meter = meter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        redactor = self._redactor.for_request(request)
        attempt = 1
        while True:
            response = await self._attempt(request, attempt, redactor)
            if response is not None:
                response.extensions[REDACTOR_EXTENSION] = redactor
                return response
            if self._meter is not None:
                self._meter.retried()
            attempt += 1

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def _attempt(
        self, request: httpx.Request, attempt: int, redactor: Redactor
    ) -> httpx.Response | None:
        """One try: the final response, or None after waiting for the next try."""
        flight = Flight(self._in_flight, self._meter)
        await flight.board(self._limiter)
        may_retry = self._policy.may_retry(request.method, attempt)
        try:
            response = await self._inner.handle_async_request(request)
        except httpx.TransportError as exc:
            flight.land()
            if not may_retry:
                raise transport_error(request, exc, redactor) from exc
            reason = redactor.text(f"{type(exc).__name__}: {exc}")
            await self._wait(request, attempt, self._policy.delay(attempt), reason, redactor)
            return None
        except BaseException:
            flight.land()
            raise
        pause = self._read_budget(request, attempt, response, flight, redactor)
        if not (may_retry and self._policy.retries_response(response)):
            if response.is_closed:  # its body came with it (a mock transport): nothing on the wire
                flight.land()
            else:
                response.stream = LandingStream(response.stream, flight.land)
            return response
        await response.aclose()  # free the connection (and the place in flight) before sleeping
        flight.land()
        delay = pause if pause is not None else self._policy.delay(attempt, response)
        await self._wait(request, attempt, delay, f"status {response.status_code}", redactor)
        if pause is not None and self._limiter is not None:
            self._limiter.resume(flight)
        return None

    def _read_budget(
        self, request: httpx.Request, attempt: int, response: httpx.Response, flight: Flight,
        redactor: Redactor,
    ) -> float | None:
        """Tell the limiter what the response says of the quota; on a rate-limit answer, pause
        every request of the credential for as long as the server asks. Returns that pause."""
        if self._limiter is None:
            return None
        if not (response.status_code == 429 or is_rate_limited(response)):
            self._limiter.observe(read_quota(response.headers, self._policy.clock()),
                                  flight.permit)
            return None
        pause = self._policy.delay(attempt, response)
        self._limiter.pause(pause, owner=flight)
        if self._meter is not None:
            self._meter.rate_limited()
        logger.bind(method=request.method, url=redactor.url(request.url), pause=pause).warning(
            "rate limited (status {}): every request of this client waits {:.2f}s",
            response.status_code, pause,
        )
        return pause

    async def _wait(
        self, request: httpx.Request, attempt: int, delay: float, reason: str, redactor: Redactor
    ) -> None:
        url = redactor.url(request.url)
        logger.bind(method=request.method, url=url, attempt=attempt, delay=delay).warning(
            "retrying {} {} in {:.2f}s after {} (attempt {} of {})",
            request.method, url, delay, reason, attempt, self._policy.attempts,
        )
        await self._policy.sleep(delay)
