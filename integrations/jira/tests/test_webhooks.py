"""Jira Cloud webhooks: X-Hub-Signature (sha256=) verification, and issue, project and user
events as live changes, read again by key in the search's shape."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest

from integrations.jira import JiraIntegration
from integrations.jira.config import JiraConfig
from ocean_core import LiveChange, Ocean, WebhookRequest
from ocean_core._secrets import is_secret_field
from ocean_core.catalog import MemoryCatalog
from ocean_core.errors import TerminalHTTPError
from ocean_core.testing import map_items, recorded_transport, run_resync

from .conftest import API, load, make, routes

SECRET = "jira-webhook-secret"
Item = dict[str, Any]


def issue(index: int = 0) -> Item:
    found: Item = load("issues_page1.json")["issues"][index]  # ABC-1, ABC-2
    return found


def project() -> Item:
    found: Item = load("projects_page1.json")["values"][0]  # ABC
    return found


def user() -> Item:
    found: Item = load("users_page1.json")[0]
    return found


def as_webhook_renders(full: Item) -> Item:
    """The issue as a webhook carries it: v2 formats (a text description), other fields."""
    return {**full, "fields": {**full["fields"], "description": "plain text",
                               "customfield_10020": None}}


def delivery(payload: Any, secret: str | None = SECRET, header: str | None = None
             ) -> WebhookRequest:
    body = json.dumps(payload).encode()
    headers = {}
    if header is not None:
        headers["X-Hub-Signature"] = header
    elif secret is not None:
        headers["X-Hub-Signature"] = "sha256=" + hmac.new(secret.encode(), body,
                                                          hashlib.sha256).hexdigest()
    return WebhookRequest.of("jira", body, headers)


def jira(extra: dict[str, Any] | None = None, **config: Any) -> tuple[JiraIntegration, Any]:
    return make(recorded_transport({**routes(), **(extra or {})}), webhook_secret=SECRET,
                **config)


async def handle(integration: JiraIntegration, payload: Any) -> list[LiveChange]:
    handler = integration.webhook_handler("jira")
    assert handler is not None
    return list(await handler(delivery(payload)))


def issue_event(name: str, item: Item) -> Item:
    return {"timestamp": 1718193600000, "webhookEvent": name,
            "issue_event_type_name": "issue_generic", "issue": item}


# --- verification -------------------------------------------------------------------------

def test_a_correct_signature_verifies() -> None:
    integration, _ = jira()
    assert integration.verify_webhook(delivery(issue_event("jira:issue_updated", issue())))


@pytest.mark.parametrize("header", ["", "sha256=", "sha256=00", "sha1=00", "md5=abc"])
def test_a_wrong_signature_is_refused(header: str) -> None:
    integration, _ = jira()
    assert not integration.verify_webhook(delivery({"webhookEvent": "x"}, header=header))


def test_a_missing_or_foreign_signature_is_refused() -> None:
    integration, _ = jira()
    assert not integration.verify_webhook(delivery({"webhookEvent": "x"}, secret=None))
    assert not integration.verify_webhook(delivery({"webhookEvent": "x"}, secret="other"))


def test_without_a_secret_every_webhook_is_refused() -> None:
    integration, _ = make()
    assert not integration.verify_webhook(delivery({"webhookEvent": "x"}))


def test_the_secret_is_declared_secret_and_kept_out_of_cursors() -> None:
    integration, _ = jira()
    assert is_secret_field(JiraConfig, ("webhook_secret",))
    assert SECRET not in repr(integration.config)
    assert "webhook_secret" not in integration.cursor_config()
    assert [spec.name for spec in JiraIntegration.declared_webhooks()] == ["jira"]


# --- events -------------------------------------------------------------------------------

@pytest.mark.anyio
@pytest.mark.parametrize("name", ["jira:issue_created", "jira:issue_updated"])
async def test_a_created_or_updated_issue_is_read_again_by_key(name: str) -> None:
    path = f"{API}/issue/ABC-1"
    integration, transport = jira({path: issue()})
    assert await handle(integration, issue_event(name, as_webhook_renders(issue()))) == [
        LiveChange("issue", upserted=[issue()])]
    [request] = transport.requests
    assert request.url.path == path
    fields = request.url.params["fields"].split(",")
    assert fields == list(dict.fromkeys([*integration.config.issue_fields, "updated"]))


@pytest.mark.anyio
async def test_a_deleted_issue_is_deleted_without_a_request() -> None:
    integration, transport = jira()
    assert await handle(integration, issue_event("jira:issue_deleted", issue())) == [
        LiveChange("issue", deleted=[issue()])]
    assert transport.requests == []


@pytest.mark.anyio
async def test_an_issue_gone_when_read_is_deleted_and_a_failure_fails_the_event() -> None:
    integration, _ = jira()  # no route: 404
    assert await handle(integration, issue_event("jira:issue_updated", issue())) == [
        LiveChange("issue", deleted=[issue()])]
    refuse = {f"{API}/issue/ABC-1": lambda request: httpx.Response(403, json={})}
    integration, _ = jira(refuse)
    with pytest.raises(TerminalHTTPError, match="403"):
        await handle(integration, issue_event("jira:issue_updated", issue()))


@pytest.mark.anyio
async def test_project_and_user_events() -> None:
    integration, transport = jira({f"{API}/project/ABC": project(), f"{API}/user": user()})
    assert await handle(integration, {"webhookEvent": "project_updated",
                                      "project": {"key": "ABC", "id": 10000}}) == [
        LiveChange("project", upserted=[project()])]
    assert transport.requests[-1].url.params["expand"] == "description,lead"
    assert await handle(integration, {"webhookEvent": "project_deleted",
                                      "project": {"key": "ABC"}}) == [
        LiveChange("project", deleted=[{"key": "ABC"}])]
    account = user()["accountId"]
    assert await handle(integration, {"webhookEvent": "user_created",
                                      "user": {"accountId": account}}) == [
        LiveChange("user", upserted=[user()])]
    assert transport.requests[-1].url.params["accountId"] == account
    assert await handle(integration, {"webhookEvent": "user_deleted",
                                      "user": {"accountId": account}}) == [
        LiveChange("user", deleted=[{"accountId": account}])]


@pytest.mark.anyio
async def test_other_events_change_nothing() -> None:
    integration, transport = jira()
    for payload in [{"webhookEvent": "comment_created", "comment": {}},
                    {"webhookEvent": "jira:worklog_updated"},
                    {"webhookEvent": "sprint_started"}, {"no": "event"},
                    issue_event("jira:issue_updated", {"id": "1"})]:
        assert await handle(integration, payload) == []
    assert transport.requests == []


# --- the mapping applies unchanged ----------------------------------------------------------

@pytest.mark.anyio
async def test_live_items_map_to_the_entities_a_resync_writes() -> None:
    integration, _ = jira({f"{API}/issue/ABC-2": issue(1)})
    fetched = {(e.blueprint, e.identifier): e for e in (await run_resync(integration)).entities}
    [change] = await handle(integration, issue_event("jira:issue_updated", issue(1)))
    [entity] = await map_items(integration, "issue", change.upserted)
    same = fetched[(entity.blueprint, entity.identifier)]
    assert (entity.title, entity.properties, entity.relations) == (
        same.title, same.properties, same.relations)


# --- end to end: through Ocean.handle_webhook into a catalog ----------------------------------

@pytest.mark.anyio
async def test_events_applied_through_the_engine_change_the_catalog() -> None:
    retitled = {**issue(1), "fields": {**issue(1)["fields"], "summary": "Retitled live"}}
    integration, _ = jira({f"{API}/issue/ABC-2": retitled})
    catalog = MemoryCatalog()
    ocean = Ocean(integration, catalog=catalog, integration_id="jira")
    await ocean.resync()
    for payload in [issue_event("jira:issue_updated", issue(1)),
                    issue_event("jira:issue_deleted", issue(0))]:
        request = delivery(payload)
        assert integration.verify_webhook(request)
        await ocean.handle_webhook(request)
    issues = {e.identifier: e for e in await catalog.list_entities(integration_id="jira")
              if e.blueprint == "jiraIssue"}
    assert "ABC-1" not in issues
    assert issues["ABC-2"].title == "Retitled live"
