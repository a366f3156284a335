"""How an entity is stored: canonical JSON and a content hash, shared by every catalog."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, NamedTuple

import orjson

from ocean_core.entity import Entity

_SORTED = orjson.OPT_SORT_KEYS
_EMPTY = b"{}"


class EntityRow(NamedTuple):
    """An entity encoded for storage. ``hash`` covers everything but the key."""

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
        raise EncodeError(f"{what} cannot be stored as JSON: {exc}") from exc


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
    and one BLAKE2 hash in the common case.
    """
    props = _dump(properties, "properties")
    rels = _dump(relations, "relations")
    team_json = None if team is None else _dump(team, "team").decode()
    # Both JSON objects delimit themselves, and repr() of a str or None is one unambiguous
    # literal, so no two different entities feed the hash the same bytes.
    digest = hashlib.blake2b(props, digest_size=8)
    digest.update(rels)
    digest.update(f"{title!r}|{team_json!r}|{icon!r}".encode())
    return EntityRow(
        blueprint,
        identifier,
        title,
        team_json,
        icon,
        props.decode(),
        rels.decode(),
        int.from_bytes(digest.digest(), "big", signed=True),
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
    """A digest of a page's keys and content hashes, in order: equal digests, equal pages."""
    digest = hashlib.blake2b(digest_size=16)
    for row in rows:
        # Length-prefixed, so no choice of characters in a key can make two pages collide.
        key = f"{len(row.blueprint)}:{row.blueprint}{len(row.identifier)}:{row.identifier}"
        digest.update(f"{key}{row.hash};".encode())
    return digest.digest()


def latest_by_key(rows: Sequence[EntityRow]) -> dict[tuple[str, str], EntityRow]:
    """Rows by key; a key repeated in one page keeps its last row."""
    return {(row.blueprint, row.identifier): row for row in rows}
