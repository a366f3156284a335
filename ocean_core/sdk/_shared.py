"""What the sync and async resources share: their data and its accessors. Only the methods
that talk to the server differ between ``ocean_core.sdk`` and ``ocean_core.sdk.aio``.

A resource keeps the client it was given with ``client=``; one read through the default client
keeps None and uses whatever the default is at each call, so ``configure()`` reaches it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from ocean_core.entity import Entity
from ocean_core.results import ResyncResult
from ocean_core.sdk._models import (
    ENDED,
    AttachmentInfo,
    EntityInfo,
    IntegrationStatus,
    KnowledgeBaseInfo,
    RunHandle,
    RunStatus,
)

C = TypeVar("C")
R = TypeVar("R", bound="RunData[Any]")


class IntegrationData(Generic[C]):
    """An integration as last read from the server (``state``), and the client it came by."""

    def __init__(self, state: IntegrationStatus, client: C | None = None) -> None:
        self.state = state
        self._client = client

    @property
    def object_id(self) -> str:
        """The integration's id (``id`` in the config file)."""
        return self.state.id

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def name(self) -> str | None:
        return self.state.name

    @property
    def type(self) -> str:
        return self.state.type

    def __repr__(self) -> str:
        return f"Integration(id={self.id!r}, type={self.type!r}, name={self.name!r})"


class RunData(Generic[C]):
    """A triggered run's handle: ``pending``, ``superseded``, ``running`` or how it ended."""

    def __init__(self, handle: RunHandle, client: C | None = None) -> None:
        self.handle = handle
        self._client = client

    @property
    def run_id(self) -> str:
        return self.handle.run_id

    @property
    def integration_id(self) -> str:
        return self.handle.integration_id

    @property
    def generation(self) -> int:
        return self.handle.generation

    @property
    def status(self) -> RunStatus:
        return self.handle.status

    @property
    def superseded_by(self) -> str | None:
        return self.handle.superseded_by

    @property
    def record(self) -> ResyncResult | None:
        """The run's record once it started (live while it runs); None before."""
        return self.handle.run

    @property
    def done(self) -> bool:
        """The run has ended (succeeded, failed, aborted or interrupted)."""
        return self.handle.status in ENDED

    @property
    def succeeded(self) -> bool:
        return self.handle.status == "succeeded"

    def _progress(
        self: R, on_progress: Callable[[R], None] | None
    ) -> Callable[[RunHandle], None] | None:
        """``on_progress`` of a wait, fed with this run as each answer updates it."""
        if on_progress is None:
            return None

        def seen(handle: RunHandle) -> None:
            self.handle = handle
            on_progress(self)

        return seen

    def __repr__(self) -> str:
        return (f"Run(run_id={self.run_id!r}, integration_id={self.integration_id!r}, "
                f"generation={self.generation}, status={self.status!r})")


class KnowledgeBaseData(Generic[C]):
    """A knowledge base as last read from the server."""

    def __init__(self, info: KnowledgeBaseInfo, client: C | None = None) -> None:
        self.info = info
        self._client = client

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def created_at(self) -> datetime | None:
        return self.info.created_at

    @property
    def integration_ids(self) -> list[str]:
        """The attached ids as last read; ``integrations()`` asks the server."""
        return list(self.info.integration_ids)

    def __repr__(self) -> str:
        return f"KnowledgeBase(id={self.id!r}, name={self.name!r})"


@dataclass(frozen=True)
class KbIntegration:
    """An integration attached to a knowledge base: its id, when, and its state then."""

    integration_id: str
    attached_at: datetime | None
    state: IntegrationStatus | None

    @classmethod
    def of(cls, info: AttachmentInfo) -> KbIntegration:
        return cls(info.integration_id, info.attached_at, info.integration)


def to_entity(info: EntityInfo) -> Entity:
    return Entity(
        identifier=info.identifier, blueprint=info.blueprint, title=info.title,
        properties=dict(info.properties), relations=dict(info.relations), team=info.team,
        icon=info.icon, integration_id=info.integration_id, kind=info.kind,
    )
