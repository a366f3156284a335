"""``ocean sail`` as a real subprocess on 127.0.0.1, for end-to-end tests.

    with sail_process(config) as sail:
        sail.wait_for(log_message("resync started", integration_id="demo"))
        sail.client.post("/api/integrations/demo/resync")

The process logs JSON (``--log-json``); a background thread reads its stderr, one parsed
line at a time, so a test waits for a specific line (a predicate on the parsed object) instead
of sleeping. Leaving the context kills the process if it still runs, so a failing test leaves
nothing behind.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.cli._helpers import clean_env, ocean_script
from tests.service.support import TOKEN

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The repository's root: on the child's PYTHONPATH, so ``tests.service.support`` imports."""

Line = dict[str, Any]
Predicate = Callable[[Line], bool]


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def child_env(**more: str) -> dict[str, str]:
    """The test's environment without ``OCEAN_`` overrides, the repo root on PYTHONPATH."""
    env = clean_env()
    paths = [str(REPO_ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update(more)
    return env


_CONTEXT = ("integration_id", "run_id", "generation", "kind")


def message(line: Line) -> str:
    return str(line.get("message", ""))


def extra(line: Line) -> dict[str, Any]:
    """The context fields of a line (top-level fields of the flat JSON schema)."""
    return {key: line[key] for key in _CONTEXT if key in line}


def log_message(text: str, **fields: Any) -> Predicate:
    """A line whose message starts with ``text`` and whose context has ``fields``."""

    def matches(line: Line) -> bool:
        found = extra(line)
        return message(line).startswith(text) and all(
            found.get(key) == value for key, value in fields.items()
        )

    return matches


class SailProcess:
    """A running ``ocean sail`` and a client of its API (authenticated with ``token``)."""

    def __init__(self, proc: subprocess.Popen[str], port: int, token: str) -> None:
        self.proc = proc
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=70.0
        )
        self.lines: list[Line] = []
        """Every stderr line read so far, in order (a line that is not JSON: ``{"raw": ...}``)."""
        self._queue: queue.Queue[Line | None] = queue.Queue()
        self._eof = False
        self._reader = threading.Thread(target=self._read, name=f"sail-{port}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            try:
                line = json.loads(raw)
            except ValueError:
                line = {"raw": raw.rstrip("\n")}
            self._queue.put(line if isinstance(line, dict) else {"raw": raw.rstrip("\n")})
        self._queue.put(None)

    def _take(self, timeout: float) -> bool:
        """Move one line from the reader into ``lines``; False at end of stream."""
        if self._eof:
            return False
        line = self._queue.get(timeout=timeout)
        if line is None:
            self._eof = True
            return False
        self.lines.append(line)
        return True

    def wait_for(self, predicate: Predicate, timeout: float = 10.0) -> Line:
        """The first line (already read or still to come) that matches; fails on timeout or
        when the process ends without writing one."""
        deadline = time.monotonic() + timeout
        checked = 0
        while True:
            for line in self.lines[checked:]:
                if predicate(line):
                    return line
            checked = len(self.lines)
            left = deadline - time.monotonic()
            try:
                if left <= 0 or not self._take(left):
                    raise AssertionError(f"no matching log line; stderr:\n{self.tail()}")
            except queue.Empty:
                raise AssertionError(
                    f"no matching log line within {timeout}s; stderr:\n{self.tail()}"
                ) from None

    def drain(self, timeout: float = 10.0) -> list[Line]:
        """Read stderr to its end (the process must be ending) and return every line."""
        deadline = time.monotonic() + timeout
        while self._take(max(deadline - time.monotonic(), 0.001)):
            pass
        return self.lines

    def tail(self, count: int = 40) -> str:
        texts = (str(line.get("text") or line.get("raw", "")).rstrip("\n")
                 for line in self.lines[-count:])
        return "\n".join(texts)

    def send(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float) -> int:
        """The exit code; ``subprocess.TimeoutExpired`` if it takes longer."""
        return self.proc.wait(timeout=timeout)

    def ended(self, handle: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
        """Follow a run handle (and whatever superseded it) to its end with the long poll."""
        integration_id, run_id = handle["integration_id"], handle["run_id"]
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"run {run_id} did not end within {timeout}s"
            response = self.client.get(
                f"/api/integrations/{integration_id}/resyncs/{run_id}",
                params={"wait": min(left, 30.0)},
            )
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            if body["status"] == "superseded":
                run_id = body["superseded_by"]
            elif body["status"] not in ("pending", "running"):
                return body

    def close(self) -> None:
        """Kill the process if it still runs; close the client and the pipe."""
        self.client.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


def start_sail(
    config: Path, *args: str, cwd: Path | None = None, token: str = TOKEN,
    env: dict[str, str] | None = None, ready_timeout: float = 20.0,
) -> SailProcess:
    """Start ``ocean sail --config CONFIG --log-json`` on a free port of 127.0.0.1 and wait for
    uvicorn's "running on" line. The caller must ``close()`` it (or use ``sail_process``)."""
    port = free_port()
    command = [
        str(ocean_script()), "sail", "--config", str(config), "--host", "127.0.0.1",
        "--port", str(port), "--log-json", *args,
    ]
    proc = subprocess.Popen(
        command, cwd=cwd or config.parent, env=env or child_env(), text=True,
        encoding="utf-8", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    sail = SailProcess(proc, port, token)
    try:
        sail.wait_for(
            log_message(f"Uvicorn running on http://127.0.0.1:{port}"), timeout=ready_timeout
        )
    except BaseException:
        sail.close()
        raise
    return sail


@contextmanager
def sail_process(config: Path, *args: str, **kwargs: Any) -> Iterator[SailProcess]:
    sail = start_sail(config, *args, **kwargs)
    try:
        yield sail
    finally:
        sail.close()
