"""What a resync runs: the kinds in order, each with its compiled mapping (or none), and, for
a kind that declares a cursor (rule 9), its compiled cursor expression and fingerprint."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from ocean_core._cursor_values import Since
from ocean_core._limits import MAPPING_TIMEOUT
from ocean_core.integration import FetchRequest, Integration, KindSpec
from ocean_core.mapping import (
    CompiledResource,
    Expression,
    MappingSpec,
    compile_expression,
    validate_for,
)
from ocean_core.selector import Selector


@dataclass(frozen=True)
class KindStep:
    """One step of a run: a kind's fetcher, the resource that maps its items and that
    resource's selector, validated against the integration's ``selector_model`` (the fetcher
    receives it); both ``None`` when the kind runs without a mapping resource.

    ``cursor`` is the kind's compiled cursor expression (None without one) and
    ``fingerprint`` what its committed cursor is valid for: the kind's resources in the
    mapping, its cursor expression and the integration's ``cursor_config()`` (its config,
    secrets masked). A cursor committed under another fingerprint counts as none.
    """

    spec: KindSpec
    resource: CompiledResource | None
    selector: Selector | None = None
    cursor: Expression | None = None
    fingerprint: str = ""
    mapping_timeout: float = MAPPING_TIMEOUT
    """Seconds one item's jq evaluation may take in a worker (``mapping_timeout``)."""

    def request(self, since: Since | None = None) -> FetchRequest:
        """What the step's fetcher is called with in a run (``FetchRequest``): its selector,
        and in an incremental run the kind's ``since``."""
        return FetchRequest(selector=self.selector, since=since)


@dataclass(frozen=True)
class ResyncPlan:
    steps: list[KindStep]
    deletion_threshold: float | None
    """From the mapping's ``entityDeletionThreshold``, when it sets one."""
    mapping_timeout: float = MAPPING_TIMEOUT
    """What each step's ``mapping_timeout`` is (``build_plan``'s)."""

    def steps_of(self, kind: str) -> int:
        """How many steps (mapping resources) the kind has in this plan."""
        return sum(1 for step in self.steps if step.spec.name == kind)

    def selects(self, kind: str) -> bool:
        """Whether a resource of the kind has a selector (its changed items may leave it)."""
        return any(step.resource is not None and step.resource.selector is not None
                   for step in self.steps if step.spec.name == kind)

    @property
    def incremental_kinds(self) -> list[str]:
        """The kinds an incremental run runs: those with a cursor, in plan order."""
        return list(dict.fromkeys(s.spec.name for s in self.steps if s.cursor is not None))


def build_plan(
    integration: Integration, mapping: dict[str, Any] | MappingSpec | None, source: str | None,
    mapping_timeout: float = MAPPING_TIMEOUT,
) -> ResyncPlan:
    """Validate and compile the mapping against the integration's kinds and selector model
    (``validate_for``); a ``MappingError`` names every problem at once (unknown keys, selector
    keys the integration does not define, jq that does not compile, unknown kinds). A cursor
    expression that does not compile is a ``ConfigError`` naming ``@kind(...).cursor``.

    With no mapping: the integration type's default mapping if it ships one, else every
    declared kind in declaration order, whose fetchers then yield entities.
    """
    specs = {spec.name: spec for spec in integration.kinds()}
    if mapping is None:
        mapping = integration.get_default_mapping()
        source = source or f"{type(integration).__name__}.default_mapping"
    config = integration.cursor_config()
    if mapping is None:
        steps = [KindStep(spec, None, mapping_timeout=mapping_timeout)
                 for spec in specs.values()]
        return ResyncPlan(_with_cursors(steps, {}, config), None, mapping_timeout)
    compiled = validate_for(integration, mapping, source=source)
    steps = [
        KindStep(specs[r.kind], r, selector, mapping_timeout=mapping_timeout)
        for r, selector in zip(compiled.resources, compiled.selectors, strict=True)
    ]
    resources: dict[str, list[Any]] = {}
    for resource in compiled.spec.resources:
        dumped = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
        resources.setdefault(resource.kind, []).append(dumped)
    return ResyncPlan(_with_cursors(steps, resources, config),
                      compiled.spec.entity_deletion_threshold, mapping_timeout)


def _with_cursors(
    steps: list[KindStep], resources: dict[str, list[Any]], config: Any
) -> list[KindStep]:
    compiled: dict[str, tuple[Expression, str]] = {}
    out = []
    for step in steps:
        spec = step.spec
        if spec.cursor is None:
            out.append(step)
            continue
        if spec.name not in compiled:
            expression = compile_expression(spec.cursor, f"@kind({spec.name!r}).cursor",
                                            spec.name)
            compiled[spec.name] = (expression, fingerprint(
                spec, resources.get(spec.name, []), config))
        expression, print_ = compiled[spec.name]
        out.append(dataclasses.replace(step, cursor=expression, fingerprint=print_))
    return out


def fingerprint(spec: KindSpec, resources: list[Any], config: Any) -> str:
    """What a kind's committed cursor is valid for (see ``KindStep.fingerprint``)."""
    payload = {"cursor": spec.cursor, "resources": resources, "config": config}
    digest = hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS))
    return digest.hexdigest()[:32]
