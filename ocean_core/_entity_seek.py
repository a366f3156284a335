"""One entity by key over the catalog's keyset listing: one index seek.

The catalog protocol lists entities in key order (integration, blueprint, identifier, by code
point in every catalog) after a given key. An exact lookup lists one entity after a key just
below the one asked for. No string lies just below another, so "just below" is the previous
last character followed by ``TOP``, a run of the highest code point that no real identifier or
blueprint starts with. The API and the dry run both look entities up this way.
"""

from __future__ import annotations

from ocean_core.catalog import CatalogReads, EntityKey
from ocean_core.entity import Entity

TOP = "\U0010ffff" * 8


def _just_below(text: str) -> str:
    """A string below ``text`` with no practical string between them (see module doc)."""
    head, last = text[:-1], ord(text[-1])
    if last <= 1:
        # Only strings holding NUL lie between ``head`` and ``text``, and no catalog stores
        # NUL; nor may a key sent to one hold it (PostgreSQL refuses the query).
        return head
    previous = last - 1
    if 0xD800 <= previous <= 0xDFFF:  # surrogates cannot be stored: step over them
        previous = 0xD7FF
    return head + chr(previous) + TOP


async def find_entity(catalog: CatalogReads, key: EntityKey) -> Entity | None:
    """The entity of ``key``, or None: one keyset seek."""
    integration_id, blueprint, identifier = key
    after = (integration_id, blueprint, _just_below(identifier)) if identifier else None
    found = await catalog.list_entities(integration_id, blueprint=blueprint, after=after, limit=1)
    return found[0] if found and found[0].identifier == identifier else None
