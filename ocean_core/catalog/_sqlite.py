"""The embedded SQLite catalog: one file (or ``:memory:``), safe across processes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import anyio

from ocean_core.catalog import _sqlite_schema as sql
from ocean_core.catalog._locks import FileRunnerLocks, LocalRunnerLocks, RunnerLocks
from ocean_core.catalog._protocol import DeleteOutcome, PageOutcome
from ocean_core.catalog._rows import EntityRow, decode, latest_by_key, page_digest
from ocean_core.entity import Entity
from ocean_core.errors import CatalogError, TransientCatalogError
from ocean_core.results import ResyncResult

T = TypeVar("T")


class SQLiteCatalog:
    """The default catalog: SQLite from the standard library, in WAL mode.

        catalog = SQLiteCatalog("catalog.db")     # or ":memory:"
        await catalog.list_entities(integration_id="shop-1")
        await catalog.close()

    Opens lazily on first use. Calls run one at a time in a worker thread, so the event loop
    never waits on the disk; each write is one transaction.
    """

    def __init__(self, path: str | Path = "ocean.db") -> None:
        self.path = str(path)
        self._memory = self.path == ":memory:"
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._locks: RunnerLocks = (
            LocalRunnerLocks() if self._memory else FileRunnerLocks(Path(self.path))
        )

    def __repr__(self) -> str:
        return f"SQLiteCatalog({self.path!r})"

    # -- plumbing ---------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if conn.execute("PRAGMA user_version").fetchone()[0] < sql.SCHEMA_VERSION:
            conn.executescript(sql.SCHEMA)  # idempotent: safe when two processes race here
            conn.execute(f"PRAGMA user_version = {sql.SCHEMA_VERSION}")
        return conn

    def _locked(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            try:
                if self._conn is None:
                    self._conn = self._connect()
                return fn(self._conn)
            except sqlite3.OperationalError as exc:
                self._rollback()
                if "locked" in str(exc) or "busy" in str(exc):
                    raise TransientCatalogError(f"{self!r}: {exc}") from exc
                raise CatalogError(f"{self!r}: {exc}") from exc
            except sqlite3.Error as exc:
                self._rollback()
                raise CatalogError(f"{self!r}: {exc}") from exc
            except BaseException:
                # Not a driver error (e.g. OverflowError binding a value): still never leave a
                # transaction open, holding the write lock and failing the next BEGIN.
                self._rollback()
                raise

    def _rollback(self) -> None:
        if self._conn is not None and self._conn.in_transaction:
            self._conn.rollback()

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        # Not abandoned on cancellation: a transaction in flight finishes (or rolls back) whole.
        return await anyio.to_thread.run_sync(self._locked, fn)

    async def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        def transaction(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            result = fn(conn)
            conn.execute("COMMIT")
            return result

        return await self._run(transaction)

    async def close(self) -> None:
        def close(_: sqlite3.Connection) -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        if self._conn is not None:
            await anyio.to_thread.run_sync(self._locked, close)

    @asynccontextmanager
    async def runner_lock(self, integration_id: str) -> AsyncIterator[None]:
        async with self._locks.hold(integration_id):
            yield

    # -- generations ------------------------------------------------------------------------

    async def generation(self, integration_id: str) -> int:
        row = await self._run(
            lambda c: c.execute(
                "SELECT generation FROM integrations WHERE id = ?", (integration_id,)
            ).fetchone()
        )
        return int(row[0]) if row else 0

    async def advance_generation(self, integration_id: str, at_least: int | None = None) -> int:
        update = "generation + 1" if at_least is None else "max(generation, excluded.generation)"

        def advance(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "INSERT INTO integrations (id, generation) VALUES (?, ?)"
                f" ON CONFLICT (id) DO UPDATE SET generation = {update} RETURNING generation",
                (integration_id, 1 if at_least is None else at_least),
            ).fetchone()
            return int(row[0])

        return await self._write(advance)

    # -- writes -----------------------------------------------------------------------------

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow],
    ) -> PageOutcome:
        return await self._write(
            lambda c: _write_page(c, integration_id, kind, seq, generation, rows, page_digest(rows))
        )

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False
    ) -> DeleteOutcome:
        return await self._write(
            lambda c: _delete_stale(c, integration_id, generation, threshold, dry_run)
        )

    async def stale_entities(
        self, integration_id: str, generation: int, limit: int = 100
    ) -> list[Entity]:
        rows = await self._run(
            lambda c: c.execute(
                f"SELECT {sql.ENTITY_COLUMNS}, kind FROM entities WHERE {sql.STALE_WHERE}"
                " ORDER BY blueprint, identifier LIMIT ?",
                (integration_id, generation, integration_id, limit),
            ).fetchall()
        )
        return [decode(r, integration_id, r[7]) for r in rows]

    # -- runs -------------------------------------------------------------------------------

    async def save_run(self, run: ResyncResult) -> None:
        record = run.model_dump_json()
        await self._write(
            lambda c: c.execute(
                "INSERT OR REPLACE INTO runs (id, integration_id, started_at, status, record)"
                " VALUES (?, ?, ?, ?, ?)",
                (run.id, run.integration_id, run.started_at.isoformat(), run.status.value, record),
            )
        )

    async def runs(self, integration_id: str | None = None, limit: int = 50) -> list[ResyncResult]:
        where, args = "", []
        if integration_id is not None:
            where, args = "WHERE integration_id = ?", [integration_id]
        rows = await self._run(
            lambda c: c.execute(
                f"SELECT record FROM runs {where} ORDER BY started_at DESC, rowid DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        )
        return [ResyncResult.model_validate_json(r[0]) for r in rows]

    async def interrupt_running(self, integration_id: str) -> list[ResyncResult]:
        from ocean_core.engine._records import interrupted

        rows = await self._run(
            lambda c: c.execute(
                "SELECT record FROM runs WHERE integration_id = ? AND status = 'running'",
                (integration_id,),
            ).fetchall()
        )
        found = [interrupted(ResyncResult.model_validate_json(r[0])) for r in rows]
        for run in found:
            await self.save_run(run)
        return found

    # -- reads ------------------------------------------------------------------------------

    async def count_entities(self, integration_id: str, kind: str | None = None) -> int:
        query, args = "SELECT count(*) FROM entities WHERE integration_id = ?", [integration_id]
        if kind is not None:
            query, args = query + " AND kind = ?", [*args, kind]
        row = await self._run(lambda c: c.execute(query, args).fetchone())
        return int(row[0])

    async def list_entities(
        self,
        integration_id: str | None = None,
        *,
        blueprint: str | None = None,
        kind: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Entity]:
        filters = {"integration_id": integration_id, "blueprint": blueprint, "kind": kind}
        used = {k: v for k, v in filters.items() if v is not None}
        where = " AND ".join(f"{k} = ?" for k in used) or "1"
        query = (
            f"SELECT {sql.ENTITY_COLUMNS}, integration_id, kind FROM entities WHERE {where}"
            " ORDER BY integration_id, blueprint, identifier LIMIT ? OFFSET ?"
        )
        args = (*used.values(), -1 if limit is None else limit, offset)
        rows = await self._run(lambda c: c.execute(query, args).fetchall())
        return [decode(r, r[7], r[8]) for r in rows]

    async def integration_ids(self) -> list[str]:
        rows = await self._run(
            lambda c: c.execute(
                "SELECT id FROM integrations UNION SELECT integration_id FROM runs ORDER BY 1"
            ).fetchall()
        )
        return [r[0] for r in rows]


def _write_page(
    conn: sqlite3.Connection, integration_id: str, kind: str, seq: int, generation: int,
    rows: Sequence[EntityRow], digest: bytes,
) -> PageOutcome:
    found = conn.execute(
        "SELECT id, digest, member_count FROM pages"
        " WHERE integration_id = ? AND kind = ? AND seq = ?",
        (integration_id, kind, seq),
    ).fetchone()
    if found is not None and found[1] == digest and _member_count(conn, found[0]) == found[2]:
        conn.execute("UPDATE pages SET seen_generation = ? WHERE id = ?", (generation, found[0]))
        return PageOutcome(upserted=0, unchanged=len(rows))
    latest = latest_by_key(rows)
    if found is None:
        page_id = conn.execute(
            "INSERT INTO pages (integration_id, kind, seq, seen_generation) VALUES (?, ?, ?, ?)"
            " RETURNING id",
            (integration_id, kind, seq, generation),
        ).fetchone()[0]
    else:
        page_id = found[0]
        _detach_departed(conn, integration_id, page_id, latest)
    tail = (integration_id, kind, page_id)
    upserted = conn.executemany(sql.UPSERT_SQL, [(*row, *tail) for row in latest.values()]).rowcount
    if _member_count(conn, page_id) != len(latest):
        # Some unchanged rows are held elsewhere (or detached): move them here. Rare: it takes
        # a change of page boundaries or an entity repeated across pages.
        conn.executemany(
            sql.MOVE_SQL, [(page_id, kind, integration_id, *key, page_id) for key in latest]
        )
    conn.execute(
        "UPDATE pages SET digest = ?, member_count = ?, seen_generation = ? WHERE id = ?",
        (digest, len(latest), generation, page_id),
    )
    return PageOutcome(upserted=upserted, unchanged=len(rows) - upserted)


def _member_count(conn: sqlite3.Connection, page_id: int) -> int:
    row = conn.execute("SELECT count(*) FROM entities WHERE page_id = ?", (page_id,)).fetchone()
    return int(row[0])


def _detach_departed(
    conn: sqlite3.Connection, integration_id: str, page_id: int, latest: dict[tuple[str, str], Any]
) -> None:
    """Members of the page that this write does not hold again lose their page: unseen."""
    members = conn.execute(
        "SELECT blueprint, identifier FROM entities WHERE page_id = ?", (page_id,)
    ).fetchall()
    departed = [(integration_id, b, i) for b, i in members if (b, i) not in latest]
    conn.executemany(
        "UPDATE entities SET page_id = NULL"
        " WHERE integration_id = ? AND blueprint = ? AND identifier = ?",
        departed,
    )


def _delete_stale(
    conn: sqlite3.Connection, integration_id: str, generation: int, threshold: float,
    dry_run: bool,
) -> DeleteOutcome:
    row = conn.execute(
        "SELECT generation FROM integrations WHERE id = ?", (integration_id,)
    ).fetchone()
    current = int(row[0]) if row else 0
    if current != generation:
        reason = f"superseded: generation {generation} is no longer current (now {current})"
        return DeleteOutcome(0, 0, 0, skipped_reason=reason, superseded=True)
    args = (integration_id, generation, integration_id)
    stale = conn.execute(f"SELECT count(*) FROM entities WHERE {sql.STALE_WHERE}", args).fetchone()
    total = conn.execute(
        "SELECT count(*) FROM entities WHERE integration_id = ?", (integration_id,)
    ).fetchone()
    outcome = DeleteOutcome(0, int(stale[0]), int(total[0]))
    too_many = threshold_reason(outcome.stale, outcome.total, threshold)
    if too_many is not None or dry_run or outcome.stale == 0:
        return DeleteOutcome(0, outcome.stale, outcome.total, skipped_reason=too_many)
    deleted = conn.execute(f"DELETE FROM entities WHERE {sql.STALE_WHERE}", args).rowcount
    conn.execute(
        "DELETE FROM pages WHERE integration_id = ? AND seen_generation != ?",
        (integration_id, generation),
    )
    return DeleteOutcome(deleted, outcome.stale, outcome.total)


def threshold_reason(stale: int, total: int, threshold: float) -> str | None:
    """Why a delete of ``stale`` of ``total`` entities exceeds the threshold, or None."""
    if total and stale / total > threshold:
        return (
            f"deletion threshold: {stale} of {total} entities ({stale / total:.0%}) would be"
            f" deleted, more than the threshold of {threshold:.0%}"
        )
    return None
