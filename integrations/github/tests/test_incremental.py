"""Incremental runs of the github integration (rule 9): pull requests and issues by
``updated_at``, newest first, with what left ``config.state`` reported ``Deleted``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from integrations.github import GitHubIntegration
from ocean_core import Deleted, Ocean
from ocean_core._cursor_values import Lag
from ocean_core.catalog import MemoryCatalog
from ocean_core.testing import pages

from .conftest import MakeGitHub, org_routes

SINCE = datetime(2024, 4, 15, tzinfo=UTC)


def _item(number: int, updated: str, state: str, **more: Any) -> dict[str, Any]:
    return {"number": number, "title": f"#{number}", "state": state, "updated_at": updated,
            "html_url": f"https://github.com/acme-corp/api/{number}", "user": {"login": "ada"},
            "labels": [], "head": {"ref": "x"}, "base": {"ref": "main"}, **more}


def test_pull_requests_and_issues_declare_an_updated_at_cursor_with_a_lag() -> None:
    specs = {spec.name: spec for spec in GitHubIntegration.declared_kinds()}
    for name in ("pull-request", "issue"):
        assert specs[name].cursor == ".updated_at" and "since" in specs[name].parameters
        assert specs[name].lag == Lag(300.0, duration=True)
    assert specs["repository"].cursor is None


@pytest.mark.anyio
async def test_changed_pull_requests_are_read_newest_first_and_stop_at_the_first_older(
    make_github: MakeGitHub,
) -> None:
    routes = {**org_routes(), "/repos/acme-corp/api/pulls?state=all": pages(
        [_item(50, "2024-05-03T00:00:00Z", "open"), _item(49, "2024-05-02T00:00:00Z", "closed"),
         _item(30, "2024-04-01T00:00:00Z", "open")],
        [_item(20, "2024-03-01T00:00:00Z", "open")],
    )}
    integration, transport = make_github(routes, max_concurrency=1)

    batches = [batch async for batch in integration.pull_requests(since=SINCE)]

    kept = [[i["number"] for i in b] for b in batches if not isinstance(b, Deleted)]
    gone = [[i["number"] for i in b] for b in batches if isinstance(b, Deleted)]
    assert kept == [[50], [7], [113]] and gone == [[49]]  # closed while only open are kept
    api = [dict(r.url.params) for r in transport.requests
           if r.url.path == "/repos/acme-corp/api/pulls"]
    assert api == [{"state": "all", "sort": "updated", "direction": "desc", "per_page": "100"}]


@pytest.mark.anyio
async def test_changed_issues_use_githubs_since(make_github: MakeGitHub) -> None:
    routes = {**org_routes(), "/repos/acme-corp/api/issues?state=all": pages(
        [_item(44, "2024-05-01T10:02:48Z", "closed"),
         _item(42, "2024-05-01T16:20:03Z", "open", pull_request={})],
    )}
    integration, transport = make_github(routes, max_concurrency=1)

    batches = [batch async for batch in integration.issues(since=SINCE)]

    assert [type(b).__name__ for b in batches] == ["Deleted", "list"]  # 44 closed; web's 120
    params = [dict(r.url.params) for r in transport.requests
              if r.url.path == "/repos/acme-corp/api/issues"]
    assert params == [{"state": "all", "since": "2024-04-15T00:00:00Z", "sort": "updated",
                       "direction": "desc", "per_page": "100"}]


@pytest.mark.anyio
async def test_an_incremental_run_fetches_since_the_cursor_of_the_full_run(
    make_github: MakeGitHub,
) -> None:
    integration, transport = make_github()
    ocean = Ocean(integration, catalog=MemoryCatalog(), integration_id="gh")
    full = await ocean.resync()
    transport.requests.clear()

    run = await ocean.resync(incremental=True)

    assert full.kinds["issue"].cursor == "2024-05-02T08:01:00Z"
    assert run.kinds["issue"].since == "2024-05-02T07:56:00Z"  # less the 5 minutes' lag
    assert run.kinds["repository"].skipped
    sent = {r.url.params.get("since") for r in transport.requests if r.url.path.endswith("/issues")}
    assert sent == {"2024-05-02T07:56:00Z"}
