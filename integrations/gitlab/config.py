"""The configuration of a ``gitlab`` integration instance."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

MergeRequestState = Literal["opened", "closed", "locked", "merged", "all"]
IssueState = Literal["opened", "closed", "all"]


class GitLabConfig(BaseModel):
    """Which GitLab groups to read, and how fast.

    Example (the ``config:`` of an integration instance)::

        config:
          token: glpat-xxxxxxxxxxxxxxxxxxxx      # or OCEAN_..._TOKEN through the settings
          base_url: https://gitlab.example.com   # self-managed; default https://gitlab.com
          groups: [acme, acme-labs/tools]
          merge_request_state: opened
          pipelines_per_project: 20

    ``groups`` are full paths; each group is read with its subgroups. With no groups, the
    groups the token's user is a member of are read (a token is then required: without one
    GitLab would list every public group of the instance).
    """

    model_config = ConfigDict(extra="forbid")

    token: SecretStr | None = Field(
        default=None, description="A personal, group or project access token (PRIVATE-TOKEN)."
    )
    base_url: str = Field(
        default="https://gitlab.com",
        description="The GitLab instance; the REST API is under <base_url>/api/v4.",
    )
    groups: list[str] = Field(
        default_factory=list,
        description="Full paths of the groups to read, with their subgroups; "
        "empty means the groups the token's user is a member of.",
    )
    merge_request_state: MergeRequestState = Field(
        default="opened", description="Which merge requests to read; 'all' for every state."
    )
    issue_state: IssueState = Field(
        default="opened", description="Which issues to read; 'all' for every state."
    )
    pipelines_per_project: int = Field(
        default=20, ge=0, le=100, description="The newest pipelines read per project; 0: none."
    )
    page_size: int = Field(default=100, ge=1, le=100, description="Items per API page.")
    requests_per_second: float = Field(
        default=10.0, gt=0, description="Client-side rate limit, shared by every kind."
    )
    max_concurrency: int = Field(
        default=4,
        ge=1,
        description="Requests in flight at most, shared by every kind: root groups, pages of a"
        " listing whose page count is known, and per-project pipelines go this many at a time.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="The secret token of the webhook registered with GitLab (X-Gitlab-Token);"
        " without one every webhook is refused.",
    )

    @field_validator("base_url")
    @classmethod
    def _strip_base_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value.endswith("/api/v4"):
            value = value.removesuffix("/api/v4")
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL, e.g. https://gitlab.example.com")
        return value

    @field_validator("groups")
    @classmethod
    def _clean_groups(cls, value: list[str]) -> list[str]:
        cleaned = [group.strip().strip("/") for group in value]
        if any(not group for group in cleaned):
            raise ValueError("a group path must not be empty")
        return list(dict.fromkeys(cleaned))

    @model_validator(mode="after")
    def _groups_or_token(self) -> GitLabConfig:
        if not self.groups and self.token is None:
            raise ValueError(
                "groups: give the group paths to read, or a token to read the groups its "
                "user is a member of"
            )
        return self

    @property
    def api_url(self) -> str:
        """The REST API's root."""
        return f"{self.base_url}/api/v4"
