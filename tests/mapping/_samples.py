"""Hand-written sample payloads in the shape of each provider's public REST API."""

from __future__ import annotations

from typing import Any

from ocean_core import Integration, KindSpec
from ocean_core.integration import Batch


class Samples(Integration):
    """Yields the given payloads per kind, one batch each."""

    type = "samples"

    def __init__(self, data: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__()
        self.data = data

    def kinds(self) -> list[KindSpec]:
        return [KindSpec(name, name) for name in self.data]

    def fetcher(self, kind_name: str) -> Any:
        async def fetch() -> Any:
            batch: Batch = self.data[kind_name]
            yield batch

        return fetch


GITHUB: dict[str, list[dict[str, Any]]] = {
    "repository": [
        {
            "id": 1296269, "name": "billing", "full_name": "acme/billing",
            "html_url": "https://github.com/acme/billing", "description": "Invoices",
            "default_branch": "main", "language": "Python", "visibility": "private",
            "stargazers_count": 42, "archived": False, "pushed_at": "2024-03-01T10:00:00Z",
            "topics": ["payments", "internal-tools", "python"],
        },
        {
            "id": 1296270, "name": "legacy", "full_name": "acme/legacy",
            "html_url": "https://github.com/acme/legacy", "description": None,
            "default_branch": "master", "language": None, "visibility": "public",
            "stargazers_count": 0, "archived": True, "pushed_at": "2019-01-01T00:00:00Z",
            "topics": ["old"],
        },
    ],
    "pull-request": [
        {
            "id": 1001, "number": 7, "title": "Add VAT", "state": "open",
            "html_url": "https://github.com/acme/billing/pull/7",
            "user": {"login": "ada"}, "assignees": [{"login": "ada"}],
            "requested_reviewers": [
                {"login": "bob", "site_admin": False}, {"login": "eve", "site_admin": True},
            ],
            "labels": [{"name": "feature"}], "additions": 120, "deletions": 30,
            "created_at": "2024-03-01T09:00:00Z", "updated_at": "2024-03-02T09:00:00Z",
            "closed_at": None, "merged_at": None,
            "head": {"ref": "vat", "repo": {"name": "billing"}},
            "base": {"ref": "main", "repo": {"name": "billing", "owner": {"login": "acme"}}},
        },
        {
            "id": 1002, "number": 8, "title": "Fix typo", "state": "closed",
            "html_url": "https://github.com/acme/billing/pull/8",
            "user": {"login": "bob"}, "assignees": [], "requested_reviewers": [],
            "labels": [], "additions": 1, "deletions": 1,
            "created_at": "2024-03-03T09:00:00Z", "updated_at": "2024-03-03T10:00:00Z",
            "closed_at": "2024-03-03T10:00:00Z", "merged_at": "2024-03-03T10:00:00Z",
            "head": {"ref": "typo", "repo": {"name": "billing"}},
            "base": {"ref": "main", "repo": {"name": "billing", "owner": {"login": "acme"}}},
        },
        {  # closed without merge: the selector drops it
            "id": 1003, "number": 9, "title": "Abandoned", "state": "closed",
            "html_url": "https://github.com/acme/billing/pull/9",
            "user": {"login": "eve"}, "assignees": [], "requested_reviewers": [],
            "labels": [], "additions": 5, "deletions": 0,
            "created_at": "2024-03-04T09:00:00Z", "updated_at": "2024-03-04T10:00:00Z",
            "closed_at": "2024-03-04T10:00:00Z", "merged_at": None,
            "head": {"ref": "x", "repo": {"name": "billing"}},
            "base": {"ref": "main", "repo": {"name": "billing", "owner": {"login": "acme"}}},
        },
    ],
}

JIRA: dict[str, list[dict[str, Any]]] = {
    "project": [
        {
            "self": "https://acme.atlassian.net/rest/api/3/project/10000", "id": "10000",
            "key": "OPS", "name": "Operations", "projectTypeKey": "software",
            "projectCategory": {"name": "Platform"}, "lead": {"displayName": "Ada Lovelace"},
        },
        {
            "self": "https://acme.atlassian.net/rest/api/3/project/10001", "id": "10001",
            "key": "OLD", "name": "Old stuff", "projectTypeKey": "business", "archived": True,
            "lead": {"displayName": "Bob"},
        },
    ],
    "issue": [
        {
            "id": "10042", "key": "OPS-42",
            "self": "https://acme.atlassian.net/rest/api/3/issue/10042",
            "fields": {
                "summary": "Rotate TLS certificates",
                "status": {"name": "In Progress",
                           "statusCategory": {"key": "indeterminate", "name": "In Progress"}},
                "issuetype": {"name": "Task"}, "priority": {"name": "High"},
                "assignee": {"emailAddress": "ada@acme.io", "displayName": "Ada"},
                "reporter": {"emailAddress": "bob@acme.io", "displayName": "Bob"},
                "project": {"key": "OPS", "name": "Operations"},
                "components": [{"name": "edge"}, {"name": "security"}],
                "labels": ["tls"], "created": "2024-02-20T08:00:00.000+0000",
                "updated": "2024-03-05T08:00:00.000+0000", "customfield_10016": 3,
                "parent": {"key": "OPS-40"}, "subtasks": [{"key": "OPS-43"}],
                "comment": {"total": 2, "comments": [
                    {"id": "900", "body": "Started", "created": "2024-03-01T08:00:00.000+0000",
                     "author": {"displayName": "Ada", "accountType": "atlassian"}},
                    {"id": "901", "body": "Automated reminder",
                     "created": "2024-03-02T08:00:00.000+0000",
                     "author": {"displayName": "Jira Bot", "accountType": "app"}},
                ]},
            },
        },
        {  # done long ago: the selector drops it (and its comments)
            "id": "10001", "key": "OPS-1",
            "self": "https://acme.atlassian.net/rest/api/3/issue/10001",
            "fields": {
                "summary": "Old", "status": {"name": "Done",
                                             "statusCategory": {"key": "done", "name": "Done"}},
                "issuetype": {"name": "Bug"}, "priority": {"name": "Low"}, "assignee": None,
                "reporter": {"emailAddress": "bob@acme.io"},
                "project": {"key": "OPS"}, "components": [], "labels": [],
                "created": "2023-01-01T08:00:00.000+0000",
                "updated": "2023-01-02T08:00:00.000+0000", "subtasks": [],
                "comment": {"total": 1, "comments": [
                    {"id": "1", "body": "x", "created": "2023-01-01T08:00:00.000+0000",
                     "author": {"displayName": "Bob", "accountType": "atlassian"}}]},
            },
        },
        {
            "id": "20007", "key": "PLAT-7",
            "self": "https://acme.atlassian.net/rest/api/3/issue/20007",
            "fields": {
                "summary": "Upgrade Postgres", "status": {
                    "name": "To Do", "statusCategory": {"key": "new", "name": "To Do"}},
                "issuetype": {"name": "Story"}, "priority": None, "assignee": None,
                "reporter": {"emailAddress": "eve@acme.io"},
                "project": {"key": "PLAT"}, "components": [], "labels": [],
                "created": "2024-03-06T08:00:00.000+0000",
                "updated": "2024-03-06T08:00:00.000+0000", "subtasks": [],
                "comment": {"total": 0, "comments": []},
            },
        },
    ],
}

PAGERDUTY: dict[str, list[dict[str, Any]]] = {
    "services": [
        {
            "id": "PSVC01", "type": "service", "name": "Checkout API", "status": "active",
            "description": "Payments front door",
            "html_url": "https://acme.pagerduty.com/service-directory/PSVC01",
            "auto_resolve_timeout": 14400, "created_at": "2023-05-01T00:00:00Z",
            "incident_urgency_rule": {"type": "constant", "urgency": "high"},
            "escalation_policy": {"id": "PEP01", "type": "escalation_policy_reference"},
            "teams": [{"id": "PT01", "type": "team_reference"}],
        },
    ],
    "incidents": [
        {
            "id": "Q1ABC", "incident_number": 321, "title": "Checkout 5xx spike",
            "status": "triggered", "urgency": "high",
            "html_url": "https://acme.pagerduty.com/incidents/Q1ABC",
            "created_at": "2024-03-07T01:00:00Z", "updated_at": "2024-03-07T01:05:00Z",
            "priority": {"id": "P1", "summary": "P1"},
            "service": {"id": "PSVC01", "type": "service_reference"},
            "escalation_policy": {"id": "PEP01"},
            "assignments": [{"assignee": {"id": "PU1", "summary": "Ada Lovelace"}}],
        },
        {  # resolved and low urgency: the selector drops it
            "id": "Q2DEF", "incident_number": 300, "title": "Disk 80%", "status": "resolved",
            "urgency": "low", "html_url": "https://acme.pagerduty.com/incidents/Q2DEF",
            "created_at": "2024-03-01T01:00:00Z", "updated_at": "2024-03-01T02:00:00Z",
            "priority": None, "service": {"id": "PSVC01"},
            "escalation_policy": {"id": "PEP01"}, "assignments": [],
        },
    ],
    "escalation_policies": [
        {
            "id": "PEP01", "name": "Payments on-call", "description": "Follow the sun",
            "html_url": "https://acme.pagerduty.com/escalation_policies/PEP01",
            "num_loops": 2,
            "escalation_rules": [
                {"escalation_delay_in_minutes": 30,
                 "targets": [{"id": "PS1", "type": "schedule_reference",
                              "summary": "Payments primary"}]},
                {"escalation_delay_in_minutes": 30,
                 "targets": [{"id": "PU2", "type": "user_reference", "summary": "Bob"}]},
            ],
            "services": [{"id": "PSVC01"}, {"id": "PSVC02"}],
        },
    ],
}
