"""The configuration of a ``jira`` integration instance (Jira Cloud), and the keys its
mapping resources may add to their selector."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from ocean_core.mapping import Selector

DEFAULT_JQL = "project IS NOT EMPTY ORDER BY key ASC"
"""Every issue the credentials may browse. Jira Cloud's search refuses an unbounded JQL (one
with no search clause, e.g. a bare ``ORDER BY``), so the default names a clause."""

DEFAULT_FIELDS = (
    "summary",
    "status",
    "issuetype",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "created",
    "updated",
    "project",
    "parent",
)


class JiraConfig(BaseModel):
    """Where the Jira Cloud site is, how to sign in, and which issues to read.

    Example (the ``config:`` of an integration instance)::

        config:
          base_url: https://example.atlassian.net
          email: ocean@example.com
          api_token: ATATT3xFfGF0...        # or `token:` alone, for a bearer token
          jql: project in (ABC, OPS) AND statusCategory != Done

    Sign in with exactly one of: ``email`` and ``api_token`` (basic auth, an Atlassian API
    token), or ``token`` (a bearer token such as an OAuth access token).
    """

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(description="The site, e.g. https://example.atlassian.net.")
    email: str | None = Field(default=None, description="The account's email, with api_token.")
    api_token: SecretStr | None = Field(default=None, description="An Atlassian API token.")
    token: SecretStr | None = Field(default=None, description="A bearer token, alone.")
    jql: str | None = Field(
        default=None,
        description="The JQL of the issues to read, unless an issue resource's selector gives"
        " its own; default: every issue the account can see.",
    )
    issue_fields: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FIELDS),
        min_length=1,
        description="Issue fields to request (Jira's search returns only ids by default); "
        "add custom fields such as customfield_10016 here to map them.",
    )
    page_size: int = Field(default=50, ge=1, le=100, description="Items per API page.")
    requests_per_second: float = Field(
        default=10.0, gt=0, description="Client-side rate limit, shared by every kind."
    )
    max_concurrency: int = Field(
        default=4,
        ge=1,
        description="Requests in flight at most, shared by every kind and every request of the"
        " instance (webhook handlers included).",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret of the webhook registered with Jira (X-Hub-Signature); without"
        " one every webhook is refused.",
    )

    @field_validator("base_url")
    @classmethod
    def _clean_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL, e.g. https://example.atlassian.net")
        return value

    @field_validator("jql")
    @classmethod
    def _clean_jql(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty; leave it out to read every issue")
        return value.strip() if value is not None else None

    @model_validator(mode="after")
    def _one_way_to_sign_in(self) -> JiraConfig:
        basic = self.email is not None or self.api_token is not None
        if basic and self.token is not None:
            raise ValueError("token: give either token, or email and api_token, not both")
        if self.token is None and self.email is None:
            raise ValueError("email: give email and api_token, or a bearer token in token")
        if self.token is None and self.api_token is None:
            raise ValueError("api_token: email needs an api_token")
        if self.token is None and self.email is not None and not self.email.strip():
            raise ValueError("email: must not be empty")
        return self

    @property
    def search_jql(self) -> str:
        """The JQL the issue search sends when the selector names none."""
        return self.jql if self.jql is not None else DEFAULT_JQL


def _clean_jql(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("must not be empty; leave it out to use the config's jql")
    return value.strip() if value is not None else None


class JiraSelector(Selector):
    """The selector of a ``jira`` mapping resource: ``query`` (jq, on each fetched item) and,
    as in Port Ocean's Jira integration, ``jql`` for the ``issue`` kind::

        - kind: issue
          selector:
            query: "true"
            jql: project = ABC AND statusCategory != Done

    An issue resource's ``jql`` filters on the server; without it the config's ``jql`` (or
    its default) applies. Other kinds ignore ``jql``.
    """

    jql: str | None = Field(
        default=None,
        description="The JQL of this issue resource; default: the config's jql.",
    )

    @field_validator("jql")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return _clean_jql(value)
