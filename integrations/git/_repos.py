"""Find the configured repositories and read what every kind needs to know about each.

All of a kind's repositories are opened before it yields anything, so a missing folder or a
folder that is not a repository fails the kind at once, with every bad path in one message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from anyio import to_thread

from . import _parse
from ._remote import parse_remote
from ._runner import Git, GitCommandError, GitError, decode

_ORIGIN_HEAD = "refs/remotes/origin/HEAD"


@dataclass(frozen=True)
class Repository:
    """One work tree, as every kind sees it."""

    name: str
    """The identifier: the origin remote's path on its host (``acme/api``), else the folder."""
    path: Path
    head_sha: str | None
    """None in a repository without commits."""
    head_branch: str | None
    """None when HEAD is detached."""
    default_branch: str | None
    default_ref: str
    """What commits and contributors are read from: the default branch's ref, or ``HEAD``."""
    remote_url: str | None

    @property
    def has_commits(self) -> bool:
        return self.default_ref != "HEAD" or self.head_sha is not None


def _absolute(path: str | Path) -> Path:
    return Path(path).expanduser().absolute()


def _resolve(paths: Sequence[str | Path], root: str | Path | None) -> list[Path]:
    found = [_absolute(path) for path in paths]
    if root is not None:
        top = _absolute(root)
        if not top.is_dir():
            raise GitError(str(top), "root: no such folder")
        found += sorted(child for child in top.iterdir() if (child / ".git").exists())
    return found


async def folders(paths: Sequence[str | Path], root: str | Path | None) -> list[Path]:
    """The configured folders: ``paths`` in order, then the repositories directly in ``root``
    (the folders holding a ``.git``), by name.

    Relative paths left here are relative to the process's working directory (in a config
    file, the runtime has already made them relative to the file's folder).
    """
    return await to_thread.run_sync(_resolve, paths, root)


async def open_all(git: Git, paths: Sequence[Path]) -> list[Repository]:
    """Open every folder; one ``GitError`` naming each folder that failed, if any did.

    A repository listed twice (or also found under ``root``) is read once.
    """
    repositories: dict[Path, Repository] = {}
    problems: list[GitError] = []
    for path in paths:
        try:
            repository = await open_repository(git, path)
        except GitError as exc:
            problems.append(exc)
            continue
        repositories.setdefault(repository.path, repository)
    if problems:
        raise problems[0] if len(problems) == 1 else _combined(problems)
    return _unique(list(repositories.values()))


def _combined(problems: list[GitError]) -> GitError:
    listing = "; ".join(f"{p.path}: {p.reason}" for p in problems)
    return GitError(", ".join(p.path for p in problems), f"{len(problems)} failed: {listing}")


def _unique(repositories: list[Repository]) -> list[Repository]:
    by_name: dict[str, Repository] = {}
    for repository in repositories:
        other = by_name.setdefault(repository.name, repository)
        if other is not repository:
            raise GitError(
                str(repository.path),
                f"has the identifier {repository.name!r} of {other.path} too; "
                "give them different folder names or origin remotes",
            )
    return repositories


async def open_repository(git: Git, folder: Path) -> Repository:
    """Read one repository's identity, HEAD and default branch (three git calls, usually)."""
    if not await to_thread.run_sync(folder.is_dir):
        raise GitError(str(folder), "no such folder")
    try:
        top = Path(decode(await git.run(folder, "rev-parse", "--show-toplevel")).strip())
    except GitCommandError as exc:
        reason = exc.stderr.strip() or f"exit status {exc.returncode}"
        raise GitError(str(folder), f"not a git repository work tree ({reason})") from exc
    remote = await git.answer(top, "config", "--get", "remote.origin.url")
    parsed = parse_remote(remote) if remote is not None else None
    refs = await _refs(git, top)
    head_branch, head_sha = await _head(git, top, refs)
    default_branch, default_ref = _default(refs, head_branch)
    return Repository(
        name=(parsed.path if parsed and parsed.path else None) or top.name,
        path=top,
        head_sha=head_sha,
        head_branch=head_branch,
        default_branch=default_branch,
        default_ref=default_ref,
        remote_url=parsed.url if parsed else None,
    )


@dataclass(frozen=True)
class _Refs:
    shas: dict[str, str]
    """Local branches and origin's remote-tracking ones, by full ref name."""
    head: str | None
    """The local branch HEAD points at, when it has commits."""
    origin_head: str | None
    """What ``refs/remotes/origin/HEAD`` points at (set by a clone), if anything."""


async def _refs(git: Git, top: Path) -> _Refs:
    out = await git.run(top, "for-each-ref", f"--format={_parse.REF_FORMAT}",
                        "refs/heads/", "refs/remotes/origin/")
    try:
        rows = _parse.parse_refs(decode(out))
    except ValueError as exc:
        raise GitError(str(top), f"unexpected for-each-ref output: {exc}") from exc
    origin_head = next((r["symref"] for r in rows if r["ref"] == _ORIGIN_HEAD), None)
    return _Refs(
        shas={r["ref"]: r["sha"] for r in rows if not r["symref"]},
        head=next((r["ref"] for r in rows if r["head"] == "*"), None),
        origin_head=origin_head or None,
    )


async def _head(git: Git, top: Path, refs: _Refs) -> tuple[str | None, str | None]:
    """(branch, sha) of HEAD; the branch is None when detached, the sha before any commit."""
    if refs.head is not None:
        return refs.head.removeprefix("refs/heads/"), refs.shas[refs.head]
    # Not on a branch with commits: a branch not born yet, or a detached HEAD.
    branch = await git.answer(top, "symbolic-ref", "-q", "HEAD")
    if branch is not None:
        return branch.removeprefix("refs/heads/"), None
    return None, await git.answer(top, "rev-parse", "-q", "--verify", "HEAD^{commit}")


def _default(refs: _Refs, head_branch: str | None) -> tuple[str | None, str]:
    """The default branch: origin's HEAD when the clone knows it, else the checked-out branch.

    Its commits are read from the local branch when there is one, else from the
    remote-tracking one, so a checkout of a feature branch still reports the default branch.
    """
    target = refs.origin_head
    if target is None or not target.startswith("refs/remotes/origin/"):
        return head_branch, "HEAD"
    branch = target.removeprefix("refs/remotes/origin/")
    local = f"refs/heads/{branch}"
    for ref in (local, target):
        if ref in refs.shas:
            return branch, ref
    return branch, "HEAD"
