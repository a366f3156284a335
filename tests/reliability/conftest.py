"""In CI, the catalog-heavy reliability tests run PostgreSQL and SQLite on asyncio only (the
memory catalog covers trio, where the engine's cancellation is what differs); ``make soak``
(``OCEAN_SOAK=1``) runs every combination."""

from __future__ import annotations

import pytest

from tests.reliability._support import FIGURES, SOAK


def pytest_configure(config: pytest.Config) -> None:
    """The figures file holds the figures of this session only."""
    if FIGURES is not None:
        FIGURES.unlink(missing_ok=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if SOAK:
        return
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if (
            "tests/reliability/" in item.nodeid
            and params.get("anyio_backend") == "trio"
            and params.get("catalog") in ("sqlite", "postgres")
        ):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
