"""Shared pieces of the reliability tests: soak scaling, the figures of the last run, and
helpers that compare the catalog with what the source maps to."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from ocean_core.catalog import Catalog

SOAK = os.environ.get("OCEAN_SOAK") == "1"
"""``make soak`` sets ``OCEAN_SOAK=1``: the same tests run with bigger numbers."""

_FIGURES = os.environ.get("OCEAN_FIGURES")
FIGURES = Path(_FIGURES) if _FIGURES else None
"""Where ``record`` writes the figures of the session (``make soak`` sets it); unset: nowhere."""
_lock = threading.Lock()


def scaled(ci: int, soak: int) -> int:
    return soak if SOAK else ci


def record(name: str, **figures: Any) -> None:
    """Add to the figures of this test session (the file ``OCEAN_FIGURES`` names), which
    ``docs/guarantees.md`` quotes. Counts of the same name and key add up across tests."""
    if FIGURES is None:
        return
    with _lock:
        try:
            data: dict[str, dict[str, Any]] = json.loads(FIGURES.read_text())
        except (OSError, ValueError):
            data = {}
        entry = data.setdefault(name, {})
        for key, value in figures.items():
            if isinstance(value, int | float) and not isinstance(value, bool) and (
                isinstance(entry.get(key), int | float) and not key.startswith("p")
                and not key.endswith("seed")
            ):
                entry[key] += value
            else:
                entry[key] = value
        entry["soak"] = SOAK
        FIGURES.write_text(json.dumps(data, indent=2, sort_keys=True))


async def snapshot(catalog: Catalog, integration_id: str) -> dict[tuple[str, str], Any]:
    """``(kind, identifier) -> (title, properties)`` of the integration's entities."""
    return {
        (e.kind or "", e.identifier): (e.title, e.properties)
        for e in await catalog.list_entities(integration_id)
    }


def expected(data: dict[str, list[dict[str, Any]]]) -> dict[tuple[str, str], Any]:
    """What ``tests.support.mapping_for`` makes of a source's items."""
    return {
        (kind, item["id"]): (item["name"], {"value": item["value"]})
        for kind, found in data.items()
        for item in found
    }
