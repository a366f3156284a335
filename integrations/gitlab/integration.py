"""The ``gitlab`` integration: groups, projects, merge requests, issues and pipelines.

Everything is read from the configured groups down (with their subgroups), so one GitLab
instance can be split across integration instances by group.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx
import yaml

from ocean_core import kind
from ocean_core.http import HTTPIntegration, raise_for_status

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


def _state(state: str) -> Params:
    return {} if state == "all" else {"state": state}


class GitLabIntegration(HTTPIntegration):
    """Read GitLab groups and what is in them.

    Example::

        gitlab = GitLabIntegration({"token": "glpat-...", "groups": ["acme"]})
        ocean = Ocean(gitlab, catalog=SQLiteCatalog("ocean.db"), integration_id="gitlab")
        result = await ocean.resync()

    ``transport`` replaces the network (tests pass a recorded transport) and ``retry`` the
    retry policy (tests give it a fake sleep); both default to the real thing.
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

    async def _roots(self, client: httpx.AsyncClient) -> list[str]:
        """Full paths of the groups to read from, none inside another."""
        if self.config.groups:
            return root_paths(self.config.groups)
        found: list[str] = []
        params: Params = {"min_access_level": MEMBER, "order_by": "path", "sort": "asc"}
        async with aclosing(self._offset(client, "/groups", params)) as listing:
            async for page in listing:
                found.extend(group["full_path"] for group in page)
        return root_paths(sorted(found))

    def _offset(self, client: httpx.AsyncClient, url: str, params: Params) -> Pages:
        return offset_pages(client, url, params, self.config.page_size)

    @kind("group")
    async def groups(self) -> Batches:
        """Each root group, then its descendant groups."""
        async with self.client() as client:
            for path in await self._roots(client):
                # with_projects=false: the group's own payload would list up to 100 projects.
                url = f"/groups/{encode_path(path)}"
                params = {"with_projects": False}
                group = raise_for_status(await client.get(url, params=params)).json()
                yield [group]
                url = f"/groups/{group['id']}/descendant_groups"
                async with aclosing(self._offset(client, url, {})) as listing:
                    async for page in listing:
                        yield page

    async def _projects(self, client: httpx.AsyncClient) -> Batches:
        params: Params = {"include_subgroups": True, "with_shared": False}
        seen: set[int] = set()
        for path in await self._roots(client):
            url = f"/groups/{encode_path(path)}/projects"
            async with aclosing(keyset_pages(client, url, params, self.config.page_size)) as pgs:
                async for page in pgs:
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
            for path in await self._roots(client):
                url = f"/groups/{encode_path(path)}/{resource}"
                async with aclosing(self._offset(client, url, params)) as listing:
                    async for page in listing:
                        yield page

    @kind("merge-request", may_be_empty=True)
    async def merge_requests(self) -> Batches:
        """Merge requests in ``merge_request_state``, archived projects included."""
        params = _state(self.config.merge_request_state)
        async with aclosing(self._group_listing("merge_requests", params)) as listing:
            async for page in listing:
                yield page

    @kind("issue", may_be_empty=True)
    async def issues(self) -> Batches:
        """Issues in ``issue_state``, archived projects included."""
        async with aclosing(self._group_listing("issues", _state(self.config.issue_state))) as it:
            async for page in it:
                yield page

    @kind("pipeline", may_be_empty=True)
    async def pipelines(self) -> Batches:
        """The newest ``pipelines_per_project`` pipelines of each project with CI/CD enabled.

        A pipeline does not name its project's path, so each item gets ``__project``
        (``id``, ``path_with_namespace``, ``web_url``) for the mapping.
        """
        count = self.config.pipelines_per_project
        if count == 0:
            return
        pending: list[RawItem] = []
        async with self.client() as client, aclosing(self._projects(client)) as listing:
            async for page in listing:
                for project in page:
                    if project.get("jobs_enabled") is False:
                        continue  # CI/CD is off: the pipelines endpoint would refuse with 403
                    pending.extend(await self._newest_pipelines(client, project, count))
                if len(pending) >= self.config.page_size:
                    yield pending
                    pending = []
        if pending:
            yield pending

    async def _newest_pipelines(
        self, client: httpx.AsyncClient, project: RawItem, count: int
    ) -> list[RawItem]:
        params: Params = {"per_page": count, "order_by": "id", "sort": "desc"}
        response = await client.get(f"/projects/{project['id']}/pipelines", params=params)
        owner = {key: project.get(key) for key in ("id", "path_with_namespace", "web_url")}
        return [{**pipeline, "__project": owner} for pipeline in raise_for_status(response).json()]
