"""The fake's ``events`` webhook: HMAC-verified, its items mapped like fetched ones."""

from __future__ import annotations

import json
from typing import Any

import pytest

from integrations.fake import SIGNATURE_HEADER, FakeConfig, FakeIntegration, signed_headers
from integrations.fake.integration import make_entity, make_item
from ocean_core import LiveChange, Ocean, WebhookRequest
from ocean_core._secrets import is_secret_field
from ocean_core.catalog import MemoryCatalog
from ocean_core.live import WebhookBodyError
from ocean_core.testing import map_items

SECRET = "fake-webhook-secret"
NOT_AN_ITEM = "an item of kind .service. is neither an index nor an object"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def fake(**config: Any) -> FakeIntegration:
    return FakeIntegration({"webhook_secret": SECRET, **config})


def request(body: Any, headers: dict[str, str] | None = None) -> WebhookRequest:
    raw = json.dumps(body).encode()
    return WebhookRequest.of("events", raw, signed_headers(SECRET, raw) if headers is None
                             else headers)


async def changes(integration: FakeIntegration, body: Any) -> list[LiveChange]:
    handler = integration.webhook_handler("events")
    assert handler is not None
    return list(await handler(request(body)))


def test_the_webhook_is_declared_as_events() -> None:
    assert [spec.name for spec in FakeIntegration.declared_webhooks()] == ["events"]


def test_a_correct_signature_verifies() -> None:
    assert fake().verify_webhook(request({"kind": "service"}))


@pytest.mark.parametrize("headers", [
    {}, {SIGNATURE_HEADER: ""}, {SIGNATURE_HEADER: "sha256=00"},
    signed_headers("another-secret", b'{"kind": "service"}'),
])
def test_a_wrong_or_missing_signature_is_refused(headers: dict[str, str]) -> None:
    assert not fake().verify_webhook(request({"kind": "service"}, headers))


def test_a_signature_of_another_body_is_refused() -> None:
    signed = request({"kind": "service", "upserted": [1]})
    tampered = WebhookRequest.of("events", signed.body.replace(b"1", b"2"), signed.headers)
    assert not fake().verify_webhook(tampered)


def test_without_a_secret_every_webhook_is_refused() -> None:
    assert not FakeIntegration().verify_webhook(request({"kind": "service"}))


def test_the_secret_is_masked_in_the_config() -> None:
    integration = fake()
    assert SECRET not in repr(integration.config)
    assert SECRET not in json.dumps(integration.config.model_dump(mode="json"))
    assert SECRET not in json.dumps(integration.cursor_config())
    assert is_secret_field(FakeConfig, ("webhook_secret",))  # so no config error shows it


@pytest.mark.anyio
async def test_indexes_and_items_become_upserts_and_deletes() -> None:
    item = {**make_item("service", 3, 2), "name": "Renamed"}
    got = await changes(fake(), {"kind": "service", "upserted": [5, item], "deleted": [7],
                                 "revision": 2})
    assert got == [LiveChange("service", upserted=[make_item("service", 5, 2), item],
                              deleted=[make_item("service", 7, 2)])]


@pytest.mark.anyio
async def test_several_changes_in_one_body_keep_their_order() -> None:
    got = await changes(fake(), {"changes": [
        {"kind": "team", "deleted": [{"id": "team-1"}]},
        {"kind": "service", "upserted": [0]},
    ]})
    assert got == [LiveChange("team", deleted=[{"id": "team-1"}]),
                   LiveChange("service", upserted=[make_item("service", 0)])]


@pytest.mark.anyio
async def test_with_entities_true_indexes_become_entities() -> None:
    got = await changes(fake(entities=True), {"kind": "service", "upserted": [4]})
    assert got == [LiveChange("service", upserted=[make_entity("service", 4)])]


@pytest.mark.anyio
async def test_the_default_mapping_maps_live_items_as_fetched_ones() -> None:
    integration = fake(kinds={"service": 3})
    [change] = await changes(integration, {"kind": "service", "upserted": [0, 1, 2],
                                           "revision": 0})
    fetched = [item async for batch in integration.fetcher("service")() for item in batch]
    assert list(change.upserted) == fetched
    live = await map_items(integration, "service", change.upserted)
    expected = [make_entity("service", i) for i in range(3)]
    assert [(e.identifier, e.title, e.properties, e.relations) for e in live] == [
        (e.identifier, e.title, e.properties, e.relations) for e in expected]


@pytest.mark.anyio
@pytest.mark.parametrize(("body", "why"), [
    ([1], "the body is not a JSON object"),
    ({"changes": {}}, "'changes' is not a list"),
    ({"changes": [3]}, "a change is not an object"),
    ({"kind": "nope"}, "kind 'nope' is not one of"),
    ({"kind": "service", "upserted": {}}, "'upserted' of kind 'service' is not a list"),
    ({"kind": "service", "deleted": [-1]}, NOT_AN_ITEM),
    ({"kind": "service", "upserted": [True]}, NOT_AN_ITEM),
    ({"kind": "service", "upserted": [{"id": 3}]}, NOT_AN_ITEM),
    ({"kind": "service", "revision": "2"}, "revision '2' is not a whole number"),
])
async def test_a_body_that_names_nothing_valid_is_a_body_error(body: Any, why: str) -> None:
    with pytest.raises(WebhookBodyError, match=f"webhook 'events': {why}"):
        await changes(fake(), body)


# --- end to end: through Ocean.handle_webhook into a catalog ----------------------------------

@pytest.mark.anyio
async def test_events_applied_through_the_engine_change_the_catalog() -> None:
    catalog = MemoryCatalog()
    ocean = Ocean(fake(kinds={"service": 5}), catalog=catalog, integration_id="demo")
    await ocean.resync()
    signed = request({"kind": "service", "upserted": [2], "deleted": [4], "revision": 3})
    assert ocean.integration.verify_webhook(signed)
    report = await ocean.handle_webhook(signed)
    assert (report.upserted, report.deleted, report.errors) == (1, 1, 0)
    entities = {e.identifier: e for e in await catalog.list_entities(integration_id="demo")}
    assert sorted(entities) == ["service-0", "service-1", "service-2", "service-3"]
    assert entities["service-2"].properties["revision"] == 3
    again = await ocean.handle_webhook(signed)  # handled twice: the same catalog
    assert (again.upserted, again.unchanged, again.deleted) == (0, 1, 0)
