"""The routes of ``/api/knowledge-bases``: named groups of integrations, their entities, and
resyncs scoped to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response, status

from ocean_core.api._entities import EntityFilters, entity_page
from ocean_core.api._models import (
    AttachIn,
    EntityOut,
    ErrorBody,
    KbIntegrationOut,
    KnowledgeBaseIn,
    KnowledgeBaseOut,
    Page,
    RunHandle,
)
from ocean_core.api._requests import accepted, service_of
from ocean_core.api._views import state_view
from ocean_core.catalog import KnowledgeBaseRecord
from ocean_core.errors import NotAttachedError, NotFoundError

router = APIRouter(
    prefix="/api/knowledge-bases", tags=["knowledge bases"],
    responses={401: {"model": ErrorBody}, 403: {"model": ErrorBody},
               404: {"model": ErrorBody}, 422: {"model": ErrorBody}},
)


def _out(record: KnowledgeBaseRecord) -> KnowledgeBaseOut:
    return KnowledgeBaseOut(
        id=record.id, name=record.name, created_at=record.created_at,
        integration_ids=list(record.integration_ids),
    )


@router.post("", response_model=KnowledgeBaseOut, status_code=status.HTTP_201_CREATED,
             responses={409: {"model": ErrorBody}})
async def create_knowledge_base(
    request: Request, body: Annotated[KnowledgeBaseIn, Body()]
) -> KnowledgeBaseOut:
    """Create a knowledge base (with no integrations attached)."""
    return _out(await service_of(request).knowledge_bases.create(body.name, body.id))


@router.get("", response_model=list[KnowledgeBaseOut])
async def list_knowledge_bases(request: Request) -> list[KnowledgeBaseOut]:
    """Every knowledge base, oldest first."""
    return [_out(kb) for kb in await service_of(request).knowledge_bases.all()]


@router.get("/{kb_id}", response_model=KnowledgeBaseOut)
async def get_knowledge_base(request: Request, kb_id: str) -> KnowledgeBaseOut:
    return _out(await service_of(request).knowledge_bases.get(kb_id))


@router.delete("/{kb_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_knowledge_base(request: Request, kb_id: str) -> Response:
    """Delete the knowledge base and detach its integrations: no entity and no integration is
    deleted."""
    await service_of(request).knowledge_bases.delete(kb_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{kb_id}/integrations", response_model=list[KbIntegrationOut])
async def list_attached(request: Request, kb_id: str) -> list[KbIntegrationOut]:
    """The attached integrations, in attach order, each with its state."""
    service = service_of(request)
    items = []
    for integration_id, attached_at in await service.knowledge_bases.attachments(kb_id):
        try:
            state = state_view(await service.state(integration_id))
        except NotFoundError:
            state = None  # attached once, no longer configured
        items.append(KbIntegrationOut(
            integration_id=integration_id, attached_at=attached_at, integration=state
        ))
    return items


@router.post("/{kb_id}/integrations", response_model=KbIntegrationOut,
             status_code=status.HTTP_201_CREATED,
             responses={200: {"model": KbIntegrationOut, "description": "Already attached."}})
async def attach_integration(
    request: Request, response: Response, kb_id: str, body: Annotated[AttachIn, Body()]
) -> KbIntegrationOut:
    """Attach a configured integration: 201, or 200 if it was attached already."""
    service = service_of(request)
    await service.knowledge_bases.get(kb_id)
    attached_at, created = await service.knowledge_bases.attach(kb_id, body.integration_id)
    if not created:
        response.status_code = status.HTTP_200_OK
    state = state_view(await service.state(body.integration_id))
    return KbIntegrationOut(
        integration_id=body.integration_id, attached_at=attached_at, integration=state
    )


@router.delete("/{kb_id}/integrations/{integration_id}", status_code=status.HTTP_204_NO_CONTENT)
async def detach_integration(request: Request, kb_id: str, integration_id: str) -> Response:
    """Detach an integration; its entities stay (they are the integration's)."""
    await service_of(request).knowledge_bases.detach(kb_id, integration_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{kb_id}/entities", response_model=Page[EntityOut])
async def knowledge_base_entities(
    request: Request, kb_id: str, filters: Annotated[EntityFilters, Query()]
) -> Page[EntityOut]:
    """The entities of the attached integrations, filtered and paged like `/api/entities`."""
    attached = [i for i, _ in await service_of(request).knowledge_bases.attachments(kb_id)]
    if filters.integration is not None and filters.integration not in attached:
        raise NotAttachedError(filters.integration, kb_id, attached)
    return await entity_page(service_of(request), filters, attached)


@router.post("/{kb_id}/integrations/{integration_id}/resync", response_model=RunHandle,
             status_code=status.HTTP_202_ACCEPTED)
async def resync_attached(
    request: Request, response: Response, kb_id: str, integration_id: str
) -> RunHandle:
    """The integration's own resync (trigger `kb`), if it is attached to this knowledge base;
    else 404 naming the attached ids."""
    service = service_of(request)
    ticket = await service.knowledge_bases.resync(kb_id, integration_id)
    return await accepted(request, response, integration_id, ticket)
