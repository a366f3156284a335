"""The organizations the fake APIs serve: deterministic from their size, and what a resync of
them must ask for at least (one request per page of every listing, each listing once).

GitHub-shaped: ``acme`` with ``n`` repositories; each has a few pull requests, issues (one in
ten has its tracker off) and workflows; every 50th has 130 pull requests and every 60th 120
issues (two pages each); 25 teams, 150 members. GitLab-shaped: group ``acme`` with 3
subgroups and ``n`` projects; 3 merge requests, 3 issues and 2 pipelines per project.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

PER_PAGE = 100
STAMP = "2026-11-20T10:00:00Z"
ORG = "acme"


def pages(items: int, per_page: int = PER_PAGE) -> int:
    """Requests a listing of ``items`` needs: an empty listing still takes one."""
    return max(1, math.ceil(items / per_page))


@dataclass(frozen=True)
class Need:
    """What one kind of a resync has to ask for: ``requests`` in all, and the longest chain of
    requests that must follow one another (a next link is only known from the page before;
    with the page count known, the other pages can go together after the first)."""

    requests: int
    chain: int


# --- GitHub ------------------------------------------------------------------------------


def github_repo(i: int) -> dict[str, Any]:
    name = f"repo-{i:04d}"
    return {
        "id": 10_000 + i, "name": name, "full_name": f"{ORG}/{name}",
        "html_url": f"https://github.example/{ORG}/{name}", "description": f"Repository {i}",
        "language": ("Python", "Go", "TypeScript")[i % 3], "default_branch": "main",
        "visibility": "private", "archived": i % 17 == 0, "stargazers_count": i % 40,
        "topics": ["bench"], "has_issues": i % 10 != 3, "private": True,
        "created_at": STAMP, "updated_at": STAMP, "pushed_at": STAMP,
    }


def github_pulls(i: int) -> int:
    return 130 if i % 50 == 7 else (i * 7) % 5


def github_issues(i: int) -> int:
    if not github_repo(i)["has_issues"]:
        return 0
    return 120 if i % 60 == 11 else (i * 3) % 4


def github_workflows(i: int) -> int:
    return 1 + i % 3


GITHUB_TEAMS = 25
GITHUB_MEMBERS = 150


def github_pull(repo: int, number: int) -> dict[str, Any]:
    return {
        "number": number, "title": f"Change {number}", "state": "open", "draft": False,
        "user": {"login": f"dev{number % 9}"}, "labels": [{"name": "bench"}],
        "head": {"ref": f"feature-{number}"}, "base": {"ref": "main"},
        "created_at": STAMP, "updated_at": STAMP, "merged_at": None, "closed_at": None,
        "html_url": f"https://github.example/{ORG}/repo-{repo:04d}/pull/{number}",
    }


def github_issue(repo: int, number: int) -> dict[str, Any]:
    return {
        "number": number, "title": f"Bug {number}", "state": "open", "state_reason": None,
        "user": {"login": f"dev{number % 7}"}, "assignees": [], "labels": ["bug"],
        "comments": number % 4, "created_at": STAMP, "updated_at": STAMP, "closed_at": None,
        "html_url": f"https://github.example/{ORG}/repo-{repo:04d}/issues/{number}",
    }


def github_workflow(repo: int, index: int) -> dict[str, Any]:
    return {
        "id": repo * 10 + index, "name": f"CI {index}", "state": "active",
        "path": f".github/workflows/ci-{index}.yml", "created_at": STAMP, "updated_at": STAMP,
        "html_url": f"https://github.example/{ORG}/repo-{repo:04d}/actions/workflows/{index}",
    }


def github_team(index: int) -> dict[str, Any]:
    return {"slug": f"team-{index}", "name": f"Team {index}", "description": None,
            "privacy": "closed", "html_url": f"https://github.example/orgs/{ORG}/teams/{index}",
            "parent": None}


def github_member(index: int) -> dict[str, Any]:
    return {"login": f"user{index:03d}", "html_url": f"https://github.example/user{index:03d}",
            "type": "User", "site_admin": False}


def github_need(n: int) -> dict[str, Need]:
    """Per kind, in the default mapping's order: each listing once (the repositories are
    listed by the repository kind and replayed to the others)."""
    with_issues = [i for i in range(n) if github_repo(i)["has_issues"]]
    return {
        "repository": Need(pages(n), pages(n)),
        "pull-request": Need(sum(pages(github_pulls(i)) for i in range(n)),
                             max(pages(github_pulls(i)) for i in range(n))),
        "issue": Need(sum(pages(github_issues(i)) for i in with_issues),
                      max(pages(github_issues(i)) for i in with_issues)),
        "team": Need(pages(GITHUB_TEAMS), pages(GITHUB_TEAMS)),
        "member": Need(pages(GITHUB_MEMBERS), pages(GITHUB_MEMBERS)),
        "workflow": Need(sum(pages(github_workflows(i)) for i in range(n)), 1),
    }


def github_entities(n: int) -> int:
    return n + sum(github_pulls(i) + github_issues(i) + github_workflows(i) for i in range(n)) \
        + GITHUB_TEAMS + GITHUB_MEMBERS


# --- GitLab ------------------------------------------------------------------------------

GITLAB_SUBGROUPS = 3
GITLAB_MRS = 3
GITLAB_ISSUES = 3
GITLAB_PIPELINES = 2


def gitlab_group(index: int) -> dict[str, Any]:
    """Group 0 is ``acme``; the others are its subgroups."""
    path = ORG if index == 0 else f"{ORG}/team-{index}"
    return {"id": 500 + index, "full_path": path, "full_name": path.replace("/", " / "),
            "web_url": f"https://gitlab.example/{path}", "description": "", "visibility":
            "private", "parent_id": None if index == 0 else 500}


def gitlab_project(i: int) -> dict[str, Any]:
    group = gitlab_group(1 + i % GITLAB_SUBGROUPS)["full_path"]
    path = f"{group}/project-{i:04d}"
    return {
        "id": 20_000 + i, "name": f"project-{i:04d}", "path_with_namespace": path,
        "web_url": f"https://gitlab.example/{path}", "description": None,
        "default_branch": "main", "visibility": "private", "archived": False,
        "last_activity_at": STAMP, "namespace": {"full_path": group}, "jobs_enabled": True,
    }


def gitlab_merge_request(project: int, iid: int) -> dict[str, Any]:
    path = gitlab_project(project)["path_with_namespace"]
    return {
        "iid": iid, "project_id": 20_000 + project, "title": f"Change {iid}", "state": "opened",
        "draft": False, "author": {"username": f"dev{iid}"}, "reviewers": [], "labels": [],
        "source_branch": f"feature-{iid}", "target_branch": "main", "created_at": STAMP,
        "updated_at": STAMP, "merged_at": None, "web_url": f"https://gitlab.example/{path}",
        "references": {"full": f"{path}!{iid}"},
    }


def gitlab_issue(project: int, iid: int) -> dict[str, Any]:
    path = gitlab_project(project)["path_with_namespace"]
    return {
        "iid": iid, "project_id": 20_000 + project, "title": f"Bug {iid}", "state": "opened",
        "author": {"username": f"dev{iid}"}, "assignees": [], "labels": ["bug"],
        "created_at": STAMP, "updated_at": STAMP, "closed_at": None,
        "web_url": f"https://gitlab.example/{path}/-/issues/{iid}",
        "references": {"full": f"{path}#{iid}"},
    }


def gitlab_pipeline(project: int, index: int) -> dict[str, Any]:
    return {"id": 900_000 + project * 10 + index, "status": "success", "ref": "main",
            "sha": f"{project:08x}{index:032x}", "source": "push", "created_at": STAMP,
            "updated_at": STAMP, "web_url": f"https://gitlab.example/p/{project}/{index}"}


def gitlab_need(n: int) -> dict[str, Need]:
    """Per kind, with ``groups: [acme]``: the group and its subgroups (both can be asked at
    once: the API takes the group's path as its id), the projects by keyset (one page after
    the other, replayed to the pipelines), merge requests and issues by offset (with the count
    known after the first page), one request per project for its pipelines."""
    return {
        "group": Need(1 + pages(GITLAB_SUBGROUPS), 1),
        "project": Need(pages(n), pages(n)),
        "merge-request": Need(pages(n * GITLAB_MRS), min(2, pages(n * GITLAB_MRS))),
        "issue": Need(pages(n * GITLAB_ISSUES), min(2, pages(n * GITLAB_ISSUES))),
        "pipeline": Need(n, 1),
    }


def gitlab_entities(n: int) -> int:
    return 1 + GITLAB_SUBGROUPS + n * (1 + GITLAB_MRS + GITLAB_ISSUES + GITLAB_PIPELINES)
