"""Incremental runs of the jira integration (rule 9): issues updated since the cursor, asked
for as a relative time (``updated >= "-Nm"``, rounded up, in no time zone), newest first; the
issues updated since that the JQL no longer selects are reported ``Deleted``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from integrations.jira import JiraIntegration, _jql
from ocean_core import Deleted
from ocean_core._cursor_values import Lag
from ocean_core.http import RetryPolicy
from ocean_core.testing import recorded_transport

from .conftest import API, CONFIG, no_sleep

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("jql", "scope"), [
    ("project = ABC ORDER BY key ASC", "project = ABC"),
    ("project = ABC order  by created", "project = ABC"),
    ('summary ~ "order by" AND project = X', 'summary ~ "order by" AND project = X'),
    ("ORDER BY updated", ""),
])
def test_the_order_clause_is_taken_off_outside_quotes(jql: str, scope: str) -> None:
    assert _jql.without_order(jql) == scope


def test_since_is_sent_as_minutes_back_rounded_up() -> None:
    since = NOW - timedelta(minutes=7, seconds=1)
    assert _jql.changed("project = ABC ORDER BY key", since, NOW) == (
        '(project = ABC) AND updated >= "-8m" ORDER BY updated DESC')
    assert _jql.left("project = ABC", since, NOW) == (
        'updated >= "-8m" AND NOT (project = ABC) ORDER BY updated DESC')
    assert _jql.minutes_back(NOW, NOW) == 1
    assert _jql.left("ORDER BY key", since, NOW) is None


def test_issues_declare_the_updated_cursor_with_a_lag() -> None:
    specs = {spec.name: spec for spec in JiraIntegration.declared_kinds()}
    assert specs["issue"].cursor == ".fields.updated"
    assert specs["issue"].lag == Lag(300.0, duration=True)
    assert set(specs["issue"].parameters) == {"selector", "since"}


def _issue(key: str) -> dict[str, Any]:
    return {"id": key, "key": key, "fields": {"updated": "2026-12-03T11:58:00.000+0100"}}


@pytest.mark.anyio
async def test_changed_issues_then_those_that_left_the_jql() -> None:
    searched: list[str] = []

    def search(request: httpx.Request) -> httpx.Response:
        jql = request.url.params["jql"]
        searched.append(jql)
        found = [_issue("OPS-1")] if "NOT (" in jql else [_issue("ABC-1"), _issue("ABC-2")]
        return httpx.Response(200, json={"issues": found, "isLast": True})

    transport = recorded_transport({f"{API}/search/jql": search})
    integration = JiraIntegration({**CONFIG, "jql": "project = ABC"}, transport=transport,
                                  retry=RetryPolicy(sleep=no_sleep), clock=lambda: NOW)

    batches = [b async for b in integration.issues(since=NOW - timedelta(minutes=30))]

    assert [[i["key"] for i in b] for b in batches] == [["ABC-1", "ABC-2"], ["OPS-1"]]
    assert isinstance(batches[1], Deleted) and not isinstance(batches[0], Deleted)
    assert searched == ['(project = ABC) AND updated >= "-30m" ORDER BY updated DESC',
                        'updated >= "-30m" AND NOT (project = ABC) ORDER BY updated DESC']
