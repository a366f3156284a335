"""What ``list_entities``' filters mean, shared by every catalog: the ``integration_ids``
argument, the case folding of ``search``, and the keyset cursor over the entity key."""

from __future__ import annotations

from collections.abc import Collection

from ocean_core.catalog._types import EntityKey

KEY_COLUMNS = ("integration_id", "blueprint", "identifier")

ASCII_UPPER, ASCII_LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
FOLD_ASCII = str.maketrans(ASCII_UPPER, ASCII_LOWER)
"""Folds ASCII letters only, as SQLite's LIKE does: ``search`` ignores their case, and only
theirs."""

LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
"""Every character of a search is literal in ``LIKE ? ESCAPE '\\'`` once this escapes it."""


def integration_id_list(integration_ids: Collection[str]) -> list[str]:
    """``list_entities``' ``integration_ids`` as a list; a bare string is refused, since it is
    a collection of its characters and almost surely a mistake for ``[string]``."""
    if isinstance(integration_ids, str):
        raise TypeError("integration_ids must be a collection of ids, not one string")
    return list(integration_ids)


def search_matches(search: str, identifier: str, title: str | None) -> bool:
    """``search`` in the identifier or the title, every character literal, ASCII letters
    folded; a None title never matches."""
    needle = search.translate(FOLD_ASCII)
    return any(
        text is not None and needle in text.translate(FOLD_ASCII) for text in (identifier, title)
    )


def like_pattern(search: str) -> str:
    """The ``LIKE`` pattern of ``search_matches`` for a column folded as ``FOLD_ASCII`` does."""
    return f"%{search.translate(LIKE_ESCAPES).translate(FOLD_ASCII)}%"


def key_after(
    after: EntityKey, integration_id: str | None, blueprint: str | None
) -> tuple[str, list[str]]:
    """``key > after`` as a row value over the key columns that the equality filters leave
    open (an index seeks on a row value only after its fixed leading columns), with ``?``
    placeholders."""
    fixed: tuple[str, ...] = () if integration_id is None else (integration_id,)
    if fixed and blueprint is not None:
        fixed += (blueprint,)
    head = tuple(after[: len(fixed)])
    if head != fixed:  # the cursor lies wholly before (or after) every key that can match
        return ("TRUE" if head < fixed else "FALSE"), []
    rest = KEY_COLUMNS[len(fixed):]
    marks = ", ".join(["?"] * len(rest))
    return f"({', '.join(rest)}) > ({marks})", list(after[len(fixed):])
