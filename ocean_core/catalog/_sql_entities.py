"""Entity reads and the delete step, written once for every SQL catalog (see ``_sql_dialect``).

How pages are written is each catalog's own (``_sqlite_pages``, ``_postgres_pages``,
``_postgres_wire``); what a page write leaves behind is the same in both: ``entities.page_id``
points at the page that last held the entity, and ``pages.seen_generation`` says when that page
was last written (see ``_sqlite_schema`` for why seen-tracking is per page).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from ocean_core.catalog._entity_filters import integration_id_list, key_after, like_pattern
from ocean_core.catalog._guards import threshold_reason
from ocean_core.catalog._rows import decode
from ocean_core.catalog._sql_dialect import Tx
from ocean_core.catalog._types import DELETED_SAMPLE, DeleteOutcome, EntityKey
from ocean_core.entity import Entity

ENTITY_COLUMNS = "blueprint, identifier, title, team, icon, properties, relations"

STALE_WHERE = """
(page_id IN (SELECT id FROM pages WHERE integration_id = ? AND seen_generation <> ?)
 OR (page_id IS NULL AND integration_id = ?))
"""
"""The entities a delete step removes: members of pages the run did not see, and detached
rows (parameters: integration, generation, integration). Both arms are lookups in the page
index, so the cost follows the stale rows, not the integration's size."""

COUNT = "SELECT count(*) FROM entities WHERE integration_id = ?"
COUNT_KIND = COUNT + " AND kind = ?"
COUNT_STALE = f"SELECT count(*) FROM entities WHERE {STALE_WHERE}"
DELETE_STALE = f"DELETE FROM entities WHERE {STALE_WHERE}"
DELETE_UNSEEN_PAGES = "DELETE FROM pages WHERE integration_id = ? AND seen_generation <> ?"
STALE = (
    f"SELECT {ENTITY_COLUMNS}, kind FROM entities WHERE {STALE_WHERE}"
    " ORDER BY blueprint, identifier LIMIT ?"
)
STALE_KEYS = (
    f"SELECT blueprint, identifier, kind FROM entities WHERE {STALE_WHERE}"
    " ORDER BY blueprint, identifier LIMIT ?"
)

# With live changes newer than the run (rule 8): what they upserted is kept; kept members of
# pages about to go lose their page first, so they are stale to the next run that misses them.
UNSTAMPED = " AND (live_seq IS NULL OR live_seq <= ?)"
COUNT_KEPT = COUNT_STALE + " AND live_seq > ?"
COUNT_STALE_UNSTAMPED = COUNT_STALE + UNSTAMPED
DELETE_STALE_UNSTAMPED = DELETE_STALE + UNSTAMPED
STALE_KEYS_UNSTAMPED = (
    f"SELECT blueprint, identifier, kind FROM entities WHERE {STALE_WHERE}{UNSTAMPED}"
    " ORDER BY blueprint, identifier LIMIT ?"
)
DETACH_FROM_UNSEEN = (
    "UPDATE entities SET page_id = NULL WHERE page_id IN"
    " (SELECT id FROM pages WHERE integration_id = ? AND seen_generation <> ?)"
)
GENERATION_AND_LIVE = "SELECT generation, live_seq FROM integrations WHERE id = ?{for_update}"
"""Locked until commit: a concurrent ``advance_generation`` or live change waits."""


def count_entities(tx: Tx, integration_id: str, kind: str | None = None) -> int:
    if kind is None:
        return int(tx.one(COUNT, (integration_id,)))
    return int(tx.one(COUNT_KIND, (integration_id, kind)))


def stale_entities(tx: Tx, integration_id: str, generation: int, limit: int) -> list[Entity]:
    rows = tx.execute(STALE, (integration_id, generation, integration_id, limit)).fetchall()
    return [decode(row, integration_id, row[7]) for row in rows]


def delete_stale(
    tx: Tx, integration_id: str, generation: int, threshold: float, dry_run: bool,
    live_mark: int | None = None,
) -> DeleteOutcome:
    """The generation check and the delete in one write transaction. The integration's row is
    read locked (where the database locks rows), so a concurrent ``advance_generation`` waits
    for the delete: a superseded run can never delete. Entities a live change above
    ``live_mark`` upserted are kept (rule 8); with none since the mark, the statements are
    the ones of before."""
    found = tx.execute(GENERATION_AND_LIVE, (integration_id,)).fetchone()
    current, live_seq = (0, 0) if found is None else (int(found[0]), int(found[1]))
    if current != generation:
        reason = f"superseded: generation {generation} is no longer current (now {current})"
        return DeleteOutcome(0, 0, 0, skipped_reason=reason, superseded=True)
    args: tuple[object, ...] = (integration_id, generation, integration_id)
    kept = 0
    count, delete = COUNT_STALE, DELETE_STALE
    if live_mark is not None and live_seq > live_mark:
        kept = int(tx.one(COUNT_KEPT, (*args, live_mark)))
        count, delete, args = COUNT_STALE_UNSTAMPED, DELETE_STALE_UNSTAMPED, (*args, live_mark)
    stale = int(tx.one(count, args))
    if stale == 0:  # nothing to weigh against the total: skip counting it
        return DeleteOutcome(0, 0, 0, kept=kept)
    total = count_entities(tx, integration_id)
    too_many = threshold_reason(stale, total, threshold)
    if too_many is not None or dry_run:
        return DeleteOutcome(0, stale, total, skipped_reason=too_many, kept=kept)
    # The keys of the first few, read in this transaction: the ones the delete removes.
    keys = STALE_KEYS if delete is DELETE_STALE else STALE_KEYS_UNSTAMPED
    rows = tx.execute(keys, (*args, DELETED_SAMPLE)).fetchall()
    sample = tuple((str(row[0]), str(row[1]), row[2]) for row in rows)
    deleted = tx.execute(delete, args).rowcount
    if kept:  # a kept entity must not point at a page that is gone
        tx.execute(DETACH_FROM_UNSEEN, (integration_id, generation))
    tx.execute(DELETE_UNSEEN_PAGES, (integration_id, generation))
    return DeleteOutcome(deleted, stale, total, kept=kept, deleted_sample=sample)


def list_entities(
    tx: Tx,
    integration_id: str | None,
    blueprint: str | None,
    kind: str | None,
    search: str | None,
    after: EntityKey | None,
    limit: int | None,
    offset: int,
    integration_ids: Collection[str] | None,
) -> list[Entity]:
    """``CatalogReads.list_entities``: the equality filters, then the others, in key order."""
    filters = {"integration_id": integration_id, "blueprint": blueprint, "kind": kind}
    used = {column: value for column, value in filters.items() if value is not None}
    where, args = [f"{column} = ?" for column in used], list[Any](used.values())
    if integration_ids is not None:
        # One parameter per id: a knowledge base has few integrations (SQLite allows 32766
        # parameters a statement since 3.32, PostgreSQL 65535).
        among = sorted(set(integration_id_list(integration_ids)))
        if not among:
            return []
        where.append(f"integration_id IN ({', '.join('?' * len(among))})")
        args += among
    if search is not None:
        fold = tx.dialect.fold_ascii
        where.append(
            f"({fold('identifier')} LIKE ? ESCAPE '\\' OR {fold('title')} LIKE ? ESCAPE '\\')"
        )
        args += [like_pattern(search)] * 2
    if after is not None:
        condition, values = key_after(after, integration_id, blueprint)
        where.append(condition)
        args += values
    query = (
        f"SELECT {ENTITY_COLUMNS}, integration_id, kind FROM entities"
        f" WHERE {' AND '.join(where) or 'TRUE'}"
        " ORDER BY integration_id, blueprint, identifier LIMIT ? OFFSET ?"
    )
    limit_value = tx.dialect.no_limit if limit is None else limit
    rows = tx.execute(query, (*args, limit_value, offset)).fetchall()
    return [decode(row, row[7], row[8]) for row in rows]
