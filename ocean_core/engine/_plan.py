"""What a resync runs: the kinds in order, each with its compiled mapping (or none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocean_core.integration import Integration, KindSpec
from ocean_core.mapping import CompiledResource, MappingSpec, load_mapping


@dataclass(frozen=True)
class KindStep:
    """One step of a run: a kind's fetcher and the resource that maps its items."""

    spec: KindSpec
    resource: CompiledResource | None


@dataclass(frozen=True)
class ResyncPlan:
    steps: list[KindStep]
    deletion_threshold: float | None
    """From the mapping's ``entityDeletionThreshold``, when it sets one."""


def build_plan(
    integration: Integration, mapping: dict[str, Any] | MappingSpec | None, source: str | None
) -> ResyncPlan:
    """Validate and compile the mapping against the integration's kinds; a ``MappingError``
    names every problem at once (unknown keys, jq that does not compile, unknown kinds).

    With no mapping: the integration type's default mapping if it ships one, else every
    declared kind in declaration order, whose fetchers then yield entities.
    """
    specs = {spec.name: spec for spec in integration.kinds()}
    if mapping is None:
        mapping = integration.get_default_mapping()
        source = source or f"{type(integration).__name__}.default_mapping"
    if mapping is None:
        return ResyncPlan([KindStep(spec, None) for spec in specs.values()], None)
    compiled = load_mapping(mapping, source=source, kinds=specs.keys())
    steps = [KindStep(specs[r.kind], r) for r in compiled.resources]
    return ResyncPlan(steps, compiled.spec.entity_deletion_threshold)
