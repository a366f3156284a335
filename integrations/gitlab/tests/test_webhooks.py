"""GitLab webhooks: X-Gitlab-Token verification, and each event's object fetched again by id
in the shape the listings yield (the default mapping maps it to the fetched entity)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from integrations.gitlab import GitLabIntegration
from integrations.gitlab.config import GitLabConfig
from ocean_core import LiveChange, Ocean, WebhookRequest
from ocean_core._secrets import is_secret_field
from ocean_core.catalog import MemoryCatalog
from ocean_core.errors import TerminalHTTPError
from ocean_core.testing import map_items, recorded_transport, run_resync

from .conftest import API, load, make, routes

SECRET = "gitlab-hook-token"
PROJECT = {"id": 101, "name": "API", "path_with_namespace": "acme/api",
           "web_url": "https://gitlab.example.com/acme/api"}
Item = dict[str, Any]


def merge_request(iid: int = 12) -> Item:
    found: Item = next(m for m in load("merge_requests_page1.json") if m["iid"] == iid)
    return found


def issue() -> Item:
    found: Item = load("issues.json")[0]  # acme/api#42
    return found


def project() -> Item:
    found: Item = load("projects_page1.json")[0]  # 101 acme/api
    return found


def hook(payload: Any, token: str | None = SECRET, event: str = "Merge Request Hook"
         ) -> WebhookRequest:
    headers = {"X-Gitlab-Event": event}
    if token is not None:
        headers["X-Gitlab-Token"] = token
    return WebhookRequest.of("gitlab", json.dumps(payload).encode(), headers)


def mr_hook(action: str = "update", iid: int = 12, project: Item = PROJECT) -> Item:
    return {"object_kind": "merge_request", "event_type": "merge_request", "project": project,
            "object_attributes": {"id": 5001, "iid": iid, "action": action, "state": "opened",
                                  "updated_at": "2024-05-21 08:40:12 UTC"}}


def issue_hook(action: str = "update", iid: int = 42) -> Item:
    return {"object_kind": "issue", "event_type": "issue", "project": PROJECT,
            "object_attributes": {"id": 7001, "iid": iid, "action": action, "state": "opened"}}


def gitlab(extra: dict[str, Any] | None = None, **config: Any
           ) -> tuple[GitLabIntegration, Any]:
    return make(recorded_transport({**routes(), **(extra or {})}),
                webhook_secret=SECRET, **config)


async def handle(integration: GitLabIntegration, payload: Any) -> list[LiveChange]:
    handler = integration.webhook_handler("gitlab")
    assert handler is not None
    return list(await handler(hook(payload)))


# --- verification -------------------------------------------------------------------------

def test_the_secret_token_verifies() -> None:
    integration, _ = gitlab()
    assert integration.verify_webhook(hook({"object_kind": "push"}))


@pytest.mark.parametrize("token", [None, "", "gitlab-hook-toke", SECRET + "x", "Gitlab-Hook-Token"])
def test_a_wrong_or_missing_token_is_refused(token: str | None) -> None:
    integration, _ = gitlab()
    assert not integration.verify_webhook(hook({"object_kind": "push"}, token))


def test_without_a_secret_every_webhook_is_refused() -> None:
    integration, _ = make()
    assert not integration.verify_webhook(hook({"object_kind": "push"}))
    assert not integration.verify_webhook(hook({"object_kind": "push"}, ""))


def test_the_secret_is_declared_secret_and_kept_out_of_cursors() -> None:
    integration, _ = gitlab()
    assert is_secret_field(GitLabConfig, ("webhook_secret",))
    assert SECRET not in repr(integration.config)
    assert "webhook_secret" not in integration.cursor_config()
    assert [spec.name for spec in GitLabIntegration.declared_webhooks()] == ["gitlab"]


# --- events -------------------------------------------------------------------------------

@pytest.mark.anyio
@pytest.mark.parametrize("action", ["open", "update", "reopen", "approved"])
async def test_a_merge_request_event_fetches_and_upserts_it(action: str) -> None:
    path = f"{API}/projects/101/merge_requests/12"
    integration, transport = gitlab({path: merge_request()})
    assert await handle(integration, mr_hook(action)) == [
        LiveChange("merge-request", upserted=[merge_request()])]
    assert transport.requested_paths() == [path]
    assert transport.requests[0].headers["PRIVATE-TOKEN"] == "glpat-s3cr3t-t0ken-value"


@pytest.mark.anyio
async def test_a_merged_request_leaves_a_catalog_of_opened_ones() -> None:
    merged = {**merge_request(), "state": "merged", "merged_at": "2024-05-22T10:00:00.000Z"}
    integration, _ = gitlab({f"{API}/projects/101/merge_requests/12": merged})
    assert await handle(integration, mr_hook("merge")) == [
        LiveChange("merge-request", deleted=[merged])]
    every, _ = gitlab({f"{API}/projects/101/merge_requests/12": merged},
                      merge_request_state="all")
    assert await handle(every, mr_hook("merge")) == [
        LiveChange("merge-request", upserted=[merged])]


@pytest.mark.anyio
async def test_a_merge_request_gone_is_deleted_by_its_reference() -> None:
    integration, _ = gitlab()  # no route: 404
    assert await handle(integration, mr_hook(iid=99)) == [LiveChange("merge-request", deleted=[
        {"iid": 99, "project_id": 101, "references": {"full": "acme/api!99"}}])]


@pytest.mark.anyio
async def test_a_failed_fetch_fails_the_event() -> None:
    refuse = {f"{API}/projects/101/merge_requests/12": lambda r: httpx.Response(403, json={})}
    integration, _ = gitlab(refuse)
    with pytest.raises(TerminalHTTPError, match="403"):
        await handle(integration, mr_hook())


@pytest.mark.anyio
async def test_an_issue_event_fetches_and_upserts_it() -> None:
    integration, _ = gitlab({f"{API}/projects/101/issues/42": issue()})
    assert await handle(integration, issue_hook()) == [LiveChange("issue", upserted=[issue()])]
    closed = {**issue(), "state": "closed"}
    integration, _ = gitlab({f"{API}/projects/101/issues/42": closed})
    assert await handle(integration, issue_hook("close")) == [
        LiveChange("issue", deleted=[closed])]


@pytest.mark.anyio
async def test_events_of_projects_outside_the_groups_change_nothing() -> None:
    integration, transport = gitlab()
    other = {**PROJECT, "id": 555, "path_with_namespace": "acmeother/api"}
    assert await handle(integration, mr_hook(project=other)) == []
    assert await handle(integration, {"object_kind": "push", "project": PROJECT}) == []
    assert await handle(integration, {"object_kind": "note", "project": PROJECT}) == []
    assert transport.requests == []


@pytest.mark.anyio
async def test_a_pipeline_event_fetches_the_pipeline_tagged_with_its_project() -> None:
    pipeline = load("pipelines_101.json")[0]
    integration, _ = gitlab({f"{API}/projects/101/pipelines/{pipeline['id']}": pipeline})
    payload = {"object_kind": "pipeline", "project": PROJECT,
               "object_attributes": {"id": pipeline["id"], "status": "success"}}
    owner = {key: PROJECT[key] for key in ("id", "path_with_namespace", "web_url")}
    assert await handle(integration, payload) == [
        LiveChange("pipeline", upserted=[{**pipeline, "__project": owner}])]
    without, _ = gitlab(pipelines_per_project=0)
    assert await handle(without, payload) == []


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["project_create", "project_update"])
async def test_a_project_event_fetches_and_upserts_the_project(name: str) -> None:
    integration, _ = gitlab({f"{API}/projects/101": project()})
    payload = {"event_name": name, "project_id": 101, "path_with_namespace": "acme/api"}
    assert await handle(integration, payload) == [LiveChange("project", upserted=[project()])]


@pytest.mark.anyio
async def test_a_renamed_project_replaces_its_old_path() -> None:
    integration, _ = gitlab({f"{API}/projects/101": project()})
    payload = {"event_name": "project_rename", "project_id": 101,
               "path_with_namespace": "acme/api", "old_path_with_namespace": "acme/old-api"}
    assert await handle(integration, payload) == [LiveChange(
        "project", upserted=[project()], deleted=[{"path_with_namespace": "acme/old-api"}])]


@pytest.mark.anyio
async def test_a_project_transferred_out_of_the_groups_is_deleted() -> None:
    integration, transport = gitlab()
    payload = {"event_name": "project_transfer", "project_id": 101,
               "path_with_namespace": "elsewhere/api", "old_path_with_namespace": "acme/api"}
    assert await handle(integration, payload) == [
        LiveChange("project", deleted=[{"path_with_namespace": "acme/api"}])]
    assert transport.requests == []


@pytest.mark.anyio
async def test_a_destroyed_project_is_deleted() -> None:
    integration, _ = gitlab()
    payload = {"event_name": "project_destroy", "project_id": 101,
               "path_with_namespace": "acme/api"}
    assert await handle(integration, payload) == [
        LiveChange("project", deleted=[{"path_with_namespace": "acme/api"}])]


@pytest.mark.anyio
async def test_group_events() -> None:
    group = load("descendant_groups.json")[0]  # acme/platform
    integration, _ = gitlab({f"{API}/groups/{group['id']}": group})
    created = {"event_name": "subgroup_create", "group_id": group["id"],
               "full_path": "acme/platform"}
    assert await handle(integration, created) == [LiveChange("group", upserted=[group])]
    destroyed = {"event_name": "subgroup_destroy", "group_id": group["id"],
                 "full_path": "acme/platform"}
    assert await handle(integration, destroyed) == [
        LiveChange("group", deleted=[{"full_path": "acme/platform"}])]


# --- the mapping applies unchanged ----------------------------------------------------------

@pytest.mark.anyio
async def test_live_items_map_to_the_entities_a_resync_writes() -> None:
    integration, _ = gitlab({f"{API}/projects/101/merge_requests/12": merge_request(),
                             f"{API}/projects/101/issues/42": issue(),
                             f"{API}/projects/101": project()})
    fetched = {(e.blueprint, e.identifier): e for e in (await run_resync(integration)).entities}
    payloads = [mr_hook(), issue_hook(), {"event_name": "project_update", "project_id": 101,
                                          "path_with_namespace": "acme/api"}]
    for payload in payloads:
        [change] = await handle(integration, payload)
        [entity] = await map_items(integration, change.kind, change.upserted)
        same = fetched[(entity.blueprint, entity.identifier)]
        assert (entity.title, entity.properties, entity.relations) == (
            same.title, same.properties, same.relations), payload


# --- end to end: through Ocean.handle_webhook into a catalog ----------------------------------

@pytest.mark.anyio
async def test_events_applied_through_the_engine_change_the_catalog() -> None:
    merged = {**merge_request(), "state": "merged"}
    retitled = {**issue(), "title": "Retitled live"}
    integration, _ = gitlab({f"{API}/projects/101/merge_requests/12": merged,
                             f"{API}/projects/101/issues/42": retitled})
    catalog = MemoryCatalog()
    ocean = Ocean(integration, catalog=catalog, integration_id="gitlab")
    await ocean.resync()
    for payload in [mr_hook("merge"), issue_hook("update")]:
        request = hook(payload)
        assert integration.verify_webhook(request)
        await ocean.handle_webhook(request)
    entities = {e.identifier: e for e in await catalog.list_entities(integration_id="gitlab")}
    assert "acme/api!12" not in entities
    assert entities["acme/api#42"].title == "Retitled live"


@pytest.mark.anyio
@pytest.mark.parametrize("payload", [
    {"object_kind": "merge_request", "project": "acme/api", "object_attributes": {"iid": 1}},
    {"object_kind": "issue", "project": PROJECT, "object_attributes": None},
    {"object_kind": "pipeline", "project": {"path_with_namespace": 3}},
    {"event_name": "project_update", "path_with_namespace": ["acme/api"], "project_id": 1},
    {"event_name": "subgroup_create", "full_path": None},
    {"event_name": 5}, {},
])
async def test_payloads_of_an_unexpected_shape_change_nothing(payload: Item) -> None:
    integration, transport = gitlab()
    assert await handle(integration, payload) == []
    assert transport.requests == []
