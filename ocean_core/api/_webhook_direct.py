"""The webhook route served straight from ``RequestGuard``, past the app's router.

Webhooks arrive at the vendor's rate, while a resync may be using the same process: FastAPI's
routing, dependency and middleware layers cost more than the rest of a webhook's intake
together (measured with ``benchmarks`` item 11). ``serve_webhook`` runs the route's own
function (``receive_webhook``, the one the OpenAPI document describes) on a plain Starlette
request, and turns its errors into the answers the app's exception handlers give, so a
webhook gets exactly the answers it would get through the router.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ocean_core.api._guard import OpenRoute, route_path
from ocean_core.api._webhook_routes import WEBHOOK_PATH, receive_webhook


async def serve_webhook(scope: Scope, receive: Receive, send: Send) -> None:
    """ASGI: one webhook request (``WEBHOOK_ROUTE`` matched it)."""
    parts = route_path(scope).split("/")  # "", "api", "integrations", id, "webhooks", name
    integration_id, name = parts[3], parts[5]
    scope["path_params"] = {"integration_id": integration_id, "name": name}
    request = Request(scope, receive)
    try:
        answer = await receive_webhook(request, integration_id, name)
    except Exception as exc:
        response = await _handled(request, exc)
    else:
        response = (answer if isinstance(answer, Response)
                    else JSONResponse(answer.model_dump(mode="json"), status_code=202))
    await response(scope, receive, send)


async def _handled(request: Request, exc: Exception) -> Response:
    """The answer the app's exception handler of ``exc`` gives (re-raised when it has none,
    for the server's own 500)."""
    handlers = request.app.exception_handlers
    for kind in type(exc).__mro__:
        handler = handlers.get(kind)
        if handler is not None:
            response: Response = await handler(request, exc)
            return response
    raise exc


WEBHOOK_ROUTE = OpenRoute("POST", WEBHOOK_PATH, own_body=True, endpoint=serve_webhook)
"""The webhook route as ``RequestGuard`` serves it: no token (``verify_webhook``
authenticates it), its own body reading, straight to ``serve_webhook``."""
