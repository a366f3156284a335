"""Jira Cloud webhook events as live changes.

A delivery names its event in ``webhookEvent`` (``jira:issue_updated``...) and carries the
issue as the webhook renders it (REST v2 formats, every field), not as the integration's
search returns it (REST v3, ``config.issue_fields``). So a created or updated issue is read
again by key (``GET /rest/api/3/issue/{key}``: consistent at once, unlike the search index,
and in the search's shape); projects and users likewise. A 404 means it is gone: deleted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

from ocean_core import LiveChange

SIGNATURE_HEADER = "X-Hub-Signature"

Item = dict[str, Any]
Fetch = Callable[[str, Mapping[str, str]], Awaitable[Item | None]]
"""GET a path of the REST API with query parameters: its JSON object, ``None`` if gone."""
Changes = list[LiveChange]
API = "/rest/api/3"


async def live_changes(body: Item, fetch: Fetch, issue_fields: list[str]) -> Changes:
    """What the event changed (issue, project and user events; nothing for the others)."""
    name = body.get("webhookEvent")
    if not isinstance(name, str):
        return []
    resource, _, action = name.removeprefix("jira:").rpartition("_")
    if resource == "issue":
        return await _issue(action, _object(body, "issue"), fetch, issue_fields)
    if resource == "project":
        return await _project(action, _object(body, "project"), fetch)
    if resource == "user":
        return await _user(action, _object(body, "user"), fetch)
    return []


def _object(body: Item, key: str) -> Item:
    found = body.get(key)
    return found if isinstance(found, dict) else {}


async def _issue(action: str, issue: Item, fetch: Fetch, issue_fields: list[str]) -> Changes:
    key = issue.get("key")
    if not isinstance(key, str) or action not in {"created", "updated", "deleted"}:
        return []
    if action == "deleted":
        return [LiveChange("issue", deleted=[issue])]
    fields = ",".join(dict.fromkeys([*issue_fields, "updated"]))  # as the search asks
    current = await fetch(f"{API}/issue/{quote(key, safe='')}", {"fields": fields})
    if current is None:
        return [LiveChange("issue", deleted=[issue])]
    return [LiveChange("issue", upserted=[current])]


async def _project(action: str, project: Item, fetch: Fetch) -> Changes:
    key = project.get("key")
    if not isinstance(key, str) or action not in {"created", "updated", "deleted"}:
        return []  # project_soft_deleted, project_archived...: the resync settles them
    if action == "deleted":
        return [LiveChange("project", deleted=[project])]
    current = await fetch(f"{API}/project/{quote(key, safe='')}",
                          {"expand": "description,lead"})
    if current is None:
        return [LiveChange("project", deleted=[project])]
    return [LiveChange("project", upserted=[current])]


async def _user(action: str, user: Item, fetch: Fetch) -> Changes:
    account = user.get("accountId")
    if not isinstance(account, str) or action not in {"created", "updated", "deleted"}:
        return []
    if action == "deleted":
        return [LiveChange("user", deleted=[user])]
    current = await fetch(f"{API}/user", {"accountId": account})
    if current is None:
        return [LiveChange("user", deleted=[user])]
    return [LiveChange("user", upserted=[current])]
