"""The default mapping on the recorded payloads: identifiers, titles, properties, relations."""

from __future__ import annotations

import pytest

from integrations.gitlab.integration import GitLabIntegration, load_default_mapping
from ocean_core import Entity, ResyncStatus
from ocean_core.testing import run_resync

from .conftest import make


def test_mapping_lists_every_kind_in_dependency_order() -> None:
    kinds = [r["kind"] for r in load_default_mapping()["resources"]]
    assert kinds == ["group", "project", "merge-request", "issue", "pipeline"]
    assert [spec.name for spec in GitLabIntegration.declared_kinds()] == kinds
    assert GitLabIntegration.default_mapping == load_default_mapping()


@pytest.fixture
async def entities() -> dict[str, Entity]:
    integration, _ = make()
    outcome = await run_resync(integration)
    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    return {entity.identifier: entity for entity in outcome.entities}


@pytest.mark.anyio
async def test_groups(entities: dict[str, Entity]) -> None:
    acme, platform = entities["acme"], entities["acme/platform"]
    assert (acme.blueprint, acme.title, acme.kind) == ("gitlabGroup", "Acme", "group")
    assert acme.relations == {"parent": None}
    assert platform.title == "Acme / Platform"
    assert platform.relations == {"parent": "acme"}
    assert platform.properties == {
        "url": "https://gitlab.example.com/groups/acme/platform",
        "description": "Shared services and infrastructure.",
        "visibility": "internal",
    }


@pytest.mark.anyio
async def test_projects(entities: dict[str, Entity]) -> None:
    web = entities["acme/platform/web"]
    assert (web.blueprint, web.title) == ("gitlabProject", "Web")
    assert web.properties == {
        "url": "https://gitlab.example.com/acme/platform/web",
        "description": "Customer-facing web app.",
        "defaultBranch": "main",
        "visibility": "internal",
        "archived": False,
        "lastActivityAt": "2024-05-20T16:05:47.001Z",
    }
    assert web.relations == {"group": "acme/platform"}
    legacy = entities["acme/legacy-billing"]
    assert legacy.properties["archived"] is True
    assert legacy.relations == {"group": "acme"}


@pytest.mark.anyio
async def test_merge_requests(entities: dict[str, Entity]) -> None:
    mr = entities["acme/api!12"]
    assert (mr.blueprint, mr.title) == (
        "gitlabMergeRequest",
        "Add rate-limit headers to every response",
    )
    assert mr.properties == {
        "state": "opened",
        "draft": False,
        "author": "alice",
        "reviewers": ["bob", "carol"],
        "labels": ["backend", "api"],
        "sourceBranch": "feature/rate-limit-headers",
        "targetBranch": "main",
        "createdAt": "2024-05-18T10:11:00.000Z",
        "updatedAt": "2024-05-21T08:40:12.000Z",
        "mergedAt": None,
        "url": "https://gitlab.example.com/acme/api/-/merge_requests/12",
    }
    assert mr.relations == {"project": "acme/api"}
    assert entities["acme/api!13"].properties["reviewers"] == []
    assert entities["acme/platform/web!3"].relations == {"project": "acme/platform/web"}


@pytest.mark.anyio
async def test_issues(entities: dict[str, Entity]) -> None:
    issue = entities["acme/api#42"]
    assert (issue.blueprint, issue.title) == ("gitlabIssue", "429 responses lack Retry-After")
    assert issue.properties["author"] == "bob"
    assert issue.properties["assignees"] == ["alice"]
    assert issue.properties["labels"] == ["bug", "api"]
    assert issue.properties["url"] == "https://gitlab.example.com/acme/api/-/issues/42"
    assert issue.relations == {"project": "acme/api"}
    assert entities["acme/platform/web#8"].properties["assignees"] == []


@pytest.mark.anyio
async def test_pipelines(entities: dict[str, Entity]) -> None:
    pipeline = entities["acme/api/pipelines/90007"]
    assert pipeline.blueprint == "gitlabPipeline"
    assert pipeline.title == "acme/api #90007 (feature/rate-limit-headers)"
    assert pipeline.properties == {
        "status": "failed",
        "ref": "feature/rate-limit-headers",
        "sha": "8f3c1e2a7b9d4c6e5f0a1b2c3d4e5f6a7b8c9d0e",
        "source": "merge_request_event",
        "createdAt": "2024-05-20T17:02:44.120Z",
        "updatedAt": "2024-05-20T17:10:03.501Z",
        "url": "https://gitlab.example.com/acme/api/-/pipelines/90007",
    }
    assert pipeline.relations == {"project": "acme/api"}
    assert entities["acme/platform/web/pipelines/89950"].properties["status"] == "running"


@pytest.mark.anyio
async def test_every_entity_is_mapped(entities: dict[str, Entity]) -> None:
    blueprints = sorted(entity.blueprint for entity in entities.values())
    assert blueprints.count("gitlabGroup") == 2
    assert blueprints.count("gitlabProject") == 3
    assert blueprints.count("gitlabMergeRequest") == 3
    assert blueprints.count("gitlabIssue") == 2
    assert blueprints.count("gitlabPipeline") == 3
