"""Post a signed webhook event to an integration served by ``ocean sail`` (or ``create_app``),
from a test.

    body = b'{"action": "opened", "issue": {"id": 7}}'
    headers = {"X-Hub-Signature-256": hmac_sha256_signature("secret", body)}
    response = await post_webhook(client, "github", "events", body, headers)
    assert response.status_code == 202           # {"event_id": N}; handled after the answer
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import orjson

from ocean_core.signatures import hmac_sha256_hex


def hmac_sha256_signature(secret: str | bytes, body: bytes, *, prefix: str = "sha256=") -> str:
    """``prefix`` + the hex HMAC-SHA256 of ``body`` under ``secret`` (GitHub's
    ``X-Hub-Signature-256`` form; ``prefix=""`` for the bare digest)."""
    key = secret.decode() if isinstance(secret, bytes) else secret
    return prefix + hmac_sha256_hex(key, body)


def webhook_path(integration_id: str, name: str) -> str:
    """Where webhook ``name`` of an integration is posted (``ocean sail``'s route)."""
    return f"/api/integrations/{integration_id}/webhooks/{name}"


async def post_webhook(
    client: httpx.AsyncClient | str, integration_id: str, name: str,
    body: bytes | Mapping[str, Any] | list[Any], headers: Mapping[str, str] | None = None, *,
    query: Mapping[str, str] | None = None, wait: float = 10.0,
) -> httpx.Response:
    """POST ``body`` (bytes as given; a dict or list as JSON) to the integration's webhook
    ``name``, with ``headers`` (a signature: see ``hmac_sha256_signature``), through an httpx
    client (any base URL: an in-process ``ASGITransport`` client too) or to a base URL such
    as ``http://127.0.0.1:8000``, waiting at most ``wait`` seconds for the answer. No bearer
    token is sent: the webhook route needs none."""
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    sent = {"Content-Type": "application/json", **(headers or {})}
    path = webhook_path(integration_id, name)
    if isinstance(client, httpx.AsyncClient):
        request = client.build_request("POST", path, content=raw, headers=sent,
                                       params=dict(query or {}), timeout=wait)
        request.headers.pop("Authorization", None)  # the client's own token is not sent
        return await client.send(request)
    async with httpx.AsyncClient(base_url=client, timeout=wait) as own:
        return await own.post(path, content=raw, headers=sent, params=dict(query or {}))
