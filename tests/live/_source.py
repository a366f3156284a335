"""A source whose truth the test edits, with a fetcher that can take its snapshot and then
wait, so a live change lands between what a run listed and what it writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio

from ocean_core import Integration, LiveChange, WebhookRequest, kind, webhook
from ocean_core.catalog import Catalog

IID = "live-1"


def svc(identifier: str, value: int = 0, **more: Any) -> dict[str, Any]:
    return {"id": identifier, "name": identifier.upper(), "value": value, **more}


def mapping(selector: str = "true", *extra: dict[str, Any]) -> dict[str, Any]:
    """One resource of kind ``svc`` (``selector`` its query), and any ``extra`` resources."""
    return {"resources": [{
        "kind": "svc",
        "selector": {"query": selector},
        "port": {"entity": {"mappings": {
            "identifier": ".id", "title": ".name", "blueprint": '"svc"',
            "properties": {"value": ".value"}, "relations": {},
        }}},
    }, *extra]}


class LiveSource(Integration):
    """Kind ``svc`` lists ``truth`` (by id). With ``hold`` set, the next fetch takes its
    snapshot, sets ``listed`` and waits for ``go_on`` before it yields the snapshot (as a
    fetcher that listed the source and is slow to page through it). Webhook ``svc`` takes
    ``{"upserted": [...], "deleted": [...]}``; webhook ``junk`` returns ``junk``."""

    type = "live-source"

    def __init__(self, *items: dict[str, Any]) -> None:
        super().__init__()
        self.truth = {item["id"]: item for item in items}
        self.hold = False
        self.listed = anyio.Event()
        self.go_on = anyio.Event()
        self.junk: Any = None

    def set(self, *items: dict[str, Any]) -> None:
        self.truth.update({item["id"]: item for item in items})

    def remove(self, *identifiers: str) -> None:
        for identifier in identifiers:
            del self.truth[identifier]

    @kind("svc")
    async def services(self) -> AsyncIterator[list[dict[str, Any]]]:
        snapshot = [dict(item) for item in self.truth.values()]
        if self.hold:
            self.hold = False
            self.listed.set()
            await self.go_on.wait()
        yield snapshot

    @kind("team")
    async def teams(self) -> AsyncIterator[list[dict[str, Any]]]:
        yield []

    @webhook("svc")
    async def on_svc(self, request: WebhookRequest) -> list[LiveChange]:
        event = request.json()
        return [LiveChange("svc", upserted=event.get("upserted", ()),
                           deleted=event.get("deleted", ()))]

    @webhook("junk")
    async def on_junk(self, request: WebhookRequest) -> Any:
        return self.junk


async def contents(catalog: Catalog) -> dict[str, int]:
    """``identifier -> value`` of the integration's entities."""
    return {e.identifier: e.properties["value"] for e in await catalog.list_entities(IID)}
