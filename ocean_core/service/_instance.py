"""One configured integration inside the service, and what the API may change of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ocean_core.config import IntegrationSettings
from ocean_core.ocean import Ocean, RunTicket
from ocean_core.service._schedule import Schedule


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Instance:
    """One configured integration inside the service."""

    index: int
    file_settings: IntegrationSettings
    """As the config file says."""
    settings: IntegrationSettings
    """In effect: the file's, with the changes made through the API."""
    ocean: Ocean
    schedule: Schedule | None = None
    skipped_ticks: int = 0
    last_skipped_at: datetime | None = None
    holder: bool = False
    """Whether this process runs the integration (holds its runner lock). With a shared
    catalog (PostgreSQL) another process may: this one then stands by, serves reads and
    passes triggers on."""
    sent: dict[str, RunTicket] = field(default_factory=dict)
    """Triggers this process passed on to the holder in another process, by run id."""

    @property
    def id(self) -> str:
        return self.settings.id

    def remember(self, ticket: RunTicket) -> None:
        self.sent[ticket.run_id] = ticket
        for run_id in list(self.sent)[:-256]:
            del self.sent[run_id]


@dataclass(frozen=True)
class IntegrationChange:
    """What a ``PATCH`` may change; ``None`` leaves a value as it is."""

    name: str | None = None
    config: dict[str, Any] | None = None
    mapping: dict[str, Any] | None = None
