"""An integration type with secrets in its config (``type: tests.reliability._secret:Secretive``)
whose fetcher fails when told to, and the catalogue of bad input that must not echo them.

Every catalogue entry holds ``SECRET`` somewhere an error could repeat it: beside a missing
field, under a misspelt key, as a value of the wrong type, inside a nested model or a list.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ocean_core import Entity, Integration, kind

SECRETIVE = "tests.reliability._secret:Secretive"
SECRET = "s3cr3t-VALUE-7f9a2c"
LONG = SECRET + "-long-enough-x"
"""A valid ``token`` (30 characters or more) that holds ``SECRET``."""


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str
    password: SecretStr


class SecretiveConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(min_length=30)
    items: int = 2
    fail: bool = False
    login: Login | None = None
    spare_tokens: list[SecretStr] = []


class Secretive(Integration):
    type = "secretive"
    config_model = SecretiveConfig

    @kind("item")
    async def fetch_items(self) -> Any:
        config: SecretiveConfig = self.config  # type: ignore[assignment]
        if config.fail:
            raise RuntimeError("the source refused the request")
        yield [Entity(identifier=f"item-{n}", blueprint="item") for n in range(config.items)]


BAD_CONFIGS: dict[str, dict[str, Any]] = {
    "secret too short": {"token": SECRET},
    "misspelt secret key, so a missing field": {"tokn": LONG},
    "missing sibling of a secret": {"token": LONG, "login": {"password": SECRET}},
    "sibling of the wrong type": {"token": LONG, "items": "many", "login": {
        "user": 7, "password": SECRET}},
    "secret of the wrong type": {"token": [SECRET]},
    "secret as a mapping": {"token": {"value": SECRET}},
    "nested secret of the wrong type": {"token": LONG, "login": {
        "user": "u", "password": [SECRET]}},
    "a value for a list of secrets": {"token": LONG, "spare_tokens": SECRET},
    "bad item beside a secret in a list": {"token": LONG, "spare_tokens": [SECRET, 5]},
    "unknown key holding the secret": {"token": LONG, "colour": SECRET},
    "the whole config a secret": SECRET,  # type: ignore[dict-item]
}
"""The ``config:`` of a ``Secretive`` instance, by what is wrong with it."""

BAD_FILES: dict[str, dict[str, Any]] = {
    "misspelt api token key": {"api": {"tokn": SECRET}},
    "api token of the wrong type": {"api": {"token": [SECRET]}},
    "bad sibling of the api token": {"api": {"token": SECRET, "port": "eighty", "prot": 1}},
    "api section of the wrong type": {"api": SECRET},
    "read token beside a missing rate": {"api": {"read_token": SECRET, "rate_limit": {}}},
}
"""Top-level settings of a config file (its ``api`` secrets), by what is wrong with them."""
