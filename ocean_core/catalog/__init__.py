"""Catalogs: where entities, generations and run records live.

``SQLiteCatalog`` is the embedded default; ``PostgresCatalog`` (extra ``postgres``) serves
several runner processes; ``MemoryCatalog`` serves tests. Any object with the
methods of the ``Catalog`` protocol can take their place; a reader that needs less takes one of
the narrow protocols it is made of (``ResyncStore`` for the engine, ``CatalogReads`` for the
API, ...). Knowledge bases (``KnowledgeBaseRecord``) group the integrations that feed one part
of the catalog.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ocean_core.catalog._memory import MemoryCatalog
from ocean_core.catalog._protocol import (
    Catalog,
    CatalogReads,
    KnowledgeBaseStore,
    LiveWriter,
    PageWriter,
    ResyncStore,
    RunnerCoordination,
    StateStore,
    WebhookInbox,
)
from ocean_core.catalog._rows import EntityRow, encode, encode_entity
from ocean_core.catalog._sqlite import SQLiteCatalog
from ocean_core.catalog._types import (
    CatalogCapabilities,
    CursorCommit,
    DeleteOutcome,
    EntityKey,
    EventFailure,
    EventStatus,
    InboxEvent,
    InboxStats,
    KnowledgeBaseRecord,
    LiveOutcome,
    PageOutcome,
    PageProgress,
    RunCursor,
    RunStart,
    StoredCursor,
)
from ocean_core.catalog._unfenced import UnfencedWriter
from ocean_core.errors import ConfigError

if TYPE_CHECKING:
    from ocean_core.catalog._postgres import PostgresCatalog

__all__ = [
    "Catalog",
    "CatalogCapabilities",
    "CatalogReads",
    "CursorCommit",
    "DeleteOutcome",
    "EntityKey",
    "EntityRow",
    "EventFailure",
    "EventStatus",
    "InboxEvent",
    "InboxStats",
    "KnowledgeBaseRecord",
    "KnowledgeBaseStore",
    "LiveOutcome",
    "LiveWriter",
    "MemoryCatalog",
    "PageOutcome",
    "PageProgress",
    "PageWriter",
    "PostgresCatalog",
    "ResyncStore",
    "RunCursor",
    "RunStart",
    "RunnerCoordination",
    "SQLiteCatalog",
    "StateStore",
    "StoredCursor",
    "UnfencedWriter",
    "WebhookInbox",
    "catalog_from_url",
    "encode",
    "encode_entity",
]


def __getattr__(name: str) -> Any:
    # PostgresCatalog imports psycopg, an optional dependency: only when asked for.
    if name == "PostgresCatalog":
        from ocean_core.catalog._postgres import PostgresCatalog

        return PostgresCatalog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def catalog_from_url(url: str, base: Path | None = None, field: str = "catalog") -> Catalog:
    """``sqlite:///ocean.db`` (relative to ``base``), ``sqlite:////abs/path.db``,
    ``sqlite://:memory:``, ``memory://``, or ``postgresql://user@host/db`` (optional
    ``?schema=NAME``, default ``ocean``; other parameters go to libpq)."""
    if url in ("memory://", "sqlite://:memory:", "sqlite:///:memory:"):
        return SQLiteCatalog(":memory:") if url.startswith("sqlite") else MemoryCatalog()
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_absolute() and base is not None:
            path = base / path
        return SQLiteCatalog(path)
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres_from_url(url, field)
    raise ConfigError.single(
        field,
        f"unsupported catalog URL {url!r}"
        " (expected sqlite:///PATH, postgresql://USER@HOST/DB or memory://)",
    )


def _postgres_from_url(url: str, field: str) -> Catalog:
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for key, value in query if key == "schema"]
    conninfo = urlunsplit(parts._replace(query=urlencode([q for q in query if q[0] != "schema"])))
    try:
        from ocean_core.catalog._postgres import PostgresCatalog
    except ImportError as exc:
        raise ConfigError.single(
            field, f"PostgreSQL catalogs need psycopg: pip install 'ocean-core[postgres]' ({exc})"
        ) from exc
    if len(schemas) > 1:
        raise ConfigError.single(field, "the catalog URL names more than one schema")
    try:
        return PostgresCatalog(conninfo, schema=schemas[0]) if schemas else PostgresCatalog(
            conninfo
        )
    except ValueError as exc:
        raise ConfigError.single(field, str(exc)) from exc
