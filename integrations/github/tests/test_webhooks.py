"""GitHub webhooks: X-Hub-Signature-256 verification, and each event as live changes whose
items have the fetched shape (the default mapping maps them to the fetched entities)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from typing import Any

import pytest

from integrations.github import GitHubIntegration
from ocean_core import LiveChange, Ocean, WebhookRequest
from ocean_core._secrets import is_secret_field
from ocean_core.catalog import MemoryCatalog
from ocean_core.errors import TerminalHTTPError
from ocean_core.live import WebhookBodyError
from ocean_core.testing import map_items, recorded_transport, run_resync

from .conftest import ORG, MakeGitHub, org_routes, recorded

SECRET = "gh-webhook-secret"
Item = dict[str, Any]


def _first(name: str, path: str, index: int = 0) -> Item:
    item: Item = copy.deepcopy(recorded(name)[path][0][index])
    return item


def repo(name: str = "api") -> Item:
    return next(r for page in recorded("repositories")["/orgs/acme-corp/repos"] for r in page
                if r["name"] == name)


def pull(number: int = 42) -> Item:
    return next(p for p in recorded("pull_requests")["/repos/acme-corp/api/pulls"][0]
                if p["number"] == number)


def issue() -> Item:
    return _first("issues", "/repos/acme-corp/api/issues")  # number 44, open


def workflow() -> Item:
    page: Item = recorded("workflows")["/repos/acme-corp/api/actions/workflows"][0]
    found: Item = copy.deepcopy(page["workflows"][0])
    return found


def signed(event: str, payload: Any, secret: str = SECRET) -> WebhookRequest:
    body = json.dumps(payload).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return WebhookRequest.of("github", body, {"X-GitHub-Event": event,
                                              "X-Hub-Signature-256": f"sha256={digest}"})


def tagged(item: Item, full_name: str = "acme-corp/api") -> Item:
    return {**item, "__repository": full_name}


@pytest.fixture
def github(make_github: MakeGitHub) -> GitHubIntegration:
    integration, _ = make_github(webhook_secret=SECRET)
    return integration


async def handle(integration: GitHubIntegration, event: str, payload: Any) -> list[LiveChange]:
    handler = integration.webhook_handler("github")
    assert handler is not None
    return list(await handler(signed(event, payload)))


# --- verification -------------------------------------------------------------------------

def test_a_correct_signature_verifies(github: GitHubIntegration) -> None:
    assert github.verify_webhook(signed("ping", {"zen": "Keep it logically awesome."}))


def test_a_wrong_missing_or_foreign_signature_is_refused(github: GitHubIntegration) -> None:
    good = signed("ping", {"zen": "x"})
    assert not github.verify_webhook(signed("ping", {"zen": "x"}, secret="other"))
    assert not github.verify_webhook(WebhookRequest.of("github", good.body, {}))
    tampered = WebhookRequest.of("github", good.body + b" ", good.headers)
    assert not github.verify_webhook(tampered)
    sha1 = good.headers["x-hub-signature-256"].replace("sha256=", "sha1=")
    assert not github.verify_webhook(
        WebhookRequest.of("github", good.body, {"X-Hub-Signature": sha1}))


def test_without_a_secret_every_webhook_is_refused(make_github: MakeGitHub) -> None:
    integration, _ = make_github()
    assert not integration.verify_webhook(signed("ping", {"zen": "x"}))


def test_the_secret_is_declared_secret_and_kept_out_of_cursors(
    github: GitHubIntegration,
) -> None:
    from integrations.github import GitHubConfig

    assert is_secret_field(GitHubConfig, ("webhook_secret",))
    assert SECRET not in repr(github.config)
    assert "webhook_secret" not in github.cursor_config()


def test_the_webhook_is_declared_as_github() -> None:
    assert [spec.name for spec in GitHubIntegration.declared_webhooks()] == ["github"]


# --- events -------------------------------------------------------------------------------

@pytest.mark.anyio
async def test_ping_and_unknown_events_change_nothing(github: GitHubIntegration) -> None:
    assert await handle(github, "ping", {"zen": "x", "hook_id": 1}) == []
    assert await handle(github, "star", {"action": "created", "repository": repo()}) == []
    assert await handle(github, "workflow_job", {"action": "queued", "repository": repo()}) == []


@pytest.mark.anyio
@pytest.mark.parametrize("action", ["created", "edited", "archived", "publicized"])
async def test_a_repository_event_upserts_the_repository(
    github: GitHubIntegration, action: str
) -> None:
    edited = {**repo(), "description": "now with more cursor"}
    got = await handle(github, "repository", {"action": action, "repository": edited})
    assert got == [LiveChange("repository", upserted=[edited])]


@pytest.mark.anyio
async def test_a_deleted_repository_is_deleted(github: GitHubIntegration) -> None:
    got = await handle(github, "repository", {"action": "deleted", "repository": repo()})
    assert got == [LiveChange("repository", deleted=[repo()])]


@pytest.mark.anyio
async def test_a_renamed_repository_replaces_its_old_name(github: GitHubIntegration) -> None:
    renamed = {**repo(), "name": "api2", "full_name": "acme-corp/api2"}
    got = await handle(github, "repository", {
        "action": "renamed", "repository": renamed,
        "changes": {"repository": {"name": {"from": "api"}}}})
    old = {"full_name": "acme-corp/api", "name": "api", "owner": {"login": "acme-corp"}}
    assert got == [LiveChange("repository", upserted=[renamed], deleted=[old])]


@pytest.mark.anyio
async def test_a_repository_transferred_away_is_deleted(github: GitHubIntegration) -> None:
    moved = {**repo(), "full_name": "elsewhere/api", "owner": {"login": "elsewhere"}}
    got = await handle(github, "repository", {
        "action": "transferred", "repository": moved,
        "changes": {"owner": {"from": {"organization": {"login": "acme-corp"}}}}})
    old = {"full_name": "acme-corp/api", "name": "api", "owner": {"login": "acme-corp"}}
    assert got == [LiveChange("repository", deleted=[old])]


@pytest.mark.anyio
async def test_a_repository_transferred_in_is_upserted(github: GitHubIntegration) -> None:
    arrived = {**repo(), "name": "tools", "full_name": "acme-corp/tools"}
    got = await handle(github, "repository", {
        "action": "transferred", "repository": arrived,
        "changes": {"owner": {"from": {"user": {"login": "octocat"}}}}})
    assert got == [LiveChange("repository", upserted=[arrived])]


@pytest.mark.anyio
async def test_repositories_the_integration_does_not_read_change_nothing(
    make_github: MakeGitHub,
) -> None:
    integration, _ = make_github(webhook_secret=SECRET, repositories=["web"])
    assert await handle(integration, "repository", {"action": "edited",
                                                    "repository": repo("api")}) == []
    other = {**repo(), "full_name": "someone/api", "owner": {"login": "someone"}}
    assert await handle(integration, "pull_request", {
        "action": "opened", "repository": other, "pull_request": pull()}) == []


@pytest.mark.anyio
@pytest.mark.parametrize("action", ["opened", "edited", "reopened", "synchronize", "labeled"])
async def test_a_pull_request_event_upserts_it_tagged_with_its_repository(
    github: GitHubIntegration, action: str
) -> None:
    got = await handle(github, "pull_request", {
        "action": action, "number": 42, "repository": repo(), "pull_request": pull()})
    assert got == [LiveChange("pull-request", upserted=[tagged(pull())])]


@pytest.mark.anyio
async def test_a_pull_request_closed_leaves_a_catalog_of_open_ones(
    github: GitHubIntegration, make_github: MakeGitHub,
) -> None:
    closed = {**pull(), "state": "closed", "closed_at": "2024-05-02T10:00:00Z"}
    payload = {"action": "closed", "repository": repo(), "pull_request": closed}
    assert await handle(github, "pull_request", payload) == [
        LiveChange("pull-request", deleted=[tagged(closed)])]
    every, _ = make_github(webhook_secret=SECRET, state="all")
    assert await handle(every, "pull_request", payload) == [
        LiveChange("pull-request", upserted=[tagged(closed)])]


@pytest.mark.anyio
async def test_a_partial_pull_request_is_fetched_again(make_github: MakeGitHub) -> None:
    routes = {**org_routes(), "/repos/acme-corp/api/pulls/42": pull()}
    integration, transport = make_github(routes, webhook_secret=SECRET)
    partial = {"number": 42, "title": pull()["title"], "state": "open"}
    got = await handle(integration, "pull_request", {
        "action": "edited", "repository": repo(), "pull_request": partial})
    assert got == [LiveChange("pull-request", upserted=[tagged(pull())])]
    assert transport.requested_paths() == ["/repos/acme-corp/api/pulls/42"]
    assert transport.requests[0].headers["Authorization"] == f"Bearer {ORG['token']}"


@pytest.mark.anyio
async def test_a_pull_request_gone_when_fetched_again_is_deleted(
    make_github: MakeGitHub,
) -> None:
    integration, _ = make_github(webhook_secret=SECRET)  # no route: 404
    got = await handle(integration, "pull_request", {
        "action": "edited", "repository": repo(), "pull_request": {"number": 42}})
    assert got == [LiveChange("pull-request", deleted=[tagged({"number": 42})])]


@pytest.mark.anyio
async def test_a_failed_fetch_fails_the_event(make_github: MakeGitHub) -> None:
    import httpx

    routes = {"/repos/acme-corp/api/pulls/42": lambda request: httpx.Response(401, json={})}
    integration, _ = make_github(routes, webhook_secret=SECRET)
    with pytest.raises(TerminalHTTPError, match="401"):
        await handle(integration, "pull_request", {
            "action": "edited", "repository": repo(), "pull_request": {"number": 42}})


@pytest.mark.anyio
@pytest.mark.parametrize("action", ["opened", "edited", "labeled", "assigned", "reopened"])
async def test_an_issue_event_upserts_the_issue(github: GitHubIntegration, action: str) -> None:
    got = await handle(github, "issues", {"action": action, "repository": repo(),
                                          "issue": issue()})
    assert got == [LiveChange("issue", upserted=[tagged(issue())])]


@pytest.mark.anyio
async def test_a_deleted_or_closed_issue_is_deleted(github: GitHubIntegration) -> None:
    closed = {**issue(), "state": "closed"}
    assert await handle(github, "issues", {"action": "closed", "repository": repo(),
                                           "issue": closed}) == [
        LiveChange("issue", deleted=[tagged(closed)])]
    assert await handle(github, "issues", {"action": "deleted", "repository": repo(),
                                           "issue": issue()}) == [
        LiveChange("issue", deleted=[tagged(issue())])]


@pytest.mark.anyio
async def test_a_transferred_issue_moves_to_its_new_repository(
    github: GitHubIntegration,
) -> None:
    new = {**issue(), "number": 7}
    got = await handle(github, "issues", {
        "action": "transferred", "repository": repo(), "issue": issue(),
        "changes": {"new_repository": repo("web"), "new_issue": new}})
    assert got == [LiveChange("issue", deleted=[tagged(issue())]),
                   LiveChange("issue", upserted=[tagged(new, "acme-corp/web")])]


@pytest.mark.anyio
async def test_an_issue_event_about_a_pull_request_changes_no_issue(
    github: GitHubIntegration,
) -> None:
    about_pull = {**issue(), "pull_request": {"url": "https://api.github.com/x"}}
    assert await handle(github, "issues", {"action": "edited", "repository": repo(),
                                           "issue": about_pull}) == []


@pytest.mark.anyio
async def test_a_workflow_run_upserts_its_workflow(github: GitHubIntegration) -> None:
    got = await handle(github, "workflow_run", {
        "action": "completed", "repository": repo(), "workflow": workflow(),
        "workflow_run": {"id": 9, "workflow_id": workflow()["id"]}})
    assert got == [LiveChange("workflow", upserted=[tagged(workflow())])]


@pytest.mark.anyio
async def test_a_workflow_run_without_its_workflow_fetches_it(make_github: MakeGitHub) -> None:
    path = f"/repos/acme-corp/api/actions/workflows/{workflow()['id']}"
    integration, transport = make_github({path: workflow()}, webhook_secret=SECRET)
    got = await handle(integration, "workflow_run", {
        "action": "requested", "repository": repo(),
        "workflow_run": {"id": 9, "workflow_id": workflow()["id"]}})
    assert got == [LiveChange("workflow", upserted=[tagged(workflow())])]
    assert transport.requested_paths() == [path]


@pytest.mark.anyio
async def test_team_and_membership_events(github: GitHubIntegration) -> None:
    team = _first("teams", "/orgs/acme-corp/teams")
    member = _first("members", "/orgs/acme-corp/members")
    org = {"login": "acme-corp"}
    assert await handle(github, "team", {"action": "edited", "team": team,
                                         "organization": org}) == [
        LiveChange("team", upserted=[team])]
    assert await handle(github, "team", {"action": "deleted", "team": team,
                                         "organization": org}) == [
        LiveChange("team", deleted=[team])]
    added = {"action": "member_added", "membership": {"user": member}, "organization": org}
    assert await handle(github, "organization", added) == [
        LiveChange("member", upserted=[member])]
    removed = {**added, "action": "member_removed"}
    assert await handle(github, "organization", removed) == [
        LiveChange("member", deleted=[member])]
    assert await handle(github, "team", {"action": "edited", "team": team,
                                         "organization": {"login": "other"}}) == []


@pytest.mark.anyio
async def test_a_body_that_is_not_an_object_is_a_body_error(github: GitHubIntegration) -> None:
    with pytest.raises(WebhookBodyError, match="webhook 'github'"):
        await handle(github, "ping", [1, 2])


# --- the mapping applies unchanged ----------------------------------------------------------

@pytest.mark.anyio
async def test_live_items_map_to_the_entities_a_resync_writes() -> None:
    integration = GitHubIntegration({**ORG, "webhook_secret": SECRET},
                                    transport=recorded_transport(org_routes()))
    fetched = {(e.blueprint, e.identifier): e for e in (await run_resync(integration)).entities}
    events = [
        ("repository", {"action": "edited", "repository": repo()}),
        ("pull_request", {"action": "edited", "repository": repo(), "pull_request": pull()}),
        ("issues", {"action": "edited", "repository": repo(), "issue": issue()}),
        ("workflow_run", {"action": "completed", "repository": repo(), "workflow": workflow(),
                          "workflow_run": {"workflow_id": workflow()["id"]}}),
    ]
    for event, payload in events:
        [change] = await handle(integration, event, payload)
        [entity] = await map_items(integration, change.kind, change.upserted)
        same = fetched[(entity.blueprint, entity.identifier)]
        assert (entity.title, entity.properties, entity.relations) == (
            same.title, same.properties, same.relations), event


# --- end to end: through Ocean.handle_webhook into a catalog ----------------------------------

@pytest.mark.anyio
async def test_events_applied_through_the_engine_change_the_catalog() -> None:
    catalog = MemoryCatalog()
    integration = GitHubIntegration({**ORG, "webhook_secret": SECRET},
                                    transport=recorded_transport(org_routes()))
    ocean = Ocean(integration, catalog=catalog, integration_id="github")
    await ocean.resync()
    retitled = {**pull(41), "title": "Retitled live"}
    closed = {**pull(42), "state": "closed", "closed_at": "2024-05-02T10:00:00Z"}
    for event, payload in [
        ("pull_request", {"action": "edited", "repository": repo(), "pull_request": retitled}),
        ("pull_request", {"action": "closed", "repository": repo(), "pull_request": closed}),
        ("ping", {"zen": "x"}),
    ]:
        request = signed(event, payload)
        assert integration.verify_webhook(request)
        await ocean.handle_webhook(request)
    pulls = {e.identifier: e for e in await catalog.list_entities(integration_id="github")
             if e.blueprint == "githubPullRequest"}
    assert pulls["acme-corp/api#41"].title == "Retitled live"
    assert "acme-corp/api#42" not in pulls


@pytest.mark.anyio
@pytest.mark.parametrize(("event", "payload"), [
    ("repository", {"action": "edited", "repository": "acme-corp/api"}),
    ("repository", {"action": "edited", "repository": {"full_name": "acme-corp/x",
                                                       "owner": "acme-corp"}}),
    ("repository", {"action": "renamed", "repository": {**repo(), "owner": None},
                    "changes": "api"}),
    ("pull_request", {"action": "opened", "repository": {"name": "api"}, "pull_request": {}}),
    ("pull_request", {"action": "opened", "repository": repo(), "pull_request": [1]}),
    ("issues", {"action": "transferred", "repository": {}, "issue": {"number": 1},
                "changes": {"new_repository": "x", "new_issue": 3}}),
    ("workflow_run", {"action": "completed", "repository": repo(), "workflow_run": None}),
    ("team", {"action": "edited", "team": {"slug": "x"}, "organization": "acme-corp"}),
    ("organization", {"action": "member_added", "membership": {"user": "octocat"}}),
])
async def test_payloads_of_an_unexpected_shape_change_nothing(
    github: GitHubIntegration, event: str, payload: Item
) -> None:
    assert await handle(github, event, payload) == []
