"""An integration type whose fetcher raises ``SystemExit`` or ``KeyboardInterrupt`` (integration
code calling ``sys.exit()``, say), for the containment tests.

Configured as ``type: tests.reliability.exiting:Exiting``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ocean_core import Entity, Integration, kind

EXITING = "tests.reliability.exiting:Exiting"
RAISED: dict[str, type[BaseException]] = {
    "SystemExit": SystemExit, "KeyboardInterrupt": KeyboardInterrupt,
}


class ExitingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    raises: Literal["SystemExit", "KeyboardInterrupt"] = "SystemExit"


class Exiting(Integration):
    type = "exiting"
    config_model = ExitingConfig

    @kind("item")
    async def fetch_items(self) -> Any:
        config: ExitingConfig = self.config  # type: ignore[assignment]
        yield [Entity(identifier="item-0", blueprint="item", title="Item 0")]
        raise RAISED[config.raises](3)

    @kind("other", may_be_empty=True)
    async def fetch_others(self) -> Any:
        yield [Entity(identifier="other-0", blueprint="other", title="Other 0")]
