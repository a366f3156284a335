"""One error shape for every failure: ``{"detail": ..., "error": code}``.

``detail`` is a sentence, or for 422 a list of ``{loc, field, msg, type}`` (FastAPI's own
validation errors and ocean_core's config problems alike).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ocean_core._describe import describe_validation_error
from ocean_core.errors import (
    CatalogError,
    ConfigError,
    ConflictError,
    NotAttachedError,
    NotFoundError,
    NotRunningError,
    TransientCatalogError,
)

_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 408: "request_timeout", 409: "conflict", 413: "too_large",
    422: "invalid", 429: "too_many_requests",
    500: "internal", 503: "unavailable",
}


def error_response(
    status: int, detail: Any, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"detail": detail, "error": _CODES.get(status, f"http_{status}"), **extra}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HTTPException)
    async def http_error(_: Request, exc: HTTPException) -> JSONResponse:
        return error_response(exc.status_code, exc.detail, dict(exc.headers or {}) or None)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        malformed = [e for e in exc.errors() if e["type"] == "json_invalid"]
        if malformed:  # not JSON at all: the request itself is broken (400), not its content
            where = malformed[0].get("ctx", {}).get("error", "")
            return error_response(400, f"the body is not valid JSON: {where}".rstrip(": "))
        problems = [
            {"loc": list(e["loc"]), "field": ".".join(str(p) for p in e["loc"][1:]),
             "msg": describe_validation_error(None, e), "type": e["type"]}
            for e in exc.errors()
        ]
        return error_response(422, problems)

    @app.exception_handler(ConfigError)
    async def invalid_config(_: Request, exc: ConfigError) -> JSONResponse:
        problems = [
            {"loc": ["body", *p.field.split(".")] if p.field else ["body"], "field": p.field,
             "msg": p.message, "type": type(exc).__name__}
            for p in exc.problems
        ]
        return error_response(422, problems)

    @app.exception_handler(NotFoundError)
    async def not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        extra: dict[str, Any] = {"what": exc.what, "key": exc.key, "known": exc.known}
        if isinstance(exc, NotAttachedError):
            extra["knowledge_base"] = exc.knowledge_base_id
        return error_response(404, str(exc), None, **extra)

    @app.exception_handler(ConflictError)
    async def conflict(_: Request, exc: ConflictError) -> JSONResponse:
        return error_response(409, str(exc), what=exc.what, key=exc.key)

    @app.exception_handler(NotRunningError)
    async def stopping(_: Request, exc: NotRunningError) -> JSONResponse:
        return error_response(503, str(exc))

    @app.exception_handler(CatalogError)
    async def catalog_failed(_: Request, exc: CatalogError) -> JSONResponse:
        return catalog_unavailable(exc)


def catalog_unavailable(exc: CatalogError) -> JSONResponse:
    """The catalog, not the request, is at fault (a read-only file, a full disk, a server
    away): 503 with the reason; Retry-After only when trying again may succeed."""
    retry = {"Retry-After": "1"} if isinstance(exc, TransientCatalogError) else None
    return error_response(503, f"the catalog could not complete the request: {exc}", retry)
