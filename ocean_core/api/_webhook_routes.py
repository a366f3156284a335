"""``POST /api/integrations/{id}/webhooks/{name}``: the one data route without the token.

The integration authenticates the request itself (``verify_webhook``, on the headers and
the raw bytes), so ``RequestGuard`` hands it on unread (``OpenRoute(own_body=True)``) and
this route decides, in this order, before anything is parsed or stored:

1. 422 for a NUL in the path or query (as on every route); 404 when the integration is not
   configured, or declares no ``@webhook`` of that name (one answer for both, naming
   neither the integrations nor the webhooks there are);
2. 413 when the body is over ``api.max_body_bytes`` (at once when ``Content-Length`` says
   so; else read in chunks and refused at the first byte over), 408 after ``api.read_timeout``;
3. 401 when ``verify_webhook`` says no (or raises): nothing stored or logged, a counter goes up;
4. 202 ``{"event_id": N}`` once the request is stored in the catalog's inbox (503 when the
   catalog cannot store it).

No answer and no log line repeats a header or the body.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import aclosing
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from ocean_core.api._errors import catalog_unavailable, error_response
from ocean_core.api._models import ErrorBody
from ocean_core.api._requests import service_of
from ocean_core.api._validation import NUL, nul_problem
from ocean_core.api._webhook_models import WebhookAccepted, WebhookStatsOut
from ocean_core.errors import CatalogError, NotFoundError, NotRunningError

if TYPE_CHECKING:
    from ocean_core.service import OceanService
    from ocean_core.service._webhooks import Webhooks

WEBHOOK_PATH = "/api/integrations/{integration_id}/webhooks/{name}"
UNVERIFIED = "the webhook request was not verified by its integration"


@dataclass(frozen=True)
class BodyLimits:
    """``api.max_body_bytes`` and ``api.read_timeout``, for the routes that read their own
    body (``app.state.body_limits``)."""

    max_bytes: int
    read_timeout: float


class _TooLarge(Exception):
    pass


router = APIRouter(tags=["webhooks"])


@router.post(
    WEBHOOK_PATH, status_code=202, response_model=WebhookAccepted,
    responses={code: {"model": ErrorBody} for code in (401, 404, 408, 413, 422, 503)},
)
async def receive_webhook(request: Request, integration_id: str, name: str
                          ) -> WebhookAccepted | JSONResponse:
    """A webhook from the integration's source; no bearer token: the integration verifies
    the request (its vendor's signature). 202 once it is stored; it is handled afterwards,
    in the order received. See docs/live-events.md."""
    _refuse_nul(request)
    webhooks = webhooks_of(service_of(request), integration_id, name)
    if webhooks is None:
        return _no_webhook(integration_id, name)
    limits: BodyLimits = request.app.state.body_limits
    body = await _body(request, limits)
    if isinstance(body, JSONResponse):
        return body
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw]
    event_id = await webhooks.receive(name, body, headers, request.query_params.multi_items())
    if event_id is None:
        return error_response(401, UNVERIFIED)
    return WebhookAccepted(event_id=event_id)


def webhooks_of(service: OceanService, integration_id: str, name: str) -> Webhooks | None:
    """The webhooks of the integration when it declares ``name``; ``NotRunningError`` while
    the service does not run."""
    if not service.running:
        raise NotRunningError("the service is not running (stopped, or not started)")
    try:
        webhooks = service.get(integration_id).webhooks
    except NotFoundError:
        return None
    return webhooks if webhooks is not None and webhooks.accepts(name) else None


def _no_webhook(integration_id: str, name: str) -> JSONResponse:
    return error_response(404, f"no webhook {name!r} on integration {integration_id!r}")


async def answer_read_webhook(
    service: OceanService, integration_id: str, name: str, body: bytes,
    headers: Sequence[tuple[str, str]], query: Sequence[tuple[str, str]],
) -> JSONResponse:
    """The answer this route gives a request whose body was read within the limits
    elsewhere (by the intake process, ``ocean_core.intake``): the same checks, in the same
    order, with the same answers."""
    where = [(("path", "integration_id"), integration_id), (("path", "name"), name)]
    where += [(("query", key.replace(NUL, "")), key + value) for key, value in query]
    for loc, value in where:
        if NUL in value:
            problem = nul_problem(loc)
            return error_response(422, [{**problem, "loc": list(loc), "field": loc[1]}])
    try:
        webhooks = webhooks_of(service, integration_id, name)
        if webhooks is None:
            return _no_webhook(integration_id, name)
        event_id = await webhooks.receive(name, body, headers, query)
    except NotRunningError as exc:
        return error_response(503, str(exc))
    except CatalogError as exc:
        return catalog_unavailable(exc)
    if event_id is None:
        return error_response(401, UNVERIFIED)
    return JSONResponse(WebhookAccepted(event_id=event_id).model_dump(mode="json"),
                        status_code=202)


def _refuse_nul(request: Request) -> None:
    """422 for a NUL in the path or the query string, as on every route (the body is the
    integration's to read: not here)."""
    for name, value in request.path_params.items():
        if NUL in value:
            raise RequestValidationError([nul_problem(("path", name))])
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise RequestValidationError([nul_problem(("query", name.replace(NUL, "")))])


async def _body(request: Request, limits: BodyLimits) -> bytes | JSONResponse:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        return _too_large(limits)
    try:
        with anyio.fail_after(limits.read_timeout):
            return await _read(request, limits.max_bytes)
    except _TooLarge:
        return _too_large(limits)
    except TimeoutError:
        return error_response(408, f"the request's body did not arrive within"
                              f" {limits.read_timeout:g}s (api.read_timeout)",
                              {"Connection": "close"})
    except ClientDisconnect:
        return error_response(400, "the client left before its body arrived")


async def _read(request: Request, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async with aclosing(request.stream()) as stream:
        async for chunk in stream:
            size += len(chunk)
            if size > max_bytes:
                raise _TooLarge
            chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limits: BodyLimits) -> JSONResponse:
    return error_response(413, f"the request's body is larger than {limits.max_bytes} bytes"
                          " (api.max_body_bytes)", {"Connection": "close"})


stats_router = APIRouter(prefix="/api", tags=["webhooks"])


@stats_router.get("/integrations/{integration_id}/webhooks", response_model=WebhookStatsOut,
                  responses={401: {"model": ErrorBody}, 404: {"model": ErrorBody}})
async def webhook_stats(request: Request, integration_id: str) -> WebhookStatsOut:
    """The integration's webhook events: received, handled, failed, retried (failed attempts
    tried again), pending, rejected (refused by its verification, by this process), the
    last times, and the newest failed attempts (newest first)."""
    stats = await service_of(request).webhook_stats(integration_id)
    return WebhookStatsOut.model_validate(stats, from_attributes=True)
