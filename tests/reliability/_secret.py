"""An integration type with a secret in its config (``type: tests.reliability._secret:Secretive``)
whose fetcher fails when told to, for the secret-leak test."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ocean_core import Entity, Integration, kind

SECRETIVE = "tests.reliability._secret:Secretive"
SECRET = "s3cr3t-VALUE-7f9a2c"


class SecretiveConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(min_length=30)
    items: int = 2
    fail: bool = False


class Secretive(Integration):
    type = "secretive"
    config_model = SecretiveConfig

    @kind("item")
    async def fetch_items(self) -> Any:
        config: SecretiveConfig = self.config  # type: ignore[assignment]
        if config.fail:
            raise RuntimeError("the source refused the request")
        yield [Entity(identifier=f"item-{n}", blueprint="item") for n in range(config.items)]
