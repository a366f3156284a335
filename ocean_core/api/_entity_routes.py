"""Routes for browsing the catalog: one entity with its relations resolved, and blueprints.

``GET /api/entities/{integration}/{blueprint}/{identifier}`` answers an entity and, for each of
its relations, the entities it points at (null where no entity has that identifier: the
relation points nowhere). ``GET /api/blueprints`` lists the blueprints that have entities, for
filters. Both are reads over the catalog's keyset listing (see ``_entity_lookup``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from ocean_core.api._entity_lookup import Resolver, blueprints_of, find_entity
from ocean_core.api._models import EntityOut, ErrorBody
from ocean_core.entity import Entity
from ocean_core.errors import NotFoundError
from ocean_core.service import OceanService

router = APIRouter(
    prefix="/api", tags=["entities"],
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}},
)


class EntityRef(BaseModel):
    """Enough of an entity to name it and link to it."""

    integration_id: str
    blueprint: str
    identifier: str
    title: str | None


class RelationTarget(BaseModel):
    identifier: str
    entity: EntityRef | None = Field(
        description="The entity of that identifier; null: none in the catalog (a dangling"
        " relation). Looked up in the entity's own integration first, then the others."
    )


class RelationLinks(BaseModel):
    name: str
    many: bool = Field(description="The relation's value is a list of identifiers.")
    targets: list[RelationTarget]
    query: Any = Field(
        default=None, description="A search-query relation as stored; it is not resolved."
    )
    unchecked: int = Field(
        default=0, description="Identifiers not looked up (over 100 per entity)."
    )


class EntityDetail(EntityOut):
    """An entity with its relations resolved to the entities they point at."""

    links: list[RelationLinks]


class BlueprintOut(BaseModel):
    integration_id: str
    blueprint: str


def _service(request: Request) -> OceanService:
    service: OceanService = request.app.state.ocean_service
    return service


def entity_out(entity: Entity) -> dict[str, Any]:
    return {**asdict(entity), "integration_id": entity.integration_id or "",
            "kind": entity.kind or ""}


def _ref(entity: Entity | None) -> EntityRef | None:
    if entity is None:
        return None
    return EntityRef(integration_id=entity.integration_id or "", blueprint=entity.blueprint,
                     identifier=entity.identifier, title=entity.title)


async def _integration_ids(service: OceanService) -> list[str]:
    """Configured integrations in config order, then any other the catalog holds."""
    configured = [instance.id for instance in service.instances]
    return list(dict.fromkeys([*configured, *await service.catalog.integration_ids()]))


@router.get("/entities/{integration_id}/{blueprint}/{identifier:path}",
            response_model=EntityDetail)
async def get_entity(
    request: Request, integration_id: str, blueprint: str, identifier: str
) -> EntityDetail:
    """One entity by its key, with the entities its relations point at."""
    service = _service(request)
    entity = await find_entity(service.catalog, (integration_id, blueprint, identifier))
    if entity is None:
        raise NotFoundError("entity", f"{integration_id}/{blueprint}/{identifier}")
    resolver = Resolver(service.catalog, await _integration_ids(service))
    links = [
        RelationLinks(
            name=link.name, many=link.many, query=link.query, unchecked=link.unchecked,
            targets=[RelationTarget(identifier=t.identifier, entity=_ref(t.entity))
                     for t in link.targets],
        )
        for link in await resolver.links(entity)
    ]
    return EntityDetail(**entity_out(entity), links=links)


@router.get("/blueprints", response_model=list[BlueprintOut])
async def list_blueprints(
    request: Request,
    integration: Annotated[str | None, Query(description="Integration id.")] = None,
) -> list[BlueprintOut]:
    """The blueprints that have entities, per integration (config order, then by name)."""
    service = _service(request)
    ids = [integration] if integration is not None else await _integration_ids(service)
    return [
        BlueprintOut(integration_id=integration_id, blueprint=blueprint)
        for integration_id in ids
        for blueprint in await blueprints_of(service.catalog, integration_id)
    ]
