"""The routes of ``/api/integrations`` (integrations and their resyncs) and ``/api/entities``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query, Request, Response, status
from fastapi.responses import JSONResponse

from ocean_core.api._cursor import decode_run_cursor, encode_cursor
from ocean_core.api._entities import EntityFilters, entity_page
from ocean_core.api._models import (
    EntityOut,
    ErrorBody,
    IntegrationDetail,
    IntegrationPatch,
    IntegrationState,
    Page,
    ResyncRequest,
    RunHandle,
)
from ocean_core.api._requests import accepted, run_url, service_of
from ocean_core.api._views import detail_view, handle_view, state_view
from ocean_core.dry_run import DryRunReport
from ocean_core.results import ResyncResult
from ocean_core.service import IntegrationChange

router = APIRouter(
    prefix="/api",
    responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody},
               422: {"model": ErrorBody}},
)
Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page.")]


@router.get("/integrations", response_model=list[IntegrationState])
async def list_integrations(request: Request) -> list[IntegrationState]:
    """Every configured integration with its state, in config order."""
    return [state_view(state) for state in await service_of(request).states()]


@router.get("/integrations/{integration_id}", response_model=IntegrationDetail)
async def get_integration(request: Request, integration_id: str) -> IntegrationDetail:
    """One integration: state, current run with live per-kind counts, schedule, config."""
    return detail_view(await service_of(request).state(integration_id))


@router.patch(
    "/integrations/{integration_id}", response_model=RunHandle,
    status_code=status.HTTP_202_ACCEPTED,
)
async def patch_integration(
    request: Request, response: Response, integration_id: str,
    patch: Annotated[IntegrationPatch, Body()],
) -> RunHandle:
    """Change an integration (optional) and resync it. Any body, even `{}`, triggers."""
    service = service_of(request)
    change = IntegrationChange(name=patch.name, config=patch.config, mapping=patch.mapping)
    ticket = await service.change(integration_id, change)
    return await accepted(request, response, integration_id, ticket)


@router.delete(
    "/integrations/{integration_id}/changes", response_model=RunHandle,
    status_code=status.HTTP_202_ACCEPTED,
)
async def discard_changes(request: Request, response: Response, integration_id: str
                          ) -> RunHandle:
    """Discard the changes made through `PATCH`: the config file's settings apply again (here
    and at every start), then a resync starts (trigger `config` if the config or mapping in
    effect changed, else `api`), as after a `PATCH`."""
    ticket = await service_of(request).discard_changes(integration_id)
    return await accepted(request, response, integration_id, ticket)


@router.post(
    "/integrations/{integration_id}/resync", response_model=None,
    status_code=status.HTTP_202_ACCEPTED,
    responses={202: {"model": RunHandle, "description": "The run's handle."},
               200: {"model": DryRunReport, "description": "With `dry_run`: the report."}},
)
async def resync_integration(
    request: Request, response: Response, integration_id: str,
    body: Annotated[ResyncRequest | None, Body()] = None,
) -> RunHandle | JSONResponse:
    """Trigger a resync: the run in flight (if any) is aborted, the new one starts at once.
    `{"incremental": true}` asks for an incremental run (only the kinds with a cursor, from
    their committed cursors, no sweep); it runs full when it replaces or aborts a full run.
    Returns the run's id and generation; follow `url` (or the Location header) to its end.
    With `{"dry_run": true}`: nothing is triggered, aborted, written or recorded; the answer
    (200) is the report of what a run would do now, once every kind is fetched and mapped
    (with `"incremental": true`, what an incremental run would do: no `Deleted` batch is
    applied and no cursor committed; the report says what would be)."""
    body = body or ResyncRequest()
    service = service_of(request)
    if body.dry_run:
        report = await service.dry_run(integration_id, incremental=body.incremental)
        return JSONResponse(report.model_dump(mode="json"), status_code=status.HTTP_200_OK)
    ticket = await service.trigger(integration_id, body.trigger, incremental=body.incremental)
    return await accepted(request, response, integration_id, ticket)


@router.get("/integrations/{integration_id}/resyncs", response_model=Page[ResyncResult])
async def list_resyncs(
    request: Request, integration_id: str, limit: Limit = 20, cursor: Cursor = None
) -> Page[ResyncResult]:
    """Run history, newest first, with per-kind counts, errors and why a delete was skipped."""
    service = service_of(request)
    service.get(integration_id)
    before = decode_run_cursor(cursor) if cursor is not None else None
    runs = await service.catalog.runs(integration_id, limit=limit + 1, before=before)
    more = len(runs) > limit
    runs = runs[:limit]
    next_cursor = (
        encode_cursor([runs[-1].started_at.isoformat(), runs[-1].id]) if more else None
    )
    return Page[ResyncResult](items=runs, next_cursor=next_cursor)


@router.get("/integrations/{integration_id}/resyncs/{run_id}", response_model=RunHandle)
async def get_resync(
    request: Request, integration_id: str, run_id: str,
    wait: Annotated[float, Query(
        ge=0, le=60, description="Seconds to wait for the run to end before answering.",
    )] = 0,
) -> RunHandle:
    """One run: `pending`, `superseded` (by `superseded_by`), or its record. With `wait`,
    answers as soon as the run ends (or is superseded), or when `wait` seconds have passed."""
    run = await service_of(request).run_status(integration_id, run_id, wait=wait)
    return handle_view(run, run_url(request, integration_id, run_id))


@router.get("/entities", response_model=Page[EntityOut])
async def list_entities(
    request: Request, filters: Annotated[EntityFilters, Query()]
) -> Page[EntityOut]:
    """Entities in key order (integration, blueprint, identifier), filtered and paged; an
    `integration` that is not configured is 404 (naming those that are)."""
    service = service_of(request)
    if filters.integration is not None:
        service.get(filters.integration)
    return await entity_page(service, filters)
