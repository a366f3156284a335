"""Generations and run records, written once for every SQL catalog (see ``_sql_dialect``).

``runs.started_at`` is stored through the dialect (``time_in``): in SQLite fixed-width UTC
text, whose text order is time order; in PostgreSQL ``timestamptz``. The record itself is the
run's JSON, so a run reads back exactly as it was saved.
"""

from __future__ import annotations

from ocean_core.catalog._sql_dialect import Tx
from ocean_core.catalog._types import RunCursor
from ocean_core.results import ResyncResult

GENERATION = "SELECT generation FROM integrations WHERE id = ?"
GENERATION_LOCKED = GENERATION + "{for_update}"
"""The generation, its row locked until commit: a concurrent ``advance_generation`` waits."""

ADVANCE_BY_ONE = """
INSERT INTO integrations (id, generation) VALUES (?, 1)
ON CONFLICT (id) DO UPDATE SET generation = integrations.generation + 1
RETURNING generation
"""

ADVANCE_TO = """
INSERT INTO integrations (id, generation) VALUES (?, ?)
ON CONFLICT (id) DO UPDATE SET
    generation = {greatest}(integrations.generation, excluded.generation)
RETURNING generation
"""

SAVE_RUN = """
INSERT INTO runs (id, integration_id, started_at, status, record) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    integration_id = excluded.integration_id, started_at = excluded.started_at,
    status = excluded.status, record = excluded.record
"""

GET_RUN = "SELECT record FROM runs WHERE id = ?"

RUNNING = """
SELECT record FROM runs WHERE integration_id = ? AND status = 'running'
ORDER BY started_at DESC, id DESC{for_update}
"""

INTEGRATION_IDS = "SELECT id FROM integrations UNION SELECT integration_id FROM runs ORDER BY 1"


def generation(tx: Tx, integration_id: str, *, lock: bool = False) -> int:
    value = tx.one(GENERATION_LOCKED if lock else GENERATION, (integration_id,))
    return 0 if value is None else int(value)


def advance_generation(tx: Tx, integration_id: str, at_least: int | None) -> int:
    if at_least is None:
        return int(tx.one(ADVANCE_BY_ONE, (integration_id,)))
    return int(tx.one(ADVANCE_TO, (integration_id, at_least)))


def save_run(tx: Tx, run: ResyncResult) -> None:
    started_at = tx.dialect.time_in(run.started_at)
    tx.execute(SAVE_RUN, (
        run.id, run.integration_id, started_at, run.status.value, run.model_dump_json(),
    ))


def runs(
    tx: Tx, integration_id: str | None, limit: int, before: RunCursor | None
) -> list[ResyncResult]:
    where: list[str] = []
    args: list[object] = []
    if integration_id is not None:
        where.append("integration_id = ?")
        args.append(integration_id)
    if before is not None:
        where.append("(started_at, id) < (?, ?)")
        args += [tx.dialect.time_in(before[0]), before[1]]
    query = (
        f"SELECT record FROM runs WHERE {' AND '.join(where) or 'TRUE'}"
        " ORDER BY started_at DESC, id DESC LIMIT ?"
    )
    return [_record(row) for row in tx.execute(query, (*args, limit)).fetchall()]


def get_run(tx: Tx, run_id: str) -> ResyncResult | None:
    row = tx.execute(GET_RUN, (run_id,)).fetchone()
    return None if row is None else _record(row)


def interrupt_running(tx: Tx, integration_id: str) -> list[ResyncResult]:
    """In one write transaction: the runs found still running are recorded interrupted."""
    found = [_record(row).interrupted() for row in tx.execute(RUNNING, (integration_id,))]
    for run in found:
        save_run(tx, run)
    return found


def integration_ids(tx: Tx) -> list[str]:
    return [row[0] for row in tx.execute(INTEGRATION_IDS).fetchall()]


def _record(row: tuple[str, ...]) -> ResyncResult:
    return ResyncResult.model_validate_json(row[0])
