"""One page write running beside the loop that prepares the next page (``overlapped_writes``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import anyio

from ocean_core.catalog import EntityRow, PageProgress
from ocean_core.catalog._types import CursorCommit

Write = Callable[[list[EntityRow], int, CursorCommit | None, PageProgress | None],
                 Awaitable[bool]]
"""A kind's write of one page: its rows, its number, the cursor to commit with it (an ordered
kind's), and where to signal progress; whether it succeeded."""


class PageWrite:
    """One page write running beside the loop that prepares the next page; the catalog tells
    it how far the write is (``PageProgress``), and the end of the write counts as both."""

    def __init__(
        self, write: Write, rows: list[EntityRow], seq: int, cursor: CursorCommit | None,
    ) -> None:
        self._write, self._rows, self.seq, self._cursor = write, rows, seq, cursor
        self._sent, self._handed_over, self._done = anyio.Event(), anyio.Event(), anyio.Event()
        self._ok = False

    def sent(self) -> None:
        self._sent.set()

    def handed_over(self) -> None:
        self._sent.set()
        self._handed_over.set()

    async def run(self) -> None:
        # Shielded, as a write in the plain loop is never cut off: a batch handed over before
        # an abort is written, whatever the loop was doing when the abort came.
        try:
            with anyio.CancelScope(shield=True):
                self._ok = await self._write(self._rows, self.seq, self._cursor, self)
        finally:
            self._rows = []
            self.handed_over()
            self._done.set()

    async def sent_or_done(self) -> None:
        """Wait until the write's first message is out: the database is working on it."""
        await self._sent.wait()

    async def handed_over_or_done(self) -> None:
        """Wait until all of the write is out: it needs the loop no more before its answer."""
        await self._handed_over.wait()

    async def settled(self) -> bool:
        """Wait for the write; whether it succeeded."""
        await self._done.wait()
        return self._ok
