"""What differs between SQLite and PostgreSQL for the statements written once (``_sql_*``).

Statements are written in one text: ``?`` for every parameter, ``TRUE``/``FALSE`` for booleans
(both understand them), and ``{for_share}``, ``{for_update}``, ``{greatest}`` where the two
differ. ``Dialect.render`` turns that text into the driver's, once per statement. Time values go
in through ``time_in`` and come out through ``time_out``, so both catalogs hand out aware UTC
datetimes whatever each stores. How a transaction and a snapshot read are run is each catalog's
own (``SqlCatalog._write``, ``_read``, ``_snapshot``); the statements see only a ``Tx``.

The page writes, the runner locks and the PostgreSQL wire path stay each catalog's own: there
the two really differ (COPY and a staging table against ``executemany``; advisory locks and
fencing tokens against lock files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from ocean_core.catalog._clock import as_utc
from ocean_core.catalog._entity_filters import ASCII_LOWER, ASCII_UPPER


class SqlCursor(Protocol):
    """What the statements use of a DB-API cursor (``sqlite3`` and psycopg alike)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class SqlManyCursor(Protocol):
    """A cursor that runs one statement over many parameter rows."""

    @property
    def rowcount(self) -> int: ...

    def executemany(self, query: str, params: Sequence[Sequence[Any]], /) -> Any: ...


class SqlConnection(Protocol):
    """What the statements use of a connection: ``execute`` with positional parameters, and a
    cursor for ``executemany``."""

    def execute(self, query: str, params: Sequence[Any], /) -> SqlCursor: ...

    def cursor(self) -> Any: ...


@dataclass(frozen=True)
class Dialect:
    """One catalog's SQL, as far as the statements written once need to know it."""

    name: str
    placeholder: str
    """The driver's parameter marker, for the ``?`` of the statements."""
    for_share: str
    """Locks the rows read against a concurrent change until the transaction ends (nothing in
    SQLite, whose write transactions already exclude each other)."""
    for_update: str
    """Locks the rows read against a concurrent reader that locks, or a writer."""
    greatest: str
    """The larger of two values (``max`` with two arguments in SQLite)."""
    no_limit: int | None
    """``LIMIT``'s value for "no limit"."""
    fold_ascii: Callable[[str], str]
    """A text column with ASCII letters folded to lower case, and only those (SQLite's ``LIKE``
    folds them itself)."""
    time_in: Callable[[datetime], Any]
    """A datetime as the database stores it."""
    time_out: Callable[[Any], datetime]
    """A stored time as an aware UTC datetime."""

    def render(self, statement: str) -> str:
        """``statement`` in this dialect's text. A statement holds no other braces, and no
        ``?`` but its parameters."""
        return _render(statement, self.placeholder, self.for_share, self.for_update, self.greatest)


@lru_cache(maxsize=1024)  # the fixed statements, and the shapes list_entities builds
def _render(
    statement: str, placeholder: str, for_share: str, for_update: str, greatest: str
) -> str:
    text = statement.format(for_share=for_share, for_update=for_update, greatest=greatest)
    if placeholder != "?":
        # psycopg reads every % as a placeholder's start: a literal one is doubled.
        text = text.replace("%", "%%").replace("?", placeholder)
    return text


class Tx:
    """A connection inside one transaction (or one autocommitted statement), in a dialect."""

    __slots__ = ("conn", "dialect")

    def __init__(self, conn: SqlConnection, dialect: Dialect) -> None:
        self.conn, self.dialect = conn, dialect

    def execute(self, statement: str, params: Sequence[Any] = ()) -> SqlCursor:
        return self.conn.execute(self.dialect.render(statement), params)

    def executemany(self, statement: str, params: Sequence[Sequence[Any]]) -> int:
        """Run ``statement`` once per parameter row; the rows it changed, in all."""
        if not params:
            return 0
        cursor: SqlManyCursor = self.conn.cursor()
        cursor.executemany(self.dialect.render(statement), params)
        return max(cursor.rowcount, 0)

    def one(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row, or None when there is no row."""
        row = self.execute(statement, params).fetchone()
        return None if row is None else row[0]


def fixed_width_utc(moment: datetime) -> str:
    """How SQLite stores a time: ``isoformat()`` text of the UTC time, always with
    microseconds (``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``), so text order is time order."""
    return as_utc(moment).isoformat(timespec="microseconds")


def _parse_time(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text))


def _translate(column: str) -> str:
    return f"translate({column}, '{ASCII_UPPER}', '{ASCII_LOWER}')"


SQLITE = Dialect(
    name="sqlite",
    placeholder="?",
    for_share="",
    for_update="",
    greatest="max",
    no_limit=-1,
    fold_ascii=lambda column: column,  # LIKE ignores the case of ASCII letters, and only theirs
    time_in=fixed_width_utc,
    time_out=_parse_time,
)

POSTGRES = Dialect(
    name="postgresql",
    placeholder="%s",
    for_share=" FOR SHARE",
    for_update=" FOR UPDATE",
    greatest="GREATEST",
    no_limit=None,  # LIMIT NULL
    fold_ascii=_translate,  # lower() would fold every letter of Unicode
    time_in=as_utc,  # timestamptz: microseconds, as Python's datetimes
    time_out=as_utc,
)
