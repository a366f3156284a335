"""Knowledge bases: named groups of integration instances that feed one part of the catalog.

Shared by both catalogs: the record they return, and how they read the clock and compare times.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeAlias

Clock: TypeAlias = Callable[[], datetime]
"""What a catalog reads ``created_at`` and ``attached_at`` from (tests pass a fake one)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A clock's reading as an aware UTC datetime (naive readings are taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def integration_id_list(integration_ids: Collection[str]) -> list[str]:
    """``list_entities``' ``integration_ids`` as a list; a bare string is refused, since it is
    a collection of its characters and almost surely a mistake for ``[string]``."""
    if isinstance(integration_ids, str):
        raise TypeError("integration_ids must be a collection of ids, not one string")
    return list(integration_ids)


@dataclass(frozen=True)
class KnowledgeBaseRecord:
    """A knowledge base and the integrations attached to it, in attach order
    (``attached_at``, then integration id)."""

    id: str
    name: str
    created_at: datetime
    """Timezone-aware, UTC."""
    integration_ids: tuple[str, ...]


__all__ = ["Clock", "KnowledgeBaseRecord", "as_utc", "integration_id_list", "utc_now"]
