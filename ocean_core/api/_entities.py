"""Listing entities: the filters and keyset paging shared by ``/api/entities`` and a
knowledge base's entities."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, ConfigDict, Field

from ocean_core.api._cursor import decode_cursor, encode_cursor
from ocean_core.api._models import EntityOut, Page
from ocean_core.catalog import EntityKey
from ocean_core.service import OceanService


class EntityFilters(BaseModel):
    """The query parameters of an entity listing."""

    model_config = ConfigDict(extra="forbid")

    integration: str | None = Field(default=None, description="Integration id.")
    blueprint: str | None = None
    kind: str | None = None
    q: str | None = Field(
        default=None, max_length=200,
        description="Text search: identifier or title contains it (ASCII case ignored).",
    )
    limit: int = Field(default=100, ge=1, le=1000, description="Page size.")
    cursor: str | None = Field(default=None, description="`next_cursor` of the previous page.")


async def entity_page(
    service: OceanService, filters: EntityFilters,
    integration_ids: Collection[str] | None = None,
) -> Page[EntityOut]:
    """One page of entities; ``integration_ids`` narrows to those integrations."""
    after: EntityKey | None = None
    if filters.cursor is not None:
        integration, blueprint, identifier = decode_cursor(filters.cursor, 3)
        after = (integration, blueprint, identifier)
    found = await service.catalog.list_entities(
        filters.integration, blueprint=filters.blueprint, kind=filters.kind,
        search=filters.q or None, after=after, limit=filters.limit + 1,
        integration_ids=integration_ids,
    )
    items = [
        EntityOut(
            integration_id=e.integration_id or "", kind=e.kind or "", blueprint=e.blueprint,
            identifier=e.identifier, title=e.title, team=e.team, icon=e.icon,
            properties=e.properties, relations=e.relations,
        )
        for e in found[: filters.limit]
    ]
    last = items[-1] if len(found) > filters.limit else None
    next_cursor = (
        encode_cursor([last.integration_id, last.blueprint, last.identifier]) if last else None
    )
    return Page[EntityOut](items=items, next_cursor=next_cursor)
