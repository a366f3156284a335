"""Catalogs: where entities, generations and run records live.

``SQLiteCatalog`` is the embedded default; ``MemoryCatalog`` serves tests. Any object with the
methods of the ``Catalog`` protocol can take their place. Knowledge bases
(``KnowledgeBaseRecord``) group the integrations that feed one part of the catalog.
"""

from __future__ import annotations

from pathlib import Path

from ocean_core.catalog._memory import MemoryCatalog
from ocean_core.catalog._protocol import (
    Catalog,
    DeleteOutcome,
    EntityKey,
    KnowledgeBaseRecord,
    PageOutcome,
    RunCursor,
)
from ocean_core.catalog._rows import EntityRow, encode, encode_entity
from ocean_core.catalog._sqlite import SQLiteCatalog
from ocean_core.errors import ConfigError

__all__ = [
    "Catalog",
    "DeleteOutcome",
    "EntityKey",
    "EntityRow",
    "KnowledgeBaseRecord",
    "MemoryCatalog",
    "PageOutcome",
    "RunCursor",
    "SQLiteCatalog",
    "catalog_from_url",
    "encode",
    "encode_entity",
]


def catalog_from_url(url: str, base: Path | None = None, field: str = "catalog") -> Catalog:
    """``sqlite:///ocean.db`` (relative to ``base``), ``sqlite:////abs/path.db``,
    ``sqlite://:memory:`` or ``memory://``."""
    if url in ("memory://", "sqlite://:memory:", "sqlite:///:memory:"):
        return SQLiteCatalog(":memory:") if url.startswith("sqlite") else MemoryCatalog()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_absolute() and base is not None:
            path = base / path
        return SQLiteCatalog(path)
    if url.startswith(("postgresql://", "postgres://")):
        raise ConfigError.single(field, f"PostgreSQL catalogs are not available yet (got {url!r})")
    raise ConfigError.single(
        field, f"unsupported catalog URL {url!r} (expected sqlite:///PATH or memory://)"
    )
