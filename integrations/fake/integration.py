"""Deterministic synthetic items: item ``i`` of kind ``k`` is always the same (per revision)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import yaml
from pydantic import BaseModel, ConfigDict, Field

from ocean_core import Entity, Integration, IntegrationError, KindSpec
from ocean_core.integration import Batch

_TEMPLATE = Path(__file__).with_name("mapping.yaml")


class FakeConfig(BaseModel):
    """How much data, how fast, and where to fail."""

    model_config = ConfigDict(extra="forbid")

    kinds: dict[str, int] = Field(
        default_factory=lambda: {"service": 100, "team": 10},
        description="kind name -> how many items",
    )
    batch_size: int = Field(100, ge=1, description="items per fetched batch")
    latency: float = Field(0.0, ge=0, description="seconds of simulated I/O before each batch")
    fail: dict[str, int] = Field(
        default_factory=dict, description="kind -> batch index at which the fetch raises"
    )
    entities: bool = Field(False, description="yield Entity objects instead of raw items")
    revision: int = Field(0, description="change it to change every item's content")


class FakeFetchError(IntegrationError):
    """The failure a ``fail`` setting injects."""


def make_item(kind: str, index: int, revision: int = 0) -> dict[str, Any]:
    """Item ``index`` of ``kind``: nested like a real API's payload."""
    return {
        "id": f"{kind}-{index}",
        "name": f"{kind.title()} {index}",
        "index": index,
        "active": index % 7 != 0,
        "team": f"team-{index % 10}",
        "meta": {
            "tier": index % 3,
            "language": ("python", "go", "rust")[index % 3],
            "owner": {"email": f"owner{index % 50}@example.com"},
        },
        "links": {"html": f"https://example.com/{kind}/{index}"},
        "revision": revision,
    }


def make_entity(kind: str, index: int, revision: int = 0) -> Entity:
    """The entity the default mapping makes of ``make_item(kind, index, revision)``."""
    return _entities(kind, index, index + 1, revision)[0]


_LANGUAGES = ("python", "go", "rust")


def _entities(kind: str, start: int, stop: int, revision: int) -> list[Entity]:
    # A benchmark's source: written to cost as little as possible per entity.
    title, url = kind.title(), f"https://example.com/{kind}/"
    return [
        Entity(
            identifier=f"{kind}-{i}",
            blueprint=kind,
            title=f"{title} {i}",
            properties={
                "index": i,
                "active": i % 7 != 0,
                "tier": i % 3,
                "language": _LANGUAGES[i % 3],
                "owner": f"owner{i % 50}@example.com",
                "url": f"{url}{i}",
                "revision": revision,
            },
            relations={"team": f"team-{i % 10}"},
        )
        for i in range(start, stop)
    ]


def default_mapping(kinds: list[str]) -> dict[str, Any]:
    """One resource per kind, from the template in ``mapping.yaml``."""
    template = yaml.safe_load(_TEMPLATE.read_text(encoding="utf-8"))["resources"][0]
    resources = []
    for name in kinds:
        resource = yaml.safe_load(yaml.safe_dump(template))
        resource["kind"] = name
        resource["port"]["entity"]["mappings"]["blueprint"] = f'"{name}"'
        resources.append(resource)
    return {"resources": resources}


class FakeIntegration(Integration):
    """Synthetic data; its kinds are the keys of ``config.kinds``.

        FakeIntegration({"kinds": {"service": 1000}, "latency": 0.05, "fail": {"service": 3}})
    """

    type = "fake"
    config_model = FakeConfig
    config: FakeConfig

    def kinds(self) -> list[KindSpec]:
        return [KindSpec(name, name) for name in self.config.kinds]

    def get_default_mapping(self) -> dict[str, Any]:
        return default_mapping(list(self.config.kinds))

    def fetcher(self, kind_name: str) -> Callable[[], AsyncIterator[Batch]]:
        if kind_name not in self.config.kinds:
            raise KeyError(kind_name)
        return lambda: self._fetch(kind_name)

    async def _fetch(self, kind: str) -> AsyncIterator[Batch]:
        cfg = self.config
        total, size = cfg.kinds[kind], cfg.batch_size
        for number, start in enumerate(range(0, total, size)):
            if cfg.latency:
                await anyio.sleep(cfg.latency)
            if cfg.fail.get(kind) == number:
                raise FakeFetchError(f"injected failure in kind {kind!r} at batch {number}")
            stop = min(start + size, total)
            if cfg.entities:
                yield _entities(kind, start, stop, cfg.revision)
            else:
                yield [make_item(kind, i, cfg.revision) for i in range(start, stop)]
