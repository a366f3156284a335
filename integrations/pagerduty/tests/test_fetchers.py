"""The fetchers against recorded responses: pagination, parameters, headers, retries, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from integrations.pagerduty import PagerDutyIntegration
from ocean_core.errors import PaginationError, TerminalHTTPError
from ocean_core.testing import recorded_transport

from .conftest import TOKEN, Sleeps, by_offset, empty, load, make, routes


async def collect(batches: AsyncIterator[Any]) -> list[list[dict[str, Any]]]:
    return [list(batch) async for batch in batches]


def ids(batches: list[list[dict[str, Any]]], key: str = "id") -> list[list[Any]]:
    return [[item[key] for item in batch] for batch in batches]


@pytest.mark.anyio
async def test_services_page_by_offset_until_more_is_false() -> None:
    transport = recorded_transport(routes())
    batches = await collect(make(transport).services())
    assert ids(batches) == [["PSVC001", "PSVC002"], ["PSVC003"]]
    assert [r.url.params["offset"] for r in transport.requests] == ["0", "2"]
    assert {r.url.params["limit"] for r in transport.requests} == {"2"}


@pytest.mark.anyio
async def test_a_short_page_with_more_true_is_followed() -> None:
    # PagerDuty may serve fewer items than the limit asked for: only `more` ends the listing.
    transport = recorded_transport(routes())
    batches = await collect(make(transport, page_size=100).oncalls())
    assert [len(batch) for batch in batches] == [2, 1]
    assert [r.url.params["offset"] for r in transport.requests] == ["0", "2"]


@pytest.mark.anyio
async def test_requests_carry_the_token_and_the_v2_accept_header() -> None:
    transport = recorded_transport(routes())
    await collect(make(transport).schedules())
    (request,) = transport.requests
    assert request.headers["Authorization"] == f"Token token={TOKEN}"
    assert request.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert request.url.host == "api.pagerduty.com"


@pytest.mark.anyio
async def test_the_eu_region_is_a_base_url() -> None:
    transport = recorded_transport(routes())
    await collect(make(transport, base_url="https://api.eu.pagerduty.com").schedules())
    assert transport.requests[0].url.host == "api.eu.pagerduty.com"


@pytest.mark.anyio
async def test_incidents_are_filtered_by_status_and_since() -> None:
    transport = recorded_transport(routes())
    batches = await collect(make(transport).incidents())
    assert ids(batches) == [["Q2K8W1ZQ4ABCDE", "Q0ZX7Y6W5VUTSR"]]
    params = transport.requests[0].url.params
    assert params.get_list("statuses[]") == ["triggered", "acknowledged"]
    assert params["since"] == "2024-05-13T12:00:00Z"  # 30 days before NOW


@pytest.mark.anyio
async def test_incident_filters_come_from_the_config() -> None:
    transport = recorded_transport(routes())
    integration = make(transport, incident_statuses=["resolved"], incidents_since_days=7)
    await collect(integration.incidents())
    params = transport.requests[0].url.params
    assert params.get_list("statuses[]") == ["resolved"]
    assert params["since"] == "2024-06-05T12:00:00Z"


@pytest.mark.anyio
async def test_an_empty_listing_yields_no_batch() -> None:
    transport = recorded_transport(routes(incidents=empty("incidents")))
    assert await collect(make(transport).incidents()) == []
    kinds = {spec.name: spec.may_be_empty for spec in PagerDutyIntegration.declared_kinds()}
    assert kinds == {
        "service": False, "incident": True, "escalation-policy": False,
        "schedule": True, "oncall": True,
    }


@pytest.mark.anyio
async def test_a_rate_limited_request_waits_for_the_reset_and_retries() -> None:
    served = by_offset(load("schedules"))
    calls: list[int] = []

    def limited(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            body = {"error": {"message": "Rate Limit Exceeded", "code": 2020}}
            return httpx.Response(429, json=body, headers={"ratelimit-reset": "7"})
        return served(request)

    sleeps = Sleeps()
    integration = make(recorded_transport(routes(schedules=limited)), sleeps=sleeps)
    batches = await collect(integration.schedules())
    assert ids(batches) == [["PSCH001"]]
    assert sleeps == [7.0]


@pytest.mark.anyio
async def test_more_true_on_a_repeated_page_is_a_pagination_error() -> None:
    stuck = {**load("services_page1"), "offset": 0}
    transport = recorded_transport(routes(services=lambda request: httpx.Response(200, json=stuck)))
    with pytest.raises(PaginationError, match="more is true"):
        await collect(make(transport).services())
    assert len(transport.requests) == 2


@pytest.mark.anyio
async def test_more_true_on_an_empty_page_is_a_pagination_error() -> None:
    broken = {**empty("schedules"), "more": True}
    transport = recorded_transport(routes(schedules=broken))
    with pytest.raises(PaginationError, match="/schedules"):
        await collect(make(transport).schedules())


@pytest.mark.anyio
async def test_a_response_without_the_collection_is_an_error() -> None:
    transport = recorded_transport(routes(schedules={"error": "unexpected"}))
    with pytest.raises(PaginationError, match="'schedules'"):
        await collect(make(transport).schedules())


@pytest.mark.anyio
async def test_an_authentication_error_never_shows_the_token() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        # Echo the credential back, as a misconfigured proxy might: it must still be redacted.
        body = {"error": {"message": "Authentication failed",
                          "code": 2006, "got": request.headers["Authorization"]}}
        return httpx.Response(401, json=body)

    transport = recorded_transport(routes(services=refuse))
    with pytest.raises(TerminalHTTPError) as caught:
        await collect(make(transport).services())
    assert caught.value.status == 401
    assert "Authentication failed" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert len(transport.requests) == 1, "a 401 is not retried"
