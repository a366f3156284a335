"""The webhook inbox on every catalog: verified requests kept byte for byte, taken in the order
received per integration, each attempt's outcome recorded once, counts that outlive pruning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ocean_core.catalog import Catalog, EventStatus, InboxStats
from ocean_core.errors import LockNotHeldError

pytestmark = pytest.mark.anyio
T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
BODY = b'{"id": 1}\x00\xff\xfe not utf-8'


async def put(catalog: Catalog, integration_id: str = "i", n: int = 0) -> int:
    return await catalog.put_event(
        integration_id, "events", headers=[("x-sig", "sha256=ab\u0000"), ("x-sig", "2")],
        query=[("a", "1"), ("a", "ü")], body=BODY + bytes([n]),
        received_at=T0 + timedelta(seconds=n),
    )


async def test_an_event_is_kept_byte_for_byte_and_pending_in_order(catalog: Catalog) -> None:
    first, other, second = await put(catalog, n=1), await put(catalog, "j", 2), await put(
        catalog, n=3)
    assert first < other < second
    [a, b] = await catalog.pending_events("i")
    assert (a.id, b.id) == (first, second)
    assert a.body == BODY + b"\x01" and b.body == BODY + b"\x03"
    assert a.headers == (("x-sig", "sha256=ab\u0000"), ("x-sig", "2"))
    assert a.query == (("a", "1"), ("a", "ü"))
    assert (a.name, a.integration_id, a.status, a.attempts) == ("events", "i", "pending", 0)
    assert a.received_at == T0 + timedelta(seconds=1) and a.handled_at is None
    assert [e.id for e in await catalog.pending_events("i", limit=1)] == [first]
    assert [e.id for e in await catalog.pending_events("j")] == [other]


async def test_outcomes_are_recorded_once_and_counted(catalog: Catalog) -> None:
    events = [await put(catalog, n=n) for n in range(4)]
    async with catalog.runner_lock("i"), catalog.runner_lock("j"):
        await catalog.settle_event("i", events[0], EventStatus.HANDLED)
        await catalog.settle_event("i", events[0], EventStatus.HANDLED)  # a replay: no change
        await catalog.settle_event("i", events[1], EventStatus.PENDING, error="timeout")
        await catalog.settle_event("i", events[1], EventStatus.HANDLED)
        await catalog.settle_event("i", events[2], EventStatus.PENDING, error="boom 1")
        await catalog.settle_event("i", events[2], EventStatus.FAILED, error="boom 2")
        await catalog.settle_event("i", events[2], EventStatus.HANDLED)  # settled: ignored
        await catalog.settle_event("j", events[3], EventStatus.HANDLED)  # not j's event
    assert [e.id for e in await catalog.pending_events("i")] == [events[3]]
    stats = await catalog.inbox_stats("i")
    assert (stats.received, stats.handled, stats.failed, stats.retried, stats.pending) == (
        4, 2, 1, 2, 1)
    assert stats.last_received_at == T0 + timedelta(seconds=3)
    assert stats.last_handled_at is not None and stats.last_handled_at.tzinfo is UTC
    assert [(f.id, f.attempts, f.error, f.status) for f in stats.failures] == [
        (events[2], 2, "boom 2", EventStatus.FAILED),
        (events[1], 1, "timeout", EventStatus.HANDLED),
    ]
    assert len((await catalog.inbox_stats("i", failures=1)).failures) == 1
    assert await catalog.inbox_stats("nobody") == InboxStats()


async def test_only_the_runner_records_outcomes(catalog: Catalog) -> None:
    event = await put(catalog)  # any process may keep an event
    with pytest.raises(LockNotHeldError):
        await catalog.settle_event("i", event, EventStatus.HANDLED)
    assert [e.id for e in await catalog.pending_events("i")] == [event]


async def test_pruning_keeps_the_newest_settled_events_every_pending_one_and_the_counts(
    catalog: Catalog,
) -> None:
    events = [await put(catalog, n=n) for n in range(7)]
    async with catalog.runner_lock("i"):
        for event in events[:4]:
            await catalog.settle_event("i", event, EventStatus.HANDLED)
        for event in events[4:6]:
            await catalog.settle_event("i", event, EventStatus.FAILED, error="no")
    assert await catalog.prune_inbox("i", keep=1) == 4
    assert await catalog.prune_inbox("i", keep=1) == 0
    stats = await catalog.inbox_stats("i")
    assert (stats.received, stats.handled, stats.failed, stats.pending) == (7, 4, 2, 1)
    assert [f.id for f in stats.failures] == [events[5]]
    assert [e.id for e in await catalog.pending_events("i")] == [events[6]]


async def test_the_changes_of_several_events_and_their_handled_records_are_one_step(
    catalog: Catalog,
) -> None:
    from ocean_core.catalog import encode

    events = [await put(catalog, n=n) for n in range(3)]
    a1 = encode("a", "svc", "A", {"v": 1}, {})
    a2 = encode("a", "svc", "A", {"v": 2}, {})
    async with catalog.runner_lock("i"):
        outcomes = await catalog.apply_live_events(
            "i", [("svc", [a1], []), ("svc", [a2], []), ("svc", [], [("svc", "b")])],
            events[:2])
        again = await catalog.apply_live_events("i", [("svc", [a2], [])], events[:2])
    assert [o.live_seq for o in outcomes] == [1, 2, 3]
    assert [(o.upserted, o.unchanged) for o in outcomes[:2]] == [(1, 0), (1, 0)]
    assert (again[0].upserted, again[0].unchanged) == (0, 1)  # a replay changes nothing
    [entity] = await catalog.list_entities(integration_id="i")
    assert entity.properties == {"v": 2}
    stats = await catalog.inbox_stats("i")
    assert (stats.handled, stats.pending) == (2, 1)  # handled once, not twice
    assert [e.id for e in await catalog.pending_events("i")] == [events[2]]
    with pytest.raises(LockNotHeldError):
        await catalog.apply_live_events("i", [("svc", [a1], [])], events[2:])
    assert (await catalog.inbox_stats("i")).pending == 1


async def test_several_requests_are_kept_in_one_step_in_their_order(catalog: Catalog) -> None:
    first = await put(catalog, n=0)
    ids = await catalog.put_events("i", [
        ("events", [("x-sig", "1")], [("a", "1")], b"one"),
        ("other", [], [], BODY),
    ])
    assert len(ids) == 2 and first < ids[0] < ids[1]
    [_, one, two] = await catalog.pending_events("i")
    assert (one.id, one.name, one.body, one.headers, one.query) == (
        ids[0], "events", b"one", (("x-sig", "1"),), (("a", "1"),))
    assert (two.id, two.name, two.body) == (ids[1], "other", BODY)
    assert (await catalog.inbox_stats("i")).received == 3
    assert await catalog.put_events("i", []) == []
