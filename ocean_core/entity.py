"""The catalog entity: what a mapping produces and what the catalog stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True, kw_only=True)
class Entity:
    """One object in the catalog, identified by ``(integration_id, blueprint, identifier)``.

    A fetcher may yield entities directly instead of raw items, and then needs no mapping::

        yield [Entity(identifier="svc-1", blueprint="service", title="Checkout",
                      properties={"tier": 1})]

    ``integration_id`` and ``kind`` are set by the catalog: the engine stamps each entity with
    the integration instance and the kind that produced it, whatever the fetcher put there.
    """

    identifier: str
    blueprint: str
    title: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    relations: dict[str, Any] = field(default_factory=dict)
    team: Any = None
    icon: str | None = None
    integration_id: str | None = None
    kind: str | None = None
