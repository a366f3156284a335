"""The runner lock of a runtime used without ``async with``: ``resync()`` takes it for its run,
and a live change applied meanwhile (``Ocean.apply``) uses it rather than take it again; the
run gives it back only once those are done. Outside a run, a live change takes it for itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import anyio

from ocean_core._signal import ChangeSignal

Acquire = Callable[[AsyncExitStack], Awaitable[None]]
"""Takes the runner lock onto the stack (``Ocean._acquire``)."""


class RunnerHold:
    """Who holds the runner lock of a runtime outside ``async with``, and who borrows it."""

    def __init__(self, acquire: Acquire) -> None:
        self._acquire = acquire
        self._held = False
        self._borrowers = 0
        self._returned = ChangeSignal()

    @asynccontextmanager
    async def own(self) -> AsyncIterator[None]:
        """Take the lock (``RunnerLockedError`` if another runner has it), and give it back
        once every call that borrowed it meanwhile is done."""
        async with AsyncExitStack() as stack:
            await self._acquire(stack)
            self._held = True
            try:
                yield
            finally:
                with anyio.CancelScope(shield=True):
                    while self._borrowers:
                        await self._returned.wait()
                self._held = False

    @asynccontextmanager
    async def share(self) -> AsyncIterator[None]:
        """Borrow the lock while a run holds it; else take it for this call."""
        if not self._held:
            async with self.own():
                yield
            return
        self._borrowers += 1
        try:
            yield
        finally:
            self._borrowers -= 1
            self._returned.notify()
