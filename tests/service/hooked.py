"""An integration type with a webhook, for the service's webhook tests.

Configured as ``type: tests.service.hooked:Hooked``. Its one kind, ``item``, lists ``items``
raw items; its webhook ``items`` takes ``{"action": "upserted"|"deleted", "item": {...}}``,
signed with HMAC-SHA256 of ``webhook_secret`` in ``X-Hooked-Signature``. An item whose
``fail`` names a key of ``FAILS`` fails that many attempts first (a flaky source); with
``gate``, the first run waits on that gate after its first item (a source stuck in I/O).
"""

from __future__ import annotations

import hmac
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ocean_core import Integration, LiveChange, WebhookRequest, kind, webhook
from ocean_core.testing import hmac_sha256_signature
from tests.service.support import hold_first_run

HOOKED = "tests.service.hooked:Hooked"
SECRET = "webhook-secret-for-tests"
SIGNATURE = "X-Hooked-Signature"
FAILS: dict[str, int] = {}
"""A failure's name -> attempts still to fail (reset per test by the service conftest)."""

MAPPING = {"resources": [{
    "kind": "item", "selector": {"query": ".hidden != true"},
    "port": {"entity": {"mappings": {
        "identifier": ".id | tostring", "title": ".name", "blueprint": '"item"',
        "properties": {"name": ".name"}, "relations": {}}}}}]}


class HookedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: int = 2
    webhook_secret: str = SECRET
    gate: str | None = None
    """A gate of ``tests.service.support``: the first run waits on it after its first item."""


class Hooked(Integration):
    type = "hooked"
    config_model = HookedConfig
    default_mapping: ClassVar[dict[str, Any] | None] = MAPPING

    @kind("item")
    async def fetch_items(self) -> Any:
        config: HookedConfig = self.config  # type: ignore[assignment]
        items = [{"id": n, "name": f"Item {n}"} for n in range(config.items)]
        yield items[:1]
        await hold_first_run(config.gate)
        yield items[1:]

    def verify_webhook(self, request: WebhookRequest) -> bool:
        config: HookedConfig = self.config  # type: ignore[assignment]
        expected = hmac_sha256_signature(config.webhook_secret, request.body)
        return hmac.compare_digest(request.headers.get(SIGNATURE, ""), expected)

    @webhook("items")
    async def item_events(self, request: WebhookRequest) -> list[LiveChange]:
        event = request.json()
        failure = event.get("fail")
        if failure and FAILS.get(failure, 0) > 0:
            FAILS[failure] -= 1
            raise RuntimeError(f"the source is flaky ({failure})")
        if event["action"] == "deleted":
            return [LiveChange("item", deleted=[event["item"]])]
        return [LiveChange("item", upserted=[event["item"]])]


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {SIGNATURE: hmac_sha256_signature(secret, body)}


def hooked(integration_id: str, **config: Any) -> dict[str, Any]:
    return {"id": integration_id, "type": HOOKED, "config": config,
            "resync_on_start": False}
