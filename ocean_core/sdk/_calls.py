"""Every call of the API, described once: method, path, query, body and how to read the
answer. ``Client`` and ``AsyncClient`` execute these descriptions; neither knows a route."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from ocean_core.dry_run import DryRunReport
from ocean_core.results import ResyncResult
from ocean_core.sdk._models import (
    Asker,
    AttachmentInfo,
    EntityInfo,
    IntegrationStatus,
    KnowledgeBaseInfo,
    Page,
    RunHandle,
    WebhookStats,
)

T = TypeVar("T")
Params = Mapping[str, str | int | float]

_NO_BODY: Any = object()


@dataclass(frozen=True)
class Call(Generic[T]):
    """One request and the parser of its successful answer.

    ``extra_timeout`` lengthens the client's timeout for this call: a long poll must not time
    out while the server is still, rightly, waiting.
    """

    method: str
    path: str
    parse: Callable[[httpx.Response], T]
    params: Params = field(default_factory=dict)
    body: Any = _NO_BODY
    extra_timeout: float = 0.0

    @property
    def has_body(self) -> bool:
        return self.body is not _NO_BODY


def _as(shape: type[T] | Any) -> Callable[[httpx.Response], T]:
    adapter: TypeAdapter[T] = TypeAdapter(shape)

    def parse(response: httpx.Response) -> T:
        return adapter.validate_json(response.content)

    return parse


def _nothing(_: httpx.Response) -> None:
    return None


def _p(value: str) -> str:
    """One path segment: an id with ``/`` or spaces stays one segment."""
    return quote(value, safe="")


def _query(**values: str | int | float | None) -> dict[str, str | int | float]:
    return {key: value for key, value in values.items() if value is not None}


# -- integrations and their runs ---------------------------------------------------------------

def list_integrations() -> Call[list[IntegrationStatus]]:
    return Call("GET", "/api/integrations", _as(list[IntegrationStatus]))


def get_integration(integration_id: str) -> Call[IntegrationStatus]:
    return Call("GET", f"/api/integrations/{_p(integration_id)}", _as(IntegrationStatus))


def trigger(
    integration_id: str, asker: Asker = "sdk", *, incremental: bool = False
) -> Call[RunHandle]:
    # ``incremental`` only when asked for: a server older than rule 9 refuses unknown keys.
    body: dict[str, Any] = {"trigger": asker, **({"incremental": True} if incremental else {})}
    return Call("POST", f"/api/integrations/{_p(integration_id)}/resync", _as(RunHandle),
                body=body)


def dry_run(
    integration_id: str, timeout: float, *, incremental: bool = False
) -> Call[DryRunReport]:
    body: dict[str, Any] = {"dry_run": True, **({"incremental": True} if incremental else {})}
    return Call("POST", f"/api/integrations/{_p(integration_id)}/resync", _as(DryRunReport),
                body=body, extra_timeout=timeout)


def discard_changes(integration_id: str) -> Call[RunHandle]:
    return Call("DELETE", f"/api/integrations/{_p(integration_id)}/changes", _as(RunHandle))


def webhook_stats(integration_id: str) -> Call[WebhookStats]:
    return Call("GET", f"/api/integrations/{_p(integration_id)}/webhooks", _as(WebhookStats))


def runs_page(integration_id: str, limit: int, cursor: str | None) -> Call[Page[ResyncResult]]:
    return Call("GET", f"/api/integrations/{_p(integration_id)}/resyncs",
                _as(Page[ResyncResult]), params=_query(limit=limit, cursor=cursor))


def get_run(integration_id: str, run_id: str, wait: float = 0.0) -> Call[RunHandle]:
    return Call("GET", f"/api/integrations/{_p(integration_id)}/resyncs/{_p(run_id)}",
                _as(RunHandle), params=_query(wait=round(wait, 3) or None),
                extra_timeout=wait)


def entities_page(
    limit: int, cursor: str | None, *, knowledge_base: str | None = None,
    integration: str | None = None, blueprint: str | None = None, kind: str | None = None,
    q: str | None = None,
) -> Call[Page[EntityInfo]]:
    path = (f"/api/knowledge-bases/{_p(knowledge_base)}/entities" if knowledge_base is not None
            else "/api/entities")
    params = _query(integration=integration, blueprint=blueprint, kind=kind, q=q,
                    limit=limit, cursor=cursor)
    return Call("GET", path, _as(Page[EntityInfo]), params=params)


# -- knowledge bases ---------------------------------------------------------------------------

def create_kb(name: str, kb_id: str | None) -> Call[KnowledgeBaseInfo]:
    return Call("POST", "/api/knowledge-bases", _as(KnowledgeBaseInfo),
                body={"name": name, "id": kb_id})


def list_kbs() -> Call[list[KnowledgeBaseInfo]]:
    return Call("GET", "/api/knowledge-bases", _as(list[KnowledgeBaseInfo]))


def get_kb(kb_id: str) -> Call[KnowledgeBaseInfo]:
    return Call("GET", f"/api/knowledge-bases/{_p(kb_id)}", _as(KnowledgeBaseInfo))


def delete_kb(kb_id: str) -> Call[None]:
    return Call("DELETE", f"/api/knowledge-bases/{_p(kb_id)}", _nothing)


def kb_integrations(kb_id: str) -> Call[list[AttachmentInfo]]:
    return Call("GET", f"/api/knowledge-bases/{_p(kb_id)}/integrations",
                _as(list[AttachmentInfo]))


def attach(kb_id: str, integration_id: str) -> Call[AttachmentInfo]:
    return Call("POST", f"/api/knowledge-bases/{_p(kb_id)}/integrations",
                _as(AttachmentInfo), body={"integration_id": integration_id})


def detach(kb_id: str, integration_id: str) -> Call[None]:
    return Call("DELETE",
                f"/api/knowledge-bases/{_p(kb_id)}/integrations/{_p(integration_id)}",
                _nothing)


def kb_resync(kb_id: str, integration_id: str) -> Call[RunHandle]:
    return Call("POST",
                f"/api/knowledge-bases/{_p(kb_id)}/integrations/{_p(integration_id)}/resync",
                _as(RunHandle))
