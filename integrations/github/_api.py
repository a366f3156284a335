"""The GitHub REST listings this integration reads, each an async generator of pages.

Per-repository listings (pull requests, issues, workflows) walk the owner's repositories,
``max_concurrency`` repositories at a time (``fan_out``), and tag every item with the
repository's ``full_name`` under ``__repository``, because their payloads do not name it in one
field. Each repository's own pages come one after the other: the next link is in the last page.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import takewhile
from typing import Any

import httpx
from loguru import logger

from ocean_core.errors import IntegrationError, Terminal
from ocean_core.fanout import fan_out
from ocean_core.http import json_items, paginate_link

from .config import GitHubConfig

Item = dict[str, Any]
Page = list[Item]
Pages = AsyncGenerator[Page, None]
Items = Callable[[httpx.Response], list[Any]]
Params = dict[str, str | int]

REPOSITORY_KEY = "__repository"
"""The key under which per-repository items carry their repository's ``full_name``."""


class UnexpectedPayload(IntegrationError, Terminal):
    """GitHub answered 200 with a body that is not the documented shape."""

    def __init__(self, url: str, expected: str) -> None:
        self.url = url
        super().__init__(f"GET {url}: expected {expected} in the response body")


def workflow_items(response: httpx.Response) -> list[Any]:
    """The items of ``/actions/workflows``: wrapped as ``{"total_count", "workflows"}``."""
    body = response.json()
    workflows = body.get("workflows") if isinstance(body, dict) else None
    if not isinstance(workflows, list):
        raise UnexpectedPayload(str(response.url.copy_with(query=None)), "a 'workflows' list")
    return workflows


def listing(client: httpx.AsyncClient, path: str, params: Params, items: Items) -> Pages:
    """A ``paginate_link`` listing of ``items`` (callers close it with ``aclosing``)."""
    return paginate_link(client, path, params, items)


async def repositories(client: httpx.AsyncClient, config: GitHubConfig) -> Pages:
    """The owner's repositories, restricted to ``config.repositories`` when set."""
    wanted = {name.lower() for name in config.repositories or ()}
    params: Params = {"per_page": config.page_size, "sort": "full_name"}
    if config.org is not None:
        params["type"] = "all"
    seen: set[str] = set()
    async with aclosing(listing(client, config.repositories_path(), params, json_items)) as pages:
        async for page in pages:
            selected = [repo for repo in page if not wanted or repo["name"].lower() in wanted]
            seen.update(repo["name"].lower() for repo in selected)
            if selected:
                yield selected
    if missing := sorted(wanted - seen):
        logger.warning(
            "github: {} has no repositories named {} (listed at {})",
            config.owner,
            ", ".join(missing),
            config.repositories_path(),
        )


@dataclass(frozen=True)
class RepositoryListing:
    """One listing under ``/repos/{owner}/{repo}/``: which path, and which items to keep.

    ``older`` (a listing sorted newest first) says an item is older than the incremental
    run's ``since``: it and every item after it are left out, and the repository's listing
    stops there.
    """

    suffix: str
    params: Callable[[GitHubConfig], Params]
    items: Items = json_items
    keep: Callable[[Item], bool] = field(default=lambda item: True)
    applies: Callable[[Item], bool] = field(default=lambda repo: True)
    older: Callable[[Item], bool] | None = None


PULL_REQUESTS = RepositoryListing(
    "pulls", lambda config: {"state": config.state, "per_page": config.page_size}
)
ISSUES = RepositoryListing(
    "issues",
    lambda config: {"state": config.state, "per_page": config.page_size},
    # The issues endpoint lists pull requests too; they carry a "pull_request" key.
    keep=lambda item: "pull_request" not in item,
    # A repository with issues turned off answers 410 Gone: do not ask.
    applies=lambda repo: bool(repo.get("has_issues", True)),
)


def github_time(since: datetime) -> str:
    """``since`` as GitHub writes times: ``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, rounded
    down, so the listing starts no later than asked)."""
    return since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def updated_before(since: datetime) -> Callable[[Item], bool]:
    def older(item: Item) -> bool:
        stamp = item.get("updated_at")
        return isinstance(stamp, str) and _parse(stamp) < since

    return older


def _parse(stamp: str) -> datetime:
    found = datetime.fromisoformat(stamp)
    return found if found.tzinfo is not None else found.replace(tzinfo=UTC)


def changed_pull_requests(since: datetime) -> RepositoryListing:
    """Pull requests updated at or after ``since``, every state: the pulls endpoint has no
    ``since``, so it is read newest first and stops at the first one older."""
    return dataclasses.replace(
        PULL_REQUESTS, older=updated_before(since), params=lambda config: {
            "state": "all", "sort": "updated", "direction": "desc",
            "per_page": config.page_size})


def changed_issues(since: datetime) -> RepositoryListing:
    """Issues updated at or after ``since``, every state: the issues endpoint's own
    ``since``, newest change first (see ``docs/incremental.md``: a change made while the
    listing is read then has a cursor above all the run commits)."""
    return dataclasses.replace(ISSUES, params=lambda config: {
        "state": "all", "since": github_time(since), "sort": "updated", "direction": "desc",
        "per_page": config.page_size})


def in_state(page: Page, state: str) -> tuple[Page, Page]:
    """A page of an incremental listing (every state) as what the integration keeps (in
    ``config.state``) and what left it: an issue closed while only open ones are kept is,
    for the catalog, gone."""
    if state == "all":
        return page, []
    kept = [item for item in page if item.get("state") == state]
    return kept, [item for item in page if item.get("state") != state]


WORKFLOWS = RepositoryListing(
    "actions/workflows", lambda config: {"per_page": config.page_size}, items=workflow_items
)


async def per_repository(
    client: httpx.AsyncClient,
    config: GitHubConfig,
    what: RepositoryListing,
    repos: AsyncGenerator[Page, None],
    limit: int,
) -> Pages:
    """The pages of ``what`` for every repository of ``repos`` (pages of the repository
    listing), ``limit`` repositories at a time; pages come as they arrive (in repository order
    when ``limit`` is 1)."""

    def of_repository(repo: Item) -> Pages:
        return _of_repository(client, config, what, repo)

    async with aclosing(fan_out(_applicable(repos, what), of_repository, limit=limit)) as pages:
        async for page in pages:
            yield page


async def _applicable(
    repos: AsyncGenerator[Page, None], what: RepositoryListing
) -> AsyncIterator[Item]:
    async with aclosing(repos):
        async for page in repos:
            for repo in page:
                if what.applies(repo):
                    yield repo


async def _of_repository(
    client: httpx.AsyncClient, config: GitHubConfig, what: RepositoryListing, repo: Item
) -> Pages:
    full_name: str = repo["full_name"]
    path = f"/repos/{full_name}/{what.suffix}"
    async with aclosing(listing(client, path, what.params(config), what.items)) as pages:
        async for page in pages:
            newer = page if what.older is None else _newer(page, what.older)
            kept = [{**item, REPOSITORY_KEY: full_name} for item in newer if what.keep(item)]
            if kept:
                yield kept
            if len(newer) < len(page):
                return  # newest first: everything after is older than the run's since


def _newer(page: Page, older: Callable[[Item], bool]) -> Page:
    """The items of a newest-first page before the first one that is ``older``."""
    return list(takewhile(lambda item: not older(item), page))


async def organization_listing(
    client: httpx.AsyncClient, config: GitHubConfig, suffix: str
) -> Pages:
    """``/orgs/{org}/{suffix}`` (teams, members); nothing at all for a user account."""
    if config.org is None:
        return
    path = f"/orgs/{config.org}/{suffix}"
    async with aclosing(listing(client, path, {"per_page": config.page_size}, json_items)) as pages:
        async for page in pages:
            if page:
                yield page
