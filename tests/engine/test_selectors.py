"""An integration's own selector keys: validated against its ``selector_model`` when the
``Ocean`` is built, and handed to the fetcher of each resource."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ocean_core import (
    FetchRequest,
    Integration,
    KindSpec,
    MappingError,
    Ocean,
    ResyncStatus,
    current_selector,
    kind,
)
from ocean_core.catalog import MemoryCatalog
from ocean_core.integration import Batch, Fetcher
from ocean_core.mapping import Selector
from ocean_core.testing import assert_conforms
from tests.support import Source, items, mapping_for

pytestmark = pytest.mark.anyio

ISSUES = [
    {"id": "ABC-1", "project": "ABC", "done": False},
    {"id": "ABC-2", "project": "ABC", "done": True},
    {"id": "OPS-1", "project": "OPS", "done": False},
]


class TicketSelector(Selector):
    project: str | None = None
    limit: int = 100


class Tickets(Integration):
    """Its ``ticket`` fetcher filters on the server by ``selector.project``; its ``note``
    fetcher takes no selector and reads ``current_selector()`` instead."""

    type = "tickets"
    selector_model = TicketSelector

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Selector | None] = []
        self.notes_saw: list[Selector | None] = []

    @kind("ticket")
    async def tickets(self, selector: TicketSelector | None) -> AsyncIterator[list[Any]]:
        self.seen.append(selector)
        project = selector.project if selector is not None else None
        limit = selector.limit if selector is not None else 100
        yield [i for i in ISSUES if project in (None, i["project"])][:limit]

    @kind("note")
    async def notes(self) -> AsyncIterator[list[Any]]:
        self.notes_saw.append(current_selector())
        yield [{"id": "n1"}]


def resource(kind_name: str, **selector: Any) -> dict[str, Any]:
    return {
        "kind": kind_name,
        "selector": {"query": "true", **selector},
        "port": {"entity": {"mappings": {
            "identifier": ".id", "blueprint": f'"{kind_name}"', "title": ".id",
        }}},
    }


async def test_the_fetcher_receives_its_validated_selector() -> None:
    tickets = Tickets()
    mapping = {"resources": [resource("ticket", project="ABC", limit="1"), resource("note")]}
    ocean = Ocean(tickets, catalog=MemoryCatalog(), mapping=mapping, integration_id="t")

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED, result
    assert tickets.seen == [TicketSelector(project="ABC", limit=1)]
    assert type(tickets.seen[0]) is TicketSelector
    assert result.kinds["ticket"].upserted == 1
    assert [step.selector for step in ocean.plan.steps] == [
        TicketSelector(project="ABC", limit=1), TicketSelector()
    ]


async def test_two_resources_of_one_kind_fetch_twice_each_with_its_selector() -> None:
    tickets = Tickets()
    mapping = {"resources": [
        resource("ticket", project="ABC"),
        {**resource("ticket", project="OPS"), "selector": {"query": ".done | not",
                                                           "project": "OPS"}},
    ]}
    catalog = MemoryCatalog()
    ocean = Ocean(tickets, catalog=catalog, mapping=mapping, integration_id="t")

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED, result
    assert [s.project if isinstance(s, TicketSelector) else s for s in tickets.seen] == [
        "ABC", "OPS"
    ]
    assert result.kinds["ticket"].fetched == 3
    found = sorted(e.identifier for e in await catalog.list_entities("t"))
    assert found == ["ABC-1", "ABC-2", "OPS-1"]


async def test_a_fetcher_without_the_parameter_still_runs_and_may_read_current_selector(
) -> None:
    tickets = Tickets()
    mapping = {"resources": [resource("note"), resource("note", project="X")]}
    ocean = Ocean(tickets, catalog=MemoryCatalog(), mapping=mapping, integration_id="t")

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED, result
    assert tickets.notes_saw == [TicketSelector(), TicketSelector(project="X")]
    assert current_selector() is None  # reset once the kind is done


async def test_without_a_mapping_resource_the_selector_is_none() -> None:
    tickets = Tickets()
    ocean = Ocean(tickets, catalog=MemoryCatalog(), integration_id="t")

    await ocean.resync()

    assert tickets.seen == [None]
    assert tickets.notes_saw == [None]


async def test_an_overridden_zero_argument_fetcher_still_works() -> None:
    source = Source({"svc": items("s", 3)})  # overrides fetcher(kind) -> () -> batches
    ocean = Ocean(source, catalog=MemoryCatalog(), mapping=mapping_for("svc"))

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED
    assert result.kinds["svc"].upserted == 3


async def test_the_conformance_probe_passes_the_selector_through() -> None:
    made: list[Tickets] = []

    def make() -> Tickets:
        made.append(Tickets())
        return made[-1]

    mapping = {"resources": [resource("ticket", project="ABC"), resource("note")]}
    await assert_conforms(make, mapping=mapping)

    assert all(s == TicketSelector(project="ABC") for t in made for s in t.seen)
    assert any(t.seen for t in made)


def test_kind_records_what_each_fetcher_takes() -> None:
    specs = {spec.name: spec for spec in Tickets.declared_kinds()}

    assert specs["ticket"].parameters == ("selector",)
    assert specs["note"].parameters == ()


def test_keyword_only_and_defaulted_parameters_count_others_do_not() -> None:
    class Several(Integration):
        @kind("a")
        async def a(self, *, selector: Selector | None = None) -> AsyncIterator[Batch]:
            yield []

        @kind("b")
        async def b(self, page_size: int = 100, **extra: Any) -> AsyncIterator[Batch]:
            yield []

    assert [spec.parameters for spec in Several.declared_kinds()] == [("selector",), ()]


async def test_what_a_fetcher_takes_is_read_when_it_is_declared_not_at_each_call() -> None:
    class Late(Integration):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[Selector | None] = []

        @kind("ticket")
        async def tickets(self, selector: Selector | None) -> AsyncIterator[list[Any]]:
            self.seen.append(selector)
            yield [{"id": "T-1"}]

    # A signature that says "no selector" from now on: only a call-time check would see it.
    Late.tickets.__signature__ = inspect.signature(lambda self: None)  # type: ignore[attr-defined]
    late = Late()
    ocean = Ocean(late, catalog=MemoryCatalog(), mapping={"resources": [resource("ticket")]})

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED, result
    assert late.seen == [Selector()]


async def test_the_selector_is_an_argument_not_read_from_the_current_run() -> None:
    tickets = Tickets()
    spec = next(s for s in tickets.kinds() if s.name == "ticket")
    chosen = TicketSelector(project="OPS")

    batches = tickets.fetch_batches(spec, FetchRequest(selector=chosen))
    got = [item async for batch in batches for item in batch]

    assert tickets.seen == [chosen]
    assert [item["id"] for item in got] == ["OPS-1"]
    assert current_selector() is None  # no run set anything: it came from the request


class Dynamic(Integration):
    """Kinds from its data, not from ``@kind``: its spec asks for the selector by name."""

    selector_model = TicketSelector

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[Selector | None] = []

    def kinds(self) -> list[KindSpec]:
        return [KindSpec("ticket", "ticket", parameters=("selector",))]

    def fetcher(self, kind_name: str) -> Fetcher:
        return lambda selector: self._fetch(selector)

    async def _fetch(self, selector: Selector | None) -> AsyncIterator[list[Any]]:
        self.seen.append(selector)
        yield ISSUES


async def test_a_fetcher_from_a_kinds_override_gets_what_its_spec_names() -> None:
    dynamic = Dynamic()
    mapping = {"resources": [resource("ticket", project="ABC")]}
    ocean = Ocean(dynamic, catalog=MemoryCatalog(), mapping=mapping)

    result = await ocean.resync()

    assert result.status is ResyncStatus.SUCCEEDED, result
    assert dynamic.seen == [TicketSelector(project="ABC")]


def problems(integration: Integration, mapping: dict[str, Any]) -> list[str]:
    with pytest.raises(MappingError) as caught:
        Ocean(integration, catalog=MemoryCatalog(), mapping=mapping,
              mapping_source="mapping.yaml")
    return [str(p) for p in caught.value.problems]


async def test_unknown_keys_and_wrong_types_are_refused_at_once_when_built() -> None:
    mapping = {"resources": [
        resource("ticket", projct="ABC"),
        resource("ticket", limit="many", colour="red"),
        {**resource("note"), "port": {"entity": {"mappings": {"blueprint": '"n"'}}}},
    ]}

    assert problems(Tickets(), mapping) == [
        "mapping.yaml: resources[0].selector.projct: unknown key (kind \"ticket\");"
        " did you mean 'project'?",
        "mapping.yaml: resources[1].selector.limit: Input should be a valid integer, unable to"
        " parse string as an integer (kind \"ticket\", got \"many\")",
        "mapping.yaml: resources[1].selector.colour: unknown key (kind \"ticket\");"
        " resources[].selector takes: query, project, limit",
        "mapping.yaml: resources[2].port.entity.mappings.identifier: Field required"
        " (kind \"note\")",
    ]


async def test_an_integration_without_a_selector_model_refuses_jql_with_a_hint() -> None:
    mapping = {"resources": [resource("svc", jql="project = ABC")]}

    assert problems(Source({"svc": items("s", 1)}), mapping) == [
        "mapping.yaml: resources[0].selector.jql: unknown key (kind \"svc\"); the selector"
        " takes only 'query' (this integration declares no selector keys"
        " of its own: see Integration.selector_model)",
    ]
