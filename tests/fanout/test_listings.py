"""``RunListings``: a listing several kinds read is fetched once per run and replayed; a failed
one fails the kinds that need it, an abandoned one is fetched again, and memory is bounded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

import anyio
import pytest

from ocean_core import ParentListingError
from ocean_core.listings import RunListings

pytestmark = pytest.mark.anyio

Page = list[dict[str, Any]]


class Boom(RuntimeError):
    """The listing's own failure."""


class Listing:
    """A paged listing that counts how often it is fetched, and fails where told."""

    def __init__(self, pages: int = 3, per_page: int = 2) -> None:
        self.data = [
            [{"id": p * per_page + i, "name": f"repo {p * per_page + i}"} for i in range(per_page)]
            for p in range(pages)
        ]
        self.fetches = 0
        self.fail_at: int | None = None
        self.gate: anyio.Event | None = None

    async def fetch(self) -> AsyncIterator[Page]:
        self.fetches += 1
        for number, page in enumerate(self.data):
            if number == self.fail_at:
                raise Boom(f"page {number} answered 502")
            if self.gate is not None and number == 1:
                await self.gate.wait()
            yield [dict(item) for item in page]


async def read(listings: RunListings, listing: Listing, key: str = "repositories") -> Page:
    found: Page = []
    async with aclosing(listings.pages(key, listing.fetch)) as pages:
        async for page in pages:
            found.extend(page)
    return found


async def test_a_listing_is_fetched_once_and_replayed_as_fresh_copies() -> None:
    listings, listing = RunListings(), Listing()
    first = await read(listings, listing)
    first[0]["name"] = "changed by the first reader"
    second = await read(listings, listing)
    third = await read(listings, listing)
    assert listing.fetches == 1
    assert second == third == [item for page in listing.data for item in page]
    assert listings.bytes_kept > 0


async def test_listings_are_kept_apart_by_key() -> None:
    listings, repos, teams = RunListings(), Listing(pages=1), Listing(pages=2)
    assert len(await read(listings, repos, "repositories")) == 2
    assert len(await read(listings, teams, "teams")) == 4
    assert len(await read(listings, repos, "repositories")) == 2
    assert (repos.fetches, teams.fetches) == (1, 1)


async def test_a_failed_listing_fails_every_later_reader_with_a_reason() -> None:
    listings, listing = RunListings(), Listing()
    listing.fail_at = 2
    with pytest.raises(Boom):
        await read(listings, listing)
    with pytest.raises(ParentListingError) as caught:
        await read(listings, listing)
    assert listing.fetches == 1
    assert caught.value.listing == "repositories"
    assert caught.value.reason == "Boom: page 2 answered 502"
    assert "does not run on part of it" in str(caught.value)
    assert listings.bytes_kept == 0


async def test_a_listing_read_only_in_part_is_fetched_again() -> None:
    listings, listing = RunListings(), Listing()
    async with aclosing(listings.pages("repositories", listing.fetch)) as pages:
        await anext(pages)  # the reader stops here (its kind failed, or it was cancelled)
    assert listings.bytes_kept == 0
    assert len(await read(listings, listing)) == 6
    assert len(await read(listings, listing)) == 6
    assert listing.fetches == 2


async def test_a_failure_of_the_reader_is_not_a_failure_of_the_listing() -> None:
    listings, listing = RunListings(), Listing()
    pages = listings.pages("repositories", listing.fetch)
    await anext(pages)
    with pytest.raises(KeyError):
        await pages.athrow(KeyError("the reader's own mistake"))
    assert len(await read(listings, listing)) == 6
    assert listing.fetches == 2


async def test_a_listing_over_the_memory_bound_is_not_kept() -> None:
    listings, listing = RunListings(max_bytes=100), Listing(pages=3, per_page=2)
    assert len(await read(listings, listing)) == 6
    assert listings.bytes_kept == 0
    assert len(await read(listings, listing)) == 6
    assert listing.fetches == 2


async def test_a_second_reader_while_the_first_still_reads_fetches_on_its_own() -> None:
    listings, listing = RunListings(), Listing()
    listing.gate = anyio.Event()
    found: list[Page] = []
    async with anyio.create_task_group() as group:

        async def first() -> None:
            found.append(await read(listings, listing))

        group.start_soon(first)
        await anyio.wait_all_tasks_blocked()  # the first reader waits at page 1
        listing.gate.set()
        found.append(await read(listings, listing))
    assert len(found) == 2 and found[0] == found[1]
    assert listing.fetches == 2
    assert len(await read(listings, listing)) == 6 and listing.fetches == 2


async def test_clear_forgets_every_listing() -> None:
    listings, listing = RunListings(), Listing()
    await read(listings, listing)
    listings.clear()
    assert listings.bytes_kept == 0
    await read(listings, listing)
    assert listing.fetches == 2
