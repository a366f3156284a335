"""Run tickets (a triggered run's id, known before it starts), run states, listeners and
reconfiguring a running runtime: what the service builds on."""

from __future__ import annotations

import pytest

from ocean_core import MappingError, Ocean, ResyncResult, ResyncStatus
from ocean_core.catalog import Catalog
from tests.support import Source, identifiers, items, mapping_for

pytestmark = pytest.mark.anyio


async def test_a_ticket_names_the_run_that_will_carry_it(catalog: Catalog) -> None:
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=catalog, mapping=mapping_for("svc"))
    async with ocean:
        ticket = ocean.request("api")
        assert ocean.state == "pending" and ocean.pending == ticket
        result = await ocean.wait_idle()
    assert result is not None
    assert (result.id, result.generation, result.trigger) == (ticket.run_id, 1, "api")
    assert ocean.state == "idle" and ocean.pending is None
    assert [r.id for r in await ocean.runs()] == [ticket.run_id]


async def test_tickets_replaced_before_starting_name_their_replacement(
    catalog: Catalog,
) -> None:
    source = Source({"svc": items("s", 2)})
    async with Ocean(source, catalog=catalog, mapping=mapping_for("svc")) as ocean:
        source.block["svc"] = 0
        first = ocean.request()
        await source.blocked.wait()
        assert ocean.state == "running"
        second, third, fourth = ocean.request(), ocean.request(), ocean.request()
        result = await ocean.wait_idle()
    assert result is not None and result.id == fourth.run_id
    assert ocean.superseded(second.run_id) == (second, fourth)
    assert ocean.superseded(third.run_id) == (third, fourth)
    assert ocean.superseded(first.run_id) is None  # it started: its record says aborted
    assert ocean.superseded(fourth.run_id) is None
    runs = {r.id: r.status for r in await ocean.runs()}
    assert runs == {first.run_id: ResyncStatus.ABORTED, fourth.run_id: ResyncStatus.SUCCEEDED}


async def test_listeners_hear_every_run_that_ends(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 2)})
    heard: list[ResyncResult] = []
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"))
    ocean.add_listener(heard.append)
    ocean.add_listener(lambda _: 1 / 0)  # a broken listener harms no one
    await ocean.resync()
    async with ocean:
        source.block["svc"] = 0
        ocean.trigger()
        await source.blocked.wait()
        ocean.trigger()
        await ocean.wait_idle()
    assert [(r.generation, r.status) for r in heard] == [
        (1, ResyncStatus.SUCCEEDED), (2, ResyncStatus.ABORTED), (3, ResyncStatus.SUCCEEDED)
    ]


async def test_reconfigure_applies_from_the_next_run(catalog: Catalog) -> None:
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=catalog, mapping=mapping_for("svc"),
                  integration_id="i")
    await ocean.resync()
    ocean.reconfigure(Source({"svc": items("t", 3)}), mapping_for("svc"))
    await ocean.resync()
    assert await identifiers(catalog, "i") == ["t0", "t1", "t2"]


async def test_an_invalid_reconfiguration_changes_nothing(catalog: Catalog) -> None:
    source = Source({"svc": items("s", 2)})
    ocean = Ocean(source, catalog=catalog, mapping=mapping_for("svc"), integration_id="i")
    plan = ocean.plan
    with pytest.raises(MappingError, match="nope"):
        ocean.reconfigure(Source({"svc": items("t", 3)}), mapping_for("nope"))
    assert ocean.integration is source and ocean.plan is plan
    await ocean.resync()
    assert await identifiers(catalog, "i") == ["s0", "s1"]
