"""The uvicorn server and HTTP protocol that ``ocean sail``'s servers run (the API's, and
the intake process's, ``ocean_core.intake``)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol


class QuietServer(uvicorn.Server):
    """uvicorn, minus its own signal handling: the process handles its signals itself, so
    that shutdown can stop more than the server, and nothing re-raises a signal afterwards."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _HeadTimedH11(H11Protocol):
    """uvicorn's h11 protocol with a deadline on each request's head: uvicorn times out only
    idle keep-alive connections, so a client that sent its headers slowly, or never, would
    hold a connection forever. The connection is closed when no complete head has arrived
    ``head_timeout`` seconds after it opened (or after the last response)."""

    head_timeout = 30.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_deadline()

    def _arm_head_deadline(self) -> None:
        self.loop.call_later(self.head_timeout, self._head_late, self.cycle)

    def _head_late(self, waited_on: Any) -> None:
        # Another head has come since (a new cycle), or a request is being answered: not late.
        idle = waited_on is None or waited_on.response_complete
        if self.cycle is waited_on and idle and not self.transport.is_closing():
            self.transport.close()


def timed_h11(seconds: float) -> type[H11Protocol]:
    """The protocol with a head deadline of ``seconds`` (``api.read_timeout``)."""
    return type("HeadTimedH11", (_HeadTimedH11,), {"head_timeout": seconds})
