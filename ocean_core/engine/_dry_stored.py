"""What a dry run knows of the catalog as a run would leave it, so far: the integration's
entities as read before the first fetch, the keys the run's pages map to, and those its
removals (``Deleted`` batches, an incremental run's selector-dropped keys) would delete."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ocean_core.catalog import CatalogReads, EntityKey, encode_entity
from ocean_core.dry_run import KindPreview
from ocean_core.results import MAX_DELETED_SAMPLES, EntityRef

_SCAN_PAGE = 1000

Key = tuple[str, str]
"""(blueprint, identifier) within one integration."""


@dataclass
class Stored:
    """The integration's entities as the catalog holds them (hash and kind by key), with what
    the dry run has seen and removed since."""

    hashes: dict[Key, tuple[int, str | None]] = field(default_factory=dict)
    seen: set[Key] = field(default_factory=set)
    """Keys a page mapped to: a run wrote them, so no sweep deletes them."""
    gone: set[Key] = field(default_factory=set)
    """Keys a removal deleted (until a later page writes them again)."""

    @classmethod
    async def read(cls, catalog: CatalogReads, integration_id: str) -> Stored:
        stored = cls()
        after: EntityKey | None = None
        while page := await catalog.list_entities(integration_id, after=after,
                                                  limit=_SCAN_PAGE):
            for entity in page:
                key = (entity.blueprint, entity.identifier)
                stored.hashes[key] = (encode_entity(entity).hash, entity.kind)
            last = page[-1]
            after = (integration_id, last.blueprint, last.identifier)
        return stored

    def count(self, kind: str) -> int:
        return sum(1 for _, stored_kind in self.hashes.values() if stored_kind == kind)

    def hash_of(self, key: Key) -> int | None:
        """The content hash the catalog would hold for ``key`` when a page writes it (None:
        it would be created, as one a removal deleted earlier in the run would)."""
        self.seen.add(key)
        if key in self.gone:
            self.gone.discard(key)
            return None
        found = self.hashes.get(key)
        return None if found is None else found[0]

    def remove(self, keys: Iterable[Key], kind: str, preview: KindPreview) -> None:
        """Count in ``preview`` the keys a removal would delete: those the catalog would hold
        then (a key it holds, or a page of the run wrote, and no removal deleted since)."""
        for key in keys:
            if key in self.gone or (key not in self.hashes and key not in self.seen):
                continue  # nothing to delete: a run's delete finds no row either
            self.gone.add(key)
            preview.removed += 1
            if len(preview.removed_sample) < MAX_DELETED_SAMPLES:
                preview.removed_sample.append(
                    EntityRef(blueprint=key[0], identifier=key[1], kind=kind))

    def stale(self) -> Iterable[tuple[Key, str | None]]:
        """What a full run's sweep would delete: held, never written, not removed already."""
        for key, (_hash, kind) in self.hashes.items():
            if key not in self.seen and key not in self.gone:
                yield key, kind
