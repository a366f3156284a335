"""The PostgreSQL phase: a resync into ``PostgresCatalog`` against one ``COPY`` of the same rows.

Child modes (each in its own process, each writing only the schema the parent names):

``pg-floor``: the rows a first resync of N ``fake`` entities stores (the encoded ``EntityRow``
plus ``integration_id``, ``kind`` and ``page_id``), built ahead of time (untimed), then written
by ONE ``COPY entities (...) FROM STDIN`` in one transaction (``COPY ...; COMMIT`` is all that
is timed), into a fresh schema made by the catalog's own migrations (``_postgres_schema.migrate``:
the same tables, types, ``COLLATE "C"`` keys, primary key and page index); best of 3.

``pg-resync`` / ``pg-rss``: ``_resync``'s modes with a fresh ``PostgresCatalog(url, schema=...)``,
its schema migrated before the timed resync as the floor's is.

The parent checks that the server is reachable first, drops every schema it named afterwards
(also when a child failed or was killed), and compares the floor's rows with the resync's.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

import anyio

from benchmarks._common import INTEGRATION_ID, KIND, emit, fake_config, progress

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
URL_VARIABLE = "OCEAN_BENCH_POSTGRES_URL"
FLOOR_REPEATS = 3
TAIL_COLUMNS = ("integration_id", "kind", "page_id")
"""What the catalog's upsert adds to an ``EntityRow`` (see ``_postgres_pages.UPSERT``)."""


def url() -> str:
    return os.environ.get(URL_VARIABLE) or DEFAULT_URL


def where(address: str) -> str:
    """``user@host:port/dbname`` of a connection string: never its password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(address)
    except Exception:  # only for display
        return "<invalid connection string>"
    return "{}@{}:{}/{}".format(
        params.get("user", ""), params.get("host", ""), params.get("port", ""),
        params.get("dbname", ""),
    )


def unreachable(address: str) -> str | None:
    """Why PostgreSQL cannot be used at ``address``, or None when it answers."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(address, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure is a reason to skip
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"PostgreSQL unreachable at {where(address)} ({type(exc).__name__}: {message})"
    return None


def server_version(address: str) -> str:
    import psycopg

    with psycopg.connect(address, connect_timeout=3) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def new_schema(label: str) -> str:
    """A schema name no other run uses (a plain identifier, as the catalog requires)."""
    return f"ocean_bench_{label}_{os.getpid()}_{secrets.token_hex(3)}"


def drop_schemas(address: str, schemas: Sequence[str]) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(address, autocommit=True, connect_timeout=10) as conn:
        for schema in schemas:
            conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )


def _checkpoint(conn: Any) -> None:
    """Flush the dirty buffers earlier writes left, so each timed write starts alike
    (needs superuser or ``pg_checkpoint``; skipped without)."""
    import psycopg

    with suppress(psycopg.Error):
        conn.execute("CHECKPOINT")


@contextmanager
def _connection(address: str) -> Iterator[Any]:
    import psycopg

    with psycopg.connect(address, autocommit=True) as conn:
        yield conn


# -- floor -----------------------------------------------------------------------------------


async def _rows(n: int) -> list[tuple[Any, ...]]:
    """The rows a first resync of N ``fake`` entities writes, in the order ``TAIL_COLUMNS``
    extends ``EntityRow``: page ``k`` of a first resync into a fresh schema is ``pages.id k``."""
    from integrations.fake import FakeIntegration
    from ocean_core import Entity
    from ocean_core.catalog import encode_entity

    integration = FakeIntegration(fake_config(n, entities=True))
    rows: list[tuple[Any, ...]] = []
    page_id = 0
    async for batch in integration.fetcher(KIND)():
        page_id += 1
        for entity in batch:
            if not isinstance(entity, Entity):
                raise TypeError(f"the fake fetcher yielded {type(entity).__name__}, not Entity")
            rows.append((*encode_entity(entity), INTEGRATION_ID, KIND, page_id))
    return rows


def copy_statement() -> str:
    from ocean_core.catalog import EntityRow
    from ocean_core.catalog._postgres_pages import STAGE_COLUMNS

    staged = [c.strip() for c in STAGE_COLUMNS.split(",")]
    if staged != list(EntityRow._fields):
        raise RuntimeError(f"the catalog stages {staged}, not EntityRow's {EntityRow._fields}")
    return f"COPY entities ({', '.join((*staged, *TAIL_COLUMNS))}) FROM STDIN"


def _fresh_schema(conn: Any, schema: str) -> None:
    """Drop ``schema`` and rebuild it with the catalog's own migrations."""
    from psycopg import sql

    from ocean_core.catalog._postgres_schema import migrate

    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    migrate(conn, schema)


def _copy_once(address: str, schema: str, statement: str, rows: list[tuple[Any, ...]]) -> float:
    """Into a fresh schema: the seconds of one ``COPY`` of every row, committed."""
    from psycopg import sql

    with _connection(address) as conn:
        _fresh_schema(conn, schema)
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        _checkpoint(conn)
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur, cur.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
        seconds = time.perf_counter() - start
        stored = conn.execute("SELECT count(*) FROM entities").fetchone()
    if stored is None or stored[0] != len(rows):
        raise RuntimeError(f"floor stored {stored} rows, expected {len(rows)}")
    return seconds


def run_floor(n: int, address: str, schema: str, repeats: int = FLOOR_REPEATS) -> None:
    """Child ``pg-floor``: the best of ``repeats`` single COPYs of N pre-built rows, each into
    a fresh ``schema`` (the last one is left for ``compare``)."""
    statement = copy_statement()
    progress(f"pg floor: building {n:,} rows (untimed) ...")
    rows = anyio.run(_rows, n)
    times = []
    for attempt in range(1, repeats + 1):
        progress(f"pg floor {attempt}/{repeats}: one COPY of {n:,} rows, COMMIT")
        times.append(_copy_once(address, schema, statement, rows))
        progress(f"pg floor {attempt}/{repeats}: {times[-1]:.2f} s, {n / times[-1]:,.0f} rows/s")
    emit(
        {
            "n": n,
            "seconds": min(times),
            "all_seconds": times,
            "describe": f"best of {repeats} ({', '.join(f'{t:.2f}' for t in times)} s), each "
            "one text-format COPY (psycopg write_row, as the catalog stages a page) in one "
            "transaction into a fresh schema built by the catalog's migrations "
            "(entities with its primary key and page index)",
        }
    )


# -- resyncs ---------------------------------------------------------------------------------


def catalog_factory(address: str, schema: str) -> Callable[[], Any]:
    """A ``PostgresCatalog`` on ``schema``, created beforehand (untimed, as the floor's) by the
    catalog's own migrations: its first call then finds every version applied."""

    def make() -> Any:
        from ocean_core.catalog import PostgresCatalog
        from ocean_core.catalog._postgres_schema import migrate

        with _connection(address) as conn:
            migrate(conn, schema)
            _checkpoint(conn)  # the same start as each floor write
        return PostgresCatalog(address, schema=schema)

    return make


def run_resync(n: int, address: str, schema: str, *, noop: bool, profile: Any = None) -> None:
    from benchmarks import _resync

    _resync.run_resync(
        n, catalog_factory(address, schema), entities=True, noop=noop, profile_out=profile
    )


def run_rss(n: int, address: str, schema: str) -> None:
    from benchmarks import _resync

    _resync.run_rss(
        n,
        catalog_factory(address, schema),
        entities=True,
        modules=("psycopg", "psycopg_pool", "ocean_core.catalog._postgres"),
    )


# -- check -----------------------------------------------------------------------------------


def compare(address: str, floor_schema: str, catalog_schema: str, sample: int = 1000) -> str:
    """Check that the floor wrote what the resync stored: counts and a sample of full rows."""
    from psycopg import sql

    columns = ("integration_id", "blueprint", "identifier", "kind", "title", "team", "icon",
               "properties", "relations", "hash", "page_id")
    counts, samples = [], []
    with _connection(address) as conn:
        for schema in (floor_schema, catalog_schema):
            table = sql.Identifier(schema, "entities")
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
            counts.append(int(row[0]) if row else 0)
            query = sql.SQL("SELECT {} FROM {} ORDER BY {} LIMIT %s").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                table,
                sql.SQL(", ").join(map(sql.Identifier, columns[:3])),
            )
            samples.append(conn.execute(query, (sample,)).fetchall())
    differ = {
        column
        for ours, theirs in zip(samples[0], samples[1], strict=False)
        for column, a, b in zip(columns, ours, theirs, strict=True)
        if a != b
    }
    same = "identical" if not differ else f"differing in {sorted(differ)}"
    return (
        f"pg floor check: the floor stored {counts[0]:,} rows, the resync {counts[1]:,}; the "
        f"first {sample} rows in key order are {same} (page_id included)"
    )
