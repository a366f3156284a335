"""Closing async iterators in the task that read them."""

from __future__ import annotations

from collections.abc import AsyncIterator


async def close_now(iterator: AsyncIterator[object]) -> None:
    """Close an async generator now, in this task, so its own cleanup runs here and not when
    it is garbage-collected. Not shielded: the generator may hold cancel scopes of its own (a
    fan-out's task group), which must be left before any scope entered after them."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()
