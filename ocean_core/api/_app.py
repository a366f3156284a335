"""``create_app``: the FastAPI application of ``ocean sail``, or of a host service embedding it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

import ocean_core
from ocean_core.api._auth import Access, Tokens
from ocean_core.api._entity_routes import router as entity_router
from ocean_core.api._errors import install_error_handlers
from ocean_core.api._guard import OpenRoute, RequestGuard
from ocean_core.api._integration_routes import router as api_router
from ocean_core.api._kb_routes import router as knowledge_router
from ocean_core.api._models import Health
from ocean_core.api._validation import refuse_nul
from ocean_core.api._webhook_direct import WEBHOOK_ROUTE
from ocean_core.api._webhook_routes import BodyLimits, stats_router
from ocean_core.api._webhook_routes import router as webhook_router
from ocean_core.config import LoadedConfig, OceanSettings, load_config
from ocean_core.dashboard import router as dashboard_router
from ocean_core.errors import ConfigError
from ocean_core.service import OceanService, ServiceMetrics


def create_app(
    settings: LoadedConfig | OceanSettings | str | Path,
    *,
    service: OceanService | None = None,
) -> FastAPI:
    """The HTTP API over an ``OceanService``.

    Given only settings (a config file's path, or loaded settings), the app runs its own
    service: the lifespan starts it (resyncs on start, schedules) and stops it (runs in flight
    aborted, nothing deleted). Given a ``service``, the host application runs it (``async with
    service``) and the app only serves it: that is how to embed ocean_core in another ASGI
    service, mounted under any prefix.

    Every route but ``GET /health`` needs ``Authorization: Bearer <api.token>``; without a
    token configured the app is not built (``ConfigError`` naming ``api.token``).
    """
    config = _loaded(settings)
    token = require_token(config)
    owned = service is None
    service = service or OceanService(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if owned:
            async with service:
                yield
        else:
            yield

    app = FastAPI(
        title="ocean_core", version=ocean_core.__version__, lifespan=lifespan,
        description="Integrations, their resyncs and the catalog they keep.",
        openapi_url=None, docs_url=None, redoc_url=None,
    )
    app.state.ocean_service = service
    install_error_handlers(app)
    api = config.settings.api
    read_token = api.read_token
    tokens = Tokens(token, read_token.get_secret_value() if read_token else None)
    auth = Depends(Access(tokens, api.rate_limit))
    checked = [auth, Depends(refuse_nul)]  # the token first: an anonymous body is never read
    app.include_router(api_router, dependencies=checked)
    app.include_router(knowledge_router, dependencies=checked)
    app.include_router(entity_router, dependencies=checked)
    app.include_router(stats_router, dependencies=checked)
    app.include_router(webhook_router)  # verified by its integration, not by the token
    app.state.body_limits = BodyLimits(api.max_body_bytes, api.read_timeout)
    docs_auth = () if api.public_docs else (auth,)
    app.include_router(_system_routes(service, service.metrics, auth, docs_auth))
    app.include_router(dashboard_router)  # `/`: a page over the API; holds no data itself
    app.add_middleware(
        RequestGuard, tokens=tokens, max_body_bytes=api.max_body_bytes,
        read_timeout=api.read_timeout,
        open_routes=OPEN_ROUTES + (DOCS_ROUTES if api.public_docs else ()),
    )
    return app


OPEN_ROUTES = (
    OpenRoute("GET", "/health"),
    OpenRoute("GET", "/"),  # the dashboard's shell and assets: no data (their calls need it)
    OpenRoute("GET", "/dashboard/{name:path}"),  # its handler serves two files, else 404
    WEBHOOK_ROUTE,  # verify_webhook authenticates it; served past the router
)
"""The routes served without the token (their bodies are still limited)."""
DOCS_ROUTES = (OpenRoute("GET", "/docs"), OpenRoute("GET", "/openapi.json"))
"""Open too with ``api.public_docs: true``."""


def require_token(config: LoadedConfig) -> str:
    """The API's token; ``ConfigError`` naming ``api.token`` if none is set, or naming each
    unset ``${NAME}`` of the ``api`` section."""
    config.require("api")
    token = config.settings.api.token
    if token is None or not token.get_secret_value():
        raise ConfigError.single(
            "api.token", "required to serve the API: set api.token in the config file"
            " or the OCEAN_API_TOKEN environment variable", str(config.path),
        )
    return token.get_secret_value()


def _loaded(settings: LoadedConfig | OceanSettings | str | Path) -> LoadedConfig:
    if isinstance(settings, LoadedConfig):
        return settings
    if isinstance(settings, OceanSettings):
        return LoadedConfig(settings=settings, path=Path.cwd() / "ocean.yaml")
    return load_config(settings)


def _system_routes(
    service: OceanService, metrics: ServiceMetrics, auth: Any, docs_auth: Sequence[Any]
) -> APIRouter:
    router = APIRouter()

    @router.get("/health", response_model=Health, tags=["system"],
                responses={503: {"model": Health}})
    async def health(response: Response) -> Health:
        """Without authentication: `ok` while the integrations run; `stopping` (503) once
        a shutdown has begun, so a load balancer stops sending traffic."""
        if not service.running:
            response.status_code = 503
        return Health(
            status="ok" if service.running else "stopping",
            integrations=len(service.instances),
        )

    @router.get("/metrics", tags=["system"], dependencies=[auth],
                response_class=Response,
                responses={200: {"content": {ServiceMetrics.content_type: {}}}})
    async def prometheus_metrics() -> Response:
        """Prometheus text format: runs by status, entities upserted, unchanged and deleted,
        run durations, and the progress of runs in flight."""
        return Response(metrics.render(), media_type=metrics.content_type)

    @router.get("/openapi.json", include_in_schema=False, dependencies=list(docs_auth))
    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(request.app.openapi())

    @router.get("/docs", include_in_schema=False, dependencies=list(docs_auth))
    async def docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}/openapi.json", title="ocean_core API")

    return router
