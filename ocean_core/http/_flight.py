"""One attempt on the wire: its place among the requests in flight, held until its body closes.

A request is "in flight" from the moment it is sent until its response body has been read (or
the response closed): that is what a server counts as a concurrent request, so the place is
given back by the response stream, not when the headers arrive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import anyio
import httpx

from ocean_core.http._meter import RequestMeter
from ocean_core.http._ratelimit import Permit, RateLimiter


class Flight:
    """Boards (a place in flight, then a rate-limit permit) and lands (gives the place back)."""

    def __init__(self, places: anyio.CapacityLimiter | None, meter: RequestMeter | None) -> None:
        self._places = places
        self._meter = meter
        self._holding = False
        self._land_meter: Callable[[], None] | None = None
        self.permit: Permit | None = None

    async def board(self, limiter: RateLimiter | None) -> None:
        """Wait for a place, then for the rate budget: the permit is checked last, right before
        the request goes out, so a pause that began meanwhile still holds it back."""
        if self._places is not None:
            try:  # a free place is taken without a trip through the event loop
                self._places.acquire_on_behalf_of_nowait(self)
            except anyio.WouldBlock:
                await self._places.acquire_on_behalf_of(self)
            self._holding = True
        try:
            if limiter is not None:
                self.permit = limiter.acquire_nowait() or await limiter.acquire()
        except BaseException:
            self.land()
            raise
        if self._meter is not None:
            if self.permit is not None and self.permit.waited > 0:
                self._meter.waited(self.permit.waited)
            self._land_meter = self._meter.sent()

    def land(self) -> None:
        """Give the place back (once; later calls do nothing)."""
        if self._holding and self._places is not None:
            self._holding = False
            self._places.release_on_behalf_of(self)
        if self._land_meter is not None:
            land, self._land_meter = self._land_meter, None
            land()


class LandingStream(httpx.AsyncByteStream):
    """A response body that lands its flight when it is closed (httpx closes it once read)."""

    def __init__(self, inner: httpx.AsyncByteStream | httpx.SyncByteStream,
                 land: Callable[[], None]) -> None:
        self._inner = inner
        self._land = land

    def __aiter__(self) -> AsyncIterator[bytes]:
        # The body's own iterator: no extra generator frame for every chunk.
        if not isinstance(self._inner, httpx.AsyncByteStream):
            raise TypeError("an async transport returned a sync-only response body")
        return self._inner.__aiter__()

    async def aclose(self) -> None:
        try:
            if isinstance(self._inner, httpx.AsyncByteStream):
                await self._inner.aclose()
        finally:
            self._land()
