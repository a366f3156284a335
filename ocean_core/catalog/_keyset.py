"""Keyset paging over the entity key, shared by the SQL catalogs."""

from __future__ import annotations

from ocean_core.catalog._protocol import EntityKey

KEY_COLUMNS = ("integration_id", "blueprint", "identifier")


def key_after(
    after: EntityKey, integration_id: str | None, blueprint: str | None, placeholder: str
) -> tuple[str, list[str]]:
    """``key > after`` as a row value over the key columns that the equality filters leave
    open (an index seeks on a row value only after its fixed leading columns), with the
    driver's ``placeholder`` (``?`` or ``%s``)."""
    fixed: tuple[str, ...] = () if integration_id is None else (integration_id,)
    if fixed and blueprint is not None:
        fixed += (blueprint,)
    head = tuple(after[: len(fixed)])
    if head != fixed:  # the cursor lies wholly before (or after) every key that can match
        return ("TRUE" if head < fixed else "FALSE"), []
    rest = KEY_COLUMNS[len(fixed):]
    marks = ", ".join([placeholder] * len(rest))
    return f"({', '.join(rest)}) > ({marks})", list(after[len(fixed):])
