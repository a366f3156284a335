"""What an integration's mapping makes of given raw items, applied as a live change: to check
that a webhook handler's items have the shape its fetchers yield (one mapping for both)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ocean_core.catalog import MemoryCatalog
from ocean_core.entity import Entity
from ocean_core.integration import Integration
from ocean_core.live import LiveChange
from ocean_core.ocean import Ocean


async def map_items(
    integration: Integration, kind: str, items: Iterable[dict[str, Any] | Entity],
    *, mapping: dict[str, Any] | None = None,
) -> list[Entity]:
    """The entities ``Ocean.apply`` writes for ``items`` upserted in ``kind``, mapped by
    ``mapping`` (default: the integration's own) into an empty in-memory catalog, sorted by
    key. An item the mapping cannot map fails the call with the item errors::

        entities = await map_items(GitHub(config), "pull-request", [webhook_item])
    """
    catalog = MemoryCatalog()
    ocean = Ocean(integration, catalog=catalog, mapping=mapping, integration_id="test")
    report = await ocean.apply(LiveChange(kind, upserted=items))
    if report.errors:
        details = [detail.message for detail in report.error_details]
        raise AssertionError(f"mapping {kind!r} items failed: {details}")
    entities = await catalog.list_entities(integration_id="test")
    await catalog.close()
    return sorted(entities, key=lambda e: (e.blueprint, e.identifier))
