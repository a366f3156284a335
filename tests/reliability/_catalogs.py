"""Catalog wrappers for the service's reliability tests: one whose writes can be made to fail
(a read-only file, a full disk), and one that holds the first write of a state key until the
test lets it go on."""

from __future__ import annotations

from typing import Any

import anyio

from ocean_core.catalog import Catalog
from ocean_core.errors import CatalogError

WRITES = frozenset({
    "advance_generation", "write_page", "delete_stale", "save_run", "interrupt_running",
    "set_state", "publish_trigger", "create_knowledge_base", "delete_knowledge_base", "attach",
    "detach", "put_event", "put_events", "settle_event", "prune_inbox", "apply_live",
    "apply_live_events",
})
"""The catalog methods that write."""


class Unwritable:
    """Delegates to ``inner``; while ``refusing`` holds an error, every write raises it."""

    def __init__(self, inner: Catalog) -> None:
        self.inner = inner
        self.refusing: CatalogError | None = None

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if name not in WRITES:
            return found

        async def write(*args: Any, **kwargs: Any) -> Any:
            if self.refusing is not None:
                raise self.refusing
            return await found(*args, **kwargs)

        return write


class HeldState:
    """Delegates to ``inner``; the first ``set_state`` of ``key`` tells ``storing`` and waits
    for ``go_on`` (and for every other task to block) before it writes."""

    def __init__(self, inner: Catalog, key: str) -> None:
        self.inner, self.key = inner, key
        self.storing = anyio.Event()
        self.go_on = anyio.Event()
        self._held = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def set_state(self, integration_id: str, key: str, value: Any) -> None:
        if key == self.key and not self._held:
            self._held = True
            self.storing.set()
            await self.go_on.wait()
            await anyio.wait_all_tasks_blocked()  # whatever else could run has run
        await self.inner.set_state(integration_id, key, value)

