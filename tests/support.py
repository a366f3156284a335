"""A source whose data, failures and blocking points each test controls."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import anyio

from ocean_core import Integration, KindSpec
from ocean_core.catalog import MemoryCatalog
from ocean_core.integration import Batch


@asynccontextmanager
async def loop_gaps(every: float = 0.01) -> AsyncIterator[list[float]]:
    """The event loop's turns while the block runs: the seconds each ``sleep(every)`` of a
    ticking task took (long ones: the loop was held)."""
    gaps: list[float] = []

    async def tick() -> None:
        while True:
            start = time.monotonic()
            await anyio.sleep(every)
            gaps.append(time.monotonic() - start)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(tick)
        yield gaps
        tasks.cancel_scope.cancel()


class Boom(RuntimeError):
    """The failure a test injects into a fetcher."""


class Source(Integration):
    """Kinds and items set by the test.

    ``fail[kind] = n`` raises before batch ``n``; ``block[kind] = n`` blocks forever (as a
    fetcher stuck in network I/O would) before batch ``n`` once, after setting ``blocked``.
    """

    type = "source"

    def __init__(
        self, data: dict[str, list[Any]], batch_size: int = 2, may_be_empty: set[str] | None = None
    ) -> None:
        super().__init__()
        self.data = data
        self.batch_size = batch_size
        self.may_be_empty = may_be_empty or set()
        self.fail: dict[str, int] = {}
        self.block: dict[str, int] = {}
        self.blocked = anyio.Event()
        self.unblocked_by_cancel = 0
        self.on_batch: Callable[[str, int], Any] | None = None

    def kinds(self) -> list[KindSpec]:
        return [KindSpec(k, k, k in self.may_be_empty) for k in self.data]

    def fetcher(self, kind_name: str) -> Callable[[], AsyncIterator[Batch]]:
        return lambda: self._fetch(kind_name)

    async def _fetch(self, kind: str) -> AsyncIterator[Batch]:
        items = list(self.data[kind])
        for number, start in enumerate(range(0, len(items), self.batch_size)):
            if self.fail.get(kind) == number:
                raise Boom(f"injected failure in {kind} at batch {number}")
            if self.block.get(kind) == number:
                del self.block[kind]
                await self._block()
            if self.on_batch is not None:
                await self.on_batch(kind, number)
            yield items[start : start + self.batch_size]

    async def _block(self) -> None:
        self.blocked.set()
        try:
            await anyio.sleep_forever()
        finally:
            self.unblocked_by_cancel += 1


def items(prefix: str, n: int, value: int = 0) -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{i}", "name": f"{prefix} {i}", "value": value} for i in range(n)]


def mapping_for(*kinds: str, selector: str = "true") -> dict[str, Any]:
    return {
        "resources": [
            {
                "kind": kind,
                "selector": {"query": selector},
                "port": {
                    "entity": {
                        "mappings": {
                            "identifier": ".id",
                            "title": ".name",
                            "blueprint": f'"{kind}"',
                            "properties": {"value": ".value"},
                            "relations": {},
                        }
                    }
                },
            }
            for kind in kinds
        ]
    }


async def identifiers(catalog: Any, integration_id: str, kind: str | None = None) -> list[str]:
    found = await catalog.list_entities(integration_id, kind=kind)
    return sorted(e.identifier for e in found)


class _CountingDict(dict[Any, Any]):
    def __init__(self) -> None:
        super().__init__()
        self.stores = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        self.stores += 1
        super().__setitem__(key, value)


class WriteCountingMemoryCatalog(MemoryCatalog):
    """A ``MemoryCatalog`` that counts the entity rows it stores, new or replaced (``writes``):
    an unchanged entity is only marked seen in place, so a rewrite shows as a count."""

    def __init__(self) -> None:
        super().__init__()
        self._counting = _CountingDict()
        self._entities = self._counting

    @property
    def writes(self) -> int:
        return self._counting.stores


def process_ended(pid: int) -> bool:
    """Whether process ``pid`` has ended: gone, or a zombie nobody has reaped yet (Linux
    ``/proc``). A process reaped while its ``stat`` file is being read counts as ended."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def processes_end(pids: Iterable[int], bound: float) -> bool:
    """Whether every one of ``pids`` has ended (``process_ended``) within ``bound`` seconds:
    another process's end, which no event tells, polled until the deadline."""
    waiting = set(pids)
    deadline = time.monotonic() + bound
    while True:
        waiting = {pid for pid in waiting if not process_ended(pid)}
        if not waiting:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
