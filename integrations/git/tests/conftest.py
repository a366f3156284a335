"""Small real git repositories in a temporary folder, independent of the machine's git config."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ADA = ("Ada Lovelace", "ada@example.com")
GRACE = ("Grace Hopper", "Grace@Example.com")
ALAN = ("Alan Turing", "alan@example.com")
LINUS = ("Linus Torvalds", "linus@example.com")

CODEOWNERS = """\
# Default owners for everything in the repository
*                 @acme/maintainers
*.py              @acme/python   # every Python file, wherever it is
/docs/            docs@example.com
/src/api/         @grace @acme/api
docs/guide.md
"""

# Neither the user's nor the system's git config may change what the tests see.
ISOLATED = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session", autouse=True)
def isolated_git() -> Iterator[None]:
    """For the integration's own git calls too; session-wide, so shared fixtures have it."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in ISOLATED.items():
            patch.setenv(name, value)
        yield


class Repo:
    """A work tree under construction; every commit gets a fixed date, so history is stable."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.dates = iter(range(1, 29))
        path.mkdir(parents=True)
        self.git("init", "-q")

    def git(self, *args: str, author: tuple[str, str] = ADA, date: str = "") -> str:
        name, email = author
        env = {**os.environ, **ISOLATED,
               "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
        if date:
            env |= {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        command = ["git", "-c", f"user.name={name}", "-c", f"user.email={email}",
                   "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false",
                   "-C", str(self.path), *args]
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        return done.stdout.strip()

    def commit(self, message: str, files: dict[str, str], author: tuple[str, str] = ADA) -> str:
        for name, text in files.items():
            target = self.path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        self.git("add", "-A")
        date = f"2024-01-{next(self.dates):02d}T10:00:00+00:00"
        self.git("commit", "-q", "-m", message, author=author, date=date)
        return self.git("rev-parse", "HEAD")


def build_widgets(path: Path) -> Repo:
    """A hosted clone: origin remote (with a credential in its URL), two branches, CODEOWNERS."""
    repo = Repo(path)
    repo.commit("Initial commit", {
        "README.md": "# Widgets\n", ".github/CODEOWNERS": CODEOWNERS,
        "src/app.py": "print('hi')\n", "docs/guide.md": "# Guide\n",
    })
    repo.commit("Add API module", {"src/api/handlers.py": "def get(): ...\n"}, author=GRACE)
    repo.commit("Fix typo in guide", {"docs/guide.md": "# The guide\n"},
                author=("Ada Lovelace", "ADA@example.com"))
    repo.git("checkout", "-q", "-b", "feature/login")
    repo.commit("Add login form", {"src/login.py": "form = None\n"}, author=ALAN)
    repo.git("checkout", "-q", "main")
    repo.git("remote", "add", "origin", "https://deploy:s3cr3t@github.com/acme/widgets.git")
    # What a clone and a fetch would leave, without a network.
    repo.git("update-ref", "refs/remotes/origin/main", "refs/heads/main")
    repo.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    return repo


def build_gadgets(path: Path) -> Repo:
    """A local-only repository: no remote, no CODEOWNERS."""
    repo = Repo(path)
    repo.commit("Start gadgets", {"gadget.txt": "one\n"})
    repo.commit("Add a gadget", {"gadget.txt": "one\ntwo\n"}, author=LINUS)
    return repo


class Workspace:
    """A root folder holding ``widgets``, ``gadgets`` and ``notes`` (not a repository)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.widgets = build_widgets(root / "widgets")
        self.gadgets = build_gadgets(root / "gadgets")
        (root / "notes").mkdir()
        (root / "notes" / "todo.txt").write_text("nothing\n", encoding="utf-8")


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """Shared by every test that only reads; tests that change a repository build their own."""
    return Workspace(tmp_path_factory.mktemp("workspace"))
