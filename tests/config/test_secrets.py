"""No error repeats the value of a field declared secret, however deep it sits."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from ocean_core._describe import shown_input
from ocean_core._secrets import is_secret_field


class Auth(BaseModel):
    token: SecretStr
    user: str


class Config(BaseModel):
    auth: Auth | None = None
    tokens: list[SecretStr] = []
    headers: dict[str, SecretStr] = {}
    name: str = "x"


@pytest.mark.parametrize(("loc", "secret"), [
    (("auth", "token"), True), (("auth", "user"), False), (("tokens", 0), True),
    (("headers", "x-key"), True), (("name",), False), (("nope",), False),
])
def test_secret_fields_are_found_through_models_lists_and_dicts(
    loc: tuple[int | str, ...], secret: bool
) -> None:
    assert is_secret_field(Config, loc) is secret


def test_a_validation_error_on_a_secret_hides_its_value() -> None:
    with pytest.raises(ValidationError) as caught:
        Config.model_validate({"auth": {"token": 12345, "user": 678}})
    shown = {tuple(e["loc"]): shown_input(Config, e) for e in caught.value.errors()}
    assert shown[("auth", "token")] == " (value hidden: a secret)"
    assert shown[("auth", "user")] == " (got 678)"
