"""Parent listings fetched once per run: the listing several kinds read, read once.

Pull requests, issues and workflows all need the repositories; without help each kind would
list them again. A ``RunListings`` lives exactly as long as one run (``HTTPIntegration`` makes
one in its ``run_scope``): the first kind to read a listing fetches it, and every page that
passes is kept; a later kind gets the kept pages, with no request at all.

    listings = RunListings()
    async with aclosing(listings.pages("repositories", list_repositories)) as pages:
        async for page in pages:
            ...

What may happen to a listing, and what a later reader then gets:

- read to its end: the kept pages, decoded afresh for each reader (no reader sees another's
  changes to an item);
- failed (its fetch raised): ``ParentListingError`` with the reason, at once, so that a kind
  that needs the listing never runs on part of it;
- abandoned (its reader stopped early: its kind failed, or the run was aborted): nothing kept,
  the next reader fetches it again;
- over the memory bound (``max_bytes`` for all the listings of the run; pages are kept as
  compact JSON): not kept, every reader fetches it on its own; a warning says so.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from loguru import logger

from ocean_core._closing import close_now
from ocean_core.errors import ParentListingError

DEFAULT_MAX_BYTES = 64 * 2**20
"""What one run keeps of its listings at most: the 5,000 repositories of a large GitHub
organization take about 30 MiB as JSON."""

Fetch = Callable[[], AsyncIterator[list[Any]]]
Pages = AsyncGenerator[list[Any], None]


class _State(enum.Enum):
    READING = "reading"
    DONE = "done"
    FAILED = "failed"
    TOO_BIG = "too big"


@dataclass
class _Entry:
    state: _State = _State.READING
    blobs: list[bytes] = field(default_factory=list)
    size: int = 0
    reason: str = ""


class RunListings:
    """The listings of one run, each fetched once and replayed to every later reader."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: dict[str, _Entry] = {}

    @property
    def bytes_kept(self) -> int:
        """Bytes held by the kept pages of every listing."""
        return sum(entry.size for entry in self._entries.values())

    def pages(self, key: str, fetch: Fetch) -> Pages:
        """The pages of listing ``key``: kept ones if it was read before in this run, else those
        of ``fetch()``, kept as they pass. Close it (``aclosing``) in the task that reads it."""
        entry = self._entries.get(key)
        if entry is None:
            return self._read(key, fetch)
        if entry.state is _State.DONE:
            return _replay(list(entry.blobs))
        if entry.state is _State.FAILED:
            return _failed(ParentListingError(key, entry.reason))
        return fetched(fetch)  # another reader is reading it now, or it is too big

    def clear(self) -> None:
        """Forget every listing (the run has ended)."""
        self._entries.clear()

    async def _read(self, key: str, fetch: Fetch) -> Pages:
        entry = self._entries[key] = _Entry()
        source = fetch()
        try:
            while True:
                try:
                    page = await anext(source)
                except StopAsyncIteration:
                    if entry.state is _State.READING:
                        entry.state = _State.DONE
                    return
                except Exception as exc:  # the listing itself failed: remember why
                    entry.state, entry.reason = _State.FAILED, f"{type(exc).__name__}: {exc}"
                    entry.blobs, entry.size = [], 0
                    raise
                self._keep(key, entry, page)
                yield page
        finally:
            await close_now(source)
            if entry.state is _State.READING and self._entries.get(key) is entry:
                del self._entries[key]  # abandoned part way: the next reader starts afresh

    def _keep(self, key: str, entry: _Entry, page: list[Any]) -> None:
        if entry.state is not _State.READING:
            return
        try:
            blob = orjson.dumps(page)
        except TypeError as exc:  # not JSON (a huge integer, an object): cannot be replayed
            self._drop(key, entry, f"its items are not plain JSON ({exc})")
            return
        if self.bytes_kept + len(blob) > self.max_bytes:
            self._drop(key, entry, f"the run's listings would hold over {self.max_bytes:,} bytes")
            return
        entry.blobs.append(blob)
        entry.size += len(blob)

    @staticmethod
    def _drop(key: str, entry: _Entry, why: str) -> None:
        entry.state, entry.blobs, entry.size = _State.TOO_BIG, [], 0
        logger.warning(
            "listing {!r} is not kept for the rest of the run: {}; each kind that needs it"
            " lists it again", key, why,
        )


async def _replay(blobs: list[bytes]) -> Pages:
    for blob in blobs:
        yield orjson.loads(blob)


async def _failed(error: ParentListingError) -> Pages:
    raise error
    yield  # an async generator, like the others  # pragma: no cover


async def fetched(fetch: Fetch) -> Pages:
    """The pages of ``fetch()``, kept nowhere (a listing outside a run)."""
    source = fetch()
    try:
        async for page in source:
            yield page
    finally:
        await close_now(source)
