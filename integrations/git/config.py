"""The configuration of a ``git`` integration instance."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class GitConfig(BaseModel):
    """Which local repositories to read, and how much of each.

    Example (the ``config:`` of an integration instance)::

        config:
          paths: [/srv/src/api, ../web]     # relative to the config file's folder
          root: /srv/mirrors                # and every repository directly inside it
          max_commits: 100
          include_remote_branches: true

    At least one of ``paths`` and ``root`` is required; both may be given.
    """

    model_config = ConfigDict(extra="forbid")

    paths: list[Path] = Field(
        default_factory=list,
        description="Repository folders (a folder inside a work tree means its repository); "
        "in a config file, relative paths are relative to the file's folder.",
    )
    root: Path | None = Field(
        default=None,
        description="A folder whose direct children that are git work trees are all read.",
    )
    max_commits: int = Field(
        default=200, ge=0, description="Commits per repository, newest first; 0 reads none."
    )
    include_remote_branches: bool = Field(
        default=False, description="Also report remote-tracking branches (refs/remotes/)."
    )
    git: str = Field(default="git", min_length=1, description="The git executable to run.")

    @model_validator(mode="after")
    def _some_repositories(self) -> Self:
        if not self.paths and self.root is None:
            raise ValueError("paths or root is required: give repository folders or a root")
        return self
