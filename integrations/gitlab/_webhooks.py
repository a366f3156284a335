"""GitLab webhook events (group, project and system hooks) as live changes.

A hook's payload describes its object in its own format (``object_attributes``, times as
``2024-05-21 08:40:12 UTC``, no ``references``), not in the REST shape the listings yield and
the mapping reads. So each event names its object, and the object is fetched again from the
API by id: the item is then exactly what a listing gives. Gone (404) means deleted. Events are
told apart by the body (``object_kind``, or ``event_name`` for project and group events), as
system hooks send several kinds under one ``X-Gitlab-Event``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from ocean_core import LiveChange

from ._groups import root_paths
from ._http import encode_path

TOKEN_HEADER = "X-Gitlab-Token"

Item = dict[str, Any]
Fetch = Callable[[str], Awaitable[Item | None]]
"""GET a path of the REST API: its JSON object, or ``None`` when it is gone (404)."""
Changes = list[LiveChange]

PROJECT_UPSERTS = frozenset({"project_create", "project_update", "project_rename",
                             "project_transfer"})
GROUP_UPSERTS = frozenset({"group_create", "group_rename", "subgroup_create"})
GROUP_DESTROYS = frozenset({"group_destroy", "subgroup_destroy"})


class Event:
    """One verified delivery, the configured groups and a way to fetch from the API."""

    def __init__(self, payload: Item, groups: list[str], states: Mapping[str, str],
                 fetch: Fetch, *, pipelines: bool = True) -> None:
        self.payload, self.fetch, self.states = payload, fetch, states
        self.roots = root_paths(groups)
        self.pipelines = pipelines
        """Whether the pipeline kind is read at all (``pipelines_per_project`` above 0)."""

    def object(self, key: str) -> Item:
        found = self.payload.get(key)
        return found if isinstance(found, dict) else {}

    def read(self, path: Any) -> bool:
        """Whether ``path`` (a project's or group's full path) is inside the groups read;
        with no configured groups (the token user's groups), every path is."""
        if not isinstance(path, str):
            return False
        return not self.roots or any(path == root or path.startswith(root + "/")
                                     for root in self.roots)


async def live_changes(event: Event) -> Changes:
    """What the event changed (nothing for events about what the integration does not read)."""
    kind = event.payload.get("object_kind")
    name = event.payload.get("event_name")
    if kind in {"merge_request", "issue"}:
        changes = await _tracked(event, str(kind))
    elif kind == "pipeline":
        changes = await _pipeline(event)
    elif isinstance(name, str) and name.startswith("project_"):
        changes = await _project(event, name)
    elif name in GROUP_UPSERTS | GROUP_DESTROYS:
        changes = await _group(event, str(name))
    else:
        changes = []
    return [change for change in changes if change]


async def _tracked(event: Event, object_kind: str) -> Changes:
    """A merge request or an issue, fetched again; outside its configured state: gone."""
    project, attributes = event.object("project"), event.object("object_attributes")
    path, project_id = project.get("path_with_namespace"), project.get("id")
    iid = attributes.get("iid")
    if not event.read(path) or project_id is None or iid is None:
        return []
    kind, mark, resource = (("merge-request", "!", "merge_requests")
                            if object_kind == "merge_request" else ("issue", "#", "issues"))
    key = {"iid": iid, "project_id": project_id, "references": {"full": f"{path}{mark}{iid}"}}
    current = await event.fetch(f"/projects/{project_id}/{resource}/{iid}")
    if current is None:
        return [LiveChange(kind, deleted=[key])]
    state = event.states[kind]
    if state != "all" and current.get("state") != state:
        return [LiveChange(kind, deleted=[current])]
    return [LiveChange(kind, upserted=[current])]


async def _pipeline(event: Event) -> Changes:
    project, attributes = event.object("project"), event.object("object_attributes")
    path, project_id = project.get("path_with_namespace"), project.get("id")
    pipeline_id = attributes.get("id")
    if not event.pipelines or not event.read(path) or None in (project_id, pipeline_id):
        return []
    owner = {"id": project_id, "path_with_namespace": path, "web_url": project.get("web_url")}
    current = await event.fetch(f"/projects/{project_id}/pipelines/{pipeline_id}")
    if current is None:
        return [LiveChange("pipeline", deleted=[{"id": pipeline_id, "__project": owner}])]
    return [LiveChange("pipeline", upserted=[{**current, "__project": owner}])]


async def _project(event: Event, name: str) -> Changes:
    path = event.payload.get("path_with_namespace")
    old = event.payload.get("old_path_with_namespace")
    gone = [{"path_with_namespace": p} for p in (old,) if p not in (None, path) and event.read(p)]
    if name == "project_destroy":
        return [LiveChange("project", deleted=[{"path_with_namespace": path}])
                ] if event.read(path) else []
    project_id = event.payload.get("project_id")
    if name not in PROJECT_UPSERTS or project_id is None:
        return []
    if not event.read(path):
        return [LiveChange("project", deleted=gone)]  # moved out of the groups read
    current = await event.fetch(f"/projects/{project_id}")
    if current is None:
        return [LiveChange("project", deleted=[*gone, {"path_with_namespace": path}])]
    return [LiveChange("project", upserted=[current], deleted=gone)]


async def _group(event: Event, name: str) -> Changes:
    path, old = event.payload.get("full_path"), event.payload.get("old_full_path")
    gone = [{"full_path": p} for p in (old,) if p not in (None, path) and event.read(p)]
    if name in GROUP_DESTROYS:
        return [LiveChange("group", deleted=[{"full_path": path}])] if event.read(path) else []
    if not event.read(path):
        return [LiveChange("group", deleted=gone)]
    group_id = event.payload.get("group_id")
    target = group_id if group_id is not None else encode_path(str(path))
    current = await event.fetch(f"/groups/{target}?with_projects=false")
    if current is None:
        return [LiveChange("group", deleted=[*gone, {"full_path": path}])]
    return [LiveChange("group", upserted=[current], deleted=gone)]
