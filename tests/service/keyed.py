"""An integration type with secrets in its config, for the tests of secrets changed through
the API: each entity carries a digest of the token the fetcher was given, so a test can tell
which value a run used without the value ever being shown.

Configured as ``type: tests.service.keyed:Keyed``."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from ocean_core import Entity, Integration, kind

KEYED = "tests.service.keyed:Keyed"


class Vault(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: str = "eu"
    password: SecretStr | None = None


class KeyedConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: SecretStr
    url: str = "https://source.invalid"
    items: int = 2
    vault: Vault = Vault()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class Keyed(Integration):
    type = "keyed"
    config_model = KeyedConfig

    @kind("item")
    async def fetch_items(self) -> Any:
        config: KeyedConfig = self.config  # type: ignore[assignment]
        password = config.vault.password
        yield [
            Entity(identifier=f"item-{n}", blueprint="item", title=f"Item {n}", properties={
                "token": digest(config.token.get_secret_value()), "url": config.url,
                "password": digest(password.get_secret_value()) if password else None,
            })
            for n in range(config.items)
        ]
