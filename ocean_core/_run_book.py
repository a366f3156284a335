"""What a runtime remembers of its runs: the tickets of triggered runs, the records of the
runs that ended (by generation, recent ones only), the triggers that replaced a pending run,
and who to tell when a run ends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger

from ocean_core.results import RunRecord

FINISHED_KEPT = 16
"""Records of ended runs kept by generation (``resync()`` inside ``async with`` reads them)."""
SUPERSEDED_KEPT = 256
"""Replaced tickets remembered (``Ocean.superseded``)."""

RunListener = Callable[[RunRecord], None]
"""Called with the record of every run that ends (``Ocean.add_listener``)."""


@dataclass(frozen=True)
class RunTicket:
    """A triggered run: its id (the id its record will carry) and its generation."""

    run_id: str
    generation: int


class RunBook:
    """The runtime's memory of its runs; nothing here touches the catalog."""

    def __init__(self) -> None:
        self.last: RunRecord | None = None
        self._finished: dict[int, RunRecord] = {}
        self._superseded: dict[str, tuple[RunTicket, RunTicket]] = {}
        self._listeners: list[RunListener] = []

    def add_listener(self, listener: RunListener) -> None:
        self._listeners.append(listener)

    def replaced(self, old: RunTicket, new: RunTicket) -> None:
        """``old`` was pending when ``new`` came: it will never start."""
        self._superseded[old.run_id] = (old, new)

    def superseded(self, run_id: str) -> tuple[RunTicket, RunTicket] | None:
        """The ticket of a run that never started and the newest ticket that replaced it."""
        found = self._superseded.get(run_id)
        if found is None:
            return None
        old, newer = found
        while newer.run_id in self._superseded:
            newer = self._superseded[newer.run_id][1]
        return old, newer

    def finish(self, generation: int, record: RunRecord) -> None:
        """The run of ``generation`` ended with ``record``: keep it and tell the listeners."""
        self.last = record
        self._finished[generation] = record
        for old in sorted(self._finished)[:-FINISHED_KEPT]:
            del self._finished[old]
        for run_id in list(self._superseded)[:-SUPERSEDED_KEPT]:
            del self._superseded[run_id]
        self.tell(record)

    def covers(self, generation: int) -> bool:
        """Whether the run of ``generation``, or a newer one, has ended."""
        return generation in self._finished or max(self._finished, default=0) >= generation

    def result_for(self, generation: int) -> RunRecord:
        """The record of ``generation``'s run, or of the newer run that replaced it."""
        found = self._finished.get(generation) or self.last
        assert found is not None
        return found

    def tell(self, record: RunRecord) -> None:
        for listener in self._listeners:
            try:
                listener(record)
            except Exception:  # a listener's bug must not stop the runtime
                logger.exception("run listener {!r} failed", listener)
