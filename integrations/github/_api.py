"""The GitHub REST listings this integration reads, each an async generator of pages.

Per-repository listings (pull requests, issues, workflows) walk the owner's repositories,
``max_concurrency`` repositories at a time (``fan_out``), and tag every item with the
repository's ``full_name`` under ``__repository``, because their payloads do not name it in one
field. Each repository's own pages come one after the other: the next link is in the last page.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
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
    """One listing under ``/repos/{owner}/{repo}/``: which path, and which items to keep."""

    suffix: str
    params: Callable[[GitHubConfig], Params]
    items: Items = json_items
    keep: Callable[[Item], bool] = field(default=lambda item: True)
    applies: Callable[[Item], bool] = field(default=lambda repo: True)


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
            kept = [{**item, REPOSITORY_KEY: full_name} for item in page if what.keep(item)]
            if kept:
                yield kept


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
