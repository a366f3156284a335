"""``Intake``: ``ocean sail``'s side of its intake process (``webhooks.port``).

Sail binds the port itself (a port that is taken fails the start, as the API's does), starts
``python -m ocean_core.intake`` with the listening socket and one end of a socket pair, and
answers what it forwards (``serve_intake``). The listening socket stays open in sail: when
the intake process dies it is started again on the same socket, after a delay that doubles
while it keeps dying (1 s to 30 s), and connections that came meanwhile wait in its backlog.
When sail dies, the intake process finds its socket pair closed and stops.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import anyio
from anyio.abc import Process, SocketStream
from loguru import logger

from ocean_core.intake._bridge import serve_intake
from ocean_core.intake._child import GRACE_SECONDS
from ocean_core.service import OceanService

FIRST_DELAY = 1.0
MAX_DELAY = 30.0
STEADY_SECONDS = 60.0
"""An intake process that ran this long before it died is started again after FIRST_DELAY."""


@dataclass(frozen=True)
class IntakeOptions:
    """What the intake process is started with."""

    host: str
    port: int
    max_body_bytes: int
    read_timeout: float
    log_json: bool = False
    log_level: str = "INFO"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``OSError`` when it cannot be had)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=2048)


class Intake:
    """Runs the intake process while ``run`` runs, answering it with ``service``.

        intake = Intake(service, options)        # binds the port: OSError if it is taken
        tasks.start_soon(intake.run)
        ...
        await intake.stop()
    """

    def __init__(self, service: OceanService, options: IntakeOptions) -> None:
        self.options = options
        self._service = service
        self._listener = bind(options.host, options.port)
        self._stopping = False
        self._process: Process | None = None
        self.started = 0
        """How many intake processes were started (restarts included)."""

    @property
    def port(self) -> int:
        """The port listened on (the one the OS chose, for port 0)."""
        port: int = self._listener.getsockname()[1]
        return port

    async def run(self) -> None:
        """Start the intake process, and again each time it dies, until ``stop``."""
        delay = FIRST_DELAY
        logger.info("webhooks: serving the webhook route on {}:{} (intake process)",
                    self.options.host, self.port)
        try:
            while not self._stopping:
                began = time.monotonic()
                code = await self._run_once()
                if self._stopping:
                    break
                if time.monotonic() - began >= STEADY_SECONDS:
                    delay = FIRST_DELAY
                logger.error("webhooks: the intake process exited with code {}; starting it"
                             " again in {:g}s", code, delay)
                await anyio.sleep(delay)
                delay = min(MAX_DELAY, delay * 2)
        finally:
            self._listener.close()

    async def _run_once(self) -> int | None:
        ours, theirs = socket.socketpair()
        try:
            self._process = await anyio.open_process(
                self._command(theirs.fileno()), stdin=subprocess.DEVNULL, stdout=None,
                stderr=None, pass_fds=(self._listener.fileno(), theirs.fileno()))
        finally:
            theirs.close()
        self.started += 1
        stream = await SocketStream.from_socket(ours)
        try:
            async with stream:
                await serve_intake(stream, self._service)
        finally:
            with anyio.CancelScope(shield=True):
                code = await self._process.wait()
        return code

    def _command(self, pair_fd: int) -> list[str]:
        options = self.options
        command = [sys.executable, "-m", "ocean_core.intake",
                   "--listen-fd", str(self._listener.fileno()), "--sail-fd", str(pair_fd),
                   "--max-body-bytes", str(options.max_body_bytes),
                   "--read-timeout", str(options.read_timeout),
                   "--log-level", options.log_level]
        return [*command, "--log-json"] if options.log_json else command

    async def stop(self) -> None:
        """Stop the intake process: its open requests get ``GRACE_SECONDS``, then it is
        killed."""
        self._stopping = True
        process = self._process
        if process is None or process.returncode is not None:
            return
        process.terminate()
        with anyio.move_on_after(GRACE_SECONDS + 2, shield=True) as waited:
            await process.wait()
        if waited.cancelled_caught:
            process.kill()
