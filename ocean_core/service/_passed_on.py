"""The triggers a standby passed on to the process that runs the integration (PostgreSQL)."""

from __future__ import annotations

from ocean_core.ocean import RunTicket

KEEP = 256
"""How many passed-on triggers a standby remembers, for clients that follow their handles."""


class PassedOn:
    """Recent triggers passed on to the runner in another process, oldest first."""

    def __init__(self) -> None:
        self._tickets: dict[str, RunTicket] = {}

    def remember(self, ticket: RunTicket) -> None:
        self._tickets[ticket.run_id] = ticket
        for run_id in list(self._tickets)[:-KEEP]:
            del self._tickets[run_id]

    def get(self, run_id: str) -> RunTicket | None:
        return self._tickets.get(run_id)

    def newest_after(self, generation: int) -> RunTicket | None:
        """The newest passed-on trigger of a generation above ``generation`` (one no run
        recorded in the catalog has reached yet)."""
        waiting = [t for t in self._tickets.values() if t.generation > generation]
        return waiting[-1] if waiting else None
