"""Exact lookups over the catalog's keyset listing: one entity by key, an integration's
blueprints, and the entities an entity's relations point at.

The catalog protocol lists entities in key order (integration, blueprint, identifier, by code
point in every catalog) after a given key: an exact lookup is one index seek
(``ocean_core._entity_seek``), and a skip scan over blueprints one seek per blueprint.

A mapping's relation names the related entity by identifier only (the target blueprint is part
of a Port blueprint's schema, which the catalog does not hold). A relation value is resolved
to the entity of that identifier in the entity's own integration first, then in the others;
within one integration, blueprints named like the relation come first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ocean_core._entity_seek import TOP, find_entity
from ocean_core.catalog import Catalog, EntityKey
from ocean_core.entity import Entity

__all__ = ["MAX_TARGETS", "Resolver", "blueprints_of", "find_entity"]

MAX_TARGETS = 100
"""Relation identifiers looked up per entity; the rest are counted as unchecked."""


async def blueprints_of(catalog: Catalog, integration_id: str) -> list[str]:
    """The blueprints the integration has entities of, in order: a skip scan, one seek per
    blueprint, whatever the number of entities."""
    found: list[str] = []
    after: EntityKey | None = None
    while page := await catalog.list_entities(integration_id, after=after, limit=1):
        found.append(page[0].blueprint)
        after = (integration_id, page[0].blueprint, TOP)
    return found


@dataclass
class Target:
    """One identifier of a relation and the entity it names (None: no such entity)."""

    identifier: str
    entity: Entity | None


@dataclass
class Link:
    """One relation of an entity, resolved."""

    name: str
    many: bool
    targets: list[Target] = field(default_factory=list)
    query: Any = None
    unchecked: int = 0


def identifiers(value: Any) -> list[str] | None:
    """The identifiers a relation value names; None for a search query (a dict) or another
    value that names none."""
    items = value if isinstance(value, list) else [value]
    found = [str(v) for v in items
             if isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool))]
    return found if (found or value == [] or value is None) else None


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


def preferred(name: str, own: str, names: Iterable[str]) -> list[str]:
    """Blueprints in the order a relation called ``name`` of a ``own`` entity looks in:
    named like it, then ending like it (``team`` -> ``shopTeam``), then the entity's own."""
    wanted = {name.lower(), _singular(name).lower()}

    def rank(blueprint: str) -> int:
        lower = blueprint.lower()
        if lower in wanted:
            return 0
        if any(lower.endswith(w) for w in wanted):
            return 1
        return 2 if blueprint == own else 3

    return sorted(names, key=lambda b: (rank(b), b))


class Resolver:
    """Resolves relation identifiers to entities, caching blueprints and lookups for one
    request."""

    def __init__(self, catalog: Catalog, integration_ids: Sequence[str]) -> None:
        self._catalog = catalog
        self._integrations = list(dict.fromkeys(integration_ids))
        self._blueprints: dict[str, list[str]] = {}
        self._found: dict[EntityKey, Entity | None] = {}

    async def _blueprints_of(self, integration_id: str) -> list[str]:
        if integration_id not in self._blueprints:
            self._blueprints[integration_id] = await blueprints_of(self._catalog, integration_id)
        return self._blueprints[integration_id]

    async def _find(self, key: EntityKey) -> Entity | None:
        if key not in self._found:
            self._found[key] = await find_entity(self._catalog, key)
        return self._found[key]

    async def target(self, entity: Entity, relation: str, identifier: str) -> Entity | None:
        own = entity.integration_id or ""
        for integration_id in [own, *(i for i in self._integrations if i != own)]:
            names = await self._blueprints_of(integration_id)
            for blueprint in preferred(relation, entity.blueprint, names):
                found = await self._find((integration_id, blueprint, identifier))
                if found is not None:
                    return found
        return None

    async def links(self, entity: Entity) -> list[Link]:
        """Every relation of ``entity``, each identifier with its entity or None; at most
        ``MAX_TARGETS`` identifiers are looked up."""
        budget = MAX_TARGETS
        links: list[Link] = []
        for name, value in entity.relations.items():
            named = identifiers(value)
            link = Link(name, isinstance(value, list))
            links.append(link)
            if named is None:
                link.query = value
                continue
            for identifier in named:
                if budget == 0:
                    link.unchecked += 1
                    continue
                budget -= 1
                link.targets.append(Target(identifier, await self.target(entity, name, identifier)))
        return links
