"""The ``git`` integration: local repositories, their branches, commits, people and owners.

Everything is read with the git CLI (``anyio.run_process``, no shell) from folders on this
machine: no network, no credentials. Each kind opens every configured repository first, so a
missing folder or a folder that is not a repository fails the kind before it yields anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from ocean_core import Integration, kind

from . import _read
from ._repos import Repository, folders, open_all
from ._runner import Git
from .config import GitConfig

MAPPING_FILE = Path(__file__).with_name("mapping.yaml")
BATCH_SIZE = 500
Item = dict[str, Any]


def load_default_mapping() -> dict[str, Any]:
    """The default mapping shipped next to this module, in the Port Ocean format."""
    mapping = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict):
        raise TypeError(f"{MAPPING_FILE} must hold a mapping with 'resources'")
    return mapping


def _chunks(items: Sequence[Item]) -> list[list[Item]]:
    return [list(items[i : i + BATCH_SIZE]) for i in range(0, len(items), BATCH_SIZE)]


class GitIntegration(Integration):
    """Report local git repositories as catalog entities.

    Example::

        ocean = Ocean(GitIntegration({"root": "/srv/src", "max_commits": 50}),
                      catalog=SQLiteCatalog("ocean.db"), integration_id="src")
        result = await ocean.resync()
    """

    type = "git"
    config_model = GitConfig
    default_mapping = load_default_mapping()

    config: GitConfig

    def __init__(self, config: GitConfig | dict[str, Any] | None = None) -> None:
        super().__init__(config)
        self.git = Git(self.config.git)

    async def open_repositories(self) -> list[Repository]:
        """Every configured repository, opened; raises ``GitError`` naming each bad folder."""
        return await open_all(self.git, await folders(self.config.paths, self.config.root))

    @kind("repository")
    async def repositories(self) -> AsyncIterator[list[Item]]:
        """One item per repository, in config order (``paths``, then ``root`` by name)."""
        repositories = await self.open_repositories()
        for batch in _chunks([_read.repository_item(r) for r in repositories]):
            yield batch

    @kind("branch")
    async def branches(self) -> AsyncIterator[list[Item]]:
        """Local branches (and remote-tracking ones, if configured), per repository."""
        remote = self.config.include_remote_branches
        for repository in await self.open_repositories():
            for batch in _chunks(await _read.branches(self.git, repository, remote=remote)):
                yield batch

    @kind("commit", may_be_empty=True)
    async def commits(self) -> AsyncIterator[list[Item]]:
        """The newest ``max_commits`` commits of each repository's default branch."""
        for repository in await self.open_repositories():
            found = await _read.commits(self.git, repository, self.config.max_commits)
            for batch in _chunks(found):
                yield batch

    @kind("contributor")
    async def contributors(self) -> AsyncIterator[list[Item]]:
        """Commit authors of every default branch, one per lowercased email, across repositories.

        The whole history is counted, not only ``max_commits``.
        """
        people: dict[str, _read.Contributor] = {}
        for repository in await self.open_repositories():
            await _read.count_authors(self.git, repository, people)
        for batch in _chunks([people[email].item(email) for email in sorted(people)]):
            yield batch

    @kind("file-owner", may_be_empty=True)
    async def file_owners(self) -> AsyncIterator[list[Item]]:
        """The owners of each tracked file, from the repository's CODEOWNERS."""
        for repository in await self.open_repositories():
            for batch in _chunks(await _read.file_owners(self.git, repository)):
                yield batch
