"""Read one repository's items of each kind with the git CLI."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from . import _codeowners, _parse
from ._repos import Repository
from ._runner import Git, GitError, decode

Item = dict[str, Any]


def repository_item(repository: Repository) -> Item:
    """The ``repository`` item."""
    return {
        "name": repository.name,
        "folder": repository.path.name,
        "path": str(repository.path),
        "default_branch": repository.default_branch,
        "head_branch": repository.head_branch,
        "head_sha": repository.head_sha,
        "remote_url": repository.remote_url,
    }


def _parsed(repository: Repository, what: str, error: ValueError) -> GitError:
    return GitError(str(repository.path), f"unexpected {what} output: {error}")


async def branches(git: Git, repository: Repository, *, remote: bool) -> list[Item]:
    """Local branches, then remote-tracking ones when ``remote`` (without their HEAD alias)."""
    patterns = ["refs/heads/", *(["refs/remotes/"] if remote else [])]
    out = await git.run(repository.path, "for-each-ref", f"--format={_parse.REF_FORMAT}",
                        "--sort=refname", *patterns)
    try:
        refs = _parse.parse_refs(decode(out))
    except ValueError as exc:
        raise _parsed(repository, "for-each-ref", exc) from exc
    return [_branch(repository, ref) for ref in refs if not ref["symref"]]


def _branch(repository: Repository, ref: dict[str, str]) -> Item:
    is_remote = ref["ref"].startswith("refs/remotes/")
    name = ref["ref"].removeprefix("refs/remotes/" if is_remote else "refs/heads/")
    return {
        "repository": repository.name,
        "name": name,
        "ref": ref["ref"],
        "sha": ref["sha"],
        "last_commit_at": ref["committed_at"] or None,
        "remote": is_remote,
        "current": ref["head"] == "*",
        "default": not is_remote and name == repository.default_branch,
        "upstream": ref["upstream"].removeprefix("refs/remotes/") or None,
    }


async def commits(git: Git, repository: Repository, limit: int) -> list[Item]:
    """The newest ``limit`` commits of the default branch (or HEAD), newest first."""
    if limit == 0 or not repository.has_commits:
        return []
    out = await git.run(repository.path, "log", "-z", f"--max-count={limit}",
                        f"--format={_parse.COMMIT_FORMAT}", repository.default_ref, "--")
    try:
        parsed = _parse.parse_commits(decode(out))
    except ValueError as exc:
        raise _parsed(repository, "log", exc) from exc
    return [{"repository": repository.name, **commit} for commit in parsed]


@dataclass
class Contributor:
    """One person, keyed by lowercased email, across every repository read."""

    names: Counter[str] = field(default_factory=Counter)
    by_repository: dict[str, int] = field(default_factory=dict)

    def item(self, email: str) -> Item:
        # The name used most often; on a tie the newest, since git log lists newest first.
        return {
            "email": email,
            "name": self.names.most_common(1)[0][0],
            "commit_count": sum(self.by_repository.values()),
            "repositories": list(self.by_repository),
            "commits_by_repository": dict(self.by_repository),
        }


async def count_authors(
    git: Git, repository: Repository, people: dict[str, Contributor]
) -> None:
    """Add the authors of every commit of the default branch (or HEAD) to ``people``."""
    if not repository.has_commits:
        return
    out = await git.run(repository.path, "log", "-z", f"--format={_parse.AUTHOR_FORMAT}",
                        repository.default_ref, "--")
    try:
        authors = _parse.parse_authors(decode(out))
    except ValueError as exc:
        raise _parsed(repository, "log", exc) from exc
    for name, email in authors:
        if not email:
            continue  # an imported commit without an email has no identity to key on
        person = people.setdefault(email.lower(), Contributor())
        person.names[name] += 1
        person.by_repository[repository.name] = person.by_repository.get(repository.name, 0) + 1


async def file_owners(git: Git, repository: Repository) -> list[Item]:
    """Owners of every tracked file, from the first CODEOWNERS GitHub would use."""
    listing = decode(await git.run(repository.path, "ls-files", "-z")).split("\0")
    # dict.fromkeys: a file with a merge conflict is listed once per stage.
    tracked = list(dict.fromkeys(path for path in listing if path))
    known = set(tracked)
    source = next((c for c in _codeowners.CANDIDATES if c in known), None)
    if source is None:
        return []
    # The staged copy, like the list of tracked files: both describe the index.
    text = decode(await git.run(repository.path, "cat-file", "blob", f":{source}"))
    rules = _codeowners.parse(text)
    return [
        {
            "repository": repository.name,
            "path": path,
            "owners": list(rule.owners),
            "rule": rule.pattern,
            "line": rule.line,
            "codeowners": source,
        }
        for path, rule in _codeowners.ownership(rules, tracked)
    ]
