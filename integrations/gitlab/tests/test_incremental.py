"""Incremental runs of the gitlab integration (rule 9): merge requests and issues updated
since the cursor (``updated_after``), newest first, with what left the configured state
reported ``Deleted``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from integrations.gitlab import GitLabIntegration
from ocean_core import Deleted
from ocean_core._cursor_values import Lag
from ocean_core.testing import recorded_transport

from .conftest import API, make, offset, routes

SINCE = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def _item(iid: int, state: str) -> dict[str, Any]:
    return {"id": 9000 + iid, "iid": iid, "state": state, "updated_at": "2024-05-02T00:00:00Z",
            "title": f"!{iid}", "web_url": f"https://gitlab.example.com/-/{iid}"}


def test_merge_requests_and_issues_declare_an_updated_at_cursor_with_a_lag() -> None:
    specs = {spec.name: spec for spec in GitLabIntegration.declared_kinds()}
    for name in ("merge-request", "issue"):
        assert specs[name].cursor == ".updated_at" and specs[name].lag == Lag(300.0, True)
    assert specs["pipeline"].cursor is None


@pytest.mark.anyio
@pytest.mark.parametrize(("kind", "resource"), [("merge_requests", "merge_requests"),
                                                 ("issues", "issues")])
async def test_what_changed_since_every_state_newest_first(kind: str, resource: str) -> None:
    served = offset([_item(1, "opened"), _item(2, "closed")], [_item(3, "merged")])
    transport = recorded_transport(routes(**{f"{API}/groups/acme/{resource}": served}))
    integration, _ = make(transport)

    batches = [batch async for batch in getattr(integration, kind)(since=SINCE)]

    assert [[i["iid"] for i in b] for b in batches if not isinstance(b, Deleted)] == [[1]]
    assert [[i["iid"] for i in b] for b in batches if isinstance(b, Deleted)] == [[2], [3]]
    first = next(r for r in transport.requests if r.url.path.endswith(f"/{resource}"))
    params = dict(first.url.params)
    assert params["updated_after"] == "2024-05-01T12:30:00.000000Z"
    assert (params["order_by"], params["sort"]) == ("updated_at", "desc")
    assert "state" not in params  # every state: one that left the configured one is Deleted


@pytest.mark.anyio
async def test_with_state_all_nothing_is_deleted() -> None:
    served = offset([_item(1, "opened"), _item(2, "closed")])
    transport = recorded_transport(routes(**{f"{API}/groups/acme/issues": served}))
    integration, _ = make(transport, issue_state="all")

    batches = [batch async for batch in integration.issues(since=SINCE)]

    assert [type(b).__name__ for b in batches] == ["list"]
