"""``HTTPIntegration`` in a run: parent listings fetched once per run, ``max_concurrency`` as the
cap on requests in flight and the width of ``fan_out``, requests counted per kind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any, ClassVar

import anyio
import httpx
import pytest
from pydantic import BaseModel

from ocean_core import ResyncStatus, kind
from ocean_core.http import HTTPIntegration, paginate_link, raise_for_status
from ocean_core.testing import pages, recorded_transport, run_resync

pytestmark = pytest.mark.anyio

BASE = "https://api.example.com"
Page = list[dict[str, Any]]


class LibraryConfig(BaseModel):
    base_url: str = BASE
    max_concurrency: int | None = 3


def _resource(kind_name: str) -> dict[str, Any]:
    return {"kind": kind_name, "selector": {"query": "true"},
            "port": {"entity": {"mappings": {
                "identifier": ".id | tostring", "title": ".name", "blueprint": f'"{kind_name}"',
            }}}}


class Library(HTTPIntegration):
    """Shelves, and the books of every shelf (a per-parent listing)."""

    type = "library"
    config_model = LibraryConfig
    default_mapping: ClassVar[dict[str, Any] | None] = {
        "resources": [_resource("shelf"), _resource("book")]
    }

    def _shelves(self, client: httpx.AsyncClient) -> AsyncIterator[Page]:
        return self.listing("shelves", lambda: paginate_link(client, "/shelves"))

    @kind("shelf")
    async def shelves(self) -> AsyncIterator[Page]:
        async with self.client() as client, aclosing(self._shelves(client)) as listing:
            async for page in listing:
                yield page

    @kind("book")
    async def books(self) -> AsyncIterator[Page]:
        async def each_shelf() -> AsyncIterator[dict[str, Any]]:
            async with aclosing(self._shelves(client)) as listing:
                async for page in listing:
                    for shelf in page:
                        yield shelf

        async def books_of(shelf: dict[str, Any]) -> AsyncIterator[Page]:
            yield raise_for_status(await client.get(f"/shelves/{shelf['id']}/books")).json()

        async with self.client() as client, aclosing(self.fan_out(each_shelf(), books_of)) as it:
            async for page in it:
                yield page


def library_routes(shelves: int = 9) -> dict[str, Any]:
    listing = [{"id": n, "name": f"shelf {n}"} for n in range(shelves)]
    routes: dict[str, Any] = {"/shelves": pages(listing[:4], listing[4:])}
    for n in range(shelves):
        routes[f"/shelves/{n}/books"] = [{"id": 100 * n + b, "name": f"book {b}"} for b in range(2)]
    return routes


async def test_the_parent_listing_is_fetched_once_per_run() -> None:
    transport = recorded_transport(library_routes())
    library = Library(transport=transport)
    outcome = await run_resync(library)
    assert outcome.result.status is ResyncStatus.SUCCEEDED
    assert len(outcome.entities) == 9 + 18
    listed = [path for path in transport.requested_paths() if path.startswith("/shelves?")
              or path == "/shelves"]
    assert listed == ["/shelves", "/shelves?page=2"]  # by the shelf kind; books replayed it
    await run_resync(library)  # the next run lists the shelves again: nothing outlives a run
    assert sum(1 for p in transport.requested_paths() if p == "/shelves") == 2


async def test_outside_a_run_a_listing_is_simply_fetched() -> None:
    transport = recorded_transport(library_routes())
    library = Library(transport=transport)
    for _ in range(2):
        assert len([book async for page in library.books() for book in page]) == 18
    assert transport.requested_paths().count("/shelves") == 2


async def test_a_failed_parent_listing_fails_the_kinds_that_need_it_with_a_reason() -> None:
    routes = library_routes()
    routes["/shelves"] = lambda request: httpx.Response(404, json={"message": "gone"})
    transport = recorded_transport(routes)
    outcome = await run_resync(Library(transport=transport))
    assert outcome.result.status is ResyncStatus.FAILED
    books = outcome.result.kinds["book"]
    assert books.errors == 1 and books.fetched == 0
    assert books.error_details[0].message.startswith(
        "ParentListingError: the 'shelves' listing failed earlier in this run"
        " (TerminalHTTPError: GET https://api.example.com/shelves failed with status 404"
    )
    assert transport.requested_paths().count("/shelves") == 1
    assert outcome.result.deleted == 0


async def test_max_concurrency_caps_the_requests_in_flight_and_counts_them_per_kind() -> None:
    routes = library_routes(shelves=30)
    active, most = 0, 0

    async def slow_books(request: httpx.Request) -> httpx.Response:
        nonlocal active, most
        active += 1
        most = max(most, active)
        for _ in range(5):
            await anyio.lowlevel.checkpoint()
        active -= 1
        shelf = request.url.path.split("/")[2]
        return httpx.Response(200, json=routes[f"/shelves/{shelf}/books"])

    transport = httpx.MockTransport(
        lambda request: slow_books(request) if request.url.path.endswith("/books")
        else recorded_transport(routes).handle_request(request)
    )
    library = Library(transport=transport)
    assert library.max_concurrency == 3 and library.in_flight is not None
    outcome = await run_resync(library)
    assert outcome.result.status is ResyncStatus.SUCCEEDED
    assert most == 3
    books = outcome.result.kinds["book"]
    assert (books.requests, books.in_flight, books.pages) == (30, 0, 30)
    assert outcome.result.kinds["shelf"].requests == 2
    stats = library.request_stats()
    assert (stats.requests, stats.in_flight, stats.max_in_flight) == (32, 0, 3)


def test_without_max_concurrency_fetchers_fan_out_one_at_a_time() -> None:
    library = Library({"max_concurrency": None})
    assert library.max_concurrency == 1 and library.in_flight is None
