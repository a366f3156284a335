"""A small pool of jq worker processes (``_worker``), each killed and replaced when an item's
evaluation exceeds the time limit, when the caller is cancelled (a trigger's abort, a shutdown)
or when the process exits.

One call maps one page, so the cost of crossing the process boundary is paid per page, not per
item. The pool keeps up to ``size`` idle workers (38 MiB each: one per integration mapping
with jq at the same time; beyond that, a worker is started per page); a call takes one or
starts one (a fresh interpreter, about 0.3 s: nothing of the parent's event loop or threads is
copied). Workers are
started from the calling thread, the event loop's: Linux ties a worker's life to the thread
that started it (``_worker._die_with_parent``), and the event loop's thread lives as long as
the process.

    answers = await jq_pool().map_page(resource, [orjson.dumps(item)], item_seconds=30.0)
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import anyio

from ocean_core.mapping._compile import CompiledResource
from ocean_core.mapping._worker import Answer, Progress

_POLL = 0.05
"""Seconds between two looks at a busy worker's progress (the time limit's resolution)."""


@dataclass(frozen=True)
class TimedOut:
    """The page's evaluation exceeded the limit; its worker was killed and replaced."""

    seconds: float


@dataclass(frozen=True)
class WorkerDied:
    """The worker ended without answering (killed from outside, out of memory, or by
    ``JqPool.close`` during the call)."""

    exitcode: int | None


PageAnswer = list[Answer] | TimedOut | WorkerDied


class _Worker:
    """One worker process: ``python -m ocean_core.mapping._worker`` with two pipes and the
    progress counter. A plain subprocess, not ``multiprocessing``: its spawn would import the
    parent's main script again in the worker (running whatever a script without a
    ``__main__`` guard does at import)."""

    def __init__(self) -> None:
        from_parent, to_child = os.pipe()  # (read end, write end)
        from_child, to_parent = os.pipe()
        # The counter's file is unlinked at once: only the two processes see it.
        with tempfile.TemporaryFile() as counter:
            counter.write(bytes(8))
            counter.flush()
            inherited = (from_parent, to_parent, counter.fileno())
            try:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "ocean_core.mapping._worker",
                     *map(str, inherited), str(os.getpid())],
                    pass_fds=inherited, stdin=subprocess.DEVNULL, env=_worker_env())
                self.progress = Progress(counter.fileno())
            finally:
                os.close(from_parent)
                os.close(to_parent)
        self.requests = Connection(to_child, readable=False)
        self.answers = Connection(from_child, writable=False)
        self._killed = threading.Event()

    def call(self, request: Any, timeout: float) -> PageAnswer:
        """Send one page and wait for its answer (in a worker thread: this blocks)."""
        try:
            self.progress.value = 0  # the clock starts with the first item, once the
            self.requests.send(request)  # worker has started and compiled the resource
            seen, since = 0, time.monotonic()
            while not self.answers.poll(_POLL):
                if self._killed.is_set():
                    return WorkerDied(None)
                if self.progress.value != seen:
                    seen, since = self.progress.value, time.monotonic()
                elif seen and time.monotonic() - since > timeout:
                    self.kill()
                    return TimedOut(timeout)
            answer: list[Answer] = self.answers.recv()
            return answer
        except (EOFError, OSError):
            return WorkerDied(self._reap())
        finally:
            if self._killed.is_set():  # reap it, and let go of its pipes
                self.close()

    def _reap(self) -> int | None:
        try:
            return self.proc.wait(1)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        self._killed.set()
        with contextlib.suppress(ProcessLookupError):  # it ended already
            self.proc.kill()

    def close(self) -> None:
        self._reap()
        self.requests.close()
        self.answers.close()

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return not self._killed.is_set() and self.proc.poll() is None


def _worker_env() -> dict[str, str]:
    """The environment, with the folder ocean_core was imported from first on the path."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    return env


class JqPool:
    """Worker processes that map pages with jq; see the module's docstring."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self.started = 0
        """Workers started so far (a replaced worker counts again)."""

    async def map_page(
        self, resource: CompiledResource, items: list[bytes], *, item_seconds: float,
        mode: str = "map",
    ) -> PageAnswer:
        """Map ``items`` (JSON text each) with ``resource`` in a worker (or, with mode
        ``keys``, find their keys); cancelling the call kills the worker at once."""
        assert resource.definition is not None, "a compiled resource keeps its definition"
        key, raw = resource.definition
        worker = self._take()
        answer: PageAnswer | None = None
        try:
            answer = await anyio.to_thread.run_sync(
                worker.call, (key, raw, resource.index, items, mode), item_seconds,
                abandon_on_cancel=True)
            return answer
        finally:
            self._give_back(worker, keep=isinstance(answer, list))

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    self._busy.add(worker)
                    return worker
                worker.kill()
                worker.close()
            self.started += 1
        worker = _Worker()
        with self._lock:
            self._busy.add(worker)
        return worker

    def _give_back(self, worker: _Worker, *, keep: bool) -> None:
        with self._lock:
            self._busy.discard(worker)
            if keep and worker.alive and len(self._idle) < self.size:
                self._idle.append(worker)
                return
        worker.kill()
        if keep:  # no thread waits on it: reap it here
            worker.close()

    def busy(self) -> list[int]:
        """The process ids of the workers given a page now (started or not)."""
        with self._lock:
            found = list(self._busy)
        return [w.pid for w in found if w.alive]

    def evaluating(self) -> list[int]:
        """The process ids of the busy workers that have begun an item of their page."""
        with self._lock:
            found = list(self._busy)
        return [w.pid for w in found if w.alive and w.progress.value > 0]

    def workers(self) -> list[int]:
        """The process ids of the pool's live workers, idle or busy."""
        with self._lock:
            found = [*self._idle, *self._busy]
        return [w.pid for w in found if w.alive]

    def close(self) -> None:
        """Kill every worker, busy or idle (a busy call then answers nothing more)."""
        with self._lock:
            idle, self._idle = self._idle, []
            busy = list(self._busy)
        for worker in busy:  # the thread that waits on it reaps it
            worker.kill()
        for worker in idle:
            worker.kill()
            worker.close()


_pool: JqPool | None = None


def jq_pool() -> JqPool:
    """The process's pool, started on first use; killed at exit (``close_jq_pool``)."""
    global _pool
    if _pool is None:
        _pool = JqPool()
        atexit.register(close_jq_pool)
    return _pool


def close_jq_pool() -> None:
    """Kill the process's jq workers (at shutdown; a later call starts new ones)."""
    global _pool
    if _pool is not None:
        _pool.close()
        _pool = None
