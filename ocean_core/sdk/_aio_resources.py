"""The async resources: the twins of ``_resources`` with awaited methods."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from functools import partial

from ocean_core.dry_run import DryRunReport
from ocean_core.entity import Entity
from ocean_core.results import ResyncResult
from ocean_core.sdk import _calls as calls
from ocean_core.sdk import _plans as plans
from ocean_core.sdk._async_client import AsyncClient, resolve
from ocean_core.sdk._models import DRY_RUN_SECONDS, Asker, IntegrationStatus, WebhookStats
from ocean_core.sdk._shared import (
    IntegrationData,
    KbIntegration,
    KnowledgeBaseData,
    RunData,
    to_entity,
)


class _Uses:
    """The client of a call: ``client=``, else the resource's own, else the default."""

    _client: AsyncClient | None

    def _use(self, client: AsyncClient | None) -> AsyncClient:
        return resolve(client or self._client)


class Run(_Uses, RunData[AsyncClient]):
    """The async twin of ``ocean_core.sdk.Run``: ``await run.wait(timeout=60)``."""

    async def refresh(self, *, client: AsyncClient | None = None) -> Run:
        self.handle = await self._use(client).send(
            calls.get_run(self.integration_id, self.run_id))
        return self

    async def wait(
        self,
        timeout: float | None = None,  # noqa: ASYNC109 - the twin of Run.wait; long-poll bound
        *, poll: float = plans.POLL_SECONDS, on_progress: Callable[[Run], None] | None = None,
        client: AsyncClient | None = None,
    ) -> Run:
        """Until the run ends, following ``superseded_by``; ``RunWaitTimeout`` after
        ``timeout`` seconds. ``on_progress`` is called with this run at each answer before
        the end (polls of ``poll`` seconds at most)."""
        plan = plans.wait_for(self.handle, timeout, poll=poll,
                              on_progress=self._progress(on_progress))
        self.handle = await self._use(client).run(plan)
        return self


class Integration(_Uses, IntegrationData[AsyncClient]):
    """The async twin of ``ocean_core.sdk.Integration``: ``await Integration.list()``."""

    @classmethod
    async def list(cls, *, client: AsyncClient | None = None) -> builtins.list[Integration]:
        found = resolve(client)
        return [cls(state, client) for state in await found.send(calls.list_integrations())]

    @classmethod
    async def get(cls, integration_id: str, *, client: AsyncClient | None = None) -> Integration:
        found = resolve(client)
        return cls(await found.send(calls.get_integration(integration_id)), client)

    async def resync(
        self, *, trigger: Asker = "sdk", incremental: bool = False,
        client: AsyncClient | None = None,
    ) -> Run:
        chosen = self._use(client)
        call = calls.trigger(self.id, trigger, incremental=incremental)
        return Run(await chosen.send(call), client or self._client)

    async def dry_run(
        self, *,
        timeout: float = DRY_RUN_SECONDS,  # noqa: ASYNC109 - the twin of dry_run; the server's
        incremental: bool = False, client: AsyncClient | None = None,
    ) -> DryRunReport:
        call = calls.dry_run(self.id, timeout, incremental=incremental)
        return await self._use(client).send(call)

    async def discard_changes(self, *, client: AsyncClient | None = None) -> Run:
        chosen = self._use(client)
        return Run(await chosen.send(calls.discard_changes(self.id)), client or self._client)

    async def status(self, *, client: AsyncClient | None = None) -> IntegrationStatus:
        self.state = await self._use(client).send(calls.get_integration(self.id))
        return self.state

    async def refresh(self, *, client: AsyncClient | None = None) -> Integration:
        await self.status(client=client)
        return self

    async def webhook_stats(self, *, client: AsyncClient | None = None) -> WebhookStats:
        return await self._use(client).send(calls.webhook_stats(self.id))

    async def runs(
        self, limit: int | None = 20, *, page_size: int = 100,
        client: AsyncClient | None = None,
    ) -> builtins.list[ResyncResult]:
        size = min(page_size, limit) if limit else page_size
        found: builtins.list[ResyncResult] = []
        if limit == 0:
            return found
        records = self._use(client).pages(partial(calls.runs_page, self.id, size))
        async with aclosing(records):
            async for record in records:
                found.append(record)
                if limit is not None and len(found) >= limit:
                    break
        return found


class KnowledgeBase(_Uses, KnowledgeBaseData[AsyncClient]):
    """The async twin of ``ocean_core.sdk.KnowledgeBase``: ``await KnowledgeBase.new(...)``;
    ``entities()`` is an async iterator."""

    @classmethod
    async def new(
        cls, name: str, id: str | None = None, *, client: AsyncClient | None = None
    ) -> KnowledgeBase:
        found = resolve(client)
        return cls(await found.send(calls.create_kb(name, id)), client)

    @classmethod
    async def get(cls, kb_id: str, *, client: AsyncClient | None = None) -> KnowledgeBase:
        found = resolve(client)
        return cls(await found.send(calls.get_kb(kb_id)), client)

    @classmethod
    async def list(cls, *, client: AsyncClient | None = None) -> builtins.list[KnowledgeBase]:
        found = resolve(client)
        return [cls(info, client) for info in await found.send(calls.list_kbs())]

    async def refresh(self, *, client: AsyncClient | None = None) -> KnowledgeBase:
        self.info = await self._use(client).send(calls.get_kb(self.id))
        return self

    async def integrations(
        self, *, client: AsyncClient | None = None
    ) -> builtins.list[KbIntegration]:
        found = await self._use(client).send(calls.kb_integrations(self.id))
        return [KbIntegration.of(item) for item in found]

    async def attach(
        self, integration_id: str, *, client: AsyncClient | None = None
    ) -> KbIntegration:
        return KbIntegration.of(
            await self._use(client).send(calls.attach(self.id, integration_id)))

    async def detach(self, integration_id: str, *, client: AsyncClient | None = None) -> None:
        await self._use(client).send(calls.detach(self.id, integration_id))

    async def resync_integration(
        self, integration_id: str, *, client: AsyncClient | None = None
    ) -> Run:
        chosen = self._use(client)
        return Run(await chosen.run(plans.resync_in_kb(self.id, integration_id)),
                   client or self._client)

    async def entities(
        self, *, blueprint: str | None = None, kind: str | None = None, q: str | None = None,
        integration: str | None = None, page_size: int = 100,
        client: AsyncClient | None = None,
    ) -> AsyncIterator[Entity]:
        page = partial(calls.entities_page, page_size, knowledge_base=self.id,
                       integration=integration, blueprint=blueprint, kind=kind, q=q)
        async for info in self._use(client).pages(page):
            yield to_entity(info)

    async def delete(self, *, client: AsyncClient | None = None) -> None:
        await self._use(client).send(calls.delete_kb(self.id))
