"""Config validation: every error names its field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from integrations.git import GitConfig, GitIntegration


def test_defaults() -> None:
    config = GitConfig(root="/srv/src")
    assert (config.paths, config.max_commits, config.include_remote_branches) == ([], 200, False)
    assert config.git == "git"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({}, "paths or root"),
        ({"paths": []}, "paths or root"),
        ({"root": "/srv", "max_commits": -1}, "max_commits"),
        ({"root": "/srv", "include_remote_branches": "sometimes"}, "include_remote_branches"),
        ({"root": "/srv", "git": ""}, "git"),
        ({"root": "/srv", "repos": ["a"]}, "repos"),
    ],
)
def test_invalid_values_name_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        GitIntegration(values)
