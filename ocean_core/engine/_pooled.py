"""Prepare a page whose resource needs the jq library (``CompiledResource.needs_jq``): the page's
items are mapped in a jq worker process (``mapping._pool``), in one call, and their rows built
and checked here, as ``prepare`` builds them. The keys of a ``Deleted`` batch likewise.

An expression that runs too long (``def f: f; f``, ``[range(1e9)]``) can then stop only its
worker: the pool kills it after ``item_seconds`` seconds on one item, and every item the page sent
becomes an item error naming the fields jq evaluates and the limit. The page is not retried,
item by item, as each item could take the whole limit again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from ocean_core._limits import json_problem
from ocean_core.catalog._rows import EncodeError
from ocean_core.engine._prepare import (
    ItemError,
    Prepared,
    _mapped_row,
    _where,
    prepare,
    preview,
)
from ocean_core.engine._removals import Keys, deleted_keys, dropped_keys
from ocean_core.mapping import CompiledResource, ItemMappingError, MappedItem, kind_label
from ocean_core.mapping._pool import JqPool, TimedOut, WorkerDied, jq_pool


async def prepare_pooled(
    page: Sequence[Any], resource: CompiledResource, kind: str, item_seconds: float,
    pool: JqPool | None = None,
) -> Prepared:
    """``prepare(page, resource, kind)``, with the mapping done in a jq worker."""
    texts: list[bytes] = []
    local: dict[int, ItemMappingError] = {}
    for number, item in enumerate(page):
        if not isinstance(item, dict):
            continue
        try:
            texts.append(orjson.dumps(item))
        except TypeError as exc:  # what jq would be refused: the same message
            local[number] = ItemMappingError(
                "item", f"the item cannot be read as JSON: {json_problem(exc)}")
    answers = (await (pool or jq_pool()).map_page(resource, texts, item_seconds=item_seconds)
               if texts else [])
    out = Prepared()
    sent = iter(range(len(texts)))
    for number, item in enumerate(page):
        if not isinstance(item, dict):
            _merge(out, prepare([item], resource, kind))
        elif number in local:
            _item_error(out, resource, local[number], item)
        elif isinstance(answers, list):
            _answer(out, resource, answers[next(sent)], item)
        else:
            _item_error(out, resource, _lost(answers, resource), item)
    return out


def _answer(out: Prepared, resource: CompiledResource, answer: Any, item: Any) -> None:
    if isinstance(answer, tuple):
        _item_error(out, resource, ItemMappingError(*answer), item)
        return
    children = orjson.loads(answer)
    if not children:
        out.filtered += 1
    try:
        out.rows.extend(_mapped_row(MappedItem(*fields), resource) for fields in children)
    except (ItemError, EncodeError) as exc:
        out.errors.append((str(exc), preview(item)))


def _lost(answer: TimedOut | WorkerDied, resource: CompiledResource) -> ItemMappingError:
    """The error of every item of a page whose worker gave no answer."""
    fields = " or ".join(resource.jq_fields)
    if isinstance(answer, TimedOut):
        return ItemMappingError(
            fields, f"jq evaluation timed out after {answer.seconds:g} s (mapping_timeout);"
            " every item of the page is an error")
    return ItemMappingError(
        fields, f"the jq worker ended without an answer (exit code {answer.exitcode});"
        " every item of the page is an error")


def _item_error(
    out: Prepared, resource: CompiledResource, exc: ItemMappingError, item: Any
) -> None:
    message = f"mapping {_where(resource)}.{exc} ({kind_label(resource.kind)})"
    out.errors.append((message, preview(item)))


def _merge(out: Prepared, more: Prepared) -> None:
    out.rows += more.rows
    out.errors += more.errors
    out.filtered += more.filtered


async def removal_keys(
    batch: Iterable[Any], resource: CompiledResource | None, kind: str, item_seconds: float,
    *, dropped_only: bool = False, pool: JqPool | None = None,
) -> Keys:
    """``deleted_keys`` of a ``Deleted`` batch (with ``dropped_only``: ``dropped_keys`` of a
    page), the keys found in a jq worker when the resource needs jq (its identifier,
    blueprint, ``itemsToParse`` and selector are the user's jq)."""
    if resource is None or not resource.needs_jq:
        if dropped_only:
            assert resource is not None
            return dropped_keys(batch, resource)
        return deleted_keys(batch, resource, kind)
    found: dict[int, Any] = {}
    texts: list[bytes] = []
    sent: list[int] = []
    for item in batch:
        if not isinstance(item, dict):
            continue
        try:
            texts.append(orjson.dumps(item))
            sent.append(id(item))
        except TypeError as exc:
            found[id(item)] = ItemMappingError(
                "item", f"the item cannot be read as JSON: {json_problem(exc)}")
    answers = (await (pool or jq_pool()).map_page(
        resource, texts, item_seconds=item_seconds, mode="dropped" if dropped_only else "keys")
        if texts else [])
    for number, key in enumerate(sent):
        answer = answers[number] if isinstance(answers, list) else None
        if isinstance(answer, bytes):
            found[key] = orjson.loads(answer)
        elif isinstance(answer, tuple):
            found[key] = ItemMappingError(*answer)
        else:
            assert not isinstance(answers, list)
            found[key] = _lost(answers, resource)

    def keys_of(item: Any) -> list[tuple[Any, Any]]:
        answer = found[id(item)]
        if isinstance(answer, ItemMappingError):
            raise answer
        return [(blueprint, identifier) for blueprint, identifier in answer]

    if dropped_only:
        return dropped_keys(batch, resource, keys_of)
    return deleted_keys(batch, resource, kind, keys_of)
