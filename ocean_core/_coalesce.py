"""Coalescing triggers: a burst of triggers starts one run, of the newest of them."""

from __future__ import annotations

from collections.abc import Callable

import anyio

COALESCE_WINDOW = 0.01
"""Seconds without a new trigger before a triggered run starts."""
COALESCE_LIMIT = 0.2
"""The longest a triggered run waits for triggers to stop coming."""


async def settle(pending: Callable[[], object]) -> None:
    """Return once ``pending()`` (what would run next) has not changed for
    ``COALESCE_WINDOW`` seconds, or after ``COALESCE_LIMIT`` at most, so that a steady stream
    of triggers cannot starve the run."""
    with anyio.move_on_after(COALESCE_LIMIT):
        while True:
            seen = pending()
            await anyio.sleep(COALESCE_WINDOW)
            if pending() is seen:
                return
