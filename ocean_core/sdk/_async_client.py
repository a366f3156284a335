"""``AsyncClient``: runs the SDK's calls with awaited httpx requests (asyncio or trio)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from types import TracebackType
from typing import Any, TypeVar

import anyio
import httpx

from ocean_core.http._retry import RetryPolicy
from ocean_core.sdk._calls import Call
from ocean_core.sdk._config import Settings
from ocean_core.sdk._errors import from_response, from_transport
from ocean_core.sdk._models import Page
from ocean_core.sdk._plans import Plan
from ocean_core.sdk._retry import SDK_RETRY, retry_delay

T = TypeVar("T")


class AsyncClient:
    """The async twin of ``Client``: the same arguments, ``await``-able methods.

        async with AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            await Integration.list(client=client)
    """

    def __init__(
        self, url: str | None = None, token: str | None = None, *,
        timeout: float | None = None, transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy = SDK_RETRY,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        event_hooks: dict[str, list[Callable[..., Any]]] | None = None,
    ) -> None:
        self.settings = Settings.resolve(url, token, timeout)
        self.retry = retry
        self._sleep = sleep
        self._http = httpx.AsyncClient(
            base_url=self.settings.url, headers=self.settings.headers,
            timeout=self.settings.timeout, transport=transport, event_hooks=event_hooks,
        )

    async def send(self, call: Call[T]) -> T:
        """See ``Client.send``."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._http.request(
                    call.method, call.path, params=call.params,
                    json=call.body if call.has_body else None,
                    timeout=self.settings.timeout + call.extra_timeout,
                )
            except httpx.TransportError as exc:
                delay = retry_delay(self.retry, call.method, attempt, None)
                if delay is None:
                    raise from_transport(call.method, call.path, exc) from exc
            else:
                if response.is_success:
                    return call.parse(response)
                delay = retry_delay(self.retry, call.method, attempt, response)
                if delay is None:
                    raise from_response(call.method, call.path, response)
            await self._sleep(delay)

    async def run(self, plan: Plan[T]) -> T:
        """See ``Client.run``."""
        try:
            call = next(plan)
            while True:
                call = plan.send(await self.send(call))
        except StopIteration as done:
            result: T = done.value
            return result

    async def pages(
        self, page: Callable[[str | None], Call[Page[T]]]
    ) -> AsyncGenerator[T, None]:
        """See ``Client.pages``."""
        cursor: str | None = None
        while True:
            found = await self.send(page(cursor))
            for item in found.items:
                yield item
            if found.next_cursor is None:
                return
            cursor = found.next_cursor

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"AsyncClient(url={self.settings.url!r})"


_default: AsyncClient | None = None


def default_client() -> AsyncClient:
    """The module-level async client, made from the environment at first use. It belongs to
    the event loop that first uses it: a program that runs several loops passes ``client=``."""
    global _default
    if _default is None:
        _default = AsyncClient()
    return _default


async def configure(
    url: str | None = None, token: str | None = None, *,
    timeout: float | None = None,  # noqa: ASYNC109 - each request's timeout, as in Client
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncClient:
    """Replace the default async client (closing the old one). Returns the new default."""
    global _default
    old, _default = _default, AsyncClient(url, token, timeout=timeout, transport=transport)
    if old is not None:
        await old.aclose()
    return _default


def resolve(client: AsyncClient | None) -> AsyncClient:
    return client if client is not None else default_client()
