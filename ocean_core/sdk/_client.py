"""``Client``: runs the SDK's calls with blocking httpx requests."""

from __future__ import annotations

import atexit
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any, TypeVar

import httpx

from ocean_core.http._retry import RetryPolicy
from ocean_core.sdk._calls import Call
from ocean_core.sdk._config import Settings
from ocean_core.sdk._errors import from_response, from_transport
from ocean_core.sdk._models import Page
from ocean_core.sdk._plans import Plan
from ocean_core.sdk._retry import SDK_RETRY, retry_delay

T = TypeVar("T")


class Client:
    """A connection to an ocean_core API (``ocean sail``).

        with Client(url="http://127.0.0.1:8000", token="...") as client:
            Integration.list(client=client)

    ``url`` and ``token`` default to ``OCEAN_API_URL`` and ``OCEAN_API_TOKEN``. ``transport``
    is any httpx transport (a ``MockTransport`` in tests); ``sleep`` is the wait between
    retries, injectable so tests never really wait.
    """

    def __init__(
        self, url: str | None = None, token: str | None = None, *,
        timeout: float | None = None, transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy = SDK_RETRY, sleep: Callable[[float], None] = time.sleep,
        event_hooks: dict[str, list[Callable[..., Any]]] | None = None,
    ) -> None:
        self.settings = Settings.resolve(url, token, timeout)
        self.retry = retry
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.settings.url, headers=self.settings.headers,
            timeout=self.settings.timeout, transport=transport, event_hooks=event_hooks,
        )

    def send(self, call: Call[T]) -> T:
        """Send ``call`` (again after a retryable failure, for idempotent methods) and parse
        its answer; an error answer raises the matching ``APIStatusError``."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(
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
            self._sleep(delay)

    def run(self, plan: Plan[T]) -> T:
        """Drive a multi-step plan (``ocean_core.sdk._plans``) to its result."""
        try:
            call = next(plan)
            while True:
                call = plan.send(self.send(call))
        except StopIteration as done:
            result: T = done.value
            return result

    def pages(self, page: Callable[[str | None], Call[Page[T]]]) -> Iterator[T]:
        """Every item of a paged listing, fetching each page when the previous one is used up."""
        cursor: str | None = None
        while True:
            found = self.send(page(cursor))
            yield from found.items
            if found.next_cursor is None:
                return
            cursor = found.next_cursor

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(url={self.settings.url!r})"


_default: Client | None = None
_lock = threading.Lock()
_exit_hook = False


def default_client() -> Client:
    """The module-level client, made from the environment at first use."""
    global _default
    with _lock:
        if _default is None:
            _default = _made(Client())
        return _default


def configure(
    url: str | None = None, token: str | None = None, *, timeout: float | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Client:
    """Replace the default client (closing the old one); unset arguments come from the
    environment. Returns the new default."""
    global _default
    with _lock:
        old = _default
        new = _default = _made(Client(url, token, timeout=timeout, transport=transport))
    if old is not None:
        old.close()
    return new


def _made(client: Client) -> Client:
    """Close the default client when the interpreter exits (registered once)."""
    global _exit_hook
    if not _exit_hook:
        atexit.register(_close_default)
        _exit_hook = True
    return client


def _close_default() -> None:
    if _default is not None:
        _default.close()


def resolve(client: Client | None) -> Client:
    return client if client is not None else default_client()
