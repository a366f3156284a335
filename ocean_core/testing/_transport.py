"""A mock HTTP transport that serves recorded JSON payloads by path."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass(frozen=True, init=False)
class Pages:
    """Payloads served one page at a time under one path, linked with ``Link: rel="next"``.

    Page ``n`` (1-based) is requested with ``?page=n``; the first request needs no ``page``.
    """

    payloads: tuple[Any, ...]

    def __init__(self, *payloads: Any) -> None:
        object.__setattr__(self, "payloads", payloads)


def pages(*payloads: Any) -> Pages:
    """Serve ``payloads`` as consecutive pages of one listing."""
    return Pages(*payloads)


Route = Any | Pages | Handler


class RecordedTransport(httpx.MockTransport):
    """An ``httpx.MockTransport`` over recorded routes; ``requests`` lists every request seen.

    A route key is a path (``/orgs/acme/repos``), optionally with a query
    (``/search?state=open``) whose parameters the request must carry. Keys with a query win
    over a bare path. An unknown path gets a 404 whose JSON body names the known paths.
    """

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self.routes = dict(routes)
        self.requests: list[httpx.Request] = []
        super().__init__(self._serve)

    def requested_paths(self) -> list[str]:
        """The path and query of every request, in order."""
        return [request.url.raw_path.decode("ascii") for request in self.requests]

    def _serve(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self._match(request)
        if route is None:
            known = sorted(self.routes)
            body = {
                "error": "no recorded response",
                "method": request.method,
                "path": request.url.path,
                "query": str(request.url.query, "ascii"),
                "known_paths": known,
            }
            return httpx.Response(404, json=body)
        if isinstance(route, Pages):
            return _page(request, route)
        if callable(route):
            response: httpx.Response = route(request)
            return response
        return httpx.Response(200, json=route)

    def _match(self, request: httpx.Request) -> Route | None:
        bare: Route | None = None
        for key, route in self.routes.items():
            path, _, query = key.partition("?")
            if path != request.url.path:
                continue
            if not query:
                bare = route
                continue
            wanted = httpx.QueryParams(query)
            if all(request.url.params.get_list(k) == wanted.get_list(k) for k in wanted):
                return route
        return bare


def _page(request: httpx.Request, route: Pages) -> httpx.Response:
    raw = request.url.params.get("page", "1")
    number = int(raw) if raw.isdigit() else 0
    if not 1 <= number <= len(route.payloads):
        body = {"error": "no such page", "page": raw, "pages": len(route.payloads)}
        return httpx.Response(404, json=body)
    headers = {}
    if number < len(route.payloads):
        following = request.url.copy_set_param("page", str(number + 1))
        headers["Link"] = f'<{following}>; rel="next"'
    return httpx.Response(200, json=route.payloads[number - 1], headers=headers)


def recorded_transport(routes: Mapping[str, Route]) -> RecordedTransport:
    """A transport for ``create_client(..., transport=...)`` serving ``routes``.

    Each route is a JSON payload (served with 200), ``pages(p1, p2, ...)`` (a paginated listing
    with ``Link`` headers) or a function of the request that returns an ``httpx.Response``.
    """
    return RecordedTransport(routes)
