"""PagerDuty v3 webhook events as live changes.

A v3 delivery is ``{"event": {"event_type": "incident.acknowledged", "resource_type":
"incident", "data": {...}}}``, signed with ``X-PagerDuty-Signature: v1=<hex HMAC-SHA256 of
the body>`` (several, comma-separated, while a secret is rotated). ``event.data`` is the
incident in the webhook's own, smaller shape (``number``, ``assignees``, no ``updated_at``),
so an incident (or a service) is fetched again from the REST API unless ``data`` already has
every field the listing's items have: the item is then what the listing yields.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from ocean_core import LiveChange

SIGNATURE_HEADER = "X-PagerDuty-Signature"
SIGNATURE_PREFIX = "v1="

Item = dict[str, Any]
Fetch = Callable[[str, str], Awaitable[Item | None]]
"""GET ``path`` and return the object under ``key`` (``incident``), ``None`` if gone (404)."""
Tracked = Callable[[Item], bool]
"""Whether the integration keeps an incident (its statuses and window)."""
Changes = list[LiveChange]

INCIDENT_FIELDS = frozenset({
    "id", "title", "incident_number", "status", "urgency", "assignments", "created_at",
    "updated_at", "html_url", "service", "escalation_policy",
})
SERVICE_FIELDS = frozenset({"id", "name", "status", "html_url", "description", "created_at",
                            "last_incident_timestamp", "teams", "escalation_policy"})


def signatures(header: str | None) -> list[str]:
    """The signatures of an ``X-PagerDuty-Signature`` header."""
    return [part.strip() for part in (header or "").split(",") if part.strip()]


async def live_changes(body: Item, fetch: Fetch, tracked: Tracked) -> Changes:
    """What the event changed: incident and service events; nothing for the others
    (``pagey.ping`` included)."""
    event = body.get("event")
    if not isinstance(event, dict):
        return []
    event_type, data = event.get("event_type"), event.get("data")
    if not isinstance(event_type, str) or not isinstance(data, dict) or "id" not in data:
        return []
    resource, _, action = event_type.partition(".")
    if resource == "incident":
        return await _incident(data, fetch, tracked)
    if resource == "service":
        return await _service(action, data, fetch)
    return []


async def _incident(data: Item, fetch: Fetch, tracked: Tracked) -> Changes:
    current = await _complete(data, INCIDENT_FIELDS, fetch, f"/incidents/{data['id']}",
                              "incident")
    if current is None:
        return [LiveChange("incident", deleted=[data])]
    if not tracked(current):
        return [LiveChange("incident", deleted=[current])]
    return [LiveChange("incident", upserted=[current])]


async def _service(action: str, data: Item, fetch: Fetch) -> Changes:
    if action == "deleted":
        return [LiveChange("service", deleted=[data])]
    current = await _complete(data, SERVICE_FIELDS, fetch, f"/services/{data['id']}",
                              "service")
    if current is None:
        return [LiveChange("service", deleted=[data])]
    return [LiveChange("service", upserted=[current])]


async def _complete(data: Item, fields: Collection[str], fetch: Fetch, path: str, key: str
                    ) -> Item | None:
    if all(name in data for name in fields):
        return data
    return await fetch(path, key)
