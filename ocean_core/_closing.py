"""Closing async iterators in the task that read them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio


async def close_now(iterator: AsyncIterator[object]) -> None:
    """Close an async generator now, in this task, so its own cleanup (closing its listings,
    leaving its task groups) runs here, cancelled or not, as the engine closes a fetcher."""
    close = getattr(iterator, "aclose", None)
    if close is not None:
        with anyio.CancelScope(shield=True):
            await close()
