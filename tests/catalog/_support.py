"""Helpers shared by the catalog tests: building rows, reading entities, counting row writes."""

from __future__ import annotations

import sqlite3
from typing import Any

from ocean_core.catalog import SQLiteCatalog, encode
from ocean_core.catalog._rows import EntityRow
from ocean_core.entity import Entity

# (integration_id, blueprint, identifier, title, properties, relations, team, icon, kind)
EntityTuple = tuple[str | None, str, str, str | None, dict[str, Any], dict[str, Any], Any,
                    str | None, str | None]

_COUNTERS = """
CREATE TEMP TABLE IF NOT EXISTS entity_writes (op TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT OR IGNORE INTO entity_writes VALUES ('insert', 0), ('update', 0), ('delete', 0);
CREATE TEMP TRIGGER IF NOT EXISTS count_entity_inserts AFTER INSERT ON entities
BEGIN UPDATE entity_writes SET n = n + 1 WHERE op = 'insert'; END;
CREATE TEMP TRIGGER IF NOT EXISTS count_entity_updates AFTER UPDATE ON entities
BEGIN UPDATE entity_writes SET n = n + 1 WHERE op = 'update'; END;
CREATE TEMP TRIGGER IF NOT EXISTS count_entity_deletes AFTER DELETE ON entities
BEGIN UPDATE entity_writes SET n = n + 1 WHERE op = 'delete'; END;
"""


def row(
    identifier: str, blueprint: str = "svc", title: str | None = None, **properties: Any
) -> EntityRow:
    return encode(identifier, blueprint, title, properties, {})


def as_tuple(entity: Entity) -> EntityTuple:
    return (
        entity.integration_id, entity.blueprint, entity.identifier, entity.title,
        entity.properties, entity.relations, entity.team, entity.icon, entity.kind,
    )


async def install_write_counters(catalog: SQLiteCatalog) -> None:
    """Count every INSERT, UPDATE and DELETE on ``entities`` through this catalog's connection
    (TEMP triggers: they live as long as the connection, and see only its writes)."""

    def install(conn: sqlite3.Connection) -> None:
        conn.executescript(_COUNTERS)

    await catalog._run(install)


async def entity_writes(catalog: SQLiteCatalog) -> dict[str, int]:
    """Row writes on ``entities`` since ``install_write_counters``, by operation."""

    def read(conn: sqlite3.Connection) -> dict[str, int]:
        return {op: int(n) for op, n in conn.execute("SELECT op, n FROM entity_writes")}

    return await catalog._run(read)
