"""The public names of rule 8's contract (DESIGN.md): LiveChange, WebhookRequest, @webhook,
``Integration.verify_webhook``."""

from __future__ import annotations

import pytest

from ocean_core import Integration, LiveChange, WebhookRequest, kind, webhook
from ocean_core.errors import ConfigError
from ocean_core.live import WebhookBodyError


class Shop(Integration):
    type = "shop"

    @kind("product")
    async def products(self):  # type: ignore[no-untyped-def]
        yield [{"id": 1}]

    @webhook("products")
    async def product_events(self, request: WebhookRequest) -> list[LiveChange]:
        return [LiveChange("product", upserted=[request.json()["product"]])]


class Verifying(Shop):
    def verify_webhook(self, request: WebhookRequest) -> bool:
        return request.headers.get("X-Token") == "yes"


def test_verify_webhook_refuses_everything_by_default() -> None:
    request = WebhookRequest.of("products", b"{}", {"x-token": "yes"})
    assert Shop().verify_webhook(request) is False
    assert Verifying().verify_webhook(request) is True


def test_headers_are_case_insensitive_and_query_is_a_mapping() -> None:
    request = WebhookRequest.of("p", b"", [("X-Hub-Signature-256", "sha256=ab")], {"a": "1"})
    assert request.headers["x-hub-signature-256"] == "sha256=ab"
    assert request.headers.get("X-HUB-SIGNATURE-256") == "sha256=ab"
    assert "X-Hub-Signature-256" in request.headers
    assert request.query == {"a": "1"}
    assert "sha256=ab" not in repr(request.headers)


@pytest.mark.anyio
async def test_a_webhook_handler_is_found_by_name() -> None:
    handler = Shop().webhook_handler("products")
    assert handler is not None
    changes = await handler(WebhookRequest.of("products", b'{"product": {"id": 2}}'))
    assert changes == [LiveChange("product", upserted=[{"id": 2}])]
    assert Shop().webhook_handler("nope") is None
    assert [spec.name for spec in Verifying.declared_webhooks()] == ["products"]


def test_a_body_that_is_not_json_names_the_webhook() -> None:
    with pytest.raises(WebhookBodyError, match="webhook 'p': the body is not JSON"):
        WebhookRequest.of("p", b"<xml/>").json()


@pytest.mark.parametrize("name", ["", "a/b", " a", 3])
def test_a_webhook_name_is_one_url_segment(name: object) -> None:
    with pytest.raises(ConfigError, match="@webhook"):
        webhook(name)  # type: ignore[arg-type]


def test_a_live_change_needs_a_kind() -> None:
    with pytest.raises(TypeError, match="kind name"):
        LiveChange("")  # type: ignore[arg-type]
    assert not LiveChange("product")
    assert LiveChange("product", deleted=[{"id": 1}])


def test_json_object_refuses_a_body_that_is_json_but_not_an_object() -> None:
    assert WebhookRequest.of("p", b'{"a": 1}').json_object() == {"a": 1}
    with pytest.raises(WebhookBodyError, match="webhook 'p': the body is not a JSON object"):
        WebhookRequest.of("p", b"[1]").json_object()
