"""Child mode ``floor``: the cost of only writing the rows a resync of N entities stores.

The floor is what no resync engine can beat on this machine: the very rows the SQLite catalog
stores for N ``fake`` entities, built ahead of time (untimed), then written by one
``executemany`` of the catalog's own upsert statement in one transaction
(``BEGIN; executemany(UPSERT_SQL); COMMIT`` is all that is timed), into a fresh database with
the catalog's own schema and connection pragmas.
"""

from __future__ import annotations

import re
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import anyio

from benchmarks._common import INTEGRATION_ID, KIND, emit, fake_config, progress

FLOOR_REPEATS = 3
"""The floor is the best of this many writes: the least the machine needed, so the most
demanding reference for the ratio, and far steadier than one write."""

_PRAGMAS = ("journal_mode", "synchronous", "cache_size", "mmap_size", "temp_store", "page_size")


async def _catalog_shape(db: Path) -> tuple[list[str], dict[str, Any]]:
    """Open a fresh ``SQLiteCatalog`` and read back its schema and connection pragmas."""
    from ocean_core.catalog import SQLiteCatalog

    catalog = SQLiteCatalog(str(db))
    try:
        await catalog.generation(INTEGRATION_ID)  # the lazy open creates the schema
        conn: sqlite3.Connection | None = getattr(catalog, "_conn", None)
        pragmas: dict[str, Any] = {}
        if conn is not None:
            pragmas = {p: conn.execute(f"PRAGMA {p}").fetchone()[0] for p in _PRAGMAS}
    finally:
        await catalog.close()
    with sqlite3.connect(db) as source:
        schema = [
            row[0]
            for row in source.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"
                " AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
            )
        ]
    return schema, pragmas


def _tail_maker(statement: str) -> Callable[[int], tuple[Any, ...]]:
    """The parameters the catalog appends to an ``EntityRow`` for one page, read off the
    column list of its upsert statement, so the floor binds exactly what the catalog binds."""
    from ocean_core.catalog import EntityRow

    found = re.search(r"INSERT\s+INTO\s+entities\s*\(([^)]*)\)", statement, re.IGNORECASE)
    if found is None:
        raise RuntimeError("cannot find the column list of the catalog's upsert statement")
    columns = [c.strip() for c in found.group(1).split(",")]
    head, tail = columns[: len(EntityRow._fields)], columns[len(EntityRow._fields) :]
    if head != list(EntityRow._fields):
        raise RuntimeError(f"the upsert binds {head}, not EntityRow's {EntityRow._fields}")
    per_page: dict[str, Callable[[int], Any]] = {
        "integration_id": lambda page: INTEGRATION_ID,
        "kind": lambda page: KIND,
        "page_id": lambda page: page,
        "write_token": lambda page: secrets.randbits(62),  # as the catalog: random per write
    }
    unknown = [c for c in tail if c not in per_page]
    if unknown:
        raise RuntimeError(f"the floor does not know how to bind column(s) {unknown}")
    return lambda page: tuple(per_page[c](page) for c in tail)


async def _rows(n: int, statement: str) -> list[tuple[Any, ...]]:
    """The parameter tuples the catalog's upsert gets for the N entities of a first resync."""
    from integrations.fake import FakeIntegration
    from ocean_core import Entity
    from ocean_core.catalog import encode_entity

    tail_for = _tail_maker(statement)
    integration = FakeIntegration(fake_config(n, entities=True))
    rows: list[tuple[Any, ...]] = []
    page_id = 0
    async for batch in integration.fetcher(KIND)():
        page_id += 1  # a first resync writes page seq k as pages.id k + 1, one per batch
        tail = tail_for(page_id)
        for entity in batch:
            if not isinstance(entity, Entity):
                raise TypeError(f"the fake fetcher yielded {type(entity).__name__}, not Entity")
            rows.append((*encode_entity(entity), *tail))
    return rows


def _connect(db: Path, schema: list[str], pragmas: dict[str, Any]) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    if "page_size" in pragmas:
        conn.execute(f"PRAGMA page_size = {int(pragmas['page_size'])}")
    conn.execute(f"PRAGMA journal_mode = {pragmas.get('journal_mode', 'wal')}")
    for name in ("synchronous", "cache_size", "mmap_size", "temp_store"):
        if name in pragmas:
            conn.execute(f"PRAGMA {name} = {int(pragmas[name])}")
    for statement in schema:
        conn.execute(statement)
    return conn


def upsert_sql() -> str:
    """The catalog's own upsert statement, wherever this version of the core keeps it."""
    from ocean_core.catalog import _sqlite

    statement = getattr(_sqlite, "UPSERT_SQL", None)
    if statement is None:
        from ocean_core.catalog import _sqlite_schema

        statement = _sqlite_schema.UPSERT_SQL
    return str(statement)


def _remove(db: Path) -> None:
    """Remove a database with its WAL, shared memory and the catalog's lock files."""
    for path in db.parent.glob(db.name + "*"):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _write_once(
    db: Path, schema: list[str], pragmas: dict[str, Any], statement: str, rows: list[Any]
) -> float:
    """Into a fresh database: the seconds of ``BEGIN; executemany(upsert); COMMIT``."""
    _remove(db)
    conn = _connect(db, schema, pragmas)
    try:
        start = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(statement, rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        stored = conn.execute("SELECT count(*) FROM entities").fetchone()[0]
    finally:
        conn.close()
    if stored != len(rows):
        raise RuntimeError(f"floor stored {stored} rows, expected {len(rows)}")
    return seconds


def run_floor(n: int, db: Path, repeats: int = FLOOR_REPEATS) -> None:
    """Child ``floor``: the best of ``repeats`` executemany upserts of N pre-built rows, each
    in one transaction into a fresh database (the last one is left for ``compare``)."""
    shape = db.with_name(db.stem + "-shape.db")
    schema, pragmas = anyio.run(_catalog_shape, shape)
    _remove(shape)
    statement = upsert_sql()
    progress(f"floor: building {n:,} rows (untimed) ...")
    rows = anyio.run(_rows, n, statement)
    times = []
    for attempt in range(1, repeats + 1):
        progress(f"floor {attempt}/{repeats}: BEGIN; executemany(upsert, {n:,} rows); COMMIT")
        times.append(_write_once(db, schema, pragmas, statement, rows))
        progress(f"floor {attempt}/{repeats}: {times[-1]:.2f} s, {n / times[-1]:,.0f} rows/s")
    shown = ", ".join(f"{k}={v}" for k, v in pragmas.items())
    emit(
        {
            "n": n,
            "seconds": min(times),
            "all_seconds": times,
            "describe": f"best of {repeats} ({', '.join(f'{t:.2f}' for t in times)} s), each "
            f"into a fresh database with the {len(schema)} schema statements of a fresh "
            f"SQLiteCatalog and its connection's pragmas ({shown})",
        }
    )


VOLATILE = frozenset({"write_token"})
"""Columns that differ between two writes of the same content by design (random per write)."""


def compare(floor_db: Path, catalog_db: Path, sample: int = 1000) -> str:
    """Check that the floor wrote what the resync stored: counts and a sample of full rows."""
    with (
        closing(sqlite3.connect(floor_db)) as floor,
        closing(sqlite3.connect(catalog_db)) as catalog,
    ):
        counts = [
            c.execute("SELECT count(*) FROM entities").fetchone()[0] for c in (floor, catalog)
        ]
        columns = [r[1] for r in floor.execute("PRAGMA table_info(entities)")]
        query = f"SELECT {', '.join(columns)} FROM entities ORDER BY {', '.join(columns[:3])}"
        differ: set[str] = set()
        rows = zip(floor.execute(query), catalog.execute(query), strict=False)
        for index, (ours, theirs) in enumerate(rows):
            if index >= sample:
                break
            differ |= {c for c, a, b in zip(columns, ours, theirs, strict=True) if a != b}
        differ -= VOLATILE
    same = "identical" if not differ else f"differing in {sorted(differ)}"
    ignored = sorted(VOLATILE & set(columns))
    same += f" (ignoring {', '.join(ignored)}, random per write)" if ignored else ""
    return (
        f"floor check: floor stored {counts[0]:,} rows, the resync {counts[1]:,}; the first "
        f"{sample} rows in key order are {same}"
    )
