"""``ocean status``: each integration's generation, last run, schedules, cursors and what the
API's changes override, read from the config file and the catalog (no runner needed), with
each integration's settings in effect (the file's, with the API's changes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from ocean_core._interval import format_interval
from ocean_core.catalog import Catalog
from ocean_core.cli import _display
from ocean_core.cli._local import changes_json, in_effect, runtime
from ocean_core.config import IntegrationSettings, LoadedConfig
from ocean_core.errors import OceanError
from ocean_core.results import ResyncResult
from ocean_core.service import ApiChanges, InEffect


@dataclass
class StatusRow:
    integration_id: str
    generation: int
    last_run: ResyncResult | None
    schedules: dict[str, str | None] = field(default_factory=dict)
    """``full`` and ``incremental``: the configured interval, or None."""
    cursors: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Kind -> ``value``, ``committed_at`` and ``current`` (None when the integration cannot
    be built from the config to tell)."""
    api_changes: ApiChanges | None = None
    """What the changes made through the API override in the config file."""

    def as_json(self) -> dict[str, Any]:
        return {
            "integration_id": self.integration_id, "generation": self.generation,
            "last_run": self.last_run and self.last_run.model_dump(mode="json"),
            "api_changes": changes_json(self.api_changes),
            "schedules": self.schedules, "cursors": self.cursors,
        }


def _schedules(settings: IntegrationSettings | None) -> dict[str, str | None]:
    intervals = {
        "full": settings.scheduled_resync_interval if settings else None,
        "incremental": settings.scheduled_incremental_interval if settings else None,
    }
    return {name: format_interval(i) if i else None for name, i in intervals.items()}


def _fingerprints(loaded: LoadedConfig, index: int | None, catalog: Catalog,
                  effect: InEffect | None) -> dict[str, str]:
    """The fingerprint each kind's cursor must have, from the mapping and config in effect."""
    if index is None or effect is None:
        return {}
    try:
        ocean = runtime(loaded, index, catalog, effect)
    except OceanError:
        return {}
    return {s.spec.name: s.fingerprint for s in ocean.plan.steps if s.cursor is not None}


async def status_rows(loaded: LoadedConfig, catalog: Catalog) -> list[StatusRow]:
    """Configured integrations in config order, then any other the catalog knows."""
    configured = {item.id: index for index, item in enumerate(loaded.settings.integrations)}
    ids = [*configured, *(i for i in await catalog.integration_ids() if i not in configured)]
    rows = []
    for integration_id in ids:
        index = configured.get(integration_id)
        effect = None if index is None else await in_effect(catalog, loaded, index)
        last = await catalog.runs(integration_id, limit=1)
        row = StatusRow(
            integration_id, await catalog.generation(integration_id), last[0] if last else None,
            _schedules(effect.settings if effect is not None else None),
            api_changes=effect.changes if effect is not None else None,
        )
        stored = await catalog.cursors(integration_id)
        prints = _fingerprints(loaded, index, catalog, effect) if stored else {}
        for kind, cursor in stored.items():
            row.cursors[kind] = {
                "value": cursor.value, "committed_at": cursor.committed_at.isoformat(),
                "current": prints.get(kind) == cursor.fingerprint if prints else None,
            }
        rows.append(row)
    return rows


def status_table(rows: list[StatusRow]) -> Table:
    return _display.status_table([(r.integration_id, r.generation, r.last_run) for r in rows])


def schedules_and_cursors(rows: list[StatusRow]) -> Group:
    """The schedules and the cursors, when there are any (below the status table)."""
    parts: list[Table] = []
    scheduled = [r for r in rows if any(r.schedules.values())]
    if scheduled:
        table = Table(title="schedules", title_justify="left")
        for column in ("integration", "full", "incremental"):
            table.add_column(column)
        for row in scheduled:
            table.add_row(Text(row.integration_id), *(
                f"every {row.schedules[name]}" if row.schedules[name] else "-"
                for name in ("full", "incremental")))
        parts.append(table)
    cursors = [(r.integration_id, kind, c) for r in rows for kind, c in r.cursors.items()]
    if cursors:
        table = Table(title="cursors", title_justify="left")
        for column in ("integration", "kind", "cursor", "committed (UTC)", "current"):
            table.add_column(column)
        for integration_id, kind, cursor in cursors:
            current = {True: "yes", False: "no: reset", None: "?"}[cursor["current"]]
            table.add_row(Text(integration_id), Text(kind), Text(str(cursor["value"])),
                          cursor["committed_at"][:19].replace("T", " "), current)
        parts.append(table)
    return Group(*parts)
