"""``Deleted``: a batch of what the source reports gone (rule 9)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ocean_core.entity import Entity


class Deleted:
    """What a fetcher yields for items its source reports deleted: raw items, mapped to their
    keys (blueprint and identifier) by the same mapping as the kind's other items, or
    ``Entity`` objects. The engine deletes their entities, in a full run as in an incremental
    one, atomically with the check that the run's generation is still current::

        @kind("ticket", cursor=".updated_at")
        async def tickets(self, since):
            yield await self.changed(since)
            yield Deleted(await self.removed(since))

    A raw item needs only what the identifier and blueprint expressions read (often just its
    id); the selector does not apply to it, since a deleted item's entity goes whatever the
    item looked like.
    """

    __slots__ = ("items",)

    items: tuple[dict[str, Any] | Entity, ...]

    def __init__(self, items: Iterable[dict[str, Any] | Entity] = ()) -> None:
        object.__setattr__(self, "items", tuple(items))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Deleted is immutable")

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[dict[str, Any] | Entity]:
        return iter(self.items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Deleted) and other.items == self.items

    __hash__ = None  # type: ignore[assignment]  # holds dicts, as a list does

    def __repr__(self) -> str:
        return f"Deleted({list(self.items)!r})"
