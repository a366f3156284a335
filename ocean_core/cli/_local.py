"""What the commands that work on the catalog themselves share: the integrations a command
selects, the catalog it reads, and each integration's settings in effect, which are the
config file's with the changes made through the API on the same catalog (as ``ocean sail``
applies them), so that every command maps the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocean_core.assembly import build_ocean_for, open_catalog
from ocean_core.catalog import Catalog, SQLiteCatalog
from ocean_core.config import LoadedConfig
from ocean_core.errors import ConfigError, ConfigProblem
from ocean_core.ocean import Ocean
from ocean_core.service import ApiChanges, InEffect, settings_in_effect


def selected(config: LoadedConfig, integration: str | None) -> list[int]:
    """The indexes of the integrations a command runs: all, or the one ``--integration`` names
    (else ``ConfigError`` naming the configured ids)."""
    items = config.settings.integrations
    if integration is None:
        if not items:
            raise ConfigError.single("integrations", "no integrations configured")
        return list(range(len(items)))
    try:
        config.settings.integration(integration)  # raises with the configured ids
    except ConfigError as exc:
        source = str(config.path)
        raise ConfigError(
            [ConfigProblem(p.field, p.message, p.source or source) for p in exc.problems]
        ) from None
    return [i for i, item in enumerate(items) if item.id == integration]


def existing_catalog(config: LoadedConfig) -> Catalog | None:
    """The config's catalog, unless it is an SQLite file not made yet: a command that only
    reads (``validate``, ``try``) never creates one (and there is nothing in it to read)."""
    catalog = open_catalog(config)
    return catalog if made(catalog) else None


def made(catalog: Catalog) -> bool:
    """Whether the catalog exists already (a catalog opens lazily: an SQLite file that is
    not there yet is made on first use, and then holds nothing to read)."""
    if isinstance(catalog, SQLiteCatalog) and catalog.path != ":memory:":
        return Path(catalog.path).exists()
    return True


async def in_effect(catalog: Catalog | None, config: LoadedConfig, index: int) -> InEffect:
    """``integrations[index]``'s settings in effect (``service.settings_in_effect``)."""
    item = config.settings.integrations[index]
    if catalog is None:
        return InEffect(item, None)
    try:
        return await settings_in_effect(catalog, item, f"integrations[{index}]")
    except ConfigError as exc:  # a reference to an unset variable, say: name the file
        source = str(config.path)
        raise ConfigError([ConfigProblem(f"integrations[{index}].{p.field}", p.message,
                                         p.source or source) for p in exc.problems]) from None


def runtime(config: LoadedConfig, index: int, catalog: Catalog, effect: InEffect) -> Ocean:
    """The runtime of ``integrations[index]`` with the settings in effect."""
    changed = effect.changes is not None and "mapping" in effect.changes.settings
    origin = f"the API's change of integration {effect.settings.id!r}" if changed else None
    return build_ocean_for(effect.settings, config, index, catalog, mapping_origin=origin)


def changes_note(integration_id: str, changes: ApiChanges) -> str:
    """One line on what the API's changes override (for stderr, before a run or a report)."""
    when = changes.changed_at.strftime("%Y-%m-%d %H:%M:%S UTC") if changes.changed_at else "?"
    settings = ", ".join(changes.settings)
    if changes.file_changed:
        return (f"{integration_id}: the config file was edited after the API's change of"
                f" {when} ({settings}): the file applies (`ocean sail` drops the change at its"
                " next start)")
    return (f"{integration_id}: uses the change made through the API at {when}, which"
            f" overrides the config file's {settings} (`ocean config reset {integration_id}`"
            " discards it)")


def changes_json(changes: ApiChanges | None) -> dict[str, Any] | None:
    """What the API's changes override, as the commands' JSON shows it (None: nothing)."""
    if changes is None:
        return None
    return {"changed_at": changes.changed_at.isoformat() if changes.changed_at else None,
            "settings": list(changes.settings), "file_changed": changes.file_changed}


async def check_integration(config: LoadedConfig, catalog: Catalog,
                            integration: str | None) -> None:
    """``ConfigError`` on ``--integration`` when it names an integration that is neither
    configured nor in the catalog, naming those that are."""
    if integration is None:
        return
    known = [item.id for item in config.settings.integrations]
    known += [i for i in await catalog.integration_ids() if i not in known]
    if integration not in known:
        raise ConfigError.single("--integration", f"unknown integration {integration!r}"
                                 f" (known: {', '.join(known) or 'none'})")
