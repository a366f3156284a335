"""The intake process's own side: serve the webhook route on the socket ``ocean sail`` bound,
forward each request over the socket pair, stop when sail closes it or sends SIGTERM.

SIGINT is ignored: a terminal's Ctrl-C reaches the whole process group, and it is sail's to
handle (it stops this process in its own order).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
from collections.abc import Sequence

import anyio
import uvicorn
from anyio.abc import SocketStream
from loguru import logger

from ocean_core.api._server import QuietServer, timed_h11
from ocean_core.intake._front import IntakeApp, Sail
from ocean_core.logs import configure_logging

GRACE_SECONDS = 3
"""How long open requests may take to finish once the process is told to stop."""


class _IntakeServer(QuietServer):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            logger.info("webhooks: intake process {} ready", os.getpid())


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ocean_core.intake")
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--sail-fd", type=int, required=True)
    parser.add_argument("--max-body-bytes", type=int, required=True)
    parser.add_argument("--read-timeout", type=float, required=True)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--log-json", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = _arguments(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    configure_logging(json=arguments.log_json, level=arguments.log_level)
    anyio.run(_serve, arguments)


async def _serve(arguments: argparse.Namespace) -> None:
    listener = socket.socket(fileno=arguments.listen_fd)
    sail = Sail(await SocketStream.from_socket(socket.socket(fileno=arguments.sail_fd)))
    app = IntakeApp(sail, max_body_bytes=arguments.max_body_bytes,
                    read_timeout=arguments.read_timeout)
    server = _IntakeServer(uvicorn.Config(
        app, log_config=None, lifespan="off", timeout_graceful_shutdown=GRACE_SECONDS,
        http=timed_h11(arguments.read_timeout),
    ))

    async def stop_on_term() -> None:
        with anyio.open_signal_receiver(signal.SIGTERM) as signals:
            async for _ in signals:
                server.should_exit = True

    async def stop_when_sail_leaves() -> None:
        await sail.gone.wait()
        server.should_exit = True

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(sail.run)
        tasks.start_soon(stop_on_term)
        tasks.start_soon(stop_when_sail_leaves)
        await server.serve(sockets=[listener])
        tasks.cancel_scope.cancel()
