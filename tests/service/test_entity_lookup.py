"""Exact entity lookups, blueprint listing and relation resolution over every catalog."""

from __future__ import annotations

from typing import Any

import pytest

from ocean_core.api._entity_lookup import (
    MAX_TARGETS,
    Resolver,
    blueprints_of,
    find_entity,
    identifiers,
    preferred,
)
from ocean_core.catalog import Catalog, encode
from ocean_core.entity import Entity

pytestmark = pytest.mark.anyio

# integration, blueprint, identifier, relations
Spec = tuple[str, str, str, dict[str, Any]]

# Neighbours in key order around each other: prefixes, a longer id sorting between, non-ASCII.
IDENTIFIERS = ["team-1", "team-10", "team-1/x", "team-0zzz", "team-", "é", "\U0001f600", "a b"]
SPECS: list[Spec] = [
    *[("i1", "team", ident, {}) for ident in IDENTIFIERS],
    ("i1", "svc", "api", {"team": "team-1", "owners": ["team-10", "nobody", 7],
                          "repository": "web", "query": {"combinator": "and", "rules": []},
                          "none": None}),
    ("i1", "svc2", "team-2", {}),
    ("i1", "svc-x", "x", {}),
    ("i1", "db", "7", {}),
    ("i2", "repository", "web", {}),
    ("i2", "team", "team-1", {}),
]


async def populate(catalog: Catalog, specs: list[Spec]) -> None:
    for integration_id in sorted({s[0] for s in specs}):
        generation = await catalog.advance_generation(integration_id)
        rows = [encode(ident, bp, ident.upper(), {}, rel)
                for i, bp, ident, rel in specs if i == integration_id]
        await catalog.unfenced().write_page(integration_id, "k", 0, generation, rows)


@pytest.fixture
async def filled(catalog: Catalog) -> Catalog:
    await populate(catalog, SPECS)
    return catalog


async def test_find_entity_finds_exactly_the_key(filled: Catalog) -> None:
    for integration_id, blueprint, identifier, _ in SPECS:
        found = await find_entity(filled, (integration_id, blueprint, identifier))
        assert found is not None, (integration_id, blueprint, identifier)
        assert (found.integration_id, found.blueprint, found.identifier) == (
            integration_id, blueprint, identifier)
    missing = ["team-2", "team", "team-11", "team-1 ", "team-0", "e", "TEAM-1", "team-1/"]
    for identifier in missing:
        assert await find_entity(filled, ("i1", "team", identifier)) is None, identifier
    assert await find_entity(filled, ("i1", "svc", "team-1")) is None  # another blueprint's
    assert await find_entity(filled, ("i3", "team", "team-1")) is None


async def test_blueprints_of_an_integration_in_key_order(filled: Catalog) -> None:
    assert await blueprints_of(filled, "i1") == ["db", "svc", "svc-x", "svc2", "team"]
    assert await blueprints_of(filled, "i2") == ["repository", "team"]
    assert await blueprints_of(filled, "nobody") == []


async def test_relations_resolve_own_integration_first_and_mark_dangling_ones(
    filled: Catalog,
) -> None:
    [api] = [e for e in await filled.list_entities("i1", blueprint="svc")]

    links = {link.name: link for link in await Resolver(filled, ["i1", "i2"]).links(api)}

    def keys(name: str) -> list[tuple[str, Any]]:
        return [(t.identifier, t.entity and (t.entity.integration_id, t.entity.blueprint))
                for t in links[name].targets]

    assert keys("team") == [("team-1", ("i1", "team"))]  # not i2's team-1: own first
    assert not links["team"].many and links["owners"].many
    assert keys("owners") == [("team-10", ("i1", "team")), ("nobody", None), ("7", ("i1", "db"))]
    assert keys("repository") == [("web", ("i2", "repository"))]  # found in another integration
    assert links["query"].query == {"combinator": "and", "rules": []}
    assert links["query"].targets == []
    assert links["none"].targets == [] and links["none"].query is None


async def test_at_most_max_targets_identifiers_are_looked_up(catalog: Catalog) -> None:
    many = [f"t{n}" for n in range(MAX_TARGETS + 5)]
    entity = Entity(identifier="e", blueprint="b", integration_id="i1", relations={"r": many})

    [link] = await Resolver(catalog, ["i1"]).links(entity)

    assert len(link.targets) == MAX_TARGETS and link.unchecked == 5
    assert all(t.entity is None for t in link.targets)


def test_identifiers_of_a_relation_value() -> None:
    assert identifiers("a") == ["a"]
    assert identifiers(["a", 2, True, None]) == ["a", "2"]
    assert identifiers(None) == [] and identifiers([]) == []
    assert identifiers({"combinator": "and"}) is None
    assert identifiers(True) is None


def test_blueprints_named_like_the_relation_come_first() -> None:
    names = ["db", "service", "shopTeam", "team", "repository"]
    assert preferred("team", "service", names) == [
        "team", "shopTeam", "service", "db", "repository"]
    assert preferred("repositories", "db", names)[:2] == ["repository", "db"]
