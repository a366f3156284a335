"""Port Ocean-format mappings load unchanged, validate, and map realistic payloads through a real
resync (GitHub-like, Jira-like and PagerDuty-like, each written from the providers' public docs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import MemoryCatalog
from ocean_core.mapping import load_mapping, load_mapping_file
from tests.mapping._samples import GITHUB, JIRA, PAGERDUTY, Samples

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = {"github": GITHUB, "jira": JIRA, "pagerduty": PAGERDUTY}


async def _resync(name: str) -> tuple[Any, dict[tuple[str, str], Any], Ocean]:
    path = FIXTURES / f"{name}.yaml"
    catalog = MemoryCatalog()
    ocean = Ocean(
        Samples(SAMPLES[name]), catalog=catalog, mapping=load_mapping_file(path),
        integration_id=name, mapping_source=str(path),
    )
    result = await ocean.resync()
    found = await catalog.list_entities(name)
    return result, {(e.blueprint, e.identifier): e for e in found}, ocean


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_fixture_validates_against_its_kinds(name: str) -> None:
    data = load_mapping_file(FIXTURES / f"{name}.yaml")
    compiled = load_mapping(data, source=f"{name}.yaml", kinds=SAMPLES[name].keys())
    assert compiled.kinds == list(dict.fromkeys(r["kind"] for r in data["resources"]))


async def test_github_repositories_topics_pull_requests_and_reviewers() -> None:
    result, entities, ocean = await _resync("github")

    assert result.status is ResyncStatus.SUCCEEDED
    assert ocean.deletion_threshold == 0.5  # entityDeletionThreshold is honoured
    assert sorted(entities) == [
        ("githubPullRequest", "billing1001"), ("githubPullRequest", "billing1002"),
        ("githubRepository", "billing"), ("githubRepository", "legacy"),
        ("githubReviewRequest", "bob@billing#7"), ("githubReviewRequest", "eve@billing#7"),
        ("githubTopic", "billing-payments"), ("githubTopic", "billing-python"),
    ]
    repo = entities[("githubRepository", "billing")]
    assert (repo.title, repo.icon, repo.kind) == ("billing", "Github", "repository")
    assert repo.properties == {
        "description": "Invoices", "url": "https://github.com/acme/billing",
        "defaultBranch": "main", "language": "Python", "visibility": "private", "stars": 42,
        "archived": False, "lastPush": "2024-03-01T10:00:00Z",
    }
    topic = entities[("githubTopic", "billing-payments")]
    assert topic.title == "payments" and topic.relations == {"repository": "billing"}
    assert topic.properties == {"topicsLeft": None}  # the parsed array left the parent
    pr = entities[("githubPullRequest", "billing1001")]
    assert pr.team == "acme" and pr.relations == {"repository": "billing"}
    assert pr.properties == {
        "creator": "ada", "assignees": ["ada"], "reviewers": ["bob", "eve"],
        "status": "open", "merged": False, "closedAt": None,
        "updatedAt": "2024-03-02T09:00:00Z", "prNumber": 7,
        "link": "https://github.com/acme/billing/pull/7", "branch": "vat",
        "labels": ["feature"], "size": 150,
    }
    assert entities[("githubPullRequest", "billing1002")].properties["merged"] is True
    review = entities[("githubReviewRequest", "eve@billing#7")]
    assert review.title == "Review of #7 by eve"
    assert review.properties == {"reviewer": "eve", "isSiteAdmin": True}
    assert review.relations == {"pullRequest": "billing1001", "repository": "billing"}
    stats = result.kinds["pull-request"]
    assert (stats.fetched, stats.errors) == (6, 0)  # two resources read each of 3 items


async def test_jira_projects_issues_and_comments() -> None:
    result, entities, _ = await _resync("jira")

    assert result.status is ResyncStatus.SUCCEEDED
    assert sorted(entities) == [
        ("jiraComment", "OPS-42-comment-900"),
        ("jiraIssue", "OPS-42"), ("jiraIssue", "PLAT-7"),
        ("jiraProject", "OPS"),
    ]
    issue = entities[("jiraIssue", "OPS-42")]
    assert issue.title == "Rotate TLS certificates"
    assert issue.properties == {
        "url": "https://acme.atlassian.net/browse/OPS-42", "status": "In Progress",
        "statusCategory": "In Progress", "issueType": "Task",
        "components": ["edge", "security"], "assignee": "ada@acme.io",
        "reporter": "bob@acme.io", "priority": "High", "labels": ["tls"],
        "created": "2024-02-20T08:00:00.000+0000", "updated": "2024-03-05T08:00:00.000+0000",
        "storyPoints": 3, "commentCount": 2,
    }
    assert issue.relations == {"project": "OPS", "parentIssue": "OPS-40", "subtasks": ["OPS-43"]}
    plat = entities[("jiraIssue", "PLAT-7")]
    assert (plat.properties["assignee"], plat.properties["priority"]) == (None, None)
    assert plat.properties["storyPoints"] == 0
    assert plat.relations == {"project": "PLAT", "parentIssue": None, "subtasks": []}
    comment = entities[("jiraComment", "OPS-42-comment-900")]
    assert comment.title == "Ada on OPS-42" and comment.relations == {"issue": "OPS-42"}
    assert comment.properties == {
        "body": "Started", "created": "2024-03-01T08:00:00.000+0000", "issueCommentTotal": 2,
    }
    project = entities[("jiraProject", "OPS")]
    assert project.properties["url"] == "https://acme.atlassian.net/projects/OPS"
    assert result.kinds["project"].filtered == 1  # the archived project


async def test_pagerduty_services_incidents_and_escalation_policies() -> None:
    result, entities, _ = await _resync("pagerduty")

    assert result.status is ResyncStatus.SUCCEEDED
    assert sorted(entities) == [
        ("pagerdutyEscalationPolicy", "PEP01"), ("pagerdutyIncident", "Q1ABC"),
        ("pagerdutyService", "PSVC01"),
    ]
    service = entities[("pagerdutyService", "PSVC01")]
    assert service.icon == "pagerduty"
    assert service.relations == {"escalationPolicy": "PEP01", "teams": ["PT01"]}
    assert service.properties["urgency"] == "high"
    incident = entities[("pagerdutyIncident", "Q1ABC")]
    assert incident.properties == {
        "status": "triggered", "url": "https://acme.pagerduty.com/incidents/Q1ABC",
        "urgency": "high", "priority": "P1", "assignees": ["Ada Lovelace"],
        "incidentNumber": 321, "createdAt": "2024-03-07T01:00:00Z",
        "updatedAt": "2024-03-07T01:05:00Z", "isHighUrgency": True,
    }
    assert incident.relations == {
        "pagerdutyService": "PSVC01",
        "escalationPolicy": {"combinator": "and", "rules": [
            {"property": "$identifier", "operator": "=", "value": "PEP01"},
            {"property": "$blueprint", "operator": "=", "value": "pagerdutyEscalationPolicy"},
        ]},
    }
    policy = entities[("pagerdutyEscalationPolicy", "PEP01")]
    assert policy.relations == {"services": ["PSVC01", "PSVC02"]}
    assert policy.properties["primaryOncall"] == ["Payments primary"]
    assert result.kinds["incidents"].filtered == 1
