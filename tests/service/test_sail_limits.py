"""``ocean sail`` as a real process: a second shutdown signal exits at once, even while a
fetcher blocks the drain; a 150 MiB upload without a token does not grow the server's memory;
a request head that never completes does not hold a connection.

Before the fixes: the second SIGTERM only told uvicorn to stop, and the process kept waiting
for the blocked run; the unauthenticated upload was read whole (67 MB to 528 MB of RSS) before
its 401; uvicorn waited for an incomplete head forever."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import anyio
import pytest

from ocean_core.catalog import SQLiteCatalog
from tests.service.process import SailProcess, log_message
from tests.service.stubborn import HOLDING, STUBBORN
from tests.service.support import write_config

Start = Callable[..., SailProcess]
MIB = 1024 * 1024


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in bytes (Linux)."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) * 1024
    return found


def _runs(db: Path) -> list[tuple[str, str]]:
    async def read() -> list[tuple[str, str]]:
        catalog = SQLiteCatalog(db)
        try:
            return [(r.id, r.status.value) for r in await catalog.runs("s")]
        finally:
            await catalog.close()

    return anyio.run(read)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_second_signal_exits_at_once_while_a_fetcher_blocks_the_drain(
    tmp_path: Path, sail: Start, sig: signal.Signals
) -> None:
    config = write_config(tmp_path, {"id": "s", "type": STUBBORN})
    process = sail(config)
    holding = process.wait_for(log_message(HOLDING))
    run_id = holding["run_id"]
    process.send(sig)
    process.wait_for(log_message(f"{sig.name}: shutting down"))
    process.send(sig)
    try:
        code = process.wait_exit(timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a second {sig.name} did not end ocean sail:\n{process.tail()}")
    lines = process.drain()
    assert code == 128 + sig.value, process.tail()
    assert any(f"{sig.name} again: exiting now" in line.get("raw", "") for line in lines)
    assert _runs(tmp_path / "catalog.db") == [(run_id, "running")]  # as after a crash

    again = sail(write_config(tmp_path, {"id": "s", "type": STUBBORN,
                                         "resync_on_start": False}))
    history = again.client.get("/api/integrations/s/resyncs").json()["items"]
    assert [(r["id"], r["status"]) for r in history] == [(run_id, "interrupted")]


def _recv_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_an_anonymous_150_mib_upload_leaves_the_memory_as_it_was(
    tmp_path: Path, sail: Start
) -> None:
    process = sail(write_config(tmp_path, {"id": "demo", "type": "fake"}))
    assert process.client.get("/health").status_code == 200
    before = _status(process.proc.pid)
    size = 150 * MIB
    with socket.create_connection(("127.0.0.1", process.port), timeout=10) as sock:
        sock.sendall(b"PATCH /api/integrations/demo HTTP/1.1\r\nHost: ocean\r\n"
                     b"Content-Type: application/json\r\n"
                     + f"Content-Length: {size}\r\n\r\n".encode())
        head = _recv_head(sock)  # answered before any of the body is sent
        sent = 0
        chunk = b"x" * MIB
        try:
            while sent < size:
                sock.sendall(chunk)
                sent += len(chunk)
        except OSError:  # the server closed the connection: it does not read the body
            pass
    after = _status(process.proc.pid)
    assert head.startswith(b"HTTP/1.1 401 "), head
    assert b"connection: close" in head.lower()
    grown = after["VmHWM"] - before["VmRSS"]
    print(f"RSS before {before['VmRSS'] / MIB:.1f} MiB, peak after {after['VmHWM'] / MIB:.1f}"
          f" MiB, {sent / MIB:.0f} MiB sent before the server closed")
    assert grown < 16 * MIB, (before, after)
    assert process.client.get("/health").status_code == 200


def test_a_request_head_that_never_completes_is_closed(tmp_path: Path, sail: Start) -> None:
    config = write_config(tmp_path, {"id": "demo", "type": "fake",
                                     "config": {"kinds": {"service": 2}, "latency": 60}},
                          api={"token": "test-token", "read_timeout": 1})
    process = sail(config)
    blocked = process.wait_for(log_message("resync started"))["run_id"]
    with socket.create_connection(("127.0.0.1", process.port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: ocean\r\n")  # and never the rest
        started = time.monotonic()
        closed = sock.recv(100)
    assert closed == b"" and time.monotonic() - started < 9
    # A request being answered is not cut by the deadline: a long poll outlasts it.
    started = time.monotonic()
    polled = process.client.get(f"/api/integrations/demo/resyncs/{blocked}",
                                params={"wait": 2})
    assert polled.status_code == 200 and polled.json()["status"] == "running"
    assert time.monotonic() - started >= 2
