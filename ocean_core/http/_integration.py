"""``HTTPIntegration``: an ``Integration`` over one REST API, with its client built for it.

It owns what every HTTP integration used to write by hand: the ``transport=`` and ``retry=``
seams for tests, one rate budget and one cap on requests in flight per instance, shared by
every kind and every concurrent request, the parent listings of a run, and a ``client()``
built by ``create_client`` from a few overridable hooks.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypedDict, TypeVar

import anyio
import httpx
from anyio.abc import TaskGroup
from pydantic import BaseModel, SecretStr

from ocean_core._run_context import RunContext
from ocean_core.fanout import Sources, fan_out
from ocean_core.http._client import create_client
from ocean_core.http._meter import RequestMeter, RequestStats
from ocean_core.http._ratelimit import RateLimiter
from ocean_core.http._retry import RetryPolicy
from ocean_core.integration import Integration
from ocean_core.listings import RunListings, fetched
from ocean_core.results import KindStats

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from typing_extensions import Unpack

S = TypeVar("S")
P = TypeVar("P")


class ClientOptions(TypedDict, total=False):
    """What ``HTTPIntegration.client(**overrides)`` may override: ``create_client``'s options."""

    headers: Mapping[str, str] | None
    auth: httpx.Auth | tuple[str, str] | None
    timeout: float
    retry: RetryPolicy | None
    rate_limit: RateLimiter | None
    secrets: Iterable[str]
    transport: httpx.AsyncBaseTransport | None
    in_flight: anyio.CapacityLimiter | None
    meter: RequestMeter | None


PACING = ("requests_per_second", "max_concurrency", "page_size", "max_retry_wait")
UNREAD = ("webhook_secret",)
"""Settings that change nothing of what a run reads (the secret webhooks are verified with)."""
"""Config fields of the bundled HTTP integrations that change how a source is read, not what."""


class HTTPIntegration(Integration):
    """An integration that reads a REST API through ``ocean_core.http``.

    Example::

        class Shop(HTTPIntegration):
            type = "shop"
            config_model = ShopConfig        # base_url, token, requests_per_second

            def headers(self) -> dict[str, str]:
                return {"Authorization": f"Bearer {self.config.token.get_secret_value()}"}

            @kind("product")
            async def products(self):
                async with self.client() as client:
                    async for page in paginate_link(client, "/products"):
                        yield page

    ``transport`` replaces the network (tests pass a recorded transport) and ``retry`` the retry
    policy (tests give it a fake sleep); both default to the real thing. Hooks to override:
    ``base_url()`` (default ``config.base_url``), ``headers()``, ``auth()``, ``secrets()``
    (default: every ``SecretStr`` of the config, redacted in logs and errors) and
    ``default_retry()`` (default: the class attribute ``retry_policy``; ``None`` means
    ``RetryPolicy()``). The config's ``requests_per_second``, when it has one, paces every
    request of the instance (burst ``ceil(rate)``); without it requests are not paced. Its
    ``max_concurrency``, when it has one, caps the requests of the instance in flight at once
    and is the width of ``fan_out``; without it fetchers fan out one at a time.

    Concurrency inside a kind (see docs/http.md)::

        @kind("pull-request")
        async def pull_requests(self):
            async with self.client() as client:
                repos = self.listing("repositories", lambda: paginate_link(client, "/repos"))
                pulls = self.fan_out(each_item(repos), lambda repo: pulls_of(client, repo))
                async with aclosing(pulls) as pages:
                    async for page in pages:
                        yield page
    """

    retry_policy: ClassVar[RetryPolicy | None] = None

    def __init__(
        self,
        config: BaseModel | dict[str, Any] | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(config)
        self.transport = transport
        self.retry = retry
        # One budget for every kind and every concurrent request: APIs count requests per
        # credential, and a rate-limit answer to one request is meant for all of them.
        rate = getattr(self.config, "requests_per_second", None)
        self.limiter = RateLimiter(rate=rate or None, burst=max(1, math.ceil(rate or 1)))
        declared: int | None = getattr(self.config, "max_concurrency", None)
        self.max_concurrency = declared or 1
        """Requests of this instance in flight at most, and the width of ``fan_out``."""
        self.in_flight = anyio.CapacityLimiter(declared) if declared else None
        self.meter = RequestMeter(self._fetching)
        self._run: RunContext | None = None
        self._listings: RunListings | None = None
        self._tasks: TaskGroup | None = None

    @asynccontextmanager
    async def run_scope(self, run: RunContext) -> AsyncIterator[None]:
        """While a run runs: its parent listings, the task group its fan-outs run in (so that
        a fetcher holds no cancel scope between its pages), its requests counted per kind."""
        failed: Exception | None = None
        async with anyio.create_task_group() as tasks:
            self._run, self._listings, self._tasks = run, RunListings(), tasks
            try:
                yield
            except Exception as exc:  # kept out of the task group, which would wrap it
                failed = exc
            finally:
                self._run, self._listings, self._tasks = None, None, None
                tasks.cancel_scope.cancel()
        if failed is not None:
            raise failed

    def listing(
        self, key: str, fetch: Callable[[], AsyncIterator[list[Any]]]
    ) -> AsyncGenerator[list[Any], None]:
        """The pages of a listing that several kinds read (a parent listing): in a run, fetched
        by the first kind that reads it and replayed to the others (``RunListings``); outside
        a run, simply ``fetch()``. Close it (``aclosing``) in the task that reads it."""
        if self._listings is None:
            return fetched(fetch)
        return self._listings.pages(key, fetch)

    def fan_out(
        self, sources: Sources[S], fetch: Callable[[S], AsyncIterator[P]]
    ) -> AsyncGenerator[P, None]:
        """``ocean_core.fanout.fan_out`` as wide as ``max_concurrency``; in a run, its tasks run
        in the run's task group."""
        return fan_out(sources, fetch, limit=self.max_concurrency, tasks=self._tasks)

    def request_stats(self) -> RequestStats:
        """What this instance's requests did since it was created (``/metrics`` shows it)."""
        return self.meter.snapshot()

    def _fetching(self) -> KindStats | None:
        return self._run.stats if self._run is not None else None

    def base_url(self) -> str:
        """The API's root URL, which request paths are relative to."""
        url = getattr(self.config, "base_url", None)
        if url is None:
            raise TypeError(f"{type(self).__name__} has no config.base_url: override base_url()")
        return str(url)

    def headers(self) -> dict[str, str]:
        """Headers of every request (an ``Authorization`` value is redacted in logs)."""
        return {}

    def auth(self) -> httpx.Auth | tuple[str, str] | None:
        """An ``httpx`` auth flow, or a ``(user, password)`` pair for basic auth."""
        return None

    def secrets(self) -> list[str]:
        """Values redacted in logs and error messages: every ``SecretStr`` of the config."""
        values = (getattr(self.config, name) for name in type(self.config).model_fields)
        return [value.get_secret_value() for value in values if isinstance(value, SecretStr)]

    def cursor_config(self) -> Any:
        """The config less the settings that pace a source (rate, concurrency, page size,
        retry waits) and the webhook secret: changing them keeps the committed cursors
        (rule 9)."""
        config = super().cursor_config()
        if isinstance(config, dict):
            for name in (*PACING, *UNREAD):
                config.pop(name, None)
        return config

    def default_retry(self) -> RetryPolicy | None:
        """The retry policy when none was passed as ``retry=``."""
        return self.retry_policy

    def client(
        self, base_url: str | None = None, **overrides: Unpack[ClientOptions]
    ) -> httpx.AsyncClient:
        """A new client on the API that retries, rate-limits and redacts; use it with
        ``async with``. ``base_url`` and ``overrides`` replace what the hooks give, e.g.
        ``client(timeout=120.0)`` for one slow endpoint."""
        options: ClientOptions = {
            "headers": self.headers(),
            "auth": self.auth(),
            "retry": self.retry if self.retry is not None else self.default_retry(),
            "rate_limit": self.limiter,
            "secrets": self.secrets(),
            "transport": self.transport,
            "in_flight": self.in_flight,
            "meter": self.meter,
            **overrides,
        }
        return create_client(base_url if base_url is not None else self.base_url(), **options)
