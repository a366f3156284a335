"""``Ocean.handle_webhooks``: stored events handled several at a time, on every catalog; their
changes and their ``handled`` records are one step of the catalog, in order, and the batch
stops before the first event whose handler fails (or returns junk)."""

from __future__ import annotations

import pytest

from ocean_core import Ocean, WebhookRequest
from ocean_core.catalog import Catalog
from ocean_core.errors import WebhookResultError
from tests.live._source import IID, LiveSource, mapping

pytestmark = pytest.mark.anyio


async def stored(catalog: Catalog, name: str, body: bytes) -> tuple[int, WebhookRequest]:
    event_id = await catalog.put_event(IID, name, headers=[], query=[], body=body)
    return event_id, WebhookRequest.of(name, body)


async def test_a_batch_applies_in_order_and_records_each_event_handled(catalog: Catalog) -> None:
    events = [
        await stored(catalog, "svc", b'{"upserted": [{"id": "a", "name": "A", "value": 1}]}'),
        await stored(catalog, "svc", b'{"upserted": [{"id": "a", "name": "A", "value": 2}],'
                                     b' "deleted": [{"id": "b"}]}'),
        await stored(catalog, "svc", b'{"upserted": [{"id": "c", "name": "C", "value": 3}]}'),
        await stored(catalog, "junk", b"{}"),
        await stored(catalog, "svc", b'{"upserted": [{"id": "d", "name": "D", "value": 4}]}'),
    ]
    async with Ocean(LiveSource(), catalog=catalog, mapping=mapping(),
                     integration_id=IID) as ocean:
        done = await ocean.handle_webhooks(events)
        assert done.applied == 3 and isinstance(done.error, WebhookResultError)
        rest = await ocean.handle_webhooks(events[4:])
    assert (rest.applied, rest.error) == (1, None)
    found = {e.identifier: e.properties["value"]
             for e in await catalog.list_entities(integration_id=IID)}
    assert found == {"a": 2, "c": 3, "d": 4}
    stats = await catalog.inbox_stats(IID)
    assert (stats.handled, stats.pending) == (4, 1)
    assert [e.id for e in await catalog.pending_events(IID)] == [events[3][0]]
