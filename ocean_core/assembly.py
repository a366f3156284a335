"""Assembly: build an integration's runtime (``Ocean``) from a config file: the integration type,
its config and its mapping; and check a config without running anything."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ocean_core._describe import validation_problems
from ocean_core.catalog import Catalog, MemoryCatalog, catalog_from_url
from ocean_core.config import IntegrationSettings, LoadedConfig
from ocean_core.errors import ConfigError, ConfigProblem, MappingError
from ocean_core.integration import Integration
from ocean_core.mapping import load_mapping_file
from ocean_core.ocean import Ocean
from ocean_core.plugins import load_type


def open_catalog(config: LoadedConfig) -> Catalog:
    config.require("catalog")
    try:
        return catalog_from_url(config.settings.catalog, config.base)
    except ConfigError as exc:
        raise ConfigError([_located(p, str(config.path)) for p in exc.problems]) from exc


def resolve_mapping(
    item: IntegrationSettings, base: Path, where: str, source: str
) -> tuple[dict[str, Any] | None, str | None]:
    """The mapping of ``item`` (inline, or read from its file) and the file it came from."""
    if item.mapping is None or isinstance(item.mapping, dict):
        return item.mapping, None
    path = Path(item.mapping)
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise MappingError(
            ConfigProblem(f"{where}.mapping", f"mapping file not found: {path}", source)
        )
    return load_mapping_file(path), str(path)


def build_integration(
    item: IntegrationSettings, where: str, source: str
) -> Integration:
    """An instance of ``item``'s type with its validated config; ``ConfigError`` names each
    bad field as ``{where}.config.<field>``. A relative path in a path field of the config is
    relative to the config file's folder (``IntegrationSettings.config_for``)."""
    prefix = f"{where}." if where else ""
    try:
        cls = load_type(item.type, f"{prefix}type")
    except ConfigError as exc:
        exc.problems = [_located(p, source) for p in exc.problems]
        exc.args = ("; ".join(str(p) for p in exc.problems),)
        raise  # keep the class: UnknownIntegrationType carries the installed types
    try:
        return cls(item.config_for(cls.config_model))
    except ValidationError as exc:
        problems = validation_problems(
            cls.config_model, exc.errors(), prefix=f"{prefix}config", source=source
        )
        raise ConfigError(problems) from None  # pydantic's own text would carry the secret


def build_ocean(config: LoadedConfig, index: int, catalog: Catalog) -> Ocean:
    """The runtime of ``integrations[index]``; raises ``ConfigError`` naming the field."""
    return build_ocean_for(config.settings.integrations[index], config, index, catalog)


def build_ocean_for(
    item: IntegrationSettings, config: LoadedConfig, index: int, catalog: Catalog,
    *, mapping_origin: str | None = None,
) -> Ocean:
    """The runtime of one integration's settings (those of ``integrations[index]``, possibly
    changed through the API: then ``mapping_origin`` says where its mapping came from, for
    the errors that name it)."""
    config.require_integration(index, item)
    where = f"integrations[{index}]"
    source = str(config.path)
    integration = build_integration(item, where, source)
    mapping, mapping_source = resolve_mapping(item, config.base, where, source)
    return Ocean(
        integration,
        catalog=catalog,
        mapping=mapping,
        integration_id=item.id,
        configured_deletion_threshold=item.deletion_threshold,
        mapping_timeout=config.settings.mapping_timeout.total_seconds(),
        mapping_source=mapping_source or mapping_origin or (
            f"{source}: {where}.mapping" if mapping else None),
    )


@dataclass(frozen=True)
class ValidatedIntegration:
    """What ``ocean validate`` reports of one valid integration instance."""

    integration_id: str
    type: str
    mapping: str
    """Where the mapping came from: its file, ``inline``, ``default``, ``none``, or ``api``
    (a change made through the API)."""
    kinds: list[str]
    resources: int


def validate_integrations(
    config: LoadedConfig, indexes: list[int],
    in_effect: Mapping[int, IntegrationSettings] | None = None,
) -> tuple[list[ValidatedIntegration], list[ConfigProblem]]:
    """Build each selected integration (type, config, mapping) without opening its catalog;
    every problem of every integration is returned, none is raised. ``in_effect`` gives the
    settings of those changed through the API (their mapping is then ``api`` if changed)."""
    valid: list[ValidatedIntegration] = []
    problems: list[ConfigProblem] = []
    catalog = MemoryCatalog()  # never used: validation reads and writes nothing
    for index in indexes:
        file_item = config.settings.integrations[index]
        item = (in_effect or {}).get(index, file_item)
        try:
            ocean = build_ocean_for(item, config, index, catalog)
        except ConfigError as exc:
            problems.extend(_located(p, str(config.path)) for p in exc.problems)
            continue
        if item.mapping != file_item.mapping:
            origin = "api"
        elif item.mapping is None:
            origin = "default" if ocean.integration.get_default_mapping() else "none"
        else:
            origin = "inline" if isinstance(item.mapping, dict) else item.mapping
        kinds = [step.spec.name for step in ocean.plan.steps]
        resources = sum(1 for step in ocean.plan.steps if step.resource is not None)
        valid.append(ValidatedIntegration(item.id, item.type, origin, kinds, resources))
    return valid, problems


def _located(problem: ConfigProblem, source: str) -> ConfigProblem:
    return ConfigProblem(problem.field, problem.message, problem.source or source)
