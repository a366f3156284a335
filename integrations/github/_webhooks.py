"""GitHub webhook events as live changes of this integration's kinds.

``X-GitHub-Event`` names the event; the payload's object becomes a raw item in the shape the
fetchers yield (per-repository items tagged with ``__repository``), so the default mapping
applies unchanged. An object whose payload lacks a field the listings carry is fetched again
(``Fetch``); events about what the integration does not read (another owner, a repository
outside ``config.repositories``, kinds it does not sync) change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from ocean_core import LiveChange

from ._api import REPOSITORY_KEY, Item, in_state
from .config import GitHubConfig

EVENT_HEADER = "X-GitHub-Event"
SIGNATURE_HEADER = "X-Hub-Signature-256"

Fetch = Callable[[str], Awaitable[Item | None]]
"""GET a path of the API: its JSON object, or ``None`` when it is gone (404, 410)."""
Changes = list[LiveChange]

REPOSITORY_FIELDS = frozenset({
    "full_name", "name", "owner", "html_url", "description", "language", "default_branch",
    "visibility", "archived", "stargazers_count",
})
PULL_REQUEST_FIELDS = frozenset({
    "number", "title", "state", "draft", "user", "labels", "head", "base", "created_at",
    "updated_at", "merged_at", "closed_at", "html_url",
})
ISSUE_FIELDS = frozenset({
    "number", "title", "state", "state_reason", "user", "assignees", "labels", "comments",
    "created_at", "updated_at", "closed_at", "html_url",
})
WORKFLOW_FIELDS = frozenset({"id", "name", "state", "path", "html_url", "created_at",
                             "updated_at"})
GONE = frozenset({"deleted"})


class Event:
    """One verified delivery: its name, payload, the instance's config and a way to fetch."""

    def __init__(self, name: str, payload: dict[str, Any], config: GitHubConfig,
                 fetch: Fetch) -> None:
        self.name, self.payload, self.config, self.fetch = name, payload, config, fetch
        self.action = payload.get("action")

    def object(self, key: str) -> Item:
        found = self.payload.get(key)
        return found if isinstance(found, dict) else {}

    def read(self, repository: Item) -> bool:
        """Whether the integration reads ``repository`` (its owner, its name selected)."""
        login = _dig(repository, "owner", "login")
        if not isinstance(repository.get("full_name"), str):
            return False
        return isinstance(login, str) and login.lower() == self.config.owner.lower() and (
            self.config.repositories is None
            or str(repository.get("name", "")).lower()
            in {name.lower() for name in self.config.repositories})

    def in_organization(self) -> bool:
        login = self.object("organization").get("login")
        return self.config.org is not None and str(login).lower() == self.config.org.lower()

    async def complete(self, item: Item, fields: Collection[str], path: str) -> Item | None:
        """``item``, or the object fetched again from ``path`` when ``item`` lacks a field;
        ``None`` when the source no longer has it."""
        if all(name in item for name in fields):
            return item
        return await self.fetch(path)


def _dig(item: Any, *keys: str) -> Any:
    """``item[k1][k2]...``, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(item, dict):
            return None
        item = item.get(key)
    return item


async def live_changes(event: Event) -> Changes:
    """What the event changed, for the kinds it touches (none for other events)."""
    handler = HANDLERS.get(event.name)
    return [] if handler is None else [c for c in await handler(event) if c]


async def _repository(event: Event) -> Changes:
    repo = event.object("repository")
    full_name = repo.get("full_name")
    if not isinstance(full_name, str):
        return []
    before = _before(event, repo)
    deleted = [before] if before is not None and event.read(before) else []
    if event.action in GONE:
        return [LiveChange("repository", deleted=[repo])] if event.read(repo) else []
    if not event.read(repo):
        return [LiveChange("repository", deleted=deleted)]
    current = await event.complete(repo, REPOSITORY_FIELDS, f"/repos/{full_name}")
    if current is None:
        return [LiveChange("repository", deleted=[*deleted, repo])]
    return [LiveChange("repository", upserted=[current], deleted=deleted)]


def _before(event: Event, repo: Item) -> Item | None:
    """The repository as it was named before a rename or a transfer, if it was."""
    changes = event.object("changes")
    name, owner = repo.get("name"), _dig(repo, "owner", "login")
    if event.action == "renamed":
        name = _dig(changes, "repository", "name", "from")
    elif event.action == "transferred":
        owner = (_dig(changes, "owner", "from", "organization", "login")
                 or _dig(changes, "owner", "from", "user", "login"))
    else:
        return None
    if not isinstance(name, str) or not isinstance(owner, str):
        return None
    return {"full_name": f"{owner}/{name}", "name": name, "owner": {"login": owner}}


async def _pull_request(event: Event) -> Changes:
    repo, pull = event.object("repository"), event.object("pull_request")
    if not event.read(repo) or "number" not in pull:
        return []
    full_name = repo["full_name"]
    path = f"/repos/{full_name}/pulls/{pull['number']}"
    return [await _tracked(event, "pull-request", pull, PULL_REQUEST_FIELDS, path, full_name)]


async def _issue(event: Event) -> Changes:
    repo, issue = event.object("repository"), event.object("issue")
    if "pull_request" in issue or "number" not in issue:
        return []  # an issue event about a pull request: not an issue of the catalog
    changes: Changes = []
    if event.read(repo):
        full_name = repo["full_name"]
        if event.action in {"deleted", "transferred"}:
            changes.append(LiveChange("issue", deleted=[{**issue, REPOSITORY_KEY: full_name}]))
        else:
            path = f"/repos/{full_name}/issues/{issue['number']}"
            changes.append(await _tracked(event, "issue", issue, ISSUE_FIELDS, path, full_name))
    if event.action == "transferred":
        moved = event.object("changes")
        target, new = moved.get("new_repository"), moved.get("new_issue")
        if (isinstance(target, dict) and isinstance(new, dict) and event.read(target)
                and "number" in new):
            kept, left = in_state([{**new, REPOSITORY_KEY: target["full_name"]}],
                                  event.config.state)
            changes.append(LiveChange("issue", upserted=kept, deleted=left))
    return changes


async def _tracked(event: Event, kind: str, item: Item, fields: Collection[str], path: str,
                   full_name: str) -> LiveChange:
    """A pull request or issue as the listing keeps it: in ``config.state``, else gone."""
    current = await event.complete(item, fields, path)
    if current is None:
        return LiveChange(kind, deleted=[{**item, REPOSITORY_KEY: full_name}])
    kept, left = in_state([{**current, REPOSITORY_KEY: full_name}], event.config.state)
    return LiveChange(kind, upserted=kept, deleted=left)


async def _workflow_run(event: Event) -> Changes:
    repo, run = event.object("repository"), event.object("workflow_run")
    workflow_id = run.get("workflow_id", event.object("workflow").get("id"))
    if not event.read(repo) or workflow_id is None:
        return []
    full_name = repo["full_name"]
    workflow = event.object("workflow") or {"id": workflow_id}
    path = f"/repos/{full_name}/actions/workflows/{workflow_id}"
    current = await event.complete(workflow, WORKFLOW_FIELDS, path)
    if current is None:
        return [LiveChange("workflow", deleted=[{**workflow, REPOSITORY_KEY: full_name}])]
    return [LiveChange("workflow", upserted=[{**current, REPOSITORY_KEY: full_name}])]


async def _team(event: Event) -> Changes:
    team = event.object("team")
    if not event.in_organization() or "slug" not in team:
        return []
    if event.action in GONE:
        return [LiveChange("team", deleted=[team])]
    if event.action in {"created", "edited"}:
        return [LiveChange("team", upserted=[team])]
    return []  # added_to_repository, removed_from_repository: the team itself is unchanged


async def _organization(event: Event) -> Changes:
    user = event.object("membership").get("user")
    if not event.in_organization() or not isinstance(user, dict) or "login" not in user:
        return []
    if event.action == "member_added":
        return [LiveChange("member", upserted=[user])]
    if event.action == "member_removed":
        return [LiveChange("member", deleted=[user])]
    return []  # member_invited, renamed: no member of the catalog changes


async def _nothing(event: Event) -> Changes:
    return []


HANDLERS: dict[str, Callable[[Event], Awaitable[Changes]]] = {
    "ping": _nothing,
    "repository": _repository,
    "pull_request": _pull_request,
    "issues": _issue,
    "workflow_run": _workflow_run,
    "workflow_job": _nothing,  # a job changes no workflow definition (the kind synced)
    "team": _team,
    "organization": _organization,
}
