"""A broadcast "something changed" signal for tasks of one event loop."""

from __future__ import annotations

import anyio


class ChangeSignal:
    """``await wait()`` returns at the next ``notify()``; every waiter wakes, none is missed
    between a ``notify`` and the next ``wait``. The event is made on first use, inside the
    event loop (a trio event cannot be made outside one)."""

    def __init__(self) -> None:
        self._event: anyio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self) -> None:
        if self._event is None:
            self._event = anyio.Event()
        await self._event.wait()
