"""The settings an integration runs with, for the commands that run or show it outside the
service (``ocean resync``, ``status``, ``validate``, ``try``, ``config reset``): the config
file's, with the changes made through the API on the same catalog, exactly as ``ocean sail``
applies them. So a run maps the same whichever command starts it.

    in_effect = await settings_in_effect(catalog, item, "integrations[0]")
    ocean = build_ocean_for(in_effect.settings, config, 0, catalog)
"""

from __future__ import annotations

from dataclasses import dataclass

from ocean_core.catalog import Catalog
from ocean_core.config import IntegrationSettings
from ocean_core.plugins import load_type
from ocean_core.service._overrides import (
    STATE_KEY,
    ApiChanges,
    discard_overrides,
    read_overrides,
)


@dataclass(frozen=True)
class InEffect:
    """An integration's settings in effect, and what the API's changes override (or None)."""

    settings: IntegrationSettings
    changes: ApiChanges | None


async def settings_in_effect(catalog: Catalog, item: IntegrationSettings, where: str
                             ) -> InEffect:
    """The file's settings of ``item`` with the API's stored changes applied. It only reads:
    a change made before the file was last edited no longer applies (the file wins), and is
    reported (``changes.file_changed``); ``ocean sail`` drops it at its next start."""
    model = load_type(item.type, f"{where}.type").config_model
    overrides, file_changed = await read_overrides(catalog, item, model)
    if file_changed:
        return InEffect(item, overrides.summary(item, file_changed=True))
    return InEffect(overrides.settings(item, model), overrides.summary(item))


async def discard_api_changes(catalog: Catalog, item: IntegrationSettings, where: str
                              ) -> ApiChanges | None:
    """Forget the changes made through the API to ``item``; what they changed, or None if
    there were none."""
    model = load_type(item.type, f"{where}.type").config_model
    overrides, file_changed = await read_overrides(catalog, item, model)
    found = overrides.summary(item, file_changed=file_changed)
    if found is not None or await catalog.get_state(item.id, STATE_KEY) is not None:
        await discard_overrides(catalog, item.id)
    return found
