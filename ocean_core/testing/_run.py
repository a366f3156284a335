"""Run one resync of an integration against an in-memory catalog and collect what it wrote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ocean_core.catalog import Catalog, MemoryCatalog, encode_entity
from ocean_core.entity import Entity
from ocean_core.integration import Integration
from ocean_core.mapping import MappingSpec
from ocean_core.ocean import Ocean
from ocean_core.results import RunRecord


@dataclass(frozen=True)
class ResyncOutcome:
    """The run record and the integration's entities in the catalog after the run."""

    result: RunRecord
    entities: list[Entity]


async def seed(catalog: Catalog, integration_id: str, entities: Sequence[Entity]) -> None:
    """Write ``entities`` as if an earlier resync had produced them (one page per kind). A tool
    that runs before any runner: it writes through ``catalog.unfenced()``."""
    generation = await catalog.advance_generation(integration_id)
    tool = catalog.unfenced()
    by_kind: dict[str, list[Entity]] = {}
    for entity in entities:
        by_kind.setdefault(entity.kind or entity.blueprint, []).append(entity)
    for kind, group in by_kind.items():
        rows = [encode_entity(entity) for entity in group]
        await tool.write_page(integration_id, kind, 0, generation, rows)


async def run_resync(
    integration: Integration,
    *,
    mapping: dict[str, Any] | MappingSpec | None = None,
    catalog: Catalog | None = None,
    integration_id: str = "test",
    previous: Sequence[Entity] | None = None,
) -> ResyncOutcome:
    """Run one ``Ocean(...).resync()`` against ``catalog`` (a fresh ``MemoryCatalog`` if none).

    ``previous`` seeds the catalog with an earlier run's entities first, so a test can check
    what the run updates and deletes.
    """
    store: Catalog = catalog if catalog is not None else MemoryCatalog()
    if previous:
        await seed(store, integration_id, previous)
    ocean = Ocean(integration, catalog=store, mapping=mapping, integration_id=integration_id)
    result = await ocean.resync()
    return ResyncOutcome(result, await store.list_entities(integration_id))
