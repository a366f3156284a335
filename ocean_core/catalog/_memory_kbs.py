"""The memory catalog's knowledge bases: the specification of ``KnowledgeBaseStore``."""

from __future__ import annotations

from datetime import datetime

from ocean_core.catalog._clock import Clock, as_utc
from ocean_core.catalog._types import KnowledgeBaseRecord
from ocean_core.errors import ConflictError, NotFoundError


class MemoryKnowledgeBases:
    """Knowledge bases in two dicts: their names and creation times, and their attachments."""

    _clock: Clock

    def __init__(self) -> None:
        self._kbs: dict[str, tuple[str, datetime]] = {}  # id -> (name, created_at)
        self._attached: dict[str, dict[str, datetime]] = {}  # kb id -> integration -> at

    def _record(self, kb_id: str) -> KnowledgeBaseRecord:
        name, created_at = self._kbs[kb_id]
        ids = tuple(integration for integration, _ in self._attachments(kb_id))
        return KnowledgeBaseRecord(kb_id, name, created_at, ids)

    def _attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        attached = self._attached.get(kb_id, {})
        return sorted(attached.items(), key=lambda item: (item[1], item[0]))

    # The clock is read once per create or attach, whatever the outcome, as SQLiteCatalog does.

    async def create_knowledge_base(self, kb_id: str, name: str) -> KnowledgeBaseRecord:
        created_at = as_utc(self._clock())
        if kb_id in self._kbs:
            raise ConflictError("knowledge base", kb_id)
        self._kbs[kb_id] = (name, created_at)
        self._attached[kb_id] = {}
        return self._record(kb_id)

    async def get_knowledge_base(self, kb_id: str) -> KnowledgeBaseRecord | None:
        return self._record(kb_id) if kb_id in self._kbs else None

    async def knowledge_bases(self) -> list[KnowledgeBaseRecord]:
        order = sorted(self._kbs, key=lambda kb_id: (self._kbs[kb_id][1], kb_id))
        return [self._record(kb_id) for kb_id in order]

    async def delete_knowledge_base(self, kb_id: str) -> bool:
        self._attached.pop(kb_id, None)
        return self._kbs.pop(kb_id, None) is not None

    async def attach(self, kb_id: str, integration_id: str) -> bool:
        attached_at = as_utc(self._clock())
        if kb_id not in self._kbs:
            raise NotFoundError("knowledge base", kb_id)
        attached = self._attached.setdefault(kb_id, {})
        if integration_id in attached:
            return False
        attached[integration_id] = attached_at
        return True

    async def detach(self, kb_id: str, integration_id: str) -> bool:
        return self._attached.get(kb_id, {}).pop(integration_id, None) is not None

    async def attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        if kb_id not in self._kbs:
            raise NotFoundError("knowledge base", kb_id)
        return self._attachments(kb_id)

