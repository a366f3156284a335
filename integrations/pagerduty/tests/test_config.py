"""Config validation: every error names its field; the token never shows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from integrations.pagerduty import PagerDutyConfig, PagerDutyIntegration

from .conftest import TOKEN


def test_defaults() -> None:
    config = PagerDutyConfig.model_validate({"token": TOKEN})
    assert config.base_url == "https://api.pagerduty.com"
    assert config.incident_statuses == ["triggered", "acknowledged"]
    assert (config.incidents_since_days, config.page_size) == (30, 100)
    assert TOKEN not in repr(config)
    assert TOKEN not in str(PagerDutyIntegration(config).config)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({}, "token"),
        ({"token": TOKEN, "page_size": 101}, "page_size"),
        ({"token": TOKEN, "page_size": 0}, "page_size"),
        ({"token": TOKEN, "incident_statuses": ["open"]}, "incident_statuses"),
        ({"token": TOKEN, "incident_statuses": []}, "incident_statuses"),
        ({"token": TOKEN, "incidents_since_days": 0}, "incidents_since_days"),
        ({"token": TOKEN, "requests_per_second": 0}, "requests_per_second"),
        ({"token": TOKEN, "max_concurrency": 0}, "max_concurrency"),
        ({"token": TOKEN, "subdomain": "acme"}, "subdomain"),
    ],
)
def test_invalid_values_name_the_field(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        PagerDutyIntegration(values)
