"""Several runners on one PostgreSQL catalog: fencing tokens refuse the writes of a runner that
lost its lock, and triggers published by one process reach the others."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
import psycopg
import pytest

from ocean_core.catalog import PostgresCatalog, encode
from ocean_core.errors import FencedError
from tests.conftest import drop_postgres_schema

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pair(postgres_url: str) -> AsyncIterator[tuple[PostgresCatalog, PostgresCatalog]]:
    """Two catalogs on one schema: what two processes see."""
    schema = f"test_{uuid.uuid4().hex[:8]}"
    first, second = PostgresCatalog(postgres_url, schema=schema), PostgresCatalog(
        postgres_url, schema=schema
    )
    yield first, second
    await first.close()
    await second.close()
    drop_postgres_schema(postgres_url, schema)


def _kill(url: str, catalog: PostgresCatalog, integration_id: str) -> None:
    """The lock connection dies (a network cut): the server drops the lock with it."""
    pid = catalog.runner_lock_pid(integration_id)
    assert pid is not None, "the catalog holds no runner lock of the integration"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))


async def test_a_runner_that_lost_its_lock_can_neither_write_nor_delete(
    pair: tuple[PostgresCatalog, PostgresCatalog], postgres_url: str
) -> None:
    old, new = pair
    rows = [encode("a", "svc", None, {}, {}), encode("b", "svc", None, {}, {})]
    async with old.runner_lock("i"):
        generation = await old.advance_generation("i")
        await old.write_page("i", "svc", 0, generation, rows)
        assert await old.still_holds("i")
        _kill(postgres_url, old, "i")
        async with new.runner_lock("i"):
            assert not await old.still_holds("i") and await new.still_holds("i")
            with pytest.raises(FencedError, match="taken over by another runner"):
                await old.write_page("i", "svc", 1, generation, rows[:1])
            # A superseded-by-takeover run reaching its delete step deletes nothing.
            with pytest.raises(FencedError):
                await old.delete_stale("i", generation, threshold=1.0)
            new_generation = await new.advance_generation("i")
            outcome = await new.write_page("i", "svc", 0, new_generation, rows[:1])
            deleted = await new.delete_stale("i", new_generation, threshold=1.0)
    assert outcome.unchanged == 1
    assert deleted.deleted == 1
    assert [e.identifier for e in await new.list_entities("i")] == ["a"]


async def test_each_holder_gets_a_higher_token(
    pair: tuple[PostgresCatalog, PostgresCatalog],
) -> None:
    first, second = pair
    tokens = []
    for catalog in (first, second, first):
        async with catalog.runner_lock("i"):
            tokens.append(catalog.fencing_token("i"))
    assert tokens == sorted(tokens) and len(set(tokens)) == 3


async def test_a_published_trigger_reaches_another_process(
    pair: tuple[PostgresCatalog, PostgresCatalog],
) -> None:
    publisher, listener = pair
    heard: list[dict[str, Any]] = []
    arrived = anyio.Event()

    def on_notice(notice: dict[str, Any]) -> None:
        heard.append(notice)
        if len(heard) == 2:
            arrived.set()

    await publisher.generation("i")  # both sides migrated and connected
    with anyio.fail_after(10):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(listener.listen_triggers, on_notice)
            # The LISTEN takes effect in its thread: publish until the first one is heard.
            while not heard:
                await publisher.publish_trigger({"integration_id": "i", "generation": 0})
                with anyio.move_on_after(0.2):
                    while not heard:
                        await anyio.lowlevel.checkpoint()
            await publisher.publish_trigger({"integration_id": "i", "generation": 7})
            await arrived.wait()
            tasks.cancel_scope.cancel()
    assert heard[-1] == {"integration_id": "i", "generation": 7}


async def test_the_lock_state_is_read_through_methods(
    pair: tuple[PostgresCatalog, PostgresCatalog], postgres_url: str
) -> None:
    catalog, _ = pair
    assert (catalog.fencing_token("i"), catalog.runner_lock_pid("i")) == (None, None)
    async with catalog.runner_lock("i"):
        token, pid = catalog.fencing_token("i"), catalog.runner_lock_pid("i")
        assert token is not None and token >= 1
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            holder = admin.execute(
                "SELECT application_name FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
        assert holder == ("ocean_core runner lock",)
        assert catalog.fencing_token("other") is None
    assert (catalog.fencing_token("i"), catalog.runner_lock_pid("i")) == (None, None)
