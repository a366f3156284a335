"""``describe_validation_error``: one rendering of pydantic errors that never shows a secret,
a whole mapping or list, or an unknown key's value, and never repeats a long value whole."""

from __future__ import annotations

from typing import Any, Self

import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from ocean_core._describe import (
    MESSAGE_CHARS,
    VALUE_CHARS,
    describe_validation_error,
    validation_problems,
)

SECRET = "open-sesame-4f1d"


class Auth(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user: str
    password: SecretStr


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    api_key: SecretStr | None = None
    auth: Auth | None = None
    spare_keys: list[SecretStr] = []
    retries: int = 1
    verbose: bool = False
    check: str | None = None

    @model_validator(mode="after")
    def _careless(self) -> Self:
        """A validator that quotes a secret in its message, as careless code might."""
        if self.check == "quote" and self.api_key is not None:
            raise ValueError(f"key {self.api_key.get_secret_value()} was refused")
        return self


def _messages(data: dict[str, Any], model: type[BaseModel] | None = Config) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        Config.model_validate(data)
    problems = validation_problems(model, caught.value.errors(), prefix="config")
    return {p.field: p.message for p in problems}


def test_a_missing_field_beside_a_secret_shows_neither_the_mapping_nor_the_secret() -> None:
    """The issue's case: ``path: Field required (got {'pathh': ..., 'api_key': ...})``."""
    messages = _messages({"pathh": "data.json", "api_key": SECRET})

    assert messages == {
        "config.path": "required",
        "config.pathh": "unknown key; did you mean 'path'?",
    }


def test_a_misspelt_secret_key_names_the_known_key_never_the_value() -> None:
    messages = _messages({"path": "p", "api_kye": SECRET})

    assert messages == {"config.api_kye": "unknown key; did you mean 'api_key'?"}


def test_an_unknown_key_without_a_close_match_lists_the_known_keys() -> None:
    messages = _messages({"path": "p", "colour": SECRET})

    assert messages["config.colour"] == (
        "unknown key; expected one of: path, api_key, auth, spare_keys, retries, verbose, check"
    )


@pytest.mark.parametrize(("value", "shown"), [
    (12345, "value hidden: a secret"), (b"\xff" + SECRET.encode(), "value hidden: a secret"),
    ([SECRET], "got a list of 1 item"), ({"value": SECRET}, "got an object with keys: value"),
])
def test_a_secret_of_the_wrong_type_or_shape_is_hidden(value: Any, shown: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Auth.model_validate({"user": "u", "password": value})

    [error] = caught.value.errors()
    message = describe_validation_error(Auth, error)
    assert message.endswith(f"({shown})"), message
    assert SECRET not in message and "12345" not in message


def test_secrets_inside_nested_models_and_lists_are_hidden() -> None:
    messages = _messages({"path": "p", "auth": {"password": SECRET},
                          "spare_keys": ["fine-key", 7], "api_key": SECRET})

    assert messages == {
        "config.auth.user": "required",
        "config.spare_keys[1]": "Input should be a valid string (value hidden: a secret)",
    }


def test_a_value_given_for_a_list_of_secrets_is_taken_for_a_secret() -> None:
    messages = _messages({"path": "p", "spare_keys": SECRET})

    assert messages == {
        "config.spare_keys": "Input should be a valid list (value hidden: a secret)"
    }


def test_a_validator_quoting_a_secret_is_masked() -> None:
    messages = _messages({"path": "p", "api_key": SECRET, "check": "quote"})

    assert messages == {"config": "Value error, key *** was refused (got an object with keys:"
                                  " path, api_key, check)"}


def test_other_values_are_shown_as_json() -> None:
    messages = _messages({"path": None, "retries": "many", "verbose": "maybe"})

    assert messages == {
        "config.path": "Input should be a valid string (got null)",
        "config.retries": "Input should be a valid integer, unable to parse string as an"
        ' integer (got "many")',
        "config.verbose": "Input should be a valid boolean, unable to interpret input"
        ' (got "maybe")',
    }


def test_a_mapping_is_named_by_its_keys_and_a_list_by_its_length() -> None:
    messages = _messages({"path": {"a": 1, "b": SECRET}, "retries": [1, 2, 3]})

    assert messages == {
        "config.path": "Input should be a valid string (got an object with keys: a, b)",
        "config.retries": "Input should be a valid integer (got a list of 3 items)",
    }


def test_a_long_value_is_cut_and_no_message_repeats_it_whole() -> None:
    long = "x" * 10_000
    messages = _messages({"path": "p", "retries": long, **{f"k{n}" * 40: 1 for n in range(50)}})

    shown = messages["config.retries"]
    assert long not in shown and "x" * VALUE_CHARS not in shown
    assert '(got "xxx' in shown and '…' in shown and shown.endswith('xxx")')
    assert len(shown) < len("Input should be a valid integer, unable to parse string as an"
                            " integer (got )") + VALUE_CHARS + 1
    assert all(len(m) <= MESSAGE_CHARS for m in messages.values())


def test_without_a_model_no_input_is_shown() -> None:
    """A request body's model is not known to the API's error handler: its secrets are not
    either, so no input is shown at all."""
    messages = _messages({"path": "p", "retries": SECRET, "colour": 1}, model=None)

    assert messages == {
        "config.retries": "Input should be a valid integer, unable to parse string as an integer",
        "config.colour": "unknown key",
    }


def test_an_alias_is_the_known_key() -> None:
    class Aliased(BaseModel):
        model_config = ConfigDict(extra="forbid", populate_by_name=True)

        api_token: SecretStr = Field(alias="apiToken")

    with pytest.raises(ValidationError) as caught:
        Aliased.model_validate({"apiTokn": SECRET})

    problems = validation_problems(Aliased, caught.value.errors())
    assert [(p.field, p.message) for p in problems] == [
        ("apiToken", "required"), ("apiTokn", "unknown key; did you mean 'apiToken'?"),
    ]
