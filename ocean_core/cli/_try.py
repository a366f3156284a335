"""``ocean try KIND``: for mapping authors, the first items of one kind, each with its raw
item, the selector's verdict, its mapped fields and its errors. Nothing is written: not the
catalog, not a run record (the catalog is only read, if it exists, for the settings in
effect)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ocean_core.catalog import Catalog, MemoryCatalog
from ocean_core.cli._console import out, run_async
from ocean_core.cli._local import existing_catalog, in_effect, runtime, selected
from ocean_core.config import LoadedConfig, load_config
from ocean_core.dry_run import TrialItem, TrialReport
from ocean_core.engine._trial import try_kind
from ocean_core.errors import ConfigError
from ocean_core.ocean import Ocean
from ocean_core.service import InEffect

MAX_VALUE = 200


def _chosen(loaded: LoadedConfig, kind: str, integration: str | None) -> int:
    """The integration whose ``kind`` to try: the one ``-i`` names, else the only one whose
    runs have that kind (as its config file says; one that does not build is left out)."""
    indexes = selected(loaded, integration)
    if len(indexes) == 1:
        return indexes[0]
    offering = [index for index in indexes if kind in _kinds(loaded, index)]
    if len(offering) == 1:
        return offering[0]
    ids = ", ".join(loaded.settings.integrations[i].id for i in indexes)
    raise ConfigError.single("--integration", f"choose the integration whose kind {kind!r}"
                             f" to try: --integration ID (configured: {ids})")


def _kinds(loaded: LoadedConfig, index: int) -> list[str]:
    item = loaded.settings.integrations[index]
    try:
        ocean = runtime(loaded, index, MemoryCatalog(), InEffect(item, None))
    except ConfigError:
        return []
    return [step.spec.name for step in ocean.plan.steps]


async def _runtime(loaded: LoadedConfig, index: int) -> Ocean:
    catalog: Catalog | None = None
    if not loaded.problems_for("catalog"):
        catalog = existing_catalog(loaded)
    try:
        effect = await in_effect(catalog, loaded, index)
    finally:
        if catalog is not None:
            await catalog.close()
    return runtime(loaded, index, MemoryCatalog(), effect)  # a catalog nothing writes to


def try_it(config: Path, kind: str, integration: str | None, limit: int, as_json: bool
           ) -> bool:
    async def work() -> TrialReport:
        loaded = load_config(config)
        index = _chosen(loaded, kind, integration)
        ocean = await _runtime(loaded, index)
        steps = [step for step in ocean.plan.steps if step.spec.name == kind]
        if not steps:
            kinds = ", ".join(step.spec.name for step in ocean.plan.steps) or "none"
            raise ConfigError.single("KIND", f"integration {ocean.integration_id!r} runs no"
                                     f" kind {kind!r} (its kinds: {kinds})")
        return await try_kind(ocean.integration, steps, ocean.integration_id, limit)

    report = run_async(work)
    if as_json:
        out.print_json(json.dumps(report.model_dump(mode="json")))
    else:
        out.print(_rendered(report))
    return not report.fetch_errors and not any(item.errors for item in report.items)


def _rendered(report: TrialReport) -> Group:
    lines: list[Text | Table] = [Text(
        f"{report.integration_id} · kind {report.kind} · the first {len(report.items)} of"
        f" {report.fetched} fetched item(s) · nothing written", style="bold")]
    for number, item in enumerate(report.items, 1):
        lines += _item(number, item)
    for detail in report.fetch_errors:
        lines.append(Text(f"fetch error: {detail.message}", style="red"))
        if detail.traceback:
            lines.append(Text(detail.traceback, style="red"))
    return Group(*lines)


def _item(number: int, item: TrialItem) -> list[Text | Table]:
    verdict = {True: ("selected", "green"), False: ("filtered out by the selector", "yellow"),
               None: ("no verdict", "")}[item.selected]
    head = Text.assemble(f"item {number}", "" if item.resource is None
                         else f" (resources[{item.resource}])", ": ", verdict)
    if item.parsed is not None:
        head.append(f" · itemsToParse gave {item.parsed}, {len(item.entities)} kept")
    lines: list[Text | Table] = [head, Text(item.raw, style="dim")]
    for entity in item.entities:
        table = Table(show_header=False, box=None, padding=(0, 2))
        for path, value in entity.items():
            shown = orjson.dumps(value, default=str).decode()
            table.add_row(Text(path), Text(shown if len(shown) <= MAX_VALUE
                                           else shown[: MAX_VALUE - 1] + "…"))
        lines.append(table)
    lines += [Text(f"error: {message}", style="red") for message in item.errors]
    return lines
