"""Turn one fetched batch into storable rows: map, validate and encode each item.

A bad item is an error of its kind, recorded with the item; it never stops the batch and is
never silently dropped (unlike Port Ocean, a null identifier is an error).
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ocean_core._limits import (
    MAX_BLUEPRINT_BYTES,
    MAX_IDENTIFIER_BYTES,
    TOO_DEEP,
    ItemLimitError,
    check_key_bytes,
)
from ocean_core.catalog._rows import EncodeError, EntityRow, encode
from ocean_core.entity import Entity
from ocean_core.mapping import CompiledResource, ItemMappingError, MappedItem, kind_label

_ITEM_PREVIEW = 300
_SHORT_IDENTIFIER = MAX_IDENTIFIER_BYTES // 4
_SHORT_BLUEPRINT = MAX_BLUEPRINT_BYTES // 4
"""Characters that fit the byte limits whatever they are (UTF-8 takes at most four bytes)."""


@dataclass
class Prepared:
    rows: list[EntityRow] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(message, item preview) per bad item."""
    filtered: int = 0


class ItemError(ValueError):
    """A mapped or yielded entity breaks a rule of the catalog. Its message starts with the
    entity field it is about (``identifier is null``)."""


def preview(item: Any) -> str:
    """The item as JSON, as the fetcher yielded it (an ``Entity`` as its fields), cut to
    ``_ITEM_PREVIEW`` characters: what a run record, a log line and the dashboard show. A value
    JSON cannot hold (a ``Decimal``, ``bytes``) is written as its text; an item orjson cannot
    write at all (nested too deep) falls back to a bounded ``repr``."""
    try:
        text = orjson.dumps(item, default=_as_text, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # reprlib stops at a few levels, whatever the depth
        text = reprlib.repr(_as_text(item) if isinstance(item, Entity) else item)
    return text if len(text) <= _ITEM_PREVIEW else text[:_ITEM_PREVIEW] + "..."


def _as_text(value: Any) -> Any:
    if isinstance(value, Entity):
        return {name: getattr(value, name) for name in Entity.__slots__}
    return str(value)


def _key_part(value: Any, name: str, limit: int) -> str:
    if value is None:
        raise ItemError(f"{name} is null")
    if not isinstance(value, str):
        shown = reprlib.repr(value)
        raise ItemError(f"{name} must be a string, got {type(value).__name__} {shown}")
    if not value:
        raise ItemError(f"{name} is an empty string")
    if len(value) * 4 > limit:  # it may be longer than allowed: count its bytes
        try:
            check_key_bytes(value, name, limit)
        except ItemLimitError as exc:
            raise ItemError(str(exc)) from None
    return value


def _row(
    identifier: Any, blueprint: Any, title: Any, properties: Any, relations: Any,
    team: Any, icon: Any,
) -> EntityRow:
    identifier = _key_part(identifier, "identifier", MAX_IDENTIFIER_BYTES)
    blueprint = _key_part(blueprint, "blueprint", MAX_BLUEPRINT_BYTES)
    if title is not None and not isinstance(title, str):
        raise ItemError(f"title must be a string or null, got {type(title).__name__} {title!r}")
    if not isinstance(properties, dict):
        raise ItemError(f"properties must be an object, got {type(properties).__name__}")
    if not isinstance(relations, dict):
        raise ItemError(f"relations must be an object, got {type(relations).__name__}")
    if icon is not None and not isinstance(icon, str):
        raise ItemError(f"icon must be a string or null, got {icon!r}")
    return encode(identifier, blueprint, title, properties, relations, team, icon)


def _entity_row(entity: Entity) -> EntityRow:
    identifier, blueprint, title = entity.identifier, entity.blueprint, entity.title
    properties, relations = entity.properties, entity.relations
    # The common case in one test; anything unusual takes the path that says what is wrong.
    if (
        type(identifier) is str and identifier and type(blueprint) is str and blueprint
        and len(identifier) <= _SHORT_IDENTIFIER and len(blueprint) <= _SHORT_BLUEPRINT
        and (title is None or type(title) is str)
        and type(properties) is dict and type(relations) is dict
        and entity.team is None and entity.icon is None
    ):
        return encode(identifier, blueprint, title, properties, relations)
    return _row(
        identifier, blueprint, title, properties, relations, entity.team, entity.icon
    )


def _mapped_row(mapped: MappedItem, resource: CompiledResource) -> EntityRow:
    """The row of a mapped item; an error names the mapping field that produced the value:
    ``resources[0].port.entity.mappings.identifier is null (kind "svc")``."""
    try:
        return _row(
            mapped.identifier, mapped.blueprint, mapped.title, mapped.properties,
            mapped.relations, mapped.team, mapped.icon,
        )
    except ItemError as exc:
        raise ItemError(f"mapping {_where(resource)}.port.entity.mappings.{exc}"
                        f" ({kind_label(resource.kind)})") from exc
    except EncodeError as exc:
        raise ItemError(f"mapping {_where(resource)} ({kind_label(resource.kind)}): {exc}") from exc


def _where(resource: CompiledResource) -> str:
    return f"resources[{resource.index}]"


def prepare(batch: Sequence[Any], resource: CompiledResource | None, kind: str) -> Prepared:
    """Map (when a resource is given) and encode every item of a batch."""
    out = Prepared()
    for item in batch:
        try:
            if isinstance(item, Entity):
                out.rows.append(_entity_row(item))
            elif resource is None:
                raise ItemError(
                    f"kind {kind!r} has no mapping, so its fetcher must yield Entity objects,"
                    f" got {type(item).__name__}"
                )
            elif not isinstance(item, dict):
                raise ItemError(f"item must be an object, got {type(item).__name__}")
            else:
                children = resource.expand(item)
                if not children:
                    out.filtered += 1
                out.rows.extend(
                    _mapped_row(resource.map(child), resource) for child in children
                )
        except ItemMappingError as exc:
            assert resource is not None  # only a resource raises it
            message = f"mapping {_where(resource)}.{exc} ({kind_label(resource.kind)})"
            out.errors.append((message, preview(item)))
        except (ItemError, EncodeError) as exc:
            out.errors.append((str(exc), preview(item)))
        except RecursionError:  # a safety net: the limits stop nesting well before
            out.errors.append((f"item: {TOO_DEEP}", preview(item)))
    return out
