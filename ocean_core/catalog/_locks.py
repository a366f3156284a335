"""Runner locks: one runner per integration, and a dead runner's lock frees itself.

A file lock (``flock``) is released by the kernel when its process dies, so the next runner
knows at once that a run left ``running`` belonged to a dead process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import anyio
from filelock import FileLock, Timeout

from ocean_core.catalog._types import CatalogCapabilities
from ocean_core.errors import LockNotHeldError, RunnerLockedError


class RunnerLocks(Protocol):
    def hold(self, integration_id: str) -> AbstractAsyncContextManager[None]:
        """Hold the integration's lock for the ``async with``; ``RunnerLockedError`` if taken."""

    def holds(self, integration_id: str) -> bool:
        """Whether this object holds the integration's lock now."""


class LocalRunnerLocks:
    """Locks for a catalog that lives in this process only (``:memory:``)."""

    def __init__(self) -> None:
        self._held: set[str] = set()

    def holds(self, integration_id: str) -> bool:
        return integration_id in self._held

    @asynccontextmanager
    async def hold(self, integration_id: str) -> AsyncIterator[None]:
        if integration_id in self._held:
            raise RunnerLockedError(integration_id, "in this process")
        self._held.add(integration_id)
        try:
            yield
        finally:
            self._held.discard(integration_id)


class FileRunnerLocks:
    """One lock file per integration in ``<database>-locks/`` beside the database file.

    The path is resolved first (symlinks, ``..``, the working directory), so every name of one
    file leads to one lock folder: a runner reaching the database through a symlink cannot run
    beside the runner that uses its real name."""

    def __init__(self, database: Path) -> None:
        database = database.resolve()
        self.folder = database.with_name(database.name + "-locks")
        self._held: set[str] = set()

    def holds(self, integration_id: str) -> bool:
        return integration_id in self._held

    def path(self, integration_id: str) -> Path:
        return self.folder / f"{quote(integration_id, safe='')}.lock"

    @asynccontextmanager
    async def hold(self, integration_id: str) -> AsyncIterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(self.path(integration_id), timeout=0)
        try:
            await anyio.to_thread.run_sync(lock.acquire)
        except Timeout as exc:
            raise RunnerLockedError(integration_id, f"lock file {lock.lock_file}") from exc
        self._held.add(integration_id)
        try:
            yield
        finally:
            self._held.discard(integration_id)
            lock.release()


class OneProcessRunners:
    """The runner coordination of a catalog that one process uses: its runner locks cannot be
    lost while held, and there is no runner in another process to tell of a trigger."""

    capabilities = CatalogCapabilities(shared=False, overlapped_writes=False)
    _locks: RunnerLocks

    @asynccontextmanager
    async def runner_lock(self, integration_id: str) -> AsyncIterator[None]:
        async with self._locks.hold(integration_id):
            yield

    def _require_lock(self, integration_id: str) -> None:
        """Refuse a page write or delete step that no runner of this catalog makes."""
        if not self._locks.holds(integration_id):
            raise LockNotHeldError(integration_id)

    async def still_holds(self, integration_id: str) -> bool:
        return self._locks.holds(integration_id)

    async def publish_trigger(self, notice: dict[str, Any]) -> None:
        return None

    async def listen_triggers(self, on_notice: Callable[[dict[str, Any]], None]) -> None:
        await anyio.sleep_forever()
