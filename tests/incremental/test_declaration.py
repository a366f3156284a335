"""Rule 9's declaration: ``@kind(name, cursor=..., lag=..., ordered=...)`` and ``since``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from ocean_core import Deleted, Entity, FetchRequest, Integration, KindSpec, kind
from ocean_core._cursor_values import Lag
from ocean_core.errors import ConfigError


class Desk(Integration):
    type = "desk"

    @kind("ticket", cursor=".updated_at", lag="5m", ordered=True)
    async def tickets(self, since: Any) -> AsyncIterator[list[dict[str, Any]]]:
        yield [{"id": 1, "since": since}]

    @kind("agent")
    async def agents(self) -> AsyncIterator[list[dict[str, Any]]]:
        yield []


def test_kind_records_the_cursor_its_lag_and_order() -> None:
    ticket, agent = Desk.declared_kinds()
    assert (ticket.cursor, ticket.lag, ticket.ordered) == (
        ".updated_at", Lag(300.0, duration=True), True)
    assert ticket.parameters == ("since",)
    assert ticket.incremental and not agent.incremental
    assert (agent.cursor, agent.lag, agent.ordered) == (None, None, False)


def test_a_numeric_lag_is_kept_as_a_number() -> None:
    class Feed(Integration):
        @kind("event", cursor=".seq", lag=10)
        async def events(self, since: Any) -> AsyncIterator[list[dict[str, Any]]]:
            yield []

    assert Feed.declared_kinds()[0].lag == Lag(10.0, duration=False)


@pytest.mark.parametrize("lag", [timedelta(minutes=5), "5m", "300s"])
def test_a_duration_lag_is_read_as_seconds(lag: Any) -> None:
    spec = kind("t", cursor=".u", lag=lag)(_takes_since).__ocean_kind__  # type: ignore[attr-defined]
    assert spec.lag == Lag(300.0, duration=True)


async def _takes_since(self: Any, since: Any) -> AsyncIterator[Any]:
    yield []


@pytest.mark.parametrize(("options", "field", "says"), [
    ({"lag": 5}, "@kind('t').lag", "needs a cursor"),
    ({"ordered": True}, "@kind('t').ordered", "needs a cursor"),
    ({"cursor": ".u", "lag": -1}, "@kind('t').lag", ">= 0"),
    ({"cursor": ".u", "lag": "soon"}, "@kind('t').lag", "not a duration"),
    ({"cursor": ".u", "lag": True}, "@kind('t').lag", "number or a duration"),
    ({"cursor": ".u", "lag": [1]}, "@kind('t').lag", "number or a duration"),
    ({"cursor": ""}, "@kind('t').cursor", "jq expression"),
])
def test_options_that_cannot_work_are_refused_naming_the_option(
    options: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        kind("t", **options)(_takes_since)
    [problem] = caught.value.problems
    assert problem.field == field
    assert says in problem.message


def test_a_kind_with_a_cursor_must_take_since() -> None:
    async def no_since(self: Any) -> AsyncIterator[Any]:
        yield []

    with pytest.raises(ConfigError, match="must take `since`"):
        kind("t", cursor=".u")(no_since)


def test_a_spec_built_by_hand_is_checked_and_reads_its_lag() -> None:
    spec = KindSpec("t", "t", parameters=("since",), cursor=".u", lag="1h")  # type: ignore[arg-type]
    assert spec.lag == Lag(3600.0, duration=True)
    with pytest.raises(ConfigError, match="must take `since`"):
        KindSpec("t", "t", cursor=".u")


def test_since_reaches_exactly_the_fetchers_that_ask_for_it() -> None:
    request = FetchRequest(since=42)
    ticket, agent = Desk.declared_kinds()
    assert request.arguments(ticket.parameters) == {"since": 42}
    assert request.arguments(agent.parameters) == {}
    assert FetchRequest().since is None


def test_deleted_is_an_immutable_sequence_of_items_or_entities() -> None:
    gone = Deleted([{"id": 1}, Entity(identifier="x", blueprint="b")])
    assert len(gone) == 2
    assert next(iter(gone)) == {"id": 1}
    assert gone == Deleted(gone.items)
    assert gone != [{"id": 1}]
    with pytest.raises(AttributeError):
        gone.items = ()  # type: ignore[misc]
    assert "Deleted([" in repr(gone)
