"""How PostgresCatalog writes a page: four ways, tried in a fixed order, each with one contract
(``_postgres_page.PageStrategy``: write the page whole, or write nothing and say why).

    1. WireNewPage      a page not known to exist: one message and a COPY, on the event loop
    2. WireMarkSeen     a page known unchanged: one UPDATE round trip, on the event loop
    3. GeneralDirect    a worker thread: marks an unchanged page seen, stages a changed one,
                        COPYs a new one straight into ``entities`` (a held key: a miss)
    4. GeneralStaged    a worker thread: every page, through the staging table; never misses

The first two cover a first resync and a no-op one (nearly every page); the last two anything
unusual: a changed page, a page another writer made meanwhile, a key another page holds, or
the event-loop connection busy with another integration's page. ``KnownDigests`` says which
way to try first; a wrong guess costs a miss, never a wrong write, since every way checks in
its own transaction what it relies on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import psycopg

import ocean_core.catalog._postgres_pages as general
from ocean_core.catalog._postgres_page import Miss, PageStrategy, PageWrite
from ocean_core.catalog._postgres_wire import WireWriter
from ocean_core.catalog._types import PageOutcome

T = TypeVar("T")
Conn = psycopg.Connection[tuple[Any, ...]]
InThread = Callable[[Callable[[Conn], T]], Awaitable[T]]
"""Runs a function in one transaction in a worker thread (``PostgresCatalog._run``)."""


class WireNewPage:
    def __init__(self, wire: WireWriter) -> None:
        self._wire = wire

    async def attempt(
        self, page: PageWrite, known: bytes | None, misses: Sequence[Miss]
    ) -> PageOutcome | Miss:
        if known is not None:
            return Miss.NOT_NEW
        return await self._wire.write_new_page(page)


class WireMarkSeen:
    def __init__(self, wire: WireWriter) -> None:
        self._wire = wire

    async def attempt(
        self, page: PageWrite, known: bytes | None, misses: Sequence[Miss]
    ) -> PageOutcome | Miss:
        if known != page.digest:
            return Miss.NOT_KNOWN_UNCHANGED
        return await self._wire.mark_seen(page)


class GeneralDirect:
    def __init__(self, in_thread: InThread[PageOutcome | Miss]) -> None:
        self._in_thread = in_thread

    async def attempt(
        self, page: PageWrite, known: bytes | None, misses: Sequence[Miss]
    ) -> PageOutcome | Miss:
        if Miss.KEY_EXISTS in misses:  # a direct COPY would meet the same key
            return Miss.KEY_EXISTS
        page.handed_over()  # a write in a worker thread needs no turn of the event loop
        return await self._in_thread(lambda conn: general.write_page(conn, page, direct=True))


class GeneralStaged:
    def __init__(self, in_thread: InThread[PageOutcome | Miss]) -> None:
        self._in_thread = in_thread

    async def attempt(
        self, page: PageWrite, known: bytes | None, misses: Sequence[Miss]
    ) -> PageOutcome | Miss:
        page.handed_over()
        return await self._in_thread(lambda conn: general.write_page(conn, page, direct=False))


class KnownDigests:
    """Each kind's pages (number -> digest), read once per generation and kept up to date by
    this catalog's writes: only the runner holding an integration writes its pages."""

    def __init__(self, in_thread: InThread[dict[int, bytes]]) -> None:
        self._in_thread = in_thread
        self._known: dict[tuple[str, str], tuple[int, dict[int, bytes]]] = {}

    async def of(self, page: PageWrite) -> dict[int, bytes]:
        known = self._known.get((page.integration_id, page.kind))
        if known is None or known[0] != page.generation:
            digests = await self._in_thread(lambda conn: _digests(conn, page))
            known = self._known[(page.integration_id, page.kind)] = (page.generation, digests)
        return known[1]


def _digests(conn: Conn, page: PageWrite) -> dict[int, bytes]:
    rows = conn.execute(
        "SELECT seq, digest FROM pages WHERE integration_id = %s AND kind = %s",
        (page.integration_id, page.kind),
    )
    return {int(seq): bytes(digest or b"") for seq, digest in rows}


class PageWriteChain:
    """Tries each way in order until one writes the page (the last one always does)."""

    def __init__(self, ways: Sequence[PageStrategy], digests: KnownDigests) -> None:
        self._ways, self._digests = ways, digests

    @classmethod
    def standard(cls, wire: WireWriter, in_thread: InThread[Any]) -> PageWriteChain:
        """The four ways of the module's docstring, in its order."""
        return cls(
            (WireNewPage(wire), WireMarkSeen(wire), GeneralDirect(in_thread),
             GeneralStaged(in_thread)),
            KnownDigests(in_thread),
        )

    async def write(self, page: PageWrite) -> PageOutcome:
        known = await self._digests.of(page)
        misses: list[Miss] = []
        for way in self._ways:
            done = await way.attempt(page, known.get(page.seq), misses)
            if isinstance(done, PageOutcome):
                known[page.seq] = page.digest
                return done
            misses.append(done)
        raise AssertionError(f"no way wrote page {page.seq} ({[m.name for m in misses]})")
