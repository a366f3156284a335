"""What the engine shows an integration of the run in flight (``Integration.run_scope``)."""

from __future__ import annotations

from dataclasses import dataclass

from ocean_core.results import KindStats


@dataclass
class RunContext:
    """The run in flight, as its integration sees it.

    The engine passes one to ``Integration.run_scope`` when a run starts. ``kind`` and ``stats``
    name the kind whose fetcher runs now and its live counts (kinds run one at a time); both are
    ``None`` between kinds. An integration may add to the progress counters of ``stats``
    (``requests``, ``in_flight``, ``retries``, ``rate_limit_waits``): they show in the live
    progress and stay in the run record. ``HTTPIntegration`` does this for every request.
    """

    integration_id: str
    run_id: str
    generation: int
    kind: str | None = None
    stats: KindStats | None = None
