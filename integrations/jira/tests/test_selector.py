"""JQL in the selector, as in Port Ocean: each issue resource searches with its own JQL."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from integrations.jira import JiraSelector
from integrations.jira.config import DEFAULT_JQL
from integrations.jira.integration import load_default_mapping
from ocean_core import MappingError, Ocean, ResyncStatus
from ocean_core.catalog import MemoryCatalog
from ocean_core.testing import recorded_transport, run_resync

from .conftest import API, load, make, routes

ABC = "project = ABC AND statusCategory != Done"
OPS = "project = OPS"


def with_issue_selectors(*selectors: dict[str, Any]) -> dict[str, Any]:
    """The default mapping with its issue resource once per selector."""
    mapping = load_default_mapping()
    resources: list[dict[str, Any]] = []
    for resource in mapping["resources"]:
        if resource["kind"] != "issue":
            resources.append(resource)
            continue
        for selector in selectors:
            resources.append({**copy.deepcopy(resource), "selector": selector})
    return {**mapping, "resources": resources}


def by_jql(request: httpx.Request) -> httpx.Response:
    """ABC's issues for a JQL on project ABC, OPS's for one on OPS: one page each."""
    jql = request.url.params["jql"]
    if "ABC" in jql:
        first = load("issues_page1.json")
        return httpx.Response(200, json={"issues": first["issues"], "isLast": True})
    if "OPS" in jql:
        return httpx.Response(200, json=load("issues_page2.json"))
    return httpx.Response(400, json={"errorMessages": [f"unexpected JQL {jql!r}"]})


def issue_jqls(requests: list[httpx.Request]) -> list[str]:
    return [r.url.params["jql"] for r in requests if r.url.path == f"{API}/search/jql"]


@pytest.mark.anyio
async def test_the_selector_jql_wins_over_the_config() -> None:
    integration, transport = make(jql="project = CONFIG")
    async for _ in integration.issues(JiraSelector(jql=OPS)):
        pass
    async for _ in integration.issues(JiraSelector()):  # no jql: the config's
        pass
    jqls = issue_jqls(transport.requests)
    assert jqls[0] == OPS and jqls[-1] == "project = CONFIG"


@pytest.mark.anyio
async def test_two_issue_resources_make_two_searches_with_their_jql() -> None:
    transport = recorded_transport(routes(**{f"{API}/search/jql": by_jql}))
    integration, _ = make(transport, jql="project = CONFIG")
    mapping = with_issue_selectors(
        {"query": "true", "jql": ABC},
        {"query": "true", "jql": OPS},
    )

    outcome = await run_resync(integration, mapping=mapping)

    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    assert issue_jqls(transport.requests) == [ABC, OPS]
    issues = sorted(e.identifier for e in outcome.entities if e.kind == "issue")
    assert issues == ["ABC-1", "ABC-2", "OPS-7"]


@pytest.mark.anyio
async def test_without_a_selector_jql_the_config_then_the_default_apply() -> None:
    configured, transport = make(jql="project = ABC")
    await run_resync(configured)
    assert issue_jqls(transport.requests)[0] == "project = ABC"

    default, transport = make()
    await run_resync(default)
    assert issue_jqls(transport.requests)[0] == DEFAULT_JQL


def test_selector_keys_are_checked_when_the_ocean_is_built() -> None:
    mapping = with_issue_selectors({"query": "true", "jqll": ABC}, {"query": "true", "jql": " "})

    with pytest.raises(MappingError) as caught:
        Ocean(make()[0], catalog=MemoryCatalog(), mapping=mapping, mapping_source="mapping.yaml")

    assert [str(p) for p in caught.value.problems] == [
        "mapping.yaml: resources[1].selector.jqll: unknown key (kind \"issue\");"
        " did you mean 'jql'?",
        "mapping.yaml: resources[2].selector.jql: Value error, must not be empty; leave it out"
        " to use the config's jql (kind \"issue\", got \" \")",
    ]
