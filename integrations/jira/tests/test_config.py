"""Config validation: one way to sign in, and every refusal names its field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from integrations.jira import JiraConfig
from integrations.jira.config import DEFAULT_JQL

SITE = "https://example.atlassian.net"
BASIC = {"base_url": SITE, "email": "ocean@example.com", "api_token": "ATATT-token"}


def test_basic_and_bearer_are_accepted() -> None:
    basic = JiraConfig.model_validate({**BASIC, "base_url": SITE + "/"})
    assert basic.base_url == SITE
    assert basic.search_jql == DEFAULT_JQL
    assert basic.page_size == 50
    assert "ATATT-token" not in repr(basic)
    bearer = JiraConfig.model_validate({"base_url": SITE, "token": "eyJ-bearer", "jql": " x = 1 "})
    assert bearer.search_jql == "x = 1"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"email": "a@example.com", "api_token": "t"}, "base_url"),
        ({**BASIC, "base_url": "example.atlassian.net"}, "base_url"),
        ({**BASIC, "token": "eyJ-bearer"}, "token"),
        ({"base_url": SITE}, "email"),
        ({"base_url": SITE, "api_token": "t"}, "email"),
        ({"base_url": SITE, "email": "a@example.com"}, "api_token"),
        ({**BASIC, "email": " "}, "email"),
        ({**BASIC, "jql": "  "}, "jql"),
        ({**BASIC, "page_size": 0}, "page_size"),
        ({**BASIC, "page_size": 101}, "page_size"),
        ({**BASIC, "issue_fields": []}, "issue_fields"),
        ({**BASIC, "requests_per_second": 0}, "requests_per_second"),
        ({**BASIC, "max_concurrency": 0}, "max_concurrency"),
        ({**BASIC, "password": "x"}, "password"),
    ],
)
def test_refusals_name_the_field(values: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        JiraConfig.model_validate(values)
