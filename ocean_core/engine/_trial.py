"""``ocean try``: the first items of one kind, fetched and mapped one by one as a run would,
with everything a mapping author needs to see of each, and nothing written anywhere."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import aclosing
from typing import Any

import orjson

from ocean_core._deleted import Deleted
from ocean_core._run_context import RunContext
from ocean_core.dry_run import TrialItem, TrialReport
from ocean_core.engine._fetch import fetched_batches
from ocean_core.engine._plan import KindStep
from ocean_core.engine._prepare import prepare, preview
from ocean_core.entity import Entity
from ocean_core.integration import Integration, fetching
from ocean_core.mapping import CompiledResource, ItemMappingError, MappedItem
from ocean_core.results import ErrorStage, KindStats

MAX_RAW = 2000
"""Characters of a raw item shown (indented JSON)."""


async def try_kind(integration: Integration, steps: Sequence[KindStep], integration_id: str,
                   limit: int) -> TrialReport:
    """Fetch the first ``limit`` items of the kind of ``steps`` (each of its resources in
    turn, as a run would) and show what each maps to; the fetcher is closed once it has
    given enough, so only its first page(s) are fetched."""
    report = TrialReport(integration_id=integration_id, kind=steps[0].spec.name)
    context = RunContext(integration_id, "try", 0)
    async with integration.run_scope(context):
        for step in steps:
            stats = KindStats()
            context.kind, context.stats = step.spec.name, stats
            request = step.request()
            with fetching(request):
                batches_of = fetched_batches(integration, step.spec, request, stats)
                async with aclosing(batches_of) as batches:
                    async for batch in batches:
                        if isinstance(batch, Deleted):  # what is gone maps to no entity
                            continue
                        for item in batch[: limit - len(report.items)]:
                            report.items.append(trial_item(item, step.resource, step.spec.name))
                        if len(report.items) >= limit:
                            break
            report.fetched += stats.fetched
            report.fetch_errors += [d for d in stats.error_details if d.stage is ErrorStage.FETCH]
            if len(report.items) >= limit:
                break
    return report


def trial_item(item: Any, resource: CompiledResource | None, kind: str) -> TrialItem:
    """What a run makes of one item: the selector's verdict, the mapped fields of each
    entity, and the errors ``prepare`` records for it."""
    trial = TrialItem(resource=None if resource is None else resource.index, raw=_raw(item),
                      errors=[message for message, _ in prepare([item], resource, kind).errors])
    if isinstance(item, Entity):
        trial.entities.append(_fields(item))
        return trial
    if resource is None or not isinstance(item, dict):
        return trial
    try:
        children = resource.expand(item)
        if resource.items_to_parse is not None:
            parsed = resource.items_to_parse.first(item)
            trial.parsed = len(parsed) if isinstance(parsed, list) else 0
        trial.selected = bool(children)
    except (ItemMappingError, ValueError):
        return trial  # the error says why
    for child in children:
        try:
            trial.entities.append(_fields(resource.map(child)))
        except (ItemMappingError, ValueError):
            continue  # recorded in ``errors``, naming the field
    return trial


def _raw(item: Any) -> str:
    try:
        text = orjson.dumps(item, default=str, option=orjson.OPT_INDENT_2
                            | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return preview(item)
    return text if len(text) <= MAX_RAW else text[:MAX_RAW] + "\n..."


def _fields(entity: MappedItem | Entity) -> dict[str, Any]:
    """The entity's fields by path: ``identifier`` ... ``properties.tier``, ``relations.team``."""
    fields: dict[str, Any] = {name: getattr(entity, name) for name in
                              ("identifier", "blueprint", "title", "team", "icon")}
    for group in ("properties", "relations"):
        value = getattr(entity, group)
        if isinstance(value, dict):
            fields.update((f"{group}.{key}", inner) for key, inner in value.items())
        else:
            fields[group] = value
    return fields
