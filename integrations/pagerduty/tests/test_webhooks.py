"""PagerDuty v3 webhooks: X-PagerDuty-Signature (any of several v1= signatures), and incident
and service events as live changes in the listing's shape (fetched again when partial)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from integrations.pagerduty import PagerDutyIntegration
from integrations.pagerduty.config import PagerDutyConfig
from ocean_core import LiveChange, Ocean, WebhookRequest
from ocean_core._secrets import is_secret_field
from ocean_core.catalog import MemoryCatalog
from ocean_core.errors import TerminalHTTPError
from ocean_core.testing import map_items, recorded_transport, run_resync

from .conftest import load, make, routes

SECRET = "pd-webhook-secret"
Item = dict[str, Any]


def incident(index: int = 0) -> Item:
    found: Item = load("incidents")["incidents"][index]  # 0: acknowledged, 1: triggered
    return found


def service() -> Item:
    found: Item = load("services_page1")["services"][0]
    return found


def v3_data(full: Item) -> Item:
    """The incident as a v3 webhook gives it: fewer fields, some under other names."""
    return {"id": full["id"], "type": "incident", "self": full["self"],
            "html_url": full["html_url"], "number": full["incident_number"],
            "status": full["status"], "title": full["title"], "created_at": full["created_at"],
            "service": full["service"], "urgency": full.get("urgency"),
            "assignees": [a["assignee"] for a in full["assignments"]]}


def event(event_type: str, data: Item) -> Item:
    return {"event": {"id": "01EVENT", "event_type": event_type,
                      "resource_type": event_type.partition(".")[0],
                      "occurred_at": "2024-06-12T11:59:00Z", "data": data}}


def sign(body: bytes, secret: str = SECRET) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def delivery(payload: Any, signature: str | None = None) -> WebhookRequest:
    body = json.dumps(payload).encode()
    header = sign(body) if signature is None else signature
    return WebhookRequest.of("pagerduty", body, {"X-PagerDuty-Signature": header,
                                                 "Content-Type": "application/json"})


def pagerduty(extra: dict[str, Any] | None = None, **config: Any) -> PagerDutyIntegration:
    transport = recorded_transport({**routes(), **(extra or {})})
    return make(transport, webhook_secret=SECRET, **config)


async def handle(integration: PagerDutyIntegration, payload: Any) -> list[LiveChange]:
    handler = integration.webhook_handler("pagerduty")
    assert handler is not None
    return list(await handler(delivery(payload)))


# --- verification -------------------------------------------------------------------------

def test_a_correct_signature_verifies() -> None:
    assert pagerduty().verify_webhook(delivery(event("pagey.ping", {"id": "x"})))


def test_any_of_several_signatures_verifies() -> None:
    payload = event("incident.triggered", v3_data(incident(1)))
    body = json.dumps(payload).encode()
    rotated = f"{sign(body, 'old-secret')}, {sign(body)}"
    assert pagerduty().verify_webhook(delivery(payload, rotated))


@pytest.mark.parametrize("signature", ["", "v1=00", "v1=", ",", "sha256=00"])
def test_a_wrong_or_missing_signature_is_refused(signature: str) -> None:
    assert not pagerduty().verify_webhook(delivery(event("pagey.ping", {}), signature))


def test_signatures_under_another_secret_or_body_are_refused() -> None:
    payload = event("pagey.ping", {"id": "x"})
    body = json.dumps(payload).encode()
    assert not pagerduty().verify_webhook(delivery(payload, sign(body, "other")))
    assert not pagerduty().verify_webhook(delivery(payload, sign(body + b" ")))
    assert not pagerduty().verify_webhook(WebhookRequest.of("pagerduty", body, {}))


def test_without_a_secret_every_webhook_is_refused() -> None:
    assert not make().verify_webhook(delivery(event("pagey.ping", {"id": "x"})))


def test_the_secret_is_declared_secret_and_kept_out_of_cursors() -> None:
    integration = pagerduty()
    assert is_secret_field(PagerDutyConfig, ("webhook_secret",))
    assert SECRET not in repr(integration.config)
    assert "webhook_secret" not in integration.cursor_config()
    assert [s.name for s in PagerDutyIntegration.declared_webhooks()] == ["pagerduty"]


# --- events -------------------------------------------------------------------------------

@pytest.mark.anyio
@pytest.mark.parametrize("event_type", [
    "incident.triggered", "incident.acknowledged", "incident.reassigned", "incident.escalated",
    "incident.priority_updated", "incident.annotated",
])
async def test_an_incident_event_fetches_and_upserts_the_incident(event_type: str) -> None:
    full = incident(1)
    integration = pagerduty({f"/incidents/{full['id']}": {"incident": full}})
    assert await handle(integration, event(event_type, v3_data(full))) == [
        LiveChange("incident", upserted=[full])]


@pytest.mark.anyio
async def test_a_complete_incident_is_not_fetched_again() -> None:
    integration = pagerduty()
    transport = integration.transport
    assert await handle(integration, event("incident.acknowledged", incident(0))) == [
        LiveChange("incident", upserted=[incident(0)])]
    assert transport is not None and transport.requests == []  # type: ignore[attr-defined]


@pytest.mark.anyio
async def test_a_resolved_incident_leaves_a_catalog_of_open_ones() -> None:
    resolved = {**incident(0), "status": "resolved"}
    path = f"/incidents/{resolved['id']}"
    integration = pagerduty({path: {"incident": resolved}})
    assert await handle(integration, event("incident.resolved", v3_data(resolved))) == [
        LiveChange("incident", deleted=[resolved])]
    every = pagerduty({path: {"incident": resolved}},
                      incident_statuses=["triggered", "acknowledged", "resolved"])
    assert await handle(every, event("incident.resolved", v3_data(resolved))) == [
        LiveChange("incident", upserted=[resolved])]


@pytest.mark.anyio
async def test_an_incident_older_than_the_window_is_deleted() -> None:
    old = {**incident(1), "created_at": "2024-01-01T00:00:00Z"}
    integration = pagerduty({f"/incidents/{old['id']}": {"incident": old}})
    assert await handle(integration, event("incident.acknowledged", v3_data(old))) == [
        LiveChange("incident", deleted=[old])]


@pytest.mark.anyio
async def test_an_incident_gone_is_deleted_and_a_failed_fetch_fails_the_event() -> None:
    gone = v3_data(incident(1))
    assert await handle(pagerduty(), event("incident.acknowledged", gone)) == [
        LiveChange("incident", deleted=[gone])]
    refuse = {f"/incidents/{gone['id']}": lambda request: httpx.Response(401, json={})}
    with pytest.raises(TerminalHTTPError, match="401"):
        await handle(pagerduty(refuse), event("incident.acknowledged", gone))


@pytest.mark.anyio
async def test_service_events() -> None:
    full = service()
    partial = {"id": full["id"], "type": "service", "summary": full["summary"]}
    integration = pagerduty({f"/services/{full['id']}": {"service": full}})
    assert await handle(integration, event("service.updated", partial)) == [
        LiveChange("service", upserted=[full])]
    assert await handle(integration, event("service.deleted", partial)) == [
        LiveChange("service", deleted=[partial])]


@pytest.mark.anyio
async def test_ping_and_other_events_change_nothing() -> None:
    integration = pagerduty()
    assert await handle(integration, event("pagey.ping", {"id": "P1", "type": "ping"})) == []
    assert await handle(integration, {"messages": []}) == []  # a v2 payload
    assert await handle(integration, event("incident.triggered", {"type": "incident"})) == []


# --- the mapping applies unchanged ----------------------------------------------------------

@pytest.mark.anyio
async def test_live_items_map_to_the_entities_a_resync_writes() -> None:
    full = incident(1)
    integration = pagerduty({f"/incidents/{full['id']}": {"incident": full}})
    fetched = {(e.blueprint, e.identifier): e for e in (await run_resync(integration)).entities}
    [change] = await handle(integration, event("incident.triggered", v3_data(full)))
    [entity] = await map_items(integration, "incident", change.upserted)
    same = fetched[(entity.blueprint, entity.identifier)]
    assert (entity.title, entity.properties, entity.relations) == (
        same.title, same.properties, same.relations)


# --- end to end: through Ocean.handle_webhook into a catalog ----------------------------------

@pytest.mark.anyio
async def test_events_applied_through_the_engine_change_the_catalog() -> None:
    acknowledged = {**incident(1), "status": "acknowledged"}
    resolved = {**incident(0), "status": "resolved"}
    integration = pagerduty({f"/incidents/{acknowledged['id']}": {"incident": acknowledged},
                             f"/incidents/{resolved['id']}": {"incident": resolved}})
    catalog = MemoryCatalog()
    ocean = Ocean(integration, catalog=catalog, integration_id="pagerduty")
    await ocean.resync()
    for payload in [event("incident.acknowledged", v3_data(acknowledged)),
                    event("incident.resolved", v3_data(resolved))]:
        request = delivery(payload)
        assert integration.verify_webhook(request)
        await ocean.handle_webhook(request)
    incidents = {e.identifier: e for e in await catalog.list_entities(integration_id="pagerduty")
                 if e.blueprint == "pagerdutyIncident"}
    assert set(incidents) == {acknowledged["id"]}
    assert incidents[acknowledged["id"]].properties["status"] == "acknowledged"
