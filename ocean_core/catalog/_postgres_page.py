"""One page write on PostgreSQL: what it is, the contract of each way to write it, and why a
way can pass a page on to the next (``_postgres_page_chain`` holds the ways, in order)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ocean_core.catalog._rows import EntityRow
from ocean_core.catalog._types import PageOutcome, PageProgress


@dataclass(frozen=True)
class PageWrite:
    """A page to write: the call's arguments, the page's digest, and the fencing token to check
    in the write's own transaction (None only for a tool's ``unfenced()`` write)."""

    integration_id: str
    kind: str
    seq: int
    generation: int
    rows: Sequence[EntityRow]
    digest: bytes
    token: int | None
    progress: PageProgress | None = None
    live_mark: int | None = None
    """The run's live mark: keys a live change above it touched are left alone (rule 8)."""

    def sent(self) -> None:
        """The write's first message is out (see ``PageProgress``)."""
        if self.progress is not None:
            self.progress.sent()

    def handed_over(self) -> None:
        """The rest of the write needs no turn of the event loop (see ``PageProgress``)."""
        if self.progress is not None:
            self.progress.handed_over()


class Miss(enum.Enum):
    """Why a way of writing did not write the page; the next way in the chain gets it. A miss
    wrote nothing: its transaction, if it began one, was rolled back."""

    NOT_NEW = "the page is known to exist"
    NOT_KNOWN_UNCHANGED = "the page is not known to be unchanged"
    BUSY = "the event-loop connection is writing another page"
    PAGE_EXISTS = "the page exists after all (another writer made it)"
    KEY_EXISTS = "a key of the new page exists (another page holds it, or it was left unseen)"
    CHANGED = "the page's members changed since its digest was taken"
    LIVE_CHANGED = "a live change came since the run began: its keys must be left out"


class PageStrategy(Protocol):
    """One way to write a page. ``attempt`` writes the page whole (one transaction) and says
    what it did, or writes nothing and says why (a ``Miss``); a failure of the database itself
    is raised, never a miss.

    ``known`` is the page's digest as last read or written by this catalog (None: no such page
    known), and ``misses`` what the ways before this one said: a guess each way may act on,
    never trust (another writer may have changed the page meanwhile)."""

    async def attempt(
        self, page: PageWrite, known: bytes | None, misses: Sequence[Miss]
    ) -> PageOutcome | Miss: ...
