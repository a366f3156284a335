"""The default mapping on the recorded payloads: identifiers, titles, properties, relations."""

from __future__ import annotations

import pytest

from integrations.github.integration import GitHubIntegration, load_default_mapping
from ocean_core import Entity, ResyncStatus
from ocean_core.testing import recorded_transport, run_resync

from .conftest import ORG, org_routes

KINDS = ["repository", "pull-request", "issue", "team", "member", "workflow"]


def test_mapping_lists_every_kind_in_order() -> None:
    mapping = load_default_mapping()
    assert [r["kind"] for r in mapping["resources"]] == KINDS
    assert [s.name for s in GitHubIntegration.declared_kinds()] == KINDS
    assert GitHubIntegration.default_mapping == mapping


Entities = dict[tuple[str, str], Entity]


async def _entities(**config: object) -> Entities:
    routes = org_routes()
    integration = GitHubIntegration({**ORG, **config}, transport=recorded_transport(routes))
    outcome = await run_resync(integration)
    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    return {(e.blueprint, e.identifier): e for e in outcome.entities}


# One resync per module, not per test: compiling the mapping is most of a run's cost.
@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def entities() -> Entities:
    return await _entities()


@pytest.fixture(scope="module")
async def closed_entities() -> Entities:
    return await _entities(state="closed", repositories=["api"])


@pytest.mark.anyio
async def test_identifiers_of_every_blueprint(entities: Entities) -> None:
    assert sorted(entities) == [
        ("githubIssue", "acme-corp/api#40"),
        ("githubIssue", "acme-corp/api#44"),
        ("githubIssue", "acme-corp/web#120"),
        ("githubPullRequest", "acme-corp/api#38"),
        ("githubPullRequest", "acme-corp/api#41"),
        ("githubPullRequest", "acme-corp/api#42"),
        ("githubPullRequest", "acme-corp/billing#7"),
        ("githubPullRequest", "acme-corp/web#113"),
        ("githubRepository", "acme-corp/api"),
        ("githubRepository", "acme-corp/billing"),
        ("githubRepository", "acme-corp/legacy-portal"),
        ("githubRepository", "acme-corp/web"),
        ("githubTeam", "frontend"),
        ("githubTeam", "platform"),
        ("githubTeam", "platform-oncall"),
        ("githubUser", "hubot"),
        ("githubUser", "monalisa"),
        ("githubUser", "octocat"),
        ("githubWorkflow", "acme-corp/api/161335"),
        ("githubWorkflow", "acme-corp/api/161336"),
        ("githubWorkflow", "acme-corp/billing/269289"),
        ("githubWorkflow", "acme-corp/legacy-portal/98172"),
        ("githubWorkflow", "acme-corp/web/170021"),
    ]
    assert {e.kind for e in entities.values()} == set(KINDS)


@pytest.mark.anyio
async def test_repository_entity(entities: Entities) -> None:
    api = entities["githubRepository", "acme-corp/api"]
    assert api.title == "api"
    assert api.properties == {
        "url": "https://github.com/acme-corp/api",
        "description": "Public REST API of the Acme platform",
        "language": "Python",
        "defaultBranch": "main",
        "visibility": "private",
        "archived": False,
        "stars": 42,
        "topics": ["api", "fastapi", "platform"],
    }
    assert api.relations == {}
    legacy = entities["githubRepository", "acme-corp/legacy-portal"]
    assert legacy.properties["archived"] is True
    assert legacy.properties["description"] is None
    assert legacy.properties["defaultBranch"] == "master"


@pytest.mark.anyio
async def test_pull_request_entity(entities: Entities) -> None:
    pr = entities["githubPullRequest", "acme-corp/api#42"]
    assert pr.title == "Add cursor pagination to /v2/orders"
    assert pr.properties == {
        "number": 42,
        "status": "open",
        "draft": False,
        "author": "octocat",
        "labels": ["enhancement"],
        "branch": "feature/orders-cursor",
        "baseBranch": "main",
        "createdAt": "2024-04-29T08:14:52Z",
        "updatedAt": "2024-05-01T16:20:03Z",
        "mergedAt": None,
        "closedAt": None,
        "url": "https://github.com/acme-corp/api/pull/42",
    }
    assert pr.relations == {"repository": "acme-corp/api"}
    draft = entities["githubPullRequest", "acme-corp/api#38"]
    assert draft.properties["draft"] is True
    assert draft.properties["labels"] == ["security", "enhancement"]


@pytest.mark.anyio
async def test_merged_and_closed_pull_requests(closed_entities: Entities) -> None:
    entities = closed_entities
    merged = entities["githubPullRequest", "acme-corp/api#35"]
    assert merged.properties["status"] == "merged"
    assert merged.properties["mergedAt"] == "2024-04-03T11:29:58Z"
    closed = entities["githubPullRequest", "acme-corp/api#33"]
    assert closed.properties["status"] == "closed"
    assert closed.properties["mergedAt"] is None


@pytest.mark.anyio
async def test_issue_entity(entities: Entities) -> None:
    issue = entities["githubIssue", "acme-corp/api#44"]
    assert issue.title == "500 on /v2/orders when the cursor is expired"
    assert issue.properties == {
        "number": 44,
        "status": "open",
        "stateReason": None,
        "author": "monalisa",
        "assignees": ["octocat"],
        "labels": ["bug"],
        "comments": 3,
        "createdAt": "2024-04-30T07:55:10Z",
        "updatedAt": "2024-05-01T10:02:48Z",
        "closedAt": None,
        "url": "https://github.com/acme-corp/api/issues/44",
    }
    assert issue.relations == {"repository": "acme-corp/api"}


@pytest.mark.anyio
async def test_team_user_and_workflow_entities(entities: Entities) -> None:
    oncall = entities["githubTeam", "platform-oncall"]
    assert oncall.title == "Platform on-call"
    assert oncall.properties == {
        "description": "Who gets paged",
        "privacy": "closed",
        "url": "https://github.com/orgs/acme-corp/teams/platform-oncall",
    }
    assert oncall.relations == {"parent": "platform"}
    assert entities["githubTeam", "platform"].relations == {"parent": None}

    mona = entities["githubUser", "monalisa"]
    assert mona.title == "monalisa"
    assert mona.properties == {
        "url": "https://github.com/monalisa",
        "type": "User",
        "siteAdmin": True,
    }

    ci = entities["githubWorkflow", "acme-corp/api/161335"]
    assert ci.title == "CI"
    assert ci.properties == {
        "state": "active",
        "path": ".github/workflows/ci.yml",
        "url": "https://github.com/acme-corp/api/blob/main/.github/workflows/ci.yml",
        "createdAt": "2022-06-20T10:31:07.000Z",
        "updatedAt": "2024-03-02T18:05:44.000Z",
    }
    assert ci.relations == {"repository": "acme-corp/api"}
    nightly = entities["githubWorkflow", "acme-corp/legacy-portal/98172"]
    assert nightly.properties["state"] == "disabled_inactivity"
