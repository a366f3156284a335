"""The configuration of a ``pagerduty`` integration instance."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

IncidentStatus = Literal["triggered", "acknowledged", "resolved"]


def _open_statuses() -> list[IncidentStatus]:
    return ["triggered", "acknowledged"]


class PagerDutyConfig(BaseModel):
    """Where the PagerDuty REST API v2 is and which incidents to read.

    Example (the ``config:`` of an integration instance)::

        config:
          token: u+abcdefghijklmnopqrs
          base_url: https://api.eu.pagerduty.com   # EU service region
          incident_statuses: [triggered, acknowledged, resolved]
          incidents_since_days: 7

    ``token`` is a REST API key (account or user); it is sent as
    ``Authorization: Token token=<token>`` and never appears in logs or errors.
    """

    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(description="A PagerDuty REST API key (read-only is enough).")
    base_url: str = Field(
        default="https://api.pagerduty.com",
        description="The API's base URL; https://api.eu.pagerduty.com for the EU region.",
    )
    incident_statuses: list[IncidentStatus] = Field(
        default_factory=_open_statuses,
        min_length=1,
        description="Incident statuses to read, sent as statuses[].",
    )
    incidents_since_days: int = Field(
        default=30,
        ge=1,
        le=180,  # PagerDuty refuses a since/until range longer than 6 months
        description="Read incidents created in the last N days (the since parameter).",
    )
    page_size: int = Field(
        default=100, ge=1, le=100, description="Items per request (limit); PagerDuty's max is 100."
    )
    requests_per_second: float = Field(
        default=10.0,
        gt=0,
        description="Client-side request rate, shared by every kind of this instance.",
    )
    max_concurrency: int = Field(
        default=4,
        ge=1,
        description="Requests in flight at most, shared by every kind of this instance.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret of the v3 webhook subscription (X-PagerDuty-Signature);"
        " without one every webhook is refused.",
    )
