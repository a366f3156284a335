"""An integration type whose fetcher blocks shutdown: after its first batch it waits in a
shielded scope, so no cancellation reaches it (as a fetcher stuck in a blocking call would).

Configured as ``type: tests.service.stubborn:Stubborn``."""

from __future__ import annotations

from typing import Any

import anyio
from loguru import logger

from ocean_core import Entity, Integration, kind

STUBBORN = "tests.service.stubborn:Stubborn"
HOLDING = "stubborn fetcher holds on"


class Stubborn(Integration):
    type = "stubborn"

    @kind("item")
    async def fetch_items(self) -> Any:
        yield [Entity(identifier="item-0", blueprint="item", title="Item 0")]
        logger.info(HOLDING)
        with anyio.CancelScope(shield=True):
            await anyio.sleep(3600)
        yield []
