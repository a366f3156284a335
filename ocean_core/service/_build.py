"""From an integration's settings to its runtime: the seam between the service and
``ocean_core.assembly``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from ocean_core.assembly import build_integration, build_ocean_for, resolve_mapping
from ocean_core.catalog import Catalog
from ocean_core.config import IntegrationSettings, LoadedConfig
from ocean_core.errors import ConfigError, ConfigProblem, MappingError
from ocean_core.integration import Integration
from ocean_core.mapping import validate_for
from ocean_core.ocean import Ocean


class Reconfiguration(NamedTuple):
    """What ``Ocean.reconfigure`` takes, built from changed settings."""

    integration: Integration
    mapping: dict[str, Any] | None
    mapping_source: str | None


@dataclass(frozen=True)
class RuntimeBuilder:
    """Builds the runtimes of one config file's integrations against one catalog."""

    config: LoadedConfig
    catalog: Catalog

    def ocean(self, index: int, item: IntegrationSettings) -> Ocean:
        """The runtime of ``integrations[index]`` with the settings in effect."""
        return build_ocean_for(item, self.config, index, self.catalog)

    def reconfiguration(
        self, index: int, item: IntegrationSettings, file_item: IntegrationSettings
    ) -> Reconfiguration:
        """The integration and mapping of changed settings, every problem reported at once;
        problems name fields relative to the integration (``config.kinds``,
        ``mapping.resources[0].kind``)."""
        problems: list[ConfigProblem] = []
        integration: Integration | None = None
        try:
            integration = build_integration(item, "", "")
        except ConfigError as exc:
            problems.extend(exc.problems)
        where, path = f"integrations[{index}]", str(self.config.path)
        mapping, source = resolve_mapping(item, self.config.base, where, path)
        if isinstance(item.mapping, dict) and item.mapping != file_item.mapping:
            source = f"PATCH /api/integrations/{item.id}"
        if mapping is not None:
            try:  # kinds and selector keys are checked only once the config is valid
                validate_for(integration, mapping)
            except MappingError as exc:
                problems.extend(
                    ConfigProblem(f"mapping.{p.field}".rstrip("."), p.message)
                    for p in exc.problems
                )
        if problems:
            raise ConfigError(problems)
        assert integration is not None
        return Reconfiguration(integration, mapping, source)
