"""The configuration of a ``github`` integration instance."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

PUBLIC_API = "https://api.github.com"

# GitHub logins: letters, digits and single hyphens. Checked so that a name can never reshape
# the request path (``../``, ``?``), whatever the config file says.
_LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$")
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")

State = Literal["open", "closed", "all"]


class GitHubConfig(BaseModel):
    """Where to read (an organization or a user account), with which token, and how fast.

    Example (the ``config:`` of an integration instance)::

        config:
          org: acme
          token: ghp_...                 # or from the environment, see the docs
          repositories: [api, web]       # optional: only these repositories
          state: all                     # pull requests and issues: open, closed or all

    Exactly one of ``org`` and ``user`` is set. For GitHub Enterprise Server, set
    ``base_url: https://HOST/api/v3``.
    """

    model_config = ConfigDict(extra="forbid")

    token: SecretStr | None = Field(
        default=None,
        description="A personal access token or an installation token; without one, GitHub "
        "allows 60 requests an hour and shows public data only.",
    )
    org: str | None = Field(default=None, description="The organization to read.")
    user: str | None = Field(
        default=None,
        validate_default=True,  # so that the org-or-user check runs when neither is given
        description="The user account to read (its public repositories; no teams or members).",
    )
    base_url: str = Field(
        default=PUBLIC_API,
        description="The REST API root; https://HOST/api/v3 for GitHub Enterprise Server.",
    )
    repositories: list[str] | None = Field(
        default=None,
        description="Names of the repositories to read (without the owner); default: all.",
    )
    state: State = Field(default="open", description="Which pull requests and issues to read.")
    page_size: int = Field(default=100, ge=1, le=100, description="Items per page (per_page).")
    requests_per_second: float = Field(
        default=10.0, gt=0, description="Client-side cap on the request rate, shared by all kinds."
    )
    max_concurrency: int = Field(
        default=4,
        ge=1,
        le=100,  # GitHub's secondary rate limit allows 100 concurrent requests at most
        description="Requests in flight at most, shared by all kinds (per-repository listings"
        " go this many repositories at a time); 1 follows GitHub's advice of serial requests.",
    )
    max_retry_wait: float = Field(
        default=900.0,
        ge=0,
        description="The longest wait, in seconds, for a rate limit to reset before a retry.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret of the webhook registered with GitHub (X-Hub-Signature-256);"
        " without one every webhook is refused.",
    )

    @field_validator("org")
    @classmethod
    def _check_org(cls, value: str | None) -> str | None:
        return _login(value, "organization")

    @field_validator("user")
    @classmethod
    def _check_one_owner(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A field validator (not a model validator) so the error is located at a field.
        org = info.data.get("org")
        if value is not None and org is not None:
            raise ValueError("set either org or user, not both")
        if value is None and org is None and "org" in info.data:
            raise ValueError("set org (an organization) or user (a user account)")
        return _login(value, "user")

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL, e.g. https://github.example.com/api/v3")
        return value.rstrip("/")

    @field_validator("repositories")
    @classmethod
    def _check_repositories(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("give at least one repository name, or leave the field out")
        bad = [name for name in value if not _REPOSITORY.match(name)]
        if bad:
            raise ValueError(f"not repository names (give the name without the owner): {bad}")
        return value

    @property
    def owner(self) -> str:
        """The organization or user whose repositories are read."""
        owner = self.org if self.org is not None else self.user
        assert owner is not None  # the validators guarantee one of them
        return owner

    def repositories_path(self) -> str:
        """The listing of the owner's repositories."""
        return f"/orgs/{self.org}/repos" if self.org is not None else f"/users/{self.user}/repos"


def _login(value: str | None, what: str) -> str | None:
    if value is not None and not _LOGIN.match(value):
        raise ValueError(f"not a GitHub {what} login: {value!r}")
    return value
