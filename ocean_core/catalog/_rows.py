"""How an entity is stored: canonical JSON and a content hash, shared by every catalog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson
import xxhash

from ocean_core._limits import json_problem
from ocean_core.entity import Entity

_SORTED = orjson.OPT_SORT_KEYS
_EMPTY = b"{}"
_new_row = tuple.__new__  # skips NamedTuple's Python-level __new__ on the hot path
_SIGNED = 1 << 63
"""Shifts an unsigned 64-bit hash into SQLite's signed INTEGER range."""


class EntityRow(NamedTuple):
    """An entity encoded for storage. ``hash`` (xxh3, 64 bits) covers everything but the key:
    it detects change, it is no security boundary."""

    blueprint: str
    identifier: str
    title: str | None
    team: str | None
    icon: str | None
    properties: str
    relations: str
    hash: int


class EncodeError(ValueError):
    """An entity holds a value that JSON cannot represent."""


def _dump(value: Any, what: str) -> bytes:
    if not value:
        return _EMPTY
    try:
        return orjson.dumps(value, option=_SORTED)
    except TypeError as exc:
        raise EncodeError(f"{what} cannot be stored as JSON: {json_problem(exc)}") from exc


def encode(
    identifier: str,
    blueprint: str,
    title: str | None,
    properties: dict[str, Any],
    relations: dict[str, Any],
    team: Any = None,
    icon: str | None = None,
) -> EntityRow:
    """Encode validated fields; raise ``EncodeError`` for values JSON cannot hold.

    This runs once per entity per resync, so it is written for speed: two ``orjson`` calls
    and one xxh3 hash in the common case.
    """
    if "\0" in identifier or "\0" in blueprint or (title and "\0" in title) or (
        icon and "\0" in icon
    ):  # PostgreSQL text cannot hold NUL: every catalog refuses it alike
        raise EncodeError("identifier, blueprint, title and icon cannot hold a NUL character")
    try:
        props = orjson.dumps(properties, option=_SORTED) if properties else _EMPTY
        rels = orjson.dumps(relations, option=_SORTED) if relations else _EMPTY
        team_json = None if team is None else orjson.dumps(team, option=_SORTED).decode()
    except TypeError:
        _dump(properties, "properties")
        _dump(relations, "relations")
        _dump(team, "team")
        raise
    # Both JSON objects delimit themselves, and the tail is JSON too, so no two different
    # entities feed the hash the same bytes.
    tail = orjson.dumps((title, team_json, icon))
    content_hash = xxhash.xxh3_64_intdigest(props + rels + tail) - _SIGNED
    return _new_row(
        EntityRow,
        (blueprint, identifier, title, team_json, icon, props.decode(), rels.decode(),
         content_hash),
    )


def encode_entity(entity: Entity) -> EntityRow:
    return encode(
        entity.identifier,
        entity.blueprint,
        entity.title,
        entity.properties,
        entity.relations,
        entity.team,
        entity.icon,
    )


def decode(
    row: EntityRow | Sequence[Any], integration_id: str, kind: str | None
) -> Entity:
    blueprint, identifier, title, team, icon, properties, relations = row[:7]
    return Entity(
        identifier=identifier,
        blueprint=blueprint,
        title=title,
        team=None if team is None else orjson.loads(team),
        icon=icon,
        properties=orjson.loads(properties),
        relations=orjson.loads(relations),
        integration_id=integration_id,
        kind=kind,
    )


def page_digest(rows: Sequence[EntityRow]) -> bytes:
    """A digest of a page's keys and content hashes, in order: equal digests, equal pages.

    The keys go through JSON, so no choice of characters in them can make two pages collide.
    """
    keys = orjson.dumps([(row.blueprint, row.identifier, row.hash) for row in rows])
    return xxhash.xxh3_128_digest(keys)


def latest_by_key(rows: Sequence[EntityRow]) -> dict[tuple[str, str], EntityRow]:
    """Rows by key; a key repeated in one page keeps its last row."""
    return {(row.blueprint, row.identifier): row for row in rows}


LiveWrite = tuple[str, Sequence[EntityRow], Sequence[tuple[str, str]]]
"""One live change as ``apply_live`` takes it: kind, rows to upsert, keys to delete."""


NewEvent = tuple[str, Sequence[tuple[str, str]], Sequence[tuple[str, str]], bytes]
"""A verified webhook request as ``put_events`` takes it: name, headers, query, body."""
