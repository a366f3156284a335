"""SIGTERM and SIGINT for the commands that run resyncs (``ocean resync``, ``ocean sail``):
the first one stops the work gracefully (the runs in flight are recorded ``aborted``), a
second one ends the process at once."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import FrameType

import anyio

SIGNALS = (signal.SIGTERM, signal.SIGINT)


def exit_now(received: int, _: FrameType | None) -> None:
    """The second signal: exit at once with 128 + its number (143 for SIGTERM, 130 for
    SIGINT), as a process killed by it; the runs in flight stay ``running`` and the next start
    records them ``interrupted``, as after any crash (nothing is half-written)."""
    name = signal.Signals(received).name
    # os.write, not the logger or sys.stderr: the handler may interrupt either mid-write.
    os.write(2, f"{name} again: exiting now, without waiting for the runs to stop\n".encode())
    os._exit(128 + received)


def exit_on_the_next() -> None:
    """From now on a signal ends the process in its handler: even if the event loop is held
    (a fetcher that blocks, or ignores its cancellation), it does not wait for the drain."""
    for sig in SIGNALS:
        signal.signal(sig, exit_now)


@dataclass
class Interruption:
    """Which signal stopped the work, if one did."""

    signal: signal.Signals | None = None


@asynccontextmanager
async def stopped_by_signals() -> AsyncIterator[Interruption]:
    """Run the body until it ends, or until SIGTERM or SIGINT cancels it (then ``signal``
    says which, and the exit of the body's cancel scope absorbs the cancellation)."""
    stopped = Interruption()
    with anyio.open_signal_receiver(*SIGNALS) as signals:
        try:
            async with anyio.create_task_group() as tasks:

                async def watch() -> None:
                    async for received in signals:
                        stopped.signal = signal.Signals(received)
                        exit_on_the_next()
                        tasks.cancel_scope.cancel()
                        return

                tasks.start_soon(watch)
                yield stopped
                tasks.cancel_scope.cancel()
        except BaseExceptionGroup as group:  # the body's one error: raise it as itself
            raise single(group) from None


def single(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The one exception inside nested groups of one, or the group itself."""
    error: BaseException = group
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error
