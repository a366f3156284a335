"""``GroupCommit``: the webhook requests of one integration that arrive together are stored in
one durable transaction (``catalog.put_events``), not one each.

Each request still gets its answer only once it is stored. The first request that finds no
write in flight writes what is queued; the first one that arrived meanwhile writes the next
batch, and so on: each request waits for at most the batch in flight before its own. One
durable write per batch instead of per request keeps the catalog free for a resync's page
writes while webhooks pour in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import anyio

from ocean_core.catalog import Catalog
from ocean_core.errors import CatalogError

NewEvent = tuple[str, Sequence[tuple[str, str]], Sequence[tuple[str, str]], bytes]
"""name, headers, query, body."""


@dataclass
class _Waiting:
    event: NewEvent
    done: anyio.Event = field(default_factory=anyio.Event)
    event_id: int | None = None
    error: BaseException | None = None
    lead: bool = False
    """Woken to write the next batch (its own request in it)."""


class GroupCommit:
    """Stores one integration's verified requests, those that arrive together in one step.

        commit = GroupCommit(catalog, "demo")
        event_id = await commit.put("events", headers, query, body)   # once it is durable
    """

    def __init__(self, catalog: Catalog, integration_id: str) -> None:
        self._catalog = catalog
        self._integration_id = integration_id
        self._queue: list[_Waiting] = []
        self._writing = False

    async def put(self, name: str, headers: Sequence[tuple[str, str]],
                  query: Sequence[tuple[str, str]], body: bytes) -> int:
        """The stored event's id; ``CatalogError`` if its batch could not be stored."""
        waiting = _Waiting((name, headers, query, body))
        self._queue.append(waiting)
        if not self._writing:
            self._writing = True
            waiting.lead = True
        try:
            while waiting.event_id is None and waiting.error is None:
                if waiting.lead:
                    waiting.lead = False
                    await self._write_next()
                else:
                    await waiting.done.wait()
                    waiting.done = anyio.Event()
        finally:
            if waiting.lead:  # cancelled once chosen: the next request writes instead
                waiting.lead = False
                self._hand_on()
        if waiting.error is not None:
            raise waiting.error
        assert waiting.event_id is not None
        return waiting.event_id

    async def _write_next(self) -> None:
        """Write what is queued (this request's among it), then let the first request that
        arrived meanwhile write the next batch: each request waits for at most one batch
        before its own, never for a stream of them."""
        batch, self._queue = self._queue, []
        try:
            ids = await self._catalog.put_events(self._integration_id,
                                                 [w.event for w in batch])
        except BaseException as exc:  # every request of the batch gets the same outcome
            for waiting in batch:
                waiting.error = exc if isinstance(exc, Exception) else CatalogError(
                    "the request's batch was not written; send it again")
                waiting.done.set()
            raise
        finally:
            self._hand_on()
        for waiting, event_id in zip(batch, ids, strict=True):
            waiting.event_id = event_id
            waiting.done.set()

    def _hand_on(self) -> None:
        if self._queue:
            self._queue[0].lead = True
            self._queue[0].done.set()
        else:
            self._writing = False
