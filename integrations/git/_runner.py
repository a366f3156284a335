"""Run the git CLI as a subprocess (never through a shell) and translate its failures.

Every call reads; none writes. ``GIT_OPTIONAL_LOCKS=0`` keeps even a status-like read from
taking the index lock that a developer's own git commands may need at the same moment.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import anyio

from ocean_core.errors import IntegrationError, Terminal

# Variables that would point git at another repository than the ``-C`` folder (set, for
# instance, when ocean runs from a git hook).
_LOCATING = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_NAMESPACE",
             "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CEILING_DIRECTORIES")

# Settings a user's config may hold that would change the machine-readable output.
_OVERRIDES = ("color.ui=never", "log.showSignature=false", "core.quotePath=false")

_MAX_STDERR = 300


class GitError(IntegrationError, Terminal):
    """A repository could not be read; the message names its folder.

    ``path`` is the folder as configured (or found under ``root``).
    """

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"git repository {path}: {message}")


class GitCommandError(GitError):
    """A git command exited with an unexpected status."""

    def __init__(self, path: str, args: Sequence[str], returncode: int, stderr: str) -> None:
        self.command_args = tuple(args)
        self.returncode = returncode
        self.stderr = stderr
        detail = stderr.strip()[:_MAX_STDERR] or "no output"
        super().__init__(path, f"`git {' '.join(args)}` exited with {returncode}: {detail}")


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LOCATING}
    env.update({"GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    return env


class Git:
    """The git executable, run in one folder at a time.

        git = Git("git")
        out = await git.run(Path("/srv/api"), "rev-parse", "--show-toplevel")
    """

    def __init__(self, executable: str = "git") -> None:
        self.executable = executable

    def command(self, folder: Path, args: Sequence[str]) -> list[str]:
        overrides = [arg for setting in _OVERRIDES for arg in ("-c", setting)]
        return [self.executable, "--no-pager", *overrides, "-C", str(folder), *args]

    async def run(self, folder: Path, *args: str) -> bytes:
        """The stdout of ``git -C folder args``; raises ``GitCommandError`` on a non-zero exit."""
        try:
            done = await anyio.run_process(
                self.command(folder, args), check=False, env=_environment()
            )
        except FileNotFoundError as exc:
            raise GitError(str(folder), f"git executable {self.executable!r} not found") from exc
        if done.returncode != 0:
            stderr = done.stderr.decode("utf-8", errors="replace")
            raise GitCommandError(str(folder), args, done.returncode, stderr)
        return done.stdout

    async def answer(self, folder: Path, *args: str) -> str | None:
        """The trimmed stdout of a query whose exit code 1 means "no such thing" (None)."""
        try:
            out = await self.run(folder, *args)
        except GitCommandError as exc:
            if exc.returncode == 1:
                return None
            raise
        return decode(out).strip() or None


def decode(out: bytes) -> str:
    """Git output as text; a byte that is not UTF-8 (an old commit's name) becomes U+FFFD."""
    return out.decode("utf-8", errors="replace")
