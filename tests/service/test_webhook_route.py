"""``POST /api/integrations/{id}/webhooks/{name}`` on ``ocean sail``: 404 (no such integration
or webhook, naming neither what exists), then 413 (the body limit), then 401 (not verified:
nothing stored, nothing logged, a counter), then 202 once stored; the worker applies it, and
the stats, the metrics and the SDK show it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from loguru import logger

from ocean_core.api import create_app
from ocean_core.catalog import Catalog, InboxStats, SQLiteCatalog
from ocean_core.config import load_config
from ocean_core.errors import CatalogError
from ocean_core.service import OceanService
from ocean_core.testing import post_webhook
from tests.reliability._catalogs import Unwritable
from tests.service.conftest import Served, serving
from tests.service.hooked import FAILS, SECRET, hooked, signed
from tests.service.support import TOKEN, Gate, write_config
from tests.service.test_api_limits import Body, _call

pytestmark = pytest.mark.anyio
UPSERT = b'{"action": "upserted", "item": {"id": 7, "name": "Seven"}}'


@pytest.fixture
def logs() -> Iterator[list[str]]:
    captured: list[str] = []
    sink = logger.add(lambda m: captured.append(str(m) + repr(m.record["extra"])), level=0)
    yield captured
    logger.remove(sink)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    config = write_config(tmp_path, hooked("h"), api={"token": TOKEN, "max_body_bytes": 256},
                          webhooks={"retry_delay": 0, "max_attempts": 3})
    async with serving(config) as running:
        yield running


async def inbox(served: Served) -> InboxStats:
    return await served.service.catalog.inbox_stats("h")


async def settled(served: Served, count: int) -> None:
    with anyio.fail_after(20):
        await served.service.get("h").webhooks.worker.wait_settled(count)


async def entities(served: Served) -> dict[str, str | None]:
    found = await served.service.catalog.list_entities(integration_id="h")
    return {e.identifier: e.title for e in found}


async def test_a_signed_event_is_stored_answered_202_then_applied(served: Served) -> None:
    response = await post_webhook(served.client, "h", "items", UPSERT, signed(UPSERT))
    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]
    assert isinstance(event_id, int)
    await settled(served, 1)
    assert (await entities(served))["7"] == "Seven"
    deleted = b'{"action": "deleted", "item": {"id": 7}}'
    assert (await post_webhook(served.client, "h", "items", deleted,
                               signed(deleted))).status_code == 202
    await settled(served, 2)
    assert "7" not in await entities(served)
    stats = (await served.client.get("/api/integrations/h/webhooks")).json()
    assert stats["webhooks"] == ["items"] and stats["runs_here"] is True
    assert {k: stats[k] for k in ("received", "handled", "failed", "pending", "rejected")} == {
        "received": 2, "handled": 2, "failed": 0, "pending": 0, "rejected": 0}
    assert stats["last_received_at"] is not None and stats["last_handled_at"] is not None
    metrics = (await served.client.get("/metrics")).text
    assert 'ocean_webhook_events_total{integration="h",outcome="received"} 2.0' in metrics
    assert 'ocean_webhook_events_total{integration="h",outcome="handled"} 2.0' in metrics
    assert 'ocean_webhook_latency_seconds_count{integration="h",outcome="handled"} 2.0' in metrics


@pytest.mark.parametrize("headers", [
    {}, signed(UPSERT, "wrong-secret"), {"X-Hooked-Signature": "sha256="},
    {"X-Hooked-Signature": signed(b"another body")["X-Hooked-Signature"]},
])
async def test_an_unverified_request_is_401_and_nothing_of_it_is_kept_or_logged(
    served: Served, headers: dict[str, str], logs: list[str],
) -> None:
    body = b'{"action": "upserted", "item": {"id": "leak-me-not"}}'
    response = await post_webhook(served.client, "h", "items", body, headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert "leak-me-not" not in response.text and "sha256" not in response.text
    assert await inbox(served) == InboxStats()
    stats = (await served.client.get("/api/integrations/h/webhooks")).json()
    assert (stats["received"], stats["rejected"]) == (0, 1)
    metrics = (await served.client.get("/metrics")).text
    assert 'ocean_webhook_events_total{integration="h",outcome="rejected"} 1.0' in metrics
    assert not [line for line in logs if "leak-me-not" in line or "sha256=" in line]


async def test_a_verification_that_raises_is_a_401(served: Served) -> None:
    integration: Any = served.service.get("h").ocean.integration

    def broken(request: object) -> bool:
        raise ValueError("a bug in the integration's check")

    integration.verify_webhook = broken
    response = await post_webhook(served.client, "h", "items", UPSERT, signed(UPSERT))
    assert response.status_code == 401 and "bug" not in response.text
    assert await inbox(served) == InboxStats()


@pytest.mark.parametrize(("integration_id", "name"), [("nope", "items"), ("h", "nope")])
async def test_no_such_integration_or_webhook_is_404_naming_neither_what_exists(
    served: Served, integration_id: str, name: str,
) -> None:
    for body in (UPSERT, b"x" * 10_000):  # the 404 comes before the body limit
        response = await post_webhook(served.client, integration_id, name, body, signed(body))
        assert response.status_code == 404, response.text
        assert "known" not in response.json()
        assert '"h"' not in response.text.replace(f"{integration_id!r}", "")
        assert "items'" not in response.text.replace(f"{name!r}", "")
    assert await inbox(served) == InboxStats()


async def test_a_body_over_the_limit_is_413_reading_no_more_than_the_limit(
    served: Served,
) -> None:
    big = b'{"pad": "' + b"x" * 300 + b'"}'
    declared = await post_webhook(served.client, "h", "items", big, signed(big))
    chunked = Body([b"x" * 100] * 50)  # no length said: read until over the limit
    path = "/api/integrations/h/webhooks/items"
    streamed = await _call(served.app, "POST", path, chunked)
    assert declared.status_code == 413 and declared.json()["error"] == "too_large"
    assert streamed[0] == 413 and chunked.taken == 3
    assert streamed[1]["connection"] == "close"
    assert await inbox(served) == InboxStats()
    assert (await served.client.get("/api/integrations/h/webhooks")).json()["rejected"] == 0


async def test_a_body_that_does_not_arrive_in_time_is_408(tmp_path: Path) -> None:
    config = write_config(tmp_path, hooked("h"), api={"token": TOKEN, "read_timeout": 0.05})
    async with serving(config) as served:
        stalled = Body([], stall=True)
        answer = await _call(served.app, "POST", "/api/integrations/h/webhooks/items", stalled)
        assert answer[0] == 408
        assert await inbox(served) == InboxStats()


async def test_the_route_needs_no_token_and_ignores_a_wrong_one(served: Served) -> None:
    response = await served.client.post(
        "/api/integrations/h/webhooks/items", content=UPSERT,
        headers={**signed(UPSERT), "Authorization": "Bearer wrong"})
    assert response.status_code == 202
    stats = await served.client.get("/api/integrations/h/webhooks",
                                    headers={"Authorization": "Bearer wrong"})
    assert stats.status_code == 401  # the stats are the API's, behind the token


async def test_a_failing_handler_is_retried_then_recorded_failed(served: Served) -> None:
    FAILS.update(twice=2, always=99)
    for fail in ("twice", "always"):
        body = b'{"action": "upserted", "fail": "%s", "item": {"id": "%s"}}' % (
            fail.encode(), fail.encode())
        assert (await post_webhook(served.client, "h", "items", body,
                                   signed(body))).status_code == 202
    await settled(served, 2)
    assert "twice" in await entities(served) and "always" not in await entities(served)
    stats = (await served.client.get("/api/integrations/h/webhooks")).json()
    assert (stats["handled"], stats["failed"], stats["retried"]) == (1, 1, 4)
    newest = stats["failures"][0]
    assert newest["status"] == "failed" and newest["attempts"] == 3
    assert newest["error"] == "RuntimeError: the source is flaky (always)"


async def test_a_body_that_is_not_json_fails_at_once(served: Served) -> None:
    body = b"<not json/>"
    assert (await post_webhook(served.client, "h", "items", body, signed(body))
            ).status_code == 202
    await settled(served, 1)
    stats = await inbox(served)
    assert (stats.failed, stats.retried) == (1, 0)
    assert stats.failures[0].error.startswith("WebhookBodyError: webhook 'items'")


async def test_a_catalog_that_cannot_store_the_event_is_503(tmp_path: Path) -> None:
    loaded = load_config(write_config(tmp_path, hooked("h")))
    store: Any = Unwritable(SQLiteCatalog(tmp_path / "c.db"))
    async with OceanService(loaded, catalog=store) as service:
        transport = httpx.ASGITransport(app=create_app(loaded, service=service))
        async with httpx.AsyncClient(transport=transport, base_url="http://ocean") as client:
            store.refusing = CatalogError("attempt to write a readonly database")
            refused = await post_webhook(client, "h", "items", UPSERT, signed(UPSERT))
            store.refusing = None
            stored = await post_webhook(client, "h", "items", UPSERT, signed(UPSERT))
    catalog: Catalog = store.inner
    assert refused.status_code == 503 and "Seven" not in refused.text
    assert stored.status_code == 202
    assert (await catalog.inbox_stats("h")).received == 1
    await catalog.close()


async def test_every_webhook_route_of_the_openapi_document_refuses_an_unverified_request(
    served: Served,
) -> None:
    document = (await served.client.get("/openapi.json")).json()
    routes = [path for path, ops in document["paths"].items()
              if "/webhooks/" in path and "post" in ops]
    assert routes == ["/api/integrations/{integration_id}/webhooks/{name}"]
    assert "security" not in document["paths"][routes[0]]["post"]
    names = served.service.get("h").ocean.integration.declared_webhooks()
    for path in routes:
        for spec in names:
            concrete = path.format(integration_id="h", name=spec.name)
            for headers in ({}, signed(UPSERT, SECRET + "x")):
                response = await served.client.post(concrete, content=UPSERT, headers={
                    **headers, "Authorization": f"Bearer {TOKEN}"})
                assert response.status_code == 401, (concrete, headers)
    assert await inbox(served) == InboxStats()


async def test_an_event_is_applied_while_a_resync_is_blocked_and_the_run_keeps_it(
    tmp_path: Path, gate: Gate,
) -> None:
    config = write_config(tmp_path, {**hooked("h", items=3, gate="g"), "resync_on_start": True},
                          webhooks={"retry_delay": 0})
    async with serving(config) as served:
        with anyio.fail_after(20):
            await gate.reached.wait()  # the run listed item 0 and is stuck before 1 and 2
        renamed = b'{"action": "upserted", "item": {"id": 2, "name": "Renamed live"}}'
        gone = b'{"action": "deleted", "item": {"id": 0}}'
        for body in (renamed, gone):
            answer = await post_webhook(served.client, "h", "items", body, signed(body))
            assert answer.status_code == 202
        await settled(served, 2)  # handled while the run still waits
        assert served.service.get("h").ocean.current_run is not None
        assert await entities(served) == {"2": "Renamed live"}
        gate.release.set()
        await served.idle("h")
        assert await entities(served) == {"1": "Item 1", "2": "Renamed live"}  # rule 8
