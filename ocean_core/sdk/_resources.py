"""The blocking resources: ``Integration``, ``Run`` and ``KnowledgeBase``.

Each method describes its request in ``_calls`` (or its steps in ``_plans``) and lets the
client send it; ``ocean_core.sdk.aio`` has the same methods, awaited.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator
from functools import partial
from itertools import islice

from ocean_core.dry_run import DryRunReport
from ocean_core.entity import Entity
from ocean_core.results import ResyncResult
from ocean_core.sdk import _calls as calls
from ocean_core.sdk import _plans as plans
from ocean_core.sdk._client import Client, resolve
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

    _client: Client | None

    def _use(self, client: Client | None) -> Client:
        return resolve(client or self._client)


class Run(_Uses, RunData[Client]):
    """A triggered resync, to follow to its end.

        run = Integration.get("demo").resync()
        run.wait(timeout=60)
        print(run.status, run.record.kinds if run.record else None)
    """

    def refresh(self, *, client: Client | None = None) -> Run:
        """Read the handle again (no waiting)."""
        self.handle = self._use(client).send(
            calls.get_run(self.integration_id, self.run_id))
        return self

    def wait(
        self, timeout: float | None = None, *, poll: float = plans.POLL_SECONDS,
        on_progress: Callable[[Run], None] | None = None, client: Client | None = None,
    ) -> Run:
        """Block until the run ends (long poll), following ``superseded_by``: afterwards
        ``run_id`` is the run that covered this trigger. ``RunWaitTimeout`` after
        ``timeout`` seconds. ``on_progress`` is called with this run at each answer before
        the end (polls of ``poll`` seconds at most: shorter ones, more calls)."""
        plan = plans.wait_for(self.handle, timeout, poll=poll,
                              on_progress=self._progress(on_progress))
        self.handle = self._use(client).run(plan)
        return self


class Integration(_Uses, IntegrationData[Client]):
    """A configured integration of the server.

        for integration in Integration.list():
            print(integration.object_id, integration.type, integration.status().status)
    """

    @classmethod
    def list(cls, *, client: Client | None = None) -> builtins.list[Integration]:
        """Every integration, in config order."""
        found = resolve(client)
        return [cls(state, client) for state in found.send(calls.list_integrations())]

    @classmethod
    def get(cls, integration_id: str, *, client: Client | None = None) -> Integration:
        """One integration; ``NotFound`` (with ``.known``, the ids that exist) if none."""
        found = resolve(client)
        return cls(found.send(calls.get_integration(integration_id)), client)

    def resync(
        self, *, trigger: Asker = "sdk", incremental: bool = False, client: Client | None = None
    ) -> Run:
        """Trigger a resync; returns at once with a handle to follow. ``trigger`` is who
        asks, as the run's record will say (``sdk``; ``cli`` for the ``ocean`` command);
        ``incremental=True`` asks for an incremental run (rule 9)."""
        chosen = self._use(client)
        call = calls.trigger(self.id, trigger, incremental=incremental)
        return Run(chosen.send(call), client or self._client)

    def dry_run(self, *, timeout: float = DRY_RUN_SECONDS, incremental: bool = False,
                client: Client | None = None) -> DryRunReport:
        """What a resync would do now, per kind: created, changed (with a field-level diff
        of a sample), unchanged and deleted, with the guards' verdicts; the server fetches and
        maps everything and writes nothing. Blocks until the report comes (``timeout``
        seconds more than the client's own). ``incremental=True``: what an incremental run
        would do (rule 9), with the cursor each kind would commit."""
        return self._use(client).send(calls.dry_run(self.id, timeout, incremental=incremental))

    def discard_changes(self, *, client: Client | None = None) -> Run:
        """Discard the changes made through the API (``PATCH``): the server's config file
        applies again; a resync starts, as after a change (returns at once with its handle)."""
        chosen = self._use(client)
        return Run(chosen.send(calls.discard_changes(self.id)), client or self._client)

    def status(self, *, client: Client | None = None) -> IntegrationStatus:
        """The integration's state right now (status, generation, current and last run)."""
        self.state = self._use(client).send(calls.get_integration(self.id))
        return self.state

    def refresh(self, *, client: Client | None = None) -> Integration:
        self.status(client=client)
        return self

    def webhook_stats(self, *, client: Client | None = None) -> WebhookStats:
        """Its webhook events: received, handled, failed, retried, pending, rejected, the
        last times and the newest failed attempts."""
        return self._use(client).send(calls.webhook_stats(self.id))

    def runs(
        self, limit: int | None = 20, *, page_size: int = 100, client: Client | None = None
    ) -> builtins.list[ResyncResult]:
        """Run history, newest first: ``limit`` runs at most (None: all)."""
        size = min(page_size, limit) if limit else page_size
        records = self._use(client).pages(partial(calls.runs_page, self.id, size))
        return builtins.list(islice(records, limit))


class KnowledgeBase(_Uses, KnowledgeBaseData[Client]):
    """A knowledge base: a named set of attached integrations and their entities.

        kb = KnowledgeBase.new(name="Docs")
        kb.attach("box")
        kb.resync_integration("box").wait()
        titles = [entity.title for entity in kb.entities(blueprint="file")]
    """

    @classmethod
    def new(
        cls, name: str, id: str | None = None, *, client: Client | None = None
    ) -> KnowledgeBase:
        """Create one (the server picks the id unless given); ``Conflict`` if it exists."""
        found = resolve(client)
        return cls(found.send(calls.create_kb(name, id)), client)

    @classmethod
    def get(cls, kb_id: str, *, client: Client | None = None) -> KnowledgeBase:
        found = resolve(client)
        return cls(found.send(calls.get_kb(kb_id)), client)

    @classmethod
    def list(cls, *, client: Client | None = None) -> builtins.list[KnowledgeBase]:
        found = resolve(client)
        return [cls(info, client) for info in found.send(calls.list_kbs())]

    def refresh(self, *, client: Client | None = None) -> KnowledgeBase:
        self.info = self._use(client).send(calls.get_kb(self.id))
        return self

    def integrations(self, *, client: Client | None = None) -> builtins.list[KbIntegration]:
        """The attached integrations, each with its state."""
        found = self._use(client).send(calls.kb_integrations(self.id))
        return [KbIntegration.of(item) for item in found]

    def attach(self, integration_id: str, *, client: Client | None = None) -> KbIntegration:
        """Attach an integration (attaching twice is no error)."""
        return KbIntegration.of(self._use(client).send(calls.attach(self.id, integration_id)))

    def detach(self, integration_id: str, *, client: Client | None = None) -> None:
        """Detach an integration; its entities and the integration itself stay."""
        self._use(client).send(calls.detach(self.id, integration_id))

    def resync_integration(self, integration_id: str, *, client: Client | None = None) -> Run:
        """Resync an attached integration; ``KbIntegrationNotFound`` (naming the attached
        ids) before any resync request if it is not attached."""
        chosen = self._use(client)
        return Run(chosen.run(plans.resync_in_kb(self.id, integration_id)),
                   client or self._client)

    def entities(
        self, *, blueprint: str | None = None, kind: str | None = None, q: str | None = None,
        integration: str | None = None, page_size: int = 100, client: Client | None = None,
    ) -> Iterator[Entity]:
        """Every entity of the attached integrations, filtered; pages are fetched as the
        iteration reaches them."""
        page = partial(calls.entities_page, page_size, knowledge_base=self.id,
                       integration=integration, blueprint=blueprint, kind=kind, q=q)
        return (to_entity(info) for info in self._use(client).pages(page))

    def delete(self, *, client: Client | None = None) -> None:
        """Delete the knowledge base; no integration and no entity is deleted."""
        self._use(client).send(calls.delete_kb(self.id))
