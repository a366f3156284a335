"""What an integration's mapping makes of given raw items: to check that a webhook handler's
items have the shape its fetchers yield (the same mapping must apply to both)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterable
from typing import Any

from ocean_core._types import ResyncStatus
from ocean_core.entity import Entity
from ocean_core.errors import ConfigError
from ocean_core.integration import Batch, Integration
from ocean_core.testing._run import run_resync


async def map_items(
    integration: Integration, kind: str, items: Iterable[dict[str, Any] | Entity],
    *, mapping: dict[str, Any] | None = None,
) -> list[Entity]:
    """The entities a resync of ``integration`` writes when ``kind``'s fetcher yields
    ``items`` (one batch), mapped by ``mapping`` (default: the integration's own), sorted by
    key. An item the mapping cannot map fails the call with the run's errors.

        entities = await map_items(GitHub(config), "pull-request", [webhook_item])
    """
    resources = (mapping or integration.get_default_mapping() or {}).get("resources", [])
    chosen = [resource for resource in resources if resource.get("kind") == kind]
    if not chosen:
        raise ConfigError.single("mapping", f"no resource maps kind {kind!r}")
    batch = list(items)

    async def replay(**_: Any) -> AsyncIterator[Batch]:
        yield batch

    replaying = copy.copy(integration)
    replaying.fetcher = lambda name: replay  # type: ignore[method-assign, assignment]
    outcome = await run_resync(replaying, mapping={"resources": chosen})
    if outcome.result.status is not ResyncStatus.SUCCEEDED:
        details = [d.message for stats in outcome.result.kinds.values()
                   for d in stats.error_details]
        raise AssertionError(f"mapping {kind!r} items failed: {details or outcome.result}")
    return sorted(outcome.entities, key=lambda e: (e.blueprint, e.identifier))
