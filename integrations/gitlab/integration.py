"""The ``gitlab`` integration: groups, projects, merge requests, issues and pipelines.

Everything is read from the configured groups down (with their subgroups), so one GitLab
instance can be split across integration instances by group.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import yaml

from ocean_core import Deleted, LiveChange, WebhookRequest, kind, webhook
from ocean_core.http import HTTPIntegration, get_object, raise_for_status
from ocean_core.signatures import token_matches

from . import _webhooks
from ._groups import root_paths
from ._http import Pages, Params, encode_path, keyset_pages, offset_pages
from .config import GitLabConfig

MAPPING_FILE = Path(__file__).with_name("mapping.yaml")
RawItem = dict[str, Any]
Batches = AsyncGenerator[list[RawItem], None]
MEMBER = 10
"""``min_access_level`` of Guest: with no configured groups, the groups the user belongs to."""


def load_default_mapping() -> dict[str, Any]:
    """The default mapping shipped next to this module, in the Port Ocean format."""
    mapping = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict):
        raise TypeError(f"{MAPPING_FILE} must hold a mapping with 'resources'")
    return mapping


LAG = "5m"
"""Subtracted from the committed ``updated_at`` cursor of merge requests and issues: covers a
change made while a run reads the groups it already passed (a run of up to five minutes),
and clocks a little apart; what comes again is unchanged, never duplicated."""


def _state(state: str) -> Params:
    return {} if state == "all" else {"state": state}


def changed_since(since: datetime) -> Params:
    """An incremental listing: every state, updated at or after ``since``, newest first (a
    change made while it is read then has a cursor above all the run commits)."""
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return {"updated_after": stamp, "order_by": "updated_at", "sort": "desc"}


def in_state(page: list[RawItem], state: str) -> tuple[list[RawItem], list[RawItem]]:
    """What the integration keeps of an incremental page (``state``) and what left it."""
    if state == "all":
        return page, []
    return ([item for item in page if item.get("state") == state],
            [item for item in page if item.get("state") != state])


class GitLabIntegration(HTTPIntegration):
    """Read GitLab groups and what is in them.

    Example::

        gitlab = GitLabIntegration({"token": "glpat-...", "groups": ["acme"]})
        ocean = Ocean(gitlab, catalog=SQLiteCatalog("ocean.db"), integration_id="gitlab")
        result = await ocean.resync()

    ``transport`` replaces the network (tests pass a recorded transport) and ``retry`` the
    retry policy (tests give it a fake sleep); both default to the real thing.

    In a run the project listing (and, without configured groups, the member groups) is
    fetched once and replayed to every kind that needs it; root groups, pages of offset
    listings and per-project pipelines go ``config.max_concurrency`` at a time.
    """

    type = "gitlab"
    config_model = GitLabConfig
    default_mapping = load_default_mapping()

    config: GitLabConfig

    def base_url(self) -> str:
        return self.config.api_url

    def headers(self) -> dict[str, str]:
        token = self.config.token
        return {"PRIVATE-TOKEN": token.get_secret_value()} if token is not None else {}

    def verify_webhook(self, request: WebhookRequest) -> bool:
        """``X-Gitlab-Token`` is ``config.webhook_secret`` (none configured: all refused)."""
        return token_matches(self.config.webhook_secret,
                             request.headers.get(_webhooks.TOKEN_HEADER))

    @webhook("gitlab")
    async def gitlab_events(self, request: WebhookRequest) -> list[LiveChange]:
        """Merge request, issue, pipeline, project and group events; each object is fetched
        again from the API, in the shape the listings yield."""
        payload = request.json_object()
        states = {"merge-request": self.config.merge_request_state,
                  "issue": self.config.issue_state}
        async with self.client() as client:
            async def fetch(path: str) -> RawItem | None:
                return await get_object(client, path)

            event = _webhooks.Event(payload, self.config.groups, states, fetch,
                                    pipelines=self.config.pipelines_per_project > 0)
            return await _webhooks.live_changes(event)

    async def _roots(self, client: httpx.AsyncClient) -> list[str]:
        """Full paths of the groups to read from, none inside another."""
        if self.config.groups:
            return root_paths(self.config.groups)
        found: list[str] = []
        params: Params = {"min_access_level": MEMBER, "order_by": "path", "sort": "asc"}
        member = self.listing("member-groups", lambda: self._offset(client, "/groups", params))
        async with aclosing(member) as listing:
            async for page in listing:
                found.extend(group["full_path"] for group in page)
        return root_paths(sorted(found))

    def _offset(self, client: httpx.AsyncClient, url: str, params: Params) -> Pages:
        return offset_pages(client, url, params, self.config.page_size, self.fan_out)

    @kind("group")
    async def groups(self) -> Batches:
        """Each root group, then its descendant groups (``max_concurrency`` roots at a time)."""
        async with self.client() as client:
            roots = await self._roots(client)
            tree = self.fan_out(roots, lambda path: self._group_tree(client, path))
            async with aclosing(tree) as pages:
                async for page in pages:
                    yield page

    async def _group_tree(self, client: httpx.AsyncClient, path: str) -> Batches:
        # with_projects=false: the group's own payload would list up to 100 projects.
        url = f"/groups/{encode_path(path)}"
        group = raise_for_status(await client.get(url, params={"with_projects": False})).json()
        yield [group]
        url = f"/groups/{group['id']}/descendant_groups"
        async with aclosing(self._offset(client, url, {})) as listing:
            async for page in listing:
                yield page

    def _projects(self, client: httpx.AsyncClient) -> Batches:
        """Every project of the groups: listed once per run for every kind that needs them."""
        return self.listing("projects", lambda: self._list_projects(client))

    async def _list_projects(self, client: httpx.AsyncClient) -> Batches:
        params: Params = {"include_subgroups": True, "with_shared": False}

        def of_root(path: str) -> Pages:
            url = f"/groups/{encode_path(path)}/projects"
            return keyset_pages(client, url, params, self.config.page_size, self.fan_out)

        seen: set[int] = set()
        async with aclosing(self.fan_out(await self._roots(client), of_root)) as pages:
            async for page in pages:
                fresh = [p for p in page if p["id"] not in seen]
                seen.update(p["id"] for p in fresh)
                if fresh:
                    yield fresh

    @kind("project")
    async def projects(self) -> Batches:
        """Every project of the groups and their subgroups (not projects shared with them)."""
        async with self.client() as client, aclosing(self._projects(client)) as listing:
            async for page in listing:
                yield page

    async def _group_listing(self, resource: str, params: Params) -> Batches:
        """A group-level listing (merge requests, issues) of every root group, subgroups too."""
        params = {**params, "scope": "all", "non_archived": False}
        async with self.client() as client:

            def of_root(path: str) -> Pages:
                return self._offset(client, f"/groups/{encode_path(path)}/{resource}", params)

            async with aclosing(self.fan_out(await self._roots(client), of_root)) as listing:
                async for page in listing:
                    yield page

    async def _changed(
        self, resource: str, state: str, since: datetime | None
    ) -> AsyncGenerator[list[RawItem] | Deleted, None]:
        """A group-level listing in ``state``; incremental (``since``): every state updated
        since, what is no longer in ``state`` as ``Deleted``."""
        params = _state(state) if since is None else changed_since(since)
        async with aclosing(self._group_listing(resource, params)) as listing:
            async for page in listing:
                if since is None:
                    yield page
                    continue
                kept, left = in_state(page, state)
                if kept:
                    yield kept
                if left:
                    yield Deleted(left)

    @kind("merge-request", may_be_empty=True, cursor=".updated_at", lag=LAG)
    async def merge_requests(
        self, since: datetime | None = None
    ) -> AsyncGenerator[list[RawItem] | Deleted, None]:
        """Merge requests in ``merge_request_state``, archived projects included; in an
        incremental run those updated since (``updated_after``)."""
        changed = self._changed("merge_requests", self.config.merge_request_state, since)
        async with aclosing(changed) as listing:
            async for page in listing:
                yield page

    @kind("issue", may_be_empty=True, cursor=".updated_at", lag=LAG)
    async def issues(
        self, since: datetime | None = None
    ) -> AsyncGenerator[list[RawItem] | Deleted, None]:
        """Issues in ``issue_state``, archived projects included; in an incremental run those
        updated since (``updated_after``)."""
        async with aclosing(self._changed("issues", self.config.issue_state, since)) as it:
            async for page in it:
                yield page

    @kind("pipeline", may_be_empty=True)
    async def pipelines(self) -> Batches:
        """The newest ``pipelines_per_project`` pipelines of each project with CI/CD enabled,
        ``max_concurrency`` projects at a time.

        A pipeline does not name its project's path, so each item gets ``__project``
        (``id``, ``path_with_namespace``, ``web_url``) for the mapping.
        """
        count = self.config.pipelines_per_project
        if count == 0:
            return
        async with self.client() as client:
            newest = self.fan_out(
                _with_ci(self._projects(client)),
                lambda project: self._newest_pipelines(client, project, count),
            )
            pending: list[RawItem] = []
            async with aclosing(newest) as pages:
                async for page in pages:
                    pending.extend(page)
                    if len(pending) >= self.config.page_size:
                        yield pending
                        pending = []
            if pending:
                yield pending

    async def _newest_pipelines(
        self, client: httpx.AsyncClient, project: RawItem, count: int
    ) -> Batches:
        params: Params = {"per_page": count, "order_by": "id", "sort": "desc"}
        response = await client.get(f"/projects/{project['id']}/pipelines", params=params)
        owner = {key: project.get(key) for key in ("id", "path_with_namespace", "web_url")}
        yield [{**pipeline, "__project": owner} for pipeline in raise_for_status(response).json()]


async def _with_ci(projects: Batches) -> AsyncIterator[RawItem]:
    """The projects whose pipelines can be read: with CI/CD off the endpoint refuses with 403."""
    async with aclosing(projects):
        async for page in projects:
            for project in page:
                if project.get("jobs_enabled") is not False:
                    yield project
