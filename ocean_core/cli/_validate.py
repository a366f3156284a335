"""``ocean validate``: the config and every mapping checked without fetching or writing, with
the settings in effect: a change made through the API, on the config's catalog, is checked
and shown as what overrides the file."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.text import Text

from ocean_core.assembly import ValidatedIntegration, validate_integrations
from ocean_core.catalog import Catalog
from ocean_core.cli._console import err, out, run_async
from ocean_core.cli._console import error as print_error
from ocean_core.cli._local import (
    changes_json,
    changes_note,
    existing_catalog,
    in_effect,
    selected,
)
from ocean_core.config import IntegrationSettings, LoadedConfig, load_config
from ocean_core.errors import ConfigError, ConfigProblem, OceanError
from ocean_core.service import ApiChanges


async def _changes(loaded: LoadedConfig, indexes: list[int]
                   ) -> tuple[dict[int, IntegrationSettings], dict[int, ApiChanges]]:
    """The settings in effect of those of ``indexes`` that the API changed; nothing when the
    catalog cannot be read here (its own problems are ``ocean status``'s to report)."""
    settings: dict[int, IntegrationSettings] = {}
    changes: dict[int, ApiChanges] = {}
    if loaded.problems_for("catalog"):
        return settings, changes
    catalog: Catalog | None = None
    try:
        catalog = existing_catalog(loaded)
        for index in indexes:
            effect = await in_effect(catalog, loaded, index)
            if effect.changes is not None:
                settings[index], changes[index] = effect.settings, effect.changes
    except ConfigError:
        pass  # an unknown type, a bad catalog URL: validation reports what matters
    except OceanError as exc:
        err.print(f"note: the changes made through the API could not be read: {exc}",
                  markup=False, highlight=False, soft_wrap=True)
    finally:
        if catalog is not None:
            await catalog.close()
    return settings, changes


def validate(config: Path, integration: str | None, as_json: bool) -> None:
    async def work() -> tuple[list[ValidatedIntegration], list[ConfigProblem],
                              dict[str, ApiChanges]]:
        loaded = load_config(config)
        indexes = selected(loaded, integration)
        settings, changes = await _changes(loaded, indexes)
        valid, problems = validate_integrations(loaded, indexes, settings)
        # The whole file's unset variables; of one integration, those it and its catalog need.
        unset = loaded.problems_for(*(() if integration is None else ("catalog",)))
        by_id = {loaded.settings.integrations[i].id: found for i, found in changes.items()}
        return valid, list(dict.fromkeys([*unset, *problems])), by_id

    valid, problems, changes = run_async(work)
    if as_json:
        out.print_json(json.dumps({
            "ok": not problems,
            "integrations": [{**vars(v), "api_changes": changes_json(changes.get(v.integration_id))}
                             for v in valid],
            "problems": [
                {"source": p.source, "field": p.field, "message": p.message, "text": str(p)}
                for p in problems
            ],
        }))
    else:
        for item in valid:
            kinds = ", ".join(item.kinds) or "none"
            out.print(Text(f"ok {item.integration_id} ({item.type}): mapping {item.mapping},"
                           f" {item.resources} resource(s), kinds: {kinds}"), soft_wrap=True)
            if item.integration_id in changes:
                out.print(Text("  " + changes_note(item.integration_id,
                                                   changes[item.integration_id])),
                          soft_wrap=True)
        for problem in problems:
            print_error(str(problem))
    if problems:
        raise typer.Exit(2)

