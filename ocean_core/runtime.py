"""Build runtimes from a config file: the integration type, its config and its mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ocean_core.catalog import Catalog, catalog_from_url
from ocean_core.config import IntegrationSettings, LoadedConfig
from ocean_core.errors import ConfigError, ConfigProblem, MappingError
from ocean_core.mapping import field_path, load_mapping_file
from ocean_core.ocean import Ocean
from ocean_core.plugins import load_type


def open_catalog(config: LoadedConfig) -> Catalog:
    try:
        return catalog_from_url(config.settings.catalog, config.base)
    except ConfigError as exc:
        raise ConfigError([_located(p, str(config.path)) for p in exc.problems]) from exc


def _resolve_mapping(
    item: IntegrationSettings, base: Path, where: str, source: str
) -> tuple[dict[str, Any] | None, str | None]:
    if item.mapping is None or isinstance(item.mapping, dict):
        return item.mapping, None
    path = Path(item.mapping)
    path = path if path.is_absolute() else base / path
    if not path.is_file():
        raise MappingError(
            ConfigProblem(f"{where}.mapping", f"mapping file not found: {path}", source)
        )
    return load_mapping_file(path), str(path)


def build_ocean(config: LoadedConfig, index: int, catalog: Catalog) -> Ocean:
    """The runtime of ``integrations[index]``; raises ``ConfigError`` naming the field."""
    item = config.settings.integrations[index]
    where = f"integrations[{index}]"
    source = str(config.path)
    try:
        cls = load_type(item.type, f"{where}.type")
    except ConfigError as exc:
        exc.problems = [_located(p, source) for p in exc.problems]
        exc.args = ("; ".join(str(p) for p in exc.problems),)
        raise  # keep the class: UnknownIntegrationType carries the installed types
    try:
        integration = cls(item.config)
    except ValidationError as exc:
        raise ConfigError(
            [
                ConfigProblem(
                    f"{where}.config.{field_path(e['loc'])}".rstrip("."),
                    f"{e['msg']} (got {e['input']!r})",
                    source,
                )
                for e in exc.errors()
            ]
        ) from exc
    mapping, mapping_source = _resolve_mapping(item, config.base, where, source)
    try:
        return Ocean(
            integration,
            catalog=catalog,
            mapping=mapping,
            integration_id=item.id,
            deletion_threshold=item.deletion_threshold,
            mapping_source=mapping_source or (f"{source}: {where}.mapping" if mapping else None),
        )
    except MappingError:
        raise


def _located(problem: ConfigProblem, source: str) -> ConfigProblem:
    return ConfigProblem(problem.field, problem.message, problem.source or source)
