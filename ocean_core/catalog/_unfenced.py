"""``Catalog.unfenced()``: the one way to write pages without holding the runner lock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeAlias

from ocean_core.catalog._rows import EntityRow
from ocean_core.catalog._types import DeleteOutcome, PageOutcome, PageProgress

WritePage: TypeAlias = Callable[
    [str, str, int, int, Sequence[EntityRow], "PageProgress | None", "int | None"],
    Awaitable[PageOutcome],
]
DeleteStale: TypeAlias = Callable[[str, int, float, bool, "int | None"], Awaitable[DeleteOutcome]]


class UnfencedWriter:
    """A ``PageWriter`` that no runner lock guards: for tools that seed or repair a catalog.

        writer = catalog.unfenced()
        await writer.write_page("shop-1", "product", 0, generation, rows)

    Its writes are the catalog's own (one atomic step each, as a runner's); only the check that
    this catalog runs the integration is left out. A runner of the integration, here or in
    another process, may be writing at the same time: use it where none is.
    """

    def __init__(self, write_page: WritePage, delete_stale: DeleteStale) -> None:
        self._write_page, self._delete_stale = write_page, delete_stale

    async def write_page(
        self, integration_id: str, kind: str, seq: int, generation: int,
        rows: Sequence[EntityRow], *, progress: PageProgress | None = None,
        live_mark: int | None = None,
    ) -> PageOutcome:
        return await self._write_page(
            integration_id, kind, seq, generation, rows, progress, live_mark
        )

    async def delete_stale(
        self, integration_id: str, generation: int, *, threshold: float, dry_run: bool = False,
        live_mark: int | None = None,
    ) -> DeleteOutcome:
        return await self._delete_stale(integration_id, generation, threshold, dry_run, live_mark)
