"""An integration type a service test can hold mid-run, and config-file helpers.

Configured as ``type: tests.service.support:Gated``. A gate is registered by name for the
test's duration; the fetcher yields the first half of its items; in the first run that gets
there it then sets ``gate.reached`` and waits on ``gate.release`` (as a fetcher stuck in
network I/O would). Later runs pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import yaml
from pydantic import BaseModel, ConfigDict

from ocean_core import Entity, Integration, kind
from ocean_core.integration import Batch

GATED = "tests.service.support:Gated"
TOKEN = "test-token"


class Gate:
    def __init__(self) -> None:
        self.reached = anyio.Event()
        self.release = anyio.Event()
        self.runs = 0


async def hold_first_run(gate: str | None) -> None:
    """The first run that gets here sets ``reached`` of gate ``gate`` and waits for its
    ``release``; later runs, and a fetcher without a gate, pass."""
    if gate is None:
        return
    held = GATES[gate]
    held.runs += 1
    if held.runs == 1:
        held.reached.set()
        await held.release.wait()


GATES: dict[str, Gate] = {}


class GatedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: int = 4
    gate: str | None = None
    prefix: str = "item"


class Gated(Integration):
    type = "gated"
    config_model = GatedConfig

    @kind("item")
    async def fetch_items(self) -> Any:
        config: GatedConfig = self.config  # type: ignore[assignment]
        entities = [
            Entity(identifier=f"{config.prefix}-{n}", blueprint="item", title=f"Item {n}")
            for n in range(config.items)
        ]
        half = len(entities) // 2
        first: Batch = entities[:half]
        yield first
        await hold_first_run(config.gate)
        yield entities[half:]


def gated(integration_id: str, **config: Any) -> dict[str, Any]:
    return {"id": integration_id, "type": GATED, "config": config}


def write_config(folder: Path, *integrations: dict[str, Any], **top: Any) -> Path:
    path = folder / "ocean.yaml"
    data = {"catalog": "sqlite:///catalog.db", "api": {"token": TOKEN}, **top,
            "integrations": list(integrations)}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path
