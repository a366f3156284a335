"""Overrides: the changes made through the API (``PATCH /api/integrations/{id}``), which
outlive a restart.

They are kept in the catalog's state store, next to a digest of the config file's values they
replaced (a digest, so that secrets the file takes from the environment are not copied into
the catalog). On start, a change is applied again only if the file still says what it said
then: an operator who edits the file afterwards has the last word, and the stored change is
dropped (logged).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from loguru import logger

from ocean_core.catalog import Catalog
from ocean_core.config import IntegrationSettings

STATE_KEY = "api_changes"
CHANGEABLE = ("name", "config", "mapping")
"""The settings of an integration the API may change."""


@dataclass(frozen=True)
class IntegrationChange:
    """What a ``PATCH`` may change; ``None`` leaves a value as it is."""

    name: str | None = None
    config: dict[str, Any] | None = None
    mapping: dict[str, Any] | None = None

    def applied_to(self, item: IntegrationSettings) -> IntegrationSettings:
        updates = {k: v for k, v in vars(self).items() if v is not None}
        return item.model_copy(update=updates)


def _plain(value: Any) -> Any:
    """As JSON holds it (a YAML date becomes text)."""
    return orjson.loads(orjson.dumps(value))


def file_digest(item: IntegrationSettings) -> str:
    """What the file says of the changeable settings, as a digest: of the text as written
    (``${NAME}`` unexpanded), so that a secret rotated in the environment is no file change."""
    values = item.as_written(*CHANGEABLE)
    text = orjson.dumps(values, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(text).hexdigest()


async def apply_stored(catalog: Catalog, item: IntegrationSettings) -> IntegrationSettings:
    """``item`` with the API's stored changes applied, if the file has not moved since."""
    stored = await catalog.get_state(item.id, STATE_KEY)
    if stored is None:
        return item
    if stored.get("file") != file_digest(item):
        logger.warning(
            "integration {}: the config file changed after the API change of {}; the file wins",
            item.id, stored.get("changed_at"),
        )
        await catalog.set_state(item.id, STATE_KEY, None)
        return item
    return item.model_copy(update=stored["values"])


async def store_change(
    catalog: Catalog, file_item: IntegrationSettings, changed: IntegrationSettings
) -> None:
    """Remember the changed values, with the file's values they replace."""
    values = {
        name: getattr(changed, name)
        for name in CHANGEABLE
        if getattr(changed, name) != getattr(file_item, name)
    }
    state = {
        "file": file_digest(file_item),
        "values": _plain(values),
        "changed_at": datetime.now(UTC).isoformat(),
    }
    await catalog.set_state(file_item.id, STATE_KEY, state if values else None)
