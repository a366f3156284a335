"""Webhook signatures and tokens: constant-time checks that refuse everything without a secret."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pydantic import SecretStr

from ocean_core.signatures import (
    any_signature_matches,
    hmac_sha256_hex,
    signature_matches,
    token_matches,
)

BODY = b'{"action": "opened"}'
SECRET = "s3cret"
GOOD = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()


def test_the_hmac_is_the_hex_sha256_of_the_body() -> None:
    assert "sha256=" + hmac_sha256_hex(SecretStr(SECRET), BODY) == GOOD
    with pytest.raises(ValueError, match="non-empty secret"):
        hmac_sha256_hex("", BODY)


@pytest.mark.parametrize("secret", [SECRET, SecretStr(SECRET)])
def test_a_matching_signature_verifies(secret: str | SecretStr) -> None:
    assert signature_matches(secret, BODY, GOOD)
    assert signature_matches(secret, BODY, GOOD.upper().replace("SHA256=", "sha256="))


@pytest.mark.parametrize("presented", [
    None, "", GOOD[:-1], GOOD[:-1] + "0" if GOOD[-1] != "0" else GOOD[:-1] + "1",
    GOOD.removeprefix("sha256="), "sha1=" + GOOD.removeprefix("sha256="), "sha256=é" * 3,
])
def test_a_wrong_or_missing_signature_is_refused(presented: str | None) -> None:
    assert not signature_matches(SECRET, BODY, presented)


def test_another_body_or_secret_is_refused() -> None:
    assert not signature_matches(SECRET, BODY + b" ", GOOD)
    assert not signature_matches("other", BODY, GOOD)


@pytest.mark.parametrize("secret", [None, "", SecretStr("")])
def test_without_a_secret_everything_is_refused(secret: str | SecretStr | None) -> None:
    assert not signature_matches(secret, BODY, GOOD)
    assert not any_signature_matches(secret, BODY, [GOOD])
    assert not token_matches(secret, "")


def test_any_of_several_signatures_verifies() -> None:
    assert any_signature_matches(SECRET, BODY, ["v1=00", GOOD.replace("sha256=", "v1=")],
                                 prefix="v1=")
    assert not any_signature_matches(SECRET, BODY, ["v1=00", "v1=11"], prefix="v1=")
    assert not any_signature_matches(SECRET, BODY, [], prefix="v1=")


def test_a_token_is_the_secret_itself() -> None:
    assert token_matches(SecretStr(SECRET), SECRET)
    assert not token_matches(SecretStr(SECRET), SECRET + "x")
    assert not token_matches(SecretStr(SECRET), None)
    assert not token_matches(SecretStr(SECRET), "sécret")
