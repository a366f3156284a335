"""The routes of the fake APIs: GitHub's and GitLab's paths, pagination and payloads.

``respond(path, query)`` gives ``(status, headers, body)``; the server (``_api_server``) adds
latency, rate limits and the bookkeeping.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from benchmarks import _api_data as data

Answer = tuple[int, dict[str, str], Any]
Query = dict[str, str]
NOT_FOUND: Answer = (404, {}, {"message": "Not Found"})


def _window(items: int, query: Query, default: int) -> tuple[int, int, int]:
    """(page, first index, last index + 1) of the page a query asks for."""
    per_page = int(query.get("per_page", default))
    page = int(query.get("page", 1))
    start = (page - 1) * per_page
    return page, start, min(items, start + per_page)


class GitHubShape:
    """``/orgs/acme/...`` and ``/repos/acme/<repo>/...``, paged with ``Link: rel="next"``."""

    name = "github"

    def __init__(self, repos: int) -> None:
        self.repos = repos
        self._routes: list[tuple[re.Pattern[str], Callable[..., Answer]]] = [
            (re.compile(rf"/orgs/{data.ORG}/repos"), self._repositories),
            (re.compile(rf"/repos/{data.ORG}/repo-(\d+)/pulls"), self._pulls),
            (re.compile(rf"/repos/{data.ORG}/repo-(\d+)/issues"), self._issues),
            (re.compile(rf"/repos/{data.ORG}/repo-(\d+)/actions/workflows"), self._workflows),
            (re.compile(rf"/orgs/{data.ORG}/teams"), self._teams),
            (re.compile(rf"/orgs/{data.ORG}/members"), self._members),
        ]

    def respond(self, path: str, query: Query) -> Answer:
        for pattern, route in self._routes:
            found = pattern.fullmatch(path)
            if found:
                return route(query, *found.groups())
        return NOT_FOUND

    def _listing(
        self, path: str, query: Query, total: int, item: Callable[[int], Any]
    ) -> Answer:
        page, start, end = _window(total, query, 30)
        headers = {}
        if end < total:
            following = urlencode({**query, "page": page + 1})
            headers["Link"] = f'<{path}?{following}>; rel="next"'
        return 200, headers, [item(index) for index in range(start, end)]

    def _repositories(self, query: Query) -> Answer:
        return self._listing(f"/orgs/{data.ORG}/repos", query, self.repos, data.github_repo)

    def _repo(self, number: str) -> int | None:
        index = int(number)
        return index if index < self.repos else None

    def _pulls(self, query: Query, number: str) -> Answer:
        repo = self._repo(number)
        if repo is None:
            return NOT_FOUND
        path = f"/repos/{data.ORG}/repo-{number}/pulls"
        return self._listing(path, query, data.github_pulls(repo),
                             lambda n: data.github_pull(repo, n + 1))

    def _issues(self, query: Query, number: str) -> Answer:
        repo = self._repo(number)
        if repo is None:
            return NOT_FOUND
        if not data.github_repo(repo)["has_issues"]:
            return 410, {}, {"message": "Issues are disabled for this repo"}
        path = f"/repos/{data.ORG}/repo-{number}/issues"
        return self._listing(path, query, data.github_issues(repo),
                             lambda n: data.github_issue(repo, 1000 + n))

    def _workflows(self, query: Query, number: str) -> Answer:
        repo = self._repo(number)
        if repo is None:
            return NOT_FOUND
        count = data.github_workflows(repo)
        workflows = [data.github_workflow(repo, index) for index in range(count)]
        return 200, {}, {"total_count": count, "workflows": workflows}

    def _teams(self, query: Query) -> Answer:
        return self._listing(f"/orgs/{data.ORG}/teams", query, data.GITHUB_TEAMS, data.github_team)

    def _members(self, query: Query) -> Answer:
        path = f"/orgs/{data.ORG}/members"
        return self._listing(path, query, data.GITHUB_MEMBERS, data.github_member)


class GitLabShape:
    """``/api/v4``: keyset pages for projects, offset pages with ``X-Total-Pages`` elsewhere."""

    name = "gitlab"
    prefix = "/api/v4"

    def __init__(self, projects: int) -> None:
        self.projects = projects
        root = data.gitlab_group(0)
        self._routes: list[tuple[re.Pattern[str], Callable[..., Answer]]] = [
            (re.compile(rf"/groups/{data.ORG}"), lambda query: (200, {}, root)),
            (re.compile(rf"/groups/{root['id']}/descendant_groups"), self._subgroups),
            (re.compile(rf"/groups/{data.ORG}/projects"), self._projects),
            (re.compile(rf"/groups/{data.ORG}/merge_requests"), self._merge_requests),
            (re.compile(rf"/groups/{data.ORG}/issues"), self._issues),
            (re.compile(r"/projects/(\d+)/pipelines"), self._pipelines),
        ]

    def respond(self, path: str, query: Query) -> Answer:
        path = path.removeprefix(self.prefix)
        for pattern, route in self._routes:
            found = pattern.fullmatch(path)
            if found:
                return route(query, *found.groups())
        return NOT_FOUND

    @staticmethod
    def _offset(query: Query, total: int, item: Callable[[int], Any]) -> Answer:
        page, start, end = _window(total, query, 20)
        per_page = int(query.get("per_page", 20))
        pages = data.pages(total, per_page)
        headers = {
            "X-Page": str(page), "X-Per-Page": str(per_page), "X-Total": str(total),
            "X-Total-Pages": str(pages), "X-Next-Page": str(page + 1) if page < pages else "",
        }
        return 200, headers, [item(index) for index in range(start, end)]

    def _subgroups(self, query: Query) -> Answer:
        return self._offset(query, data.GITLAB_SUBGROUPS, lambda n: data.gitlab_group(n + 1))

    def _projects(self, query: Query) -> Answer:
        if query.get("pagination") != "keyset":
            return self._offset(query, self.projects, data.gitlab_project)
        per_page = int(query.get("per_page", 20))
        after = int(query.get("id_after", 0))
        start = max(0, after - 20_000 + 1) if after else 0
        end = min(self.projects, start + per_page)
        headers = {}
        if end < self.projects:
            following = urlencode({**query, "id_after": 20_000 + end - 1})
            headers["Link"] = f'<{self.prefix}/groups/{data.ORG}/projects?{following}>; rel="next"'
        return 200, headers, [data.gitlab_project(index) for index in range(start, end)]

    def _merge_requests(self, query: Query) -> Answer:
        per = data.GITLAB_MRS
        return self._offset(query, self.projects * per,
                            lambda n: data.gitlab_merge_request(n // per, n % per + 1))

    def _issues(self, query: Query) -> Answer:
        per = data.GITLAB_ISSUES
        return self._offset(query, self.projects * per,
                            lambda n: data.gitlab_issue(n // per, n % per + 1))

    def _pipelines(self, query: Query, project_id: str) -> Answer:
        project = int(project_id) - 20_000
        if not 0 <= project < self.projects:
            return NOT_FOUND
        count = min(int(query.get("per_page", 20)), data.GITLAB_PIPELINES)
        return 200, {}, [data.gitlab_pipeline(project, index) for index in range(count)]


Shape = GitHubShape | GitLabShape


def shape(name: str, size: int) -> Shape:
    return GitHubShape(size) if name == "github" else GitLabShape(size)
