"""The default mapping on the recorded payloads: identifiers, titles, properties, relations."""

from __future__ import annotations

import pytest

from integrations.jira.integration import JiraIntegration, load_default_mapping
from ocean_core import Entity, ResyncStatus
from ocean_core.testing import run_resync

from .conftest import make


def test_mapping_lists_every_kind() -> None:
    kinds = [r["kind"] for r in load_default_mapping()["resources"]]
    assert kinds == ["project", "issue", "user"]
    assert [spec.name for spec in JiraIntegration.declared_kinds()] == kinds


@pytest.fixture
async def entities() -> dict[str, Entity]:
    outcome = await run_resync(make()[0])
    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    return {entity.identifier: entity for entity in outcome.entities}


@pytest.mark.anyio
async def test_projects(entities: dict[str, Entity]) -> None:
    abc = entities["ABC"]
    assert (abc.blueprint, abc.title, abc.kind) == ("jiraProject", "Alpha Backend Core", "project")
    assert abc.properties == {
        "url": "https://example.atlassian.net/browse/ABC",
        "type": "software",
        "lead": "Alice Moreau",
        "description": "Core services of the Alpha product.",
    }
    assert entities["OPS"].properties["type"] == "service_desk"


@pytest.mark.anyio
async def test_issues(entities: dict[str, Entity]) -> None:
    issue = entities["ABC-2"]
    assert (issue.blueprint, issue.title) == ("jiraIssue", "Send Retry-After with every 429")
    assert issue.properties == {
        "url": "https://example.atlassian.net/browse/ABC-2",
        "status": "To Do",
        "statusCategory": "To Do",
        "type": "Task",
        "priority": "Medium",
        "assignee": None,
        "reporter": "Alice Moreau",
        "labels": [],
        "created": "2024-05-03T11:00:00.000+0200",
        "updated": "2024-05-20T17:30:12.882+0200",
    }
    assert issue.relations == {"project": "ABC", "parentIssue": "ABC-1"}
    assert entities["ABC-1"].relations == {"project": "ABC", "parentIssue": None}
    ops = entities["OPS-7"]
    assert ops.properties["assignee"] == "Bob Okafor"
    assert ops.properties["statusCategory"] == "Done"
    assert ops.properties["labels"] == ["security"]


@pytest.mark.anyio
async def test_users(entities: dict[str, Entity]) -> None:
    alice = entities["5b10a2844c20165700ede21g"]
    assert (alice.blueprint, alice.title) == ("jiraUser", "Alice Moreau")
    assert alice.properties == {
        "displayName": "Alice Moreau",
        "email": "alice@example.com",
        "active": True,
        "type": "atlassian",
    }
    bot = entities["557058:f58131cb-b67d-43c7-b30d-6b58d40bd077"]
    assert bot.properties["type"] == "app"
    assert bot.properties["email"] is None  # hidden by the user's profile visibility


@pytest.mark.anyio
async def test_every_entity_is_mapped(entities: dict[str, Entity]) -> None:
    blueprints = [entity.blueprint for entity in entities.values()]
    assert sorted(blueprints) == ["jiraIssue"] * 3 + ["jiraProject"] * 3 + ["jiraUser"] * 3
