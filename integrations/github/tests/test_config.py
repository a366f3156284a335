"""Config validation: every error names its field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from integrations.github import GitHubConfig
from ocean_core.assembly import build_integration
from ocean_core.config import IntegrationSettings
from ocean_core.errors import ConfigError


def _error_fields(config: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        GitHubConfig.model_validate(config)
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in caught.value.errors()}


def test_defaults() -> None:
    config = GitHubConfig(org="acme-corp")
    assert config.base_url == "https://api.github.com"
    assert config.state == "open"
    assert config.page_size == 100
    assert config.token is None and config.repositories is None
    assert config.owner == "acme-corp"
    assert config.repositories_path() == "/orgs/acme-corp/repos"


def test_user_scope() -> None:
    config = GitHubConfig(user="octocat")
    assert config.owner == "octocat"
    assert config.repositories_path() == "/users/octocat/repos"


def test_org_or_user_is_required() -> None:
    errors = _error_fields({"token": "ghp_abcdef"})
    assert list(errors) == ["user"]
    assert "set org (an organization) or user (a user account)" in errors["user"]


def test_org_and_user_are_exclusive() -> None:
    errors = _error_fields({"org": "acme-corp", "user": "octocat"})
    assert list(errors) == ["user"]
    assert "either org or user, not both" in errors["user"]


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"org": "acme-corp", "state": "merged"}, "state"),
        ({"org": "acme-corp", "page_size": 0}, "page_size"),
        ({"org": "acme-corp", "page_size": 101}, "page_size"),
        ({"org": "acme-corp", "requests_per_second": 0}, "requests_per_second"),
        ({"org": "acme-corp", "max_concurrency": 0}, "max_concurrency"),
        ({"org": "acme-corp", "max_concurrency": 101}, "max_concurrency"),
        ({"org": "acme-corp", "max_retry_wait": -1}, "max_retry_wait"),
        ({"org": "acme-corp", "base_url": "api.github.com"}, "base_url"),
        ({"org": "acme-corp", "repositories": ["acme-corp/api"]}, "repositories"),
        ({"org": "acme-corp", "repositories": []}, "repositories"),
        ({"org": "../admin"}, "org"),
        ({"user": "octo cat"}, "user"),
        ({"org": "acme-corp", "orgs": ["x"]}, "orgs"),
    ],
)
def test_bad_values_name_their_field(config: dict[str, Any], field: str) -> None:
    assert field in _error_fields(config)


def test_base_url_for_enterprise_loses_its_trailing_slash() -> None:
    config = GitHubConfig(org="acme-corp", base_url="https://ghe.example.com/api/v3/")
    assert config.base_url == "https://ghe.example.com/api/v3"


def test_token_is_a_secret() -> None:
    config = GitHubConfig(org="acme-corp", token="ghp_verysecret")  # type: ignore[arg-type]
    assert "ghp_verysecret" not in repr(config)
    assert config.token is not None and config.token.get_secret_value() == "ghp_verysecret"


def test_the_runtime_names_the_field_in_the_config_file() -> None:
    item = IntegrationSettings(
        id="gh",
        type="integrations.github:GitHubIntegration",
        config={"org": "acme-corp", "user": "octocat", "token": "ghp_abcdef123"},
    )
    with pytest.raises(ConfigError) as caught:
        build_integration(item, "integrations[0]", "ocean.yaml")
    assert str(caught.value) == (
        "ocean.yaml: integrations[0].config.user: "
        "Value error, set either org or user, not both (got \"octocat\")"
    )


@pytest.mark.parametrize("value", [12345, ["whsec_topsecret"], {"value": "whsec_topsecret"}])
def test_a_bad_webhook_secret_is_refused_without_showing_it(value: Any) -> None:
    item = IntegrationSettings(
        id="gh", type="integrations.github:GitHubIntegration",
        config={"org": "acme-corp", "webhook_secret": value},
    )
    with pytest.raises(ConfigError) as caught:
        build_integration(item, "integrations[0]", "ocean.yaml")
    message = str(caught.value)
    assert "integrations[0].config.webhook_secret" in message
    assert "topsecret" not in message and "12345" not in message
