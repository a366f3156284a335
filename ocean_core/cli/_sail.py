"""``ocean sail``: the service and its HTTP API in one process, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import uvicorn
from loguru import logger
from uvicorn.protocols.http.h11_impl import H11Protocol

from ocean_core.api import create_app
from ocean_core.cli._signals import SIGNALS, exit_now, exit_on_the_next, single
from ocean_core.config import LoadedConfig
from ocean_core.errors import OceanError
from ocean_core.service import OceanService

GRACE_SECONDS = 3
"""How long open HTTP requests may take to finish once a shutdown signal came."""


class _Server(uvicorn.Server):
    """uvicorn, minus its own signal handling: ``sail`` handles the signals, so that shutdown
    can stop the resyncs as well as the server, and nothing re-raises a signal afterwards."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class ServerFailed(OceanError):
    """The HTTP server could not start (the port is taken, say)."""


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


def _timed_h11(seconds: float) -> type[H11Protocol]:
    return type("HeadTimedH11", (_HeadTimedH11,), {"head_timeout": seconds})


async def sail(config: LoadedConfig, host: str | None, port: int | None) -> None:
    """Start every integration and serve the API until the first SIGTERM or SIGINT.

    Then, in this order: the server stops accepting connections; the runs in flight are
    aborted (recorded ``aborted``, nothing deleted), which also answers the clients waiting on
    them; open requests get ``GRACE_SECONDS`` to finish. A second signal ends the process at
    once, with exit code 128 + the signal's number, without waiting for any of that.
    """
    try:
        await _sail(config, host, port)
    except BaseExceptionGroup as group:  # one error (a runner lock taken, say): raise it bare
        raise single(group) from None
    logger.info("stopped")


async def _sail(config: LoadedConfig, host: str | None, port: int | None) -> None:
    api = config.settings.api
    stop, served = anyio.Event(), anyio.Event()
    async with anyio.create_task_group() as tasks:
        async with OceanService(config) as service:
            server = _Server(uvicorn.Config(
                create_app(config, service=service),
                host=host or api.host, port=api.port if port is None else port,
                # The service runs here, around the server: the app has no lifespan of its own.
                log_config=None, timeout_graceful_shutdown=GRACE_SECONDS, lifespan="off",
                http=_timed_h11(api.read_timeout),
            ))
            tasks.start_soon(_watch_signals, server, stop)
            tasks.start_soon(_serve, server, stop, served)
            await stop.wait()
            server.should_exit = True
        await served.wait()  # the open requests, answered by a stopped service
        tasks.cancel_scope.cancel()
    if not server.started:
        raise ServerFailed(f"the HTTP server could not listen on {server.config.host}:"
                           f"{server.config.port}")


async def _serve(server: uvicorn.Server, stop: anyio.Event, served: anyio.Event) -> None:
    try:
        await server.serve()
    except SystemExit:  # uvicorn's way out when it cannot bind its port (logged by uvicorn)
        pass
    finally:
        stop.set()
        served.set()


async def _watch_signals(server: uvicorn.Server, stop: anyio.Event) -> None:
    with anyio.open_signal_receiver(*SIGNALS) as signals:
        async for received in signals:
            if stop.is_set():  # came in before the handler below was in place
                exit_now(received, None)
            exit_on_the_next()
            logger.info("{}: shutting down (a second signal exits at once)",
                        signal.Signals(received).name)
            stop.set()
            server.should_exit = True
