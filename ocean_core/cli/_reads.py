"""The commands that read the catalog: ``ocean entities``, ``ocean status``, ``ocean runs``
and ``ocean runs show``. A listing prints the cursor of its next page on stderr (stdout
stays the table or the JSON)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from ocean_core.assembly import open_catalog
from ocean_core.catalog import Catalog
from ocean_core.cli import _cursor, _display, _display_runs
from ocean_core.cli._console import err, out, run_async
from ocean_core.cli._local import changes_note, check_integration
from ocean_core.cli._status import schedules_and_cursors, status_rows, status_table
from ocean_core.config import LoadedConfig, load_config
from ocean_core.entity import Entity
from ocean_core.errors import ConfigError
from ocean_core.results import RunRecord

T = TypeVar("T")


def _reading(config: Path, read: Callable[[LoadedConfig, Catalog], Awaitable[T]]) -> T:
    async def work() -> T:
        loaded = load_config(config)
        catalog = open_catalog(loaded)
        try:
            return await read(loaded, catalog)
        finally:
            await catalog.close()

    return run_async(work)


def _next_page(option: str, cursor: str | None) -> None:
    if cursor is not None:
        err.print(f"next page: {option} {cursor}", highlight=False, soft_wrap=True)


def entities(config: Path, integration: str | None, *, blueprint: str | None,
             kind: str | None, q: str | None, limit: int, after: str | None,
             as_json: bool) -> None:
    async def read(loaded: LoadedConfig, catalog: Catalog) -> tuple[list[Entity], str | None]:
        await check_integration(loaded, catalog, integration)
        found = await catalog.list_entities(
            integration, blueprint=blueprint, kind=kind, search=q or None,
            after=_cursor.entity_key(after) if after else None, limit=limit + 1)
        page = found[:limit]
        if len(found) <= limit:
            return page, None
        last = page[-1]
        return page, _cursor.encode([last.integration_id, last.blueprint, last.identifier])

    page, cursor = _reading(config, read)
    if as_json:  # the catalog's key order, which the cursor follows
        out.print_json(json.dumps([_entity_json(e) for e in page]))
    else:  # the page in natural order: service-2 before service-10
        out.print(_display.entities_table(_display_runs.naturally(page)))
    _next_page("--after", cursor)


def _entity_json(entity: Entity) -> dict[str, Any]:
    fields = ("integration_id", "kind", "blueprint", "identifier", "title", "properties")
    return {name: getattr(entity, name) for name in (*fields, "relations")}


def status(config: Path, as_json: bool) -> None:
    rows = _reading(config, status_rows)
    if as_json:
        out.print_json(json.dumps([row.as_json() for row in rows]))
        return
    out.print(status_table(rows))
    for row in rows:  # under the table: it stays 80 columns
        if row.api_changes is not None:
            out.print(changes_note(row.integration_id, row.api_changes), markup=False,
                      highlight=False, soft_wrap=True)
    out.print(schedules_and_cursors(rows))


def runs(config: Path, integration: str | None, *, limit: int, before: str | None,
         as_json: bool) -> None:
    async def read(loaded: LoadedConfig, catalog: Catalog
                   ) -> tuple[list[RunRecord], str | None]:
        await check_integration(loaded, catalog, integration)
        found = await catalog.runs(integration, limit=limit + 1,
                                   before=_cursor.run_cursor(before) if before else None)
        page = found[:limit]
        if len(found) <= limit:
            return page, None
        return page, _cursor.encode([page[-1].started_at.isoformat(), page[-1].id])

    page, cursor = _reading(config, read)
    if as_json:
        out.print_json(json.dumps([run.model_dump(mode="json") for run in page]))
    else:
        out.print(_display_runs.runs_table(page))
    _next_page("--before", cursor)


MIN_PREFIX = 6
"""The shortest prefix of a run id ``ocean runs show`` looks up."""


async def _run_by_prefix(catalog: Catalog, prefix: str) -> list[RunRecord]:
    """The runs whose id starts with ``prefix``, newest first (two at most: enough to say
    whether it is unique), looked for through the whole history, a page at a time."""
    found: list[RunRecord] = []
    page = await catalog.runs(limit=500)
    while page and len(found) < 2:
        found += [run for run in page if run.id.startswith(prefix)]
        page = await catalog.runs(limit=500, before=(page[-1].started_at, page[-1].id))
    return found[:2]


def show_run(config: Path, run_id: str, as_json: bool) -> None:
    async def read(_: LoadedConfig, catalog: Catalog) -> RunRecord:
        found = await catalog.get_run(run_id)
        if found is not None:
            return found
        matches = await _run_by_prefix(catalog, run_id) if len(run_id) >= MIN_PREFIX else []
        if len(matches) == 1:
            return matches[0]
        why = "more than one run's id starts with it" if matches else "no run has that id"
        raise ConfigError.single("RUN", f"{why}: {run_id!r} (`ocean runs` lists them;"
                                 f" give the whole id or a unique prefix of {MIN_PREFIX} or more)")

    found = _reading(config, read)
    if as_json:
        out.print_json(found.model_dump_json())
    else:
        out.print(_display_runs.run_detail(found))
