"""The keys a kind removes outside a sweep (rule 9): those its ``Deleted`` batches report gone,
and, in an incremental run, those of changed items its selector now drops.

A removal is keyed by ``(blueprint, identifier)``, mapped by the kind's own resource (only
those two fields, never the selector: a deleted item's entity goes whatever it looks like
now). A key that breaks the catalog's rules (a null identifier) is an error of the kind,
recorded with the item, as a bad item of a page is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ocean_core._limits import MAX_BLUEPRINT_BYTES, MAX_IDENTIFIER_BYTES
from ocean_core.engine._prepare import ItemError, _key_part, preview
from ocean_core.entity import Entity
from ocean_core.mapping import CompiledResource, ItemMappingError, kind_label

Key = tuple[str, str]


@dataclass
class Keys:
    """Keys to remove, in order and each once, with the errors of the items that gave none."""

    keys: list[Key] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def add(self, blueprint: Any, identifier: Any) -> None:
        key = (_key_part(blueprint, "blueprint", MAX_BLUEPRINT_BYTES),
               _key_part(identifier, "identifier", MAX_IDENTIFIER_BYTES))
        self.keys.append(key)


@dataclass
class Dropped:
    """One kind's keys, in an incremental run, whose changed item the selector now drops and
    that no item of the kind wrote in the run (another resource of the kind may map the same
    item to the same key; when in doubt the entity stays, for the next full run to judge).
    Removed at the kind's end, when it ended without errors."""

    dropped: dict[Key, None] = field(default_factory=dict)
    written: set[Key] = field(default_factory=set)

    def drop(self, keys: Iterable[Key]) -> None:
        self.dropped.update(dict.fromkeys(keys))

    def wrote(self, keys: Iterable[Key]) -> None:
        self.written.update(keys)

    @property
    def keys(self) -> list[Key]:
        return [key for key in self.dropped if key not in self.written]


def deleted_keys(
    items: Iterable[Any], resource: CompiledResource | None, kind: str,
    keys_of: Callable[[Any], list[tuple[Any, Any]]] | None = None,
) -> Keys:
    """The keys of the items a ``Deleted`` batch reports gone; ``keys_of`` gives a raw item's
    keys (``resource.keys``, unless they were found in a jq worker: ``_pooled``)."""
    out = Keys()
    for item in items:
        try:
            if isinstance(item, Entity):
                out.add(item.blueprint, item.identifier)
            elif resource is None:
                raise ItemError(
                    f"kind {kind!r} has no mapping, so its Deleted batches must hold Entity"
                    f" objects, got {type(item).__name__}"
                )
            elif not isinstance(item, dict):
                raise ItemError(f"a deleted item must be an object, got {type(item).__name__}")
            else:
                for blueprint, identifier in (keys_of or resource.keys)(item):
                    _mapped(resource, out, blueprint, identifier)
        except ItemMappingError as exc:
            assert resource is not None
            out.errors.append((_where(resource, str(exc)), preview(item)))
        except ItemError as exc:
            out.errors.append((f"deleted item: {exc}", preview(item)))
    out.keys = list(dict.fromkeys(out.keys))
    return out


def dropped_keys(
    items: Iterable[Any], resource: CompiledResource,
    keys_of: Callable[[Any], list[tuple[Any, Any]]] | None = None,
) -> Keys:
    """The keys of the changed items (and ``itemsToParse`` children) the selector drops: in an
    incremental run their entities no longer belong, and no sweep will come to remove them.
    An item the mapping cannot key is left alone (its page recorded the error, if any).
    ``keys_of`` as for ``deleted_keys`` (the dropped children's keys)."""
    out = Keys()
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            found = (keys_of(item) if keys_of is not None
                     else resource.keys(item, dropped_only=True))
            for blueprint, identifier in found:
                out.add(blueprint, identifier)
        except (ItemMappingError, ItemError):
            continue
    out.keys = list(dict.fromkeys(out.keys))
    return out


def _mapped(resource: CompiledResource, out: Keys, blueprint: Any, identifier: Any) -> None:
    try:
        out.add(blueprint, identifier)
    except ItemError as exc:
        raise ItemMappingError("port.entity.mappings", str(exc)) from None


def _where(resource: CompiledResource, message: str) -> str:
    return (f"deleted item: mapping resources[{resource.index}].{message}"
            f" ({kind_label(resource.kind)})")
