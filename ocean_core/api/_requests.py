"""What every route needs of a request: the service it serves, and a run's handle."""

from __future__ import annotations

from fastapi import Request, Response

from ocean_core.api._models import RunHandle
from ocean_core.api._views import handle_view
from ocean_core.ocean import RunTicket
from ocean_core.service import OceanService


def service_of(request: Request) -> OceanService:
    service: OceanService = request.app.state.ocean_service
    return service


def run_url(request: Request, integration_id: str, run_id: str) -> str:
    root = request.scope.get("root_path", "")
    return f"{root}/api/integrations/{integration_id}/resyncs/{run_id}"


async def accepted(
    request: Request, response: Response, integration_id: str, ticket: RunTicket
) -> RunHandle:
    """The 202 answer to a trigger: the run's handle, and where to follow it."""
    url = run_url(request, integration_id, ticket.run_id)
    response.headers["Location"] = url
    run = await service_of(request).run_status(integration_id, ticket.run_id)
    return handle_view(run, url)
