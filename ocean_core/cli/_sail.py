"""``ocean sail``: the service and its HTTP API in one process, until SIGTERM or SIGINT."""

from __future__ import annotations

import signal

import anyio
import uvicorn
from loguru import logger

from ocean_core.api import create_app
from ocean_core.api._server import QuietServer, timed_h11
from ocean_core.cli._signals import SIGNALS, exit_now, exit_on_the_next, single
from ocean_core.config import LoadedConfig
from ocean_core.errors import OceanError
from ocean_core.intake import Intake, IntakeOptions
from ocean_core.service import OceanService

GRACE_SECONDS = 3
"""How long open HTTP requests may take to finish once a shutdown signal came."""


class ServerFailed(OceanError):
    """The HTTP server could not start (the port is taken, say)."""


async def sail(config: LoadedConfig, host: str | None, port: int | None, *,
               log_json: bool = False, log_level: str = "INFO") -> None:
    """Start every integration and serve the API until the first SIGTERM or SIGINT; with
    ``webhooks.port``, the intake process too (``ocean_core.intake``), with these logs.

    Then, in this order: the servers stop accepting connections; the runs in flight are
    aborted (recorded ``aborted``, nothing deleted), which also answers the clients waiting on
    them; open requests get ``GRACE_SECONDS`` to finish. A second signal ends the process at
    once, with exit code 128 + the signal's number, without waiting for any of that.
    """
    try:
        await _sail(config, host, port, log_json=log_json, log_level=log_level)
    except BaseExceptionGroup as group:  # one error (a runner lock taken, say): raise it bare
        raise single(group) from None
    logger.info("stopped")


def _intake(config: LoadedConfig, service: OceanService, host: str, *, log_json: bool,
            log_level: str) -> Intake | None:
    """The intake process of ``webhooks.port`` (bound here), or None without one."""
    hooks, api = config.settings.webhooks, config.settings.api
    if hooks.port is None:
        return None
    options = IntakeOptions(hooks.host or host, hooks.port, api.max_body_bytes,
                            api.read_timeout, log_json=log_json, log_level=log_level)
    try:
        return Intake(service, options)
    except OSError as exc:
        raise ServerFailed(f"webhooks.port: the intake could not listen on {options.host}:"
                           f"{options.port}: {exc.strerror or exc}") from None


async def _sail(config: LoadedConfig, host: str | None, port: int | None, *,
                log_json: bool, log_level: str) -> None:
    api = config.settings.api
    stop, served = anyio.Event(), anyio.Event()
    async with anyio.create_task_group() as tasks:
        async with OceanService(config) as service:
            server = QuietServer(uvicorn.Config(
                create_app(config, service=service),
                host=host or api.host, port=api.port if port is None else port,
                # The service runs here, around the server: the app has no lifespan of its own.
                log_config=None, timeout_graceful_shutdown=GRACE_SECONDS, lifespan="off",
                http=timed_h11(api.read_timeout),
            ))
            intake = _intake(config, service, host or api.host, log_json=log_json,
                             log_level=log_level)
            tasks.start_soon(_watch_signals, server, stop)
            tasks.start_soon(_serve, server, stop, served)
            if intake is not None:
                tasks.start_soon(intake.run)
            await stop.wait()
            server.should_exit = True
            if intake is not None:  # its open requests answered while the service runs
                await intake.stop()
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
