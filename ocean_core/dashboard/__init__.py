"""The dashboard of ``ocean sail``: a page at ``/`` over the JSON API.

The page is a shell that holds no data, so it is served without a token (a browser cannot send
a bearer header when it navigates). Its script asks for the token in a login form, keeps it in
``sessionStorage`` for the tab's session, and calls ``/api/...`` with
``Authorization: Bearer <token>`` like any other client: every piece of data stays behind the
token. Nothing is loaded from anywhere else (a Content-Security-Policy says so), and the script
writes data into the page as text only, never as HTML.

The routes are kept out of the OpenAPI document: they are not part of the API.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files
from string import Template

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

import ocean_core

__all__ = ["router"]

_JS = "text/javascript; charset=utf-8"
# The script is a set of ES modules (dashboard.js imports the others), so no bundler is needed.
_STATIC = {
    **{f"{name}.js": _JS for name in (
        "dashboard", "api", "detail", "dom", "entities", "kbs", "resync", "runs", "state",
        "trend", "webhooks",
    )},
    "dashboard.css": "text/css; charset=utf-8",
}
_SECURITY = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self';"
        " img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

router = APIRouter(include_in_schema=False)


@cache
def _read(name: str) -> str:
    return (files(__package__) / name).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request) -> HTMLResponse:
    """The page's shell: no data, so no token (the script asks for one)."""
    root = html.escape(request.scope.get("root_path", "").rstrip("/"), quote=True)
    page = Template(_read("index.html")).substitute(
        root=root, version=html.escape(ocean_core.__version__, quote=True)
    )
    return HTMLResponse(page, headers={**_SECURITY, "Cache-Control": "no-store"})


@router.get("/dashboard/{name}")
async def dashboard_asset(name: str) -> Response:
    """The page's script and style sheet, from the package: no other file is served."""
    media_type = _STATIC.get(name)
    if media_type is None:
        return Response(status_code=404)
    return Response(_read(f"static/{name}"), media_type=media_type,
                    headers={**_SECURITY, "Cache-Control": "no-cache"})
