"""Knowledge bases: named groups of integrations that feed one part of the catalog.

A knowledge base only refers to integrations: deleting it detaches them and deletes no entity
and no integration. Its entities are those of its attached integrations; a resync through it is
the integration's own resync, allowed only for an attached integration.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

from ocean_core._types import Trigger
from ocean_core.catalog import Catalog, KnowledgeBaseRecord
from ocean_core.errors import NotAttachedError, NotFoundError
from ocean_core.ocean import RunTicket

Resync = Callable[[str, Trigger | str], Awaitable[RunTicket]]
"""Triggers a resync of an integration (its id, who asks)."""


class KnowledgeBases:
    """The service's knowledge bases, stored in its catalog.

    ``catalog`` gives the catalog (it opens when the service starts), ``require`` raises
    ``NotFoundError`` naming the configured ids for an integration that is not configured,
    and ``trigger`` resyncs an integration.
    """

    def __init__(
        self, catalog: Callable[[], Catalog], require: Callable[[str], object],
        trigger: Resync,
    ) -> None:
        self._catalog = catalog
        self._require = require
        self._trigger = trigger

    async def create(self, name: str, kb_id: str | None = None) -> KnowledgeBaseRecord:
        """A new knowledge base; ``ConflictError`` if ``kb_id`` is taken."""
        return await self._catalog().create_knowledge_base(kb_id or uuid.uuid4().hex, name)

    async def get(self, kb_id: str) -> KnowledgeBaseRecord:
        found = await self._catalog().get_knowledge_base(kb_id)
        if found is None:
            raise NotFoundError("knowledge base", kb_id)
        return found

    async def all(self) -> list[KnowledgeBaseRecord]:
        return await self._catalog().knowledge_bases()

    async def delete(self, kb_id: str) -> None:
        """Delete it and detach its integrations; no entity or integration is touched."""
        if not await self._catalog().delete_knowledge_base(kb_id):
            raise NotFoundError("knowledge base", kb_id)

    async def attach(self, kb_id: str, integration_id: str) -> tuple[datetime, bool]:
        """Attach a configured integration (idempotent); its attach time, and whether it is
        new."""
        self._require(integration_id)  # NotFoundError naming the configured ids
        created = await self._catalog().attach(kb_id, integration_id)
        return dict(await self._catalog().attachments(kb_id))[integration_id], created

    async def detach(self, kb_id: str, integration_id: str) -> None:
        if not await self._catalog().detach(kb_id, integration_id):
            attached = [i for i, _ in await self._catalog().attachments(kb_id)]
            raise NotAttachedError(integration_id, kb_id, attached)

    async def attachments(self, kb_id: str) -> list[tuple[str, datetime]]:
        return await self._catalog().attachments(kb_id)

    async def resync(self, kb_id: str, integration_id: str, trigger: Trigger | str = Trigger.KB
                     ) -> RunTicket:
        """The integration's own resync, if it is attached to the knowledge base."""
        attached = [i for i, _ in await self._catalog().attachments(kb_id)]
        if integration_id not in attached:
            raise NotAttachedError(integration_id, kb_id, attached)
        return await self._trigger(integration_id, trigger)
