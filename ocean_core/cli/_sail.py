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
from ocean_core.service import OceanService

GRACE_SECONDS = 3
"""How long open HTTP requests may take to finish once a shutdown signal came."""


class _Server(uvicorn.Server):
    """uvicorn, minus its own signal handling: ``sail`` handles the signals, so that shutdown
    can stop the resyncs as well as the server, and nothing re-raises a signal afterwards."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def sail(config: LoadedConfig, host: str | None, port: int | None) -> None:
    """Start every integration, serve the API; on the first SIGTERM or SIGINT stop serving,
    abort the runs in flight (recorded ``aborted``, nothing deleted) and return. A second
    signal stops at once, without waiting for open requests."""
    api = config.settings.api
    async with OceanService(config) as service:
        app = create_app(config, service=service)
        server = _Server(uvicorn.Config(
            app, host=host or api.host, port=api.port if port is None else port,
            # The service is run here, around the server: the app has no lifespan of its own.
            log_config=None, timeout_graceful_shutdown=GRACE_SECONDS, lifespan="off",
        ))
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_watch_signals, server)
            await server.serve()
            tasks.cancel_scope.cancel()
    logger.info("stopped")


async def _watch_signals(server: uvicorn.Server) -> None:
    with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        async for received in signals:
            if server.should_exit:
                logger.warning("{} again: stopping now", signal.Signals(received).name)
                server.force_exit = True
            else:
                logger.info("{}: shutting down", signal.Signals(received).name)
                server.should_exit = True
