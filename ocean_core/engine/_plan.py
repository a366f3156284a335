"""What a resync runs: the kinds in order, each with its compiled mapping (or none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ocean_core.integration import FetchRequest, Integration, KindSpec
from ocean_core.mapping import CompiledResource, MappingSpec, validate_for
from ocean_core.selector import Selector


@dataclass(frozen=True)
class KindStep:
    """One step of a run: a kind's fetcher, the resource that maps its items and that
    resource's selector, validated against the integration's ``selector_model`` (the fetcher
    receives it); both ``None`` when the kind runs without a mapping resource."""

    spec: KindSpec
    resource: CompiledResource | None
    selector: Selector | None = None

    def request(self) -> FetchRequest:
        """What the step's fetcher is called with in a run (``FetchRequest``); per-run values
        (an incremental run's cursor) will join the selector here."""
        return FetchRequest(selector=self.selector)


@dataclass(frozen=True)
class ResyncPlan:
    steps: list[KindStep]
    deletion_threshold: float | None
    """From the mapping's ``entityDeletionThreshold``, when it sets one."""


def build_plan(
    integration: Integration, mapping: dict[str, Any] | MappingSpec | None, source: str | None
) -> ResyncPlan:
    """Validate and compile the mapping against the integration's kinds and selector model
    (``validate_for``); a ``MappingError`` names every problem at once (unknown keys, selector
    keys the integration does not define, jq that does not compile, unknown kinds).

    With no mapping: the integration type's default mapping if it ships one, else every
    declared kind in declaration order, whose fetchers then yield entities.
    """
    specs = {spec.name: spec for spec in integration.kinds()}
    if mapping is None:
        mapping = integration.get_default_mapping()
        source = source or f"{type(integration).__name__}.default_mapping"
    if mapping is None:
        return ResyncPlan([KindStep(spec, None) for spec in specs.values()], None)
    compiled = validate_for(integration, mapping, source=source)
    steps = [
        KindStep(specs[r.kind], r, selector)
        for r, selector in zip(compiled.resources, compiled.selectors, strict=True)
    ]
    return ResyncPlan(steps, compiled.spec.entity_deletion_threshold)
