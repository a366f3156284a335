"""Retries: idempotent calls only, after a connection error, a timeout, 429 or 503, waiting what
``Retry-After`` says. The only tests with a fake server (``httpx.MockTransport``): the real one
cannot be made flaky on demand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ocean_core.http._retry import RetryPolicy
from ocean_core.sdk import (
    APIConnectionError,
    APITimeoutError,
    Client,
    Integration,
    KnowledgeBase,
    RateLimited,
    ServerError,
    aio,
)
from tests.sdk.support import TOKEN, URL

Outcome = httpx.Response | type[httpx.TransportError]
STATE = {"id": "box-a", "type": "Box", "name": None, "status": "idle", "generation": 0}


class Flaky:
    """Answers each request with the next outcome, then with ``last`` forever."""

    def __init__(self, *outcomes: Outcome, last: httpx.Response | None = None) -> None:
        self._outcomes: Iterator[Outcome] = iter(outcomes)
        self._last = last or httpx.Response(200, json=[STATE])
        self.requests: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(f"{request.method} {request.url.path}")
        outcome = next(self._outcomes, self._last)
        if isinstance(outcome, httpx.Response):
            return outcome
        raise outcome("flaky", request=request)


def client(flaky: Flaky, slept: list[float], **kwargs: Any) -> Client:
    policy = RetryPolicy(attempts=4, base_delay=1.0, retry_statuses=frozenset({429, 503}),
                         retry_methods=frozenset({"GET", "PUT", "DELETE"}),
                         jitter=lambda low, high: high)
    return Client(URL, TOKEN, transport=httpx.MockTransport(flaky), retry=policy,
                  sleep=slept.append, **kwargs)


def limited(seconds: str = "2") -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": seconds},
                          json={"detail": "slow down", "error": "too_many_requests"})


def unavailable() -> httpx.Response:
    return httpx.Response(503, json={"detail": "busy", "error": "unavailable"})


@pytest.mark.parametrize(("outcomes", "waits"), [
    ((limited("2"),), [2.0]),
    ((unavailable(), unavailable()), [1.0, 2.0]),
    ((httpx.ConnectError,), [1.0]),
    ((httpx.ReadTimeout, limited("0.5")), [1.0, 0.5]),
], ids=["429-retry-after", "503-backoff", "connect-error", "timeout-then-429"])
def test_a_get_is_retried_until_it_succeeds(outcomes: tuple[Outcome, ...],
                                            waits: list[float]) -> None:
    flaky, slept = Flaky(*outcomes), list[float]()
    with client(flaky, slept) as sdk:
        found = Integration.list(client=sdk)
    assert [i.type for i in found] == ["Box"]
    assert slept == waits
    assert flaky.requests == ["GET /api/integrations"] * (len(outcomes) + 1)


@pytest.mark.parametrize(("outcome", "error"), [
    (limited("3"), RateLimited), (unavailable(), ServerError),
    (httpx.ConnectError, APIConnectionError), (httpx.ReadTimeout, APITimeoutError),
])
def test_a_get_gives_up_after_its_attempts(outcome: Outcome, error: type[Exception]) -> None:
    flaky, slept = Flaky(*[outcome] * 4), list[float]()
    with client(flaky, slept) as sdk, pytest.raises(error) as caught:
        Integration.list(client=sdk)
    assert len(flaky.requests) == 4 and len(slept) == 3
    assert isinstance(caught.value.__cause__, httpx.TransportError) == (
        not isinstance(outcome, httpx.Response))


@pytest.mark.parametrize("outcome", [limited(), unavailable(), httpx.ConnectError,
                                     httpx.ReadTimeout])
def test_posts_are_never_retried(outcome: Outcome) -> None:
    flaky, slept = Flaky(outcome), list[float]()
    with client(flaky, slept) as sdk, pytest.raises(
        (RateLimited, ServerError, APIConnectionError, APITimeoutError)
    ):
        KnowledgeBase.new(name="Docs", client=sdk)
    assert flaky.requests == ["POST /api/knowledge-bases"] and slept == []


def test_a_delete_is_retried() -> None:
    info: dict[str, object] = {"id": "kb1", "name": "Docs", "created_at": None,
                               "integration_ids": []}
    flaky = Flaky(httpx.Response(201, json=info), unavailable(), last=httpx.Response(204))
    slept: list[float] = []
    with client(flaky, slept) as sdk:
        KnowledgeBase.new(name="Docs", id="kb1", client=sdk).delete()
    assert flaky.requests == ["POST /api/knowledge-bases", "DELETE /api/knowledge-bases/kb1",
                              "DELETE /api/knowledge-bases/kb1"]
    assert slept == [1.0]


def test_rate_limited_carries_retry_after_and_500_is_not_retried() -> None:
    boom = httpx.Response(500, json={"detail": "boom", "error": "internal"})
    flaky, slept = Flaky(boom), list[float]()
    with client(flaky, slept) as sdk, pytest.raises(ServerError) as caught:
        Integration.list(client=sdk)
    assert caught.value.retry_after is None and slept == [] and len(flaky.requests) == 1
    flaky, slept = Flaky(*[limited("7")] * 4), list[float]()
    with client(flaky, slept) as sdk, pytest.raises(RateLimited) as limited_error:
        Integration.list(client=sdk)
    assert limited_error.value.retry_after == 7.0 and slept == [7.0] * 3


@pytest.mark.anyio
async def test_the_async_client_retries_the_same_way() -> None:
    flaky, slept = Flaky(limited("2"), httpx.ConnectError, unavailable()), list[float]()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    policy = RetryPolicy(attempts=4, base_delay=1.0, retry_statuses=frozenset({429, 503}),
                         retry_methods=frozenset({"GET"}), jitter=lambda low, high: high)
    transport = httpx.MockTransport(flaky)
    async with aio.AsyncClient(URL, TOKEN, transport=transport, retry=policy,
                               sleep=sleep) as sdk:
        found = await aio.Integration.list(client=sdk)
        post_flaky = Flaky(limited())
        async with aio.AsyncClient(URL, TOKEN, transport=httpx.MockTransport(post_flaky),
                                   retry=policy, sleep=sleep) as other:
            with pytest.raises(RateLimited):
                await found[0].resync(client=other)
    assert slept == [2.0, 2.0, 4.0]
    assert len(flaky.requests) == 4 and post_flaky.requests == [
        "POST /api/integrations/box-a/resync"]


def test_the_default_policy_retries_only_idempotent_calls_on_429_and_503() -> None:
    from ocean_core.sdk import SDK_RETRY

    assert SDK_RETRY.retry_statuses == {429, 503}
    assert SDK_RETRY.retry_methods == {"GET", "PUT", "DELETE"}


