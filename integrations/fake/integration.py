"""Deterministic synthetic items: item ``i`` of kind ``k`` is always the same (per revision)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import anyio
import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ocean_core import Entity, Integration, IntegrationError, KindSpec, LiveChange, webhook
from ocean_core.integration import Batch
from ocean_core.live import WebhookRequest

from . import _webhook

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
    changed: dict[str, int] = Field(
        default_factory=dict,
        description="kind -> how many items (the first ones) carry `revision`; the others"
        " stay at revision 0 (default: all of them)",
    )
    incremental: bool = Field(
        False, description="declare a cursor (`updated`) per kind and fetch only what changed"
        " since it (rule 9)",
    )
    webhook_secret: SecretStr | None = Field(
        None, description="the shared secret of the `events` webhook (X-Fake-Signature:"
        " sha256=<HMAC-SHA256 of the body>); none: every webhook is refused",
    )


UPDATE_STRIDE = 10**9
"""``updated`` of item ``i`` at revision ``r`` is ``r * UPDATE_STRIDE + i``: it grows with
each revision, and no two items of a kind share one."""


class FakeFetchError(IntegrationError):
    """The failure a ``fail`` setting injects."""


def make_item(kind: str, index: int, revision: int = 0) -> dict[str, Any]:
    """Item ``index`` of ``kind``: nested like a real API's payload."""
    return {
        "updated": revision * UPDATE_STRIDE + index,
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


def _entities(
    kind: str, start: int, stop: int, revision: int, *, updated: bool = False
) -> list[Entity]:
    # A benchmark's source: written to cost as little as possible per entity.
    title, url = kind.title(), f"https://example.com/{kind}/"
    entities = [
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
    if updated:  # the cursor of an incremental fake, only then: other entities stay as they were
        for i, entity in zip(range(start, stop), entities, strict=True):
            entity.properties["updated"] = revision * UPDATE_STRIDE + i
    return entities


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
        if not self.config.incremental:
            return [KindSpec(name, name) for name in self.config.kinds]
        cursor = ".properties.updated" if self.config.entities else ".updated"
        return [KindSpec(name, name, parameters=("since",), cursor=cursor)
                for name in self.config.kinds]

    def get_default_mapping(self) -> dict[str, Any]:
        return default_mapping(list(self.config.kinds))

    def cursor_config(self) -> Any:
        """What is read: which kinds, how many, in which form. Latency, failures, batches and
        revisions stand for the source's own behaviour and changes, not the integration's."""
        return self.config.model_dump(mode="json", include={"kinds", "entities", "incremental"})

    def fetcher(self, kind_name: str) -> Callable[..., AsyncIterator[Batch]]:
        if kind_name not in self.config.kinds:
            raise KeyError(kind_name)
        return lambda since=None: self._fetch(kind_name, since)

    def verify_webhook(self, request: WebhookRequest) -> bool:
        """``X-Fake-Signature`` is the body's HMAC under ``config.webhook_secret``."""
        return _webhook.verify(self.config.webhook_secret, request)

    @webhook("events")
    async def events(self, request: WebhookRequest) -> list[LiveChange]:
        """Items of the configured kinds upserted or deleted (see ``_webhook``)."""
        return _webhook.live_changes(request, self.config.kinds, self._live_item)

    def _live_item(self, kind: str, index: int, revision: int) -> dict[str, Any] | Entity:
        if self.config.entities:
            return _entities(kind, index, index + 1, revision, updated=self.config.incremental)[0]
        return make_item(kind, index, revision)

    def _indexes(self, kind: str, since: Any) -> list[range]:
        """The items to list: all of them, or (as a source would filter by its own index)
        those whose ``updated`` is at least ``since``."""
        total = self.config.kinds[kind]
        changed = min(self.config.changed.get(kind, total), total)
        if since is None:
            return [range(changed), range(changed, total)]
        since = math.ceil(since)
        offset = self.config.revision * UPDATE_STRIDE
        return [range(max(0, min(changed, since - offset)), changed),
                range(max(changed, min(total, since)), total)]

    async def _fetch(self, kind: str, since: Any = None) -> AsyncIterator[Batch]:
        cfg = self.config
        changed = cfg.changed.get(kind, cfg.kinds[kind])
        number = 0
        for indexes in self._indexes(kind, since):
            for start in range(indexes.start, indexes.stop, cfg.batch_size):
                if cfg.latency:
                    await anyio.sleep(cfg.latency)
                if cfg.fail.get(kind) == number:
                    raise FakeFetchError(f"injected failure in kind {kind!r} at batch {number}")
                stop = min(start + cfg.batch_size, indexes.stop)
                revision = cfg.revision if start < changed else 0
                number += 1
                if cfg.entities:
                    yield _entities(kind, start, stop, revision, updated=cfg.incremental)
                else:
                    yield [make_item(kind, i, revision) for i in range(start, stop)]
