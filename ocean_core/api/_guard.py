"""``RequestGuard``: the ASGI middleware in front of every route of the API.

In this order, before the app sees the request:

1. Authentication, from the headers alone: without the bearer token (or with the read-only
   token on a route that changes something) the answer is 401 (403) before a byte of the body
   is read, so an anonymous client cannot make the server read, buffer or parse anything.
2. The body, read here, bounded in size (``api.max_body_bytes``; 413, at once when
   ``Content-Length`` says so) and in time (``api.read_timeout``; 408), then handed to the app.

A route that needs no token is declared with an ``OpenRoute``: the page shells (health, the
dashboard, the docs if ``api.public_docs``), and routes that authenticate by other means (a
webhook, by its integration's signature). An open route is still limited: step 2 applies,
unless it reads its own body (``own_body``: the webhook route, which first answers 404 for a
webhook that does not exist, then reads within the same limits, ``BodyLimits``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ocean_core.api._auth import Tokens
from ocean_core.api._body import BodyTooLarge, ClientGone, read_body
from ocean_core.api._errors import error_response


@dataclass(frozen=True)
class OpenRoute:
    """A route served without the bearer token: ``method`` and a path template
    (``/api/integrations/{id}/webhooks/{name}``: a ``{...}`` part is one path segment, a
    ``{...:path}`` part the rest of the path, as in the routes themselves)."""

    method: str
    path: str
    own_body: bool = False
    """The route reads its body itself, within ``api.max_body_bytes`` and ``api.read_timeout``."""
    endpoint: ASGIApp | None = None
    """Serves the route here, past the app's router (the webhook route: it comes at the
    vendor's rate); ``None``: the app routes it."""

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        pieces = re.split(r"(\{[^/{}]+\})", self.path)
        return re.compile("".join(
            (".+" if piece.endswith(":path}") else "[^/]+") if piece.startswith("{")
            else re.escape(piece)
            for piece in pieces
        ))

    def matches(self, method: str, path: str) -> bool:
        method = "GET" if method == "HEAD" else method
        return method == self.method and self.pattern.fullmatch(path) is not None


class RequestGuard:
    """Authenticates each request from its headers, then reads its body within limits."""

    def __init__(
        self, app: ASGIApp, *, tokens: Tokens, open_routes: Sequence[OpenRoute],
        max_body_bytes: int, read_timeout: float,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.open_routes = tuple(open_routes)
        self.max_body_bytes = max_body_bytes
        self.read_timeout = read_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        for route in self.open_routes:
            if route.own_body and route.matches(scope["method"], path):
                await (route.endpoint or self.app)(scope, receive, send)
                return
        refusal = self._refusal(scope)
        if refusal is None:
            refusal, body = await self._body(scope, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if body is not None:
            await self.app(scope, _replay(body, receive), send)

    def _refusal(self, scope: Scope) -> ASGIApp | None:
        method, path = scope["method"], route_path(scope)
        if any(route.matches(method, path) for route in self.open_routes):
            return None
        headers = dict(scope["headers"])
        refused = self.tokens.refusal(method, path, headers.get(b"authorization", b""))
        if refused is None:
            return None
        status, detail, extra = refused
        if b"transfer-encoding" in headers or headers.get(b"content-length", b"0") != b"0":
            extra = {**extra, "Connection": "close"}  # the unread body is not waited for
        return error_response(status, detail, extra or None)

    async def _body(self, scope: Scope, receive: Receive) -> tuple[ASGIApp | None, bytes | None]:
        """The whole body, or the answer that refuses it (None, None: the client left)."""
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            return self._too_large(), None
        try:
            with anyio.fail_after(self.read_timeout):
                return None, await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            return self._too_large(), None
        except TimeoutError:
            return error_response(408, f"the request's body did not arrive within"
                                  f" {self.read_timeout:g}s (api.read_timeout)",
                                  {"Connection": "close"}), None
        except ClientGone:
            return None, None

    def _too_large(self) -> ASGIApp:
        return error_response(
            413, f"the request's body is larger than {self.max_body_bytes} bytes"
            " (api.max_body_bytes)", {"Connection": "close"})


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body once, as one message; then the client's own messages (its disconnect)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def route_path(scope: Scope) -> str:
    """The path below the app's mount point (``root_path``), as the routes see it."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root):len(root) + 1] in ("/", ""):
        return path[len(root):] or "/"
    return path
