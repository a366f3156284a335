"""A source with cursors (rule 9) that each test controls: items carry ``updated``; the
fetcher honours ``since`` as a real API's filter would (``updated >= since``), reports the
tombstones since then as ``Deleted``, and records the ``since`` of every fetch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import anyio

from ocean_core import Deleted, Entity, Integration, KindSpec, kind
from ocean_core._cursor_values import parse_timestamp
from ocean_core.integration import Batch
from tests.service.support import GatedConfig, hold_first_run
from tests.support import Boom


class Desk(Integration):
    """Kinds and items set by the test. ``cursor`` per kind (default ``.updated``),
    ``plain`` kinds have none; ``ordered`` kinds yield in cursor order; ``strict`` kinds are
    held to the empty-kind guard.

    ``fail[kind] = n`` raises before batch ``n``; ``hold[kind] = n`` waits before batch ``n``
    (once) on ``release`` after setting ``held``. ``gone[kind]`` are tombstones: raw items
    yielded as ``Deleted`` when their ``updated`` is at or after ``since``.
    """

    type = "desk"

    def __init__(
        self, data: dict[str, list[dict[str, Any]]], *, batch_size: int = 2,
        plain: set[str] | None = None, ordered: set[str] | None = None,
        lag: dict[str, Any] | None = None, cursor: dict[str, str] | None = None,
        strict: set[str] | None = None,
    ) -> None:
        super().__init__()
        self.data = data
        self.batch_size = batch_size
        self.plain = plain or set()
        self.ordered = ordered or set()
        self.lag = lag or {}
        self.cursor = cursor or {}
        self.strict = strict or set()
        """Kinds the empty-kind guard applies to (the others may be empty)."""
        self.gone: dict[str, list[dict[str, Any]]] = {k: [] for k in data}
        self.fail: dict[str, int] = {}
        self.hold: dict[str, int] = {}
        self.held = anyio.Event()
        self.release = anyio.Event()
        self.sinces: dict[str, list[Any]] = {k: [] for k in data}
        self.on_batch: Callable[[str, int], Any] | None = None

    def kinds(self) -> list[KindSpec]:
        return [
            KindSpec(k, k, k not in self.strict) if k in self.plain else KindSpec(
                k, k, k not in self.strict, ("since",), cursor=self.cursor.get(k, ".updated"),
                lag=self.lag.get(k), ordered=k in self.ordered)
            for k in self.data
        ]

    def fetcher(self, kind_name: str) -> Callable[..., AsyncIterator[Batch]]:
        return lambda since=None: self._fetch(kind_name, since)

    async def _fetch(self, kind: str, since: Any) -> AsyncIterator[Batch]:
        self.sinces[kind].append(since)
        found = [dict(i) for i in self.data[kind] if since is None or _at_or_after(i, since)]
        if kind in self.ordered:
            found.sort(key=lambda item: item["updated"])
        for number, start in enumerate(range(0, len(found), self.batch_size)):
            if self.fail.get(kind) == number:
                raise Boom(f"injected failure in {kind} at batch {number}")
            if self.hold.get(kind) == number:
                del self.hold[kind]
                self.held.set()
                await self.release.wait()
            if self.on_batch is not None:
                await self.on_batch(kind, number)
            yield found[start : start + self.batch_size]
        gone = [dict(i) for i in self.gone[kind] if since is None or _at_or_after(i, since)]
        if gone:
            yield Deleted(gone)


def _at_or_after(item: dict[str, Any], since: Any) -> bool:
    value = item.get("updated")
    if value is None:
        return True
    if isinstance(since, datetime):  # a timestamp cursor: the fetcher gets an aware datetime
        return parse_timestamp(value) >= since
    return bool(value >= since)


def item(ident: str, updated: Any, name: str | None = None, value: int = 0) -> dict[str, Any]:
    return {"id": ident, "name": name or ident, "value": value, "updated": updated}


class GatedDesk(Integration):
    """``tests.service.support.Gated`` with a cursor: its kind ``ticket`` runs in incremental
    runs too, from ``since``. Configured as ``type: tests.incremental.support:GatedDesk``."""

    type = "gated-desk"
    config_model = GatedConfig

    @kind("ticket", cursor=".properties.n")
    async def tickets(self, since: Any) -> AsyncIterator[Batch]:
        config: GatedConfig = self.config  # type: ignore[assignment]
        start = 0 if since is None else int(since)
        entities = [
            Entity(identifier=f"{config.prefix}-{n}", blueprint="ticket", properties={"n": n})
            for n in range(start, config.items)
        ]
        half = len(entities) // 2
        yield entities[:half]
        await hold_first_run(config.gate)
        yield entities[half:]


def gated_desk(integration_id: str, **config: Any) -> dict[str, Any]:
    return {"id": integration_id, "type": "tests.incremental.support:GatedDesk",
            "config": config}
