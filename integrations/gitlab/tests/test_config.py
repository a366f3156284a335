"""Config validation: every refusal names its field."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from integrations.gitlab import GitLabConfig


def test_defaults_and_normalisation() -> None:
    config = GitLabConfig(
        token=SecretStr("glpat-x"),
        base_url="https://gitlab.example.com/api/v4/",
        groups=[" acme/ ", "acme"],
    )
    assert config.api_url == "https://gitlab.example.com/api/v4"
    assert config.groups == ["acme"]
    assert (config.merge_request_state, config.issue_state) == ("opened", "opened")
    assert (config.pipelines_per_project, config.page_size) == (20, 100)
    assert GitLabConfig(groups=["acme"]).base_url == "https://gitlab.com"
    assert "glpat-x" not in repr(config)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"groups": ["acme"], "page_size": 0}, "page_size"),
        ({"groups": ["acme"], "page_size": 101}, "page_size"),
        ({"groups": ["acme"], "pipelines_per_project": -1}, "pipelines_per_project"),
        ({"groups": ["acme"], "merge_request_state": "open"}, "merge_request_state"),
        ({"groups": ["acme"], "issue_state": "merged"}, "issue_state"),
        ({"groups": ["acme"], "base_url": "gitlab.example.com"}, "base_url"),
        ({"groups": ["acme", ""]}, "groups"),
        ({"groups": ["acme"], "requests_per_second": 0}, "requests_per_second"),
        ({"groups": ["acme"], "max_concurrency": 0}, "max_concurrency"),
        ({"groups": ["acme"], "private_token": "x"}, "private_token"),
        ({}, "groups"),
    ],
)
def test_refusals_name_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        GitLabConfig.model_validate(values)
