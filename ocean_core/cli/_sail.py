"""``ocean sail``: the service and its HTTP API in one process, until SIGTERM or SIGINT."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import uvicorn
from loguru import logger

from ocean_core.api import create_app
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


async def sail(config: LoadedConfig, host: str | None, port: int | None) -> None:
    """Start every integration and serve the API until the first SIGTERM or SIGINT.

    Then, in this order: the server stops accepting connections; the runs in flight are
    aborted (recorded ``aborted``, nothing deleted), which also answers the clients waiting on
    them; open requests get ``GRACE_SECONDS`` to finish. A second signal stops the server at
    once.
    """
    try:
        await _sail(config, host, port)
    except BaseExceptionGroup as group:  # one error (a runner lock taken, say): raise it bare
        error: BaseException = group
        while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
            error = error.exceptions[0]
        raise error from None
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
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for received in signals:
            name = signal.Signals(received).name
            if stop.is_set():
                logger.warning("{} again: stopping now", name)
                server.force_exit = True
            else:
                logger.info("{}: shutting down", name)
                stop.set()
