"""The fake's webhook ``events``: signed bodies naming items upserted or deleted.

A body is one change or several::

    {"kind": "service", "upserted": [{...an item...}, 5], "deleted": [7, {"id": "service-9"}],
     "revision": 2}
    {"changes": [{"kind": "service", "upserted": [...]}, {"kind": "team", "deleted": [...]}]}

An item is either an object in the shape the fetchers yield (``make_item``'s), mapped by the
same mapping, or an index ``i``: item ``i`` of the kind at the body's ``revision`` (default 0),
as a fetch would yield it. A deleted object needs its ``id`` only. The signature is
``X-Fake-Signature: sha256=<hex HMAC-SHA256 of the body>`` under ``config.webhook_secret``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from pydantic import SecretStr

from ocean_core import Entity, LiveChange, WebhookRequest
from ocean_core.live import WebhookBodyError
from ocean_core.signatures import hmac_sha256_hex, signature_matches

SIGNATURE_HEADER = "X-Fake-Signature"
Make = Callable[[str, int, int], "dict[str, Any] | Entity"]
"""Item ``index`` of ``kind`` at ``revision``, as the fetchers yield it."""


def signed_headers(secret: str, body: bytes) -> dict[str, str]:
    """The headers that make ``body`` a verified ``events`` webhook under ``secret``."""
    return {SIGNATURE_HEADER: "sha256=" + hmac_sha256_hex(secret, body),
            "Content-Type": "application/json"}


def verify(secret: SecretStr | None, request: WebhookRequest) -> bool:
    """Whether the request carries the body's signature under ``secret`` (none: refused)."""
    return signature_matches(secret, request.body, request.headers.get(SIGNATURE_HEADER))


def live_changes(request: WebhookRequest, kinds: Collection[str], make: Make
                 ) -> list[LiveChange]:
    """The changes a verified body names, in its order."""
    body = request.json_object()
    listed = body.get("changes", [body])
    if not isinstance(listed, list):
        raise _bad(request, "'changes' is not a list")
    return [_change(request, change, kinds, make) for change in listed]


def _change(request: WebhookRequest, change: Any, kinds: Collection[str], make: Make
            ) -> LiveChange:
    if not isinstance(change, dict):
        raise _bad(request, f"a change is not an object: {_short(change)}")
    kind = change.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise _bad(request, f"kind {kind!r} is not one of this instance's ({sorted(kinds)})")
    revision = change.get("revision", 0)
    if not _is_index(revision):
        raise _bad(request, f"revision {revision!r} is not a whole number >= 0")
    items = {key: change.get(key, []) for key in ("upserted", "deleted")}
    for key, listed in items.items():
        if not isinstance(listed, list):
            raise _bad(request, f"{key!r} of kind {kind!r} is not a list")
    return LiveChange(
        kind,
        upserted=[_item(request, kind, item, revision, make) for item in items["upserted"]],
        deleted=[_item(request, kind, item, revision, make) for item in items["deleted"]],
    )


def _item(request: WebhookRequest, kind: str, item: Any, revision: int, make: Make
          ) -> dict[str, Any] | Entity:
    if _is_index(item):
        return make(kind, item, revision)
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item
    raise _bad(request, f"an item of kind {kind!r} is neither an index nor an object with a"
                        f" string 'id': {_short(item)}")


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bad(request: WebhookRequest, why: str) -> WebhookBodyError:
    return WebhookBodyError(f"webhook {request.name!r}: {why}")
