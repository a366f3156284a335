"""Overrides: the changes made through the API (``PATCH /api/integrations/{id}``), which
outlive a restart.

They are kept in the catalog's state store, next to a digest of the config file's values they
replaced (a digest, so that secrets the file takes from the environment are not copied into
the catalog). ``name`` and ``mapping`` replace the file's; the config is kept as a merge patch
over the file's config (``_config_patch``), with secrets as ``${NAME}`` references only. On
start, a change is applied again only if the file still says what it said then: an operator
who edits the file afterwards has the last word, and the stored change is dropped (logged).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import orjson
from loguru import logger
from pydantic import BaseModel

from ocean_core.catalog import Catalog
from ocean_core.config import IntegrationSettings
from ocean_core.service._config_patch import (
    REFERENCE,
    diff_patch,
    merge_patch,
    refuse_plain_secrets,
    resolve_secrets,
    secret_leaves,
)

STATE_KEY = "api_changes"
CHANGEABLE = ("name", "config", "mapping")
"""The settings of an integration the API may change."""


@dataclass(frozen=True)
class IntegrationChange:
    """What a ``PATCH`` may change; ``None`` leaves a value as it is. ``config`` is a JSON
    merge patch over the config in effect (see ``_config_patch``); ``name`` and ``mapping``
    replace."""

    name: str | None = None
    config: dict[str, Any] | None = None
    mapping: dict[str, Any] | None = None


@dataclass(frozen=True)
class ApiChanges:
    """What the changes made through the API override in the config file: ``settings`` names
    each one (``name``, ``mapping``, ``config.kinds.team``; never a value). ``file_changed``:
    the file was edited since, so the file wins and the next run or start drops them."""

    changed_at: datetime | None
    settings: tuple[str, ...]
    file_changed: bool = False


@dataclass(frozen=True)
class Overrides:
    """The API's changes to one integration, as kept in the catalog."""

    name: str | None = None
    mapping: dict[str, Any] | None = None
    config_patch: dict[str, Any] = field(default_factory=dict)
    """Over the file's config; secrets only as ``${NAME}`` references."""
    changed_at: datetime | None = None
    """When the newest of these changes was made (None: no change)."""

    def summary(self, file_item: IntegrationSettings, *, file_changed: bool = False
                ) -> ApiChanges | None:
        """What these overrides change of the file's settings, or None when nothing."""
        names = [name for name, value in (("name", self.name), ("mapping", self.mapping))
                 if value is not None and value != getattr(file_item, name)]
        names += [f"config.{path}" for path in _leaf_paths(self.config_patch)]
        if not names:
            return None
        return ApiChanges(self.changed_at, tuple(names), file_changed)

    def raw_config(self, file_item: IntegrationSettings) -> dict[str, Any]:
        """The config in effect with the references unresolved (what a new patch merges into)."""
        merged: dict[str, Any] = merge_patch(file_item.config, self.config_patch)
        return merged

    def then(self, change: IntegrationChange, file_item: IntegrationSettings,
             model: type[BaseModel]) -> Overrides:
        """These overrides with ``change`` made on top; ``ConfigError`` for a plain secret."""
        patch = self.config_patch
        if change.config is not None:
            patch = diff_patch(file_item.config, merge_patch(self.raw_config(file_item),
                                                             change.config))
            refuse_plain_secrets(model, patch)
        made = Overrides(
            name=change.name if change.name is not None else self.name,
            mapping=change.mapping if change.mapping is not None else self.mapping,
            config_patch=patch, changed_at=self.changed_at,
        )
        # A change that changes nothing keeps its time (and compares equal: nothing stored).
        return made if made == self else replace(made, changed_at=datetime.now(UTC))

    def settings(self, file_item: IntegrationSettings, model: type[BaseModel]
                 ) -> IntegrationSettings:
        """The settings in effect: the file's, with these overrides (references resolved from
        the environment; ``ConfigError`` naming the field of one that is not set)."""
        updates: dict[str, Any] = {}
        if self.config_patch:
            updates["config"] = merge_patch(
                file_item.config, resolve_secrets(model, self.config_patch))
        if self.name is not None:
            updates["name"] = self.name
        if self.mapping is not None:
            updates["mapping"] = self.mapping
        return file_item.model_copy(update=updates)


def _plain(value: Any) -> Any:
    """As JSON holds it (a YAML date becomes text)."""
    return orjson.loads(orjson.dumps(value))


def file_digest(item: IntegrationSettings) -> str:
    """What the file says of the changeable settings, as a digest: of the text as written
    (``${NAME}`` unexpanded), so that a secret rotated in the environment is no file change."""
    values = item.as_written(*CHANGEABLE)
    text = orjson.dumps(values, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return hashlib.sha256(text).hexdigest()


async def load_overrides(
    catalog: Catalog, item: IntegrationSettings, model: type[BaseModel]
) -> Overrides:
    """The API's stored changes of ``item``, if the file has not moved since (else none: then
    they are dropped, logged)."""
    overrides, file_changed = await read_overrides(catalog, item, model)
    if not file_changed:
        return overrides
    logger.warning(
        "integration {}: the config file changed after the API change of {}; the file wins",
        item.id, overrides.changed_at.isoformat() if overrides.changed_at else "unknown",
    )
    await catalog.set_state(item.id, STATE_KEY, None)
    return Overrides()


async def read_overrides(
    catalog: Catalog, item: IntegrationSettings, model: type[BaseModel]
) -> tuple[Overrides, bool]:
    """The API's stored changes of ``item`` and whether the file moved since they were made
    (then they no longer apply); reads only, drops nothing."""
    stored = await catalog.get_state(item.id, STATE_KEY)
    if stored is None:
        return Overrides(), False
    values = stored.get("values", {})
    patch = stored.get("config_patch", {})
    if "config" in values:  # kept by an older version: the whole config, as it was then
        patch = _without_plain_secrets(item, model, diff_patch(item.config, values["config"]))
    overrides = Overrides(values.get("name"), values.get("mapping"), patch,
                          _when(stored.get("changed_at")))
    return overrides, stored.get("file") != file_digest(item)


async def discard_overrides(catalog: Catalog, integration_id: str) -> None:
    """Forget the API's stored changes of an integration: the file's settings apply again."""
    await catalog.set_state(integration_id, STATE_KEY, None)


def _when(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _leaf_paths(patch: dict[str, Any], prefix: str = "") -> list[str]:
    """``{"kinds": {"team": 5}, "latency": None}`` -> ``["kinds.team", "latency"]``."""
    paths: list[str] = []
    for key, value in patch.items():
        where = f"{prefix}{key}"
        paths += _leaf_paths(value, f"{where}.") if isinstance(value, dict) and value else [where]
    return paths


async def store_overrides(
    catalog: Catalog, file_item: IntegrationSettings, overrides: Overrides
) -> None:
    """Remember the changes that differ from the file, with a digest of the file's values."""
    values = {
        name: value for name, value in
        (("name", overrides.name), ("mapping", overrides.mapping))
        if value is not None and value != getattr(file_item, name)
    }
    state = {
        "file": file_digest(file_item),
        "values": _plain(values),
        "config_patch": _plain(overrides.config_patch),
        "changed_at": (overrides.changed_at or datetime.now(UTC)).isoformat(),
    }
    changed = values or overrides.config_patch
    await catalog.set_state(file_item.id, STATE_KEY, state if changed else None)


def _without_plain_secrets(
    item: IntegrationSettings, model: type[BaseModel], patch: dict[str, Any]
) -> dict[str, Any]:
    """An older version kept secrets in plain text: drop them (the file's value applies)."""
    cleaned = patch
    for where, value in secret_leaves(model, patch):
        if not (isinstance(value, str) and REFERENCE.fullmatch(value)):
            logger.warning("integration {}: a secret kept by an older version in plain text is"
                           " dropped (config.{}); set it again as ${{NAME}}", item.id,
                           ".".join(map(str, where)))
            cleaned = _dropped(cleaned, where)
    return cleaned


def _dropped(value: dict[str, Any], where: tuple[int | str, ...]) -> dict[str, Any]:
    head, rest = str(where[0]), where[1:]
    if not rest or not isinstance(value.get(head), dict):
        return {k: v for k, v in value.items() if k != head}
    return {**value, head: _dropped(value[head], rest)}
