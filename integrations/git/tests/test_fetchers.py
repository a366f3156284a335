"""The fetchers on real repositories: what each kind reads, and the config that shapes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from integrations.git import GitError, GitIntegration

from .conftest import Repo, Workspace


async def items(batches: AsyncIterator[Any]) -> list[dict[str, Any]]:
    return [item async for batch in batches for item in batch]


@pytest.mark.anyio
async def test_repositories_from_root_skip_folders_that_are_not_repositories(
    workspace: Workspace,
) -> None:
    found = await items(GitIntegration({"root": str(workspace.root)}).repositories())
    assert [r["name"] for r in found] == ["gadgets", "acme/widgets"]  # by folder name
    widgets = found[1]
    assert widgets == {
        "name": "acme/widgets",
        "folder": "widgets",
        "path": str(workspace.widgets.path),
        "default_branch": "main",
        "head_branch": "main",
        "head_sha": workspace.widgets.git("rev-parse", "main"),
        "remote_url": "https://github.com/acme/widgets.git",  # the credential is dropped
    }
    assert found[0]["remote_url"] is None


@pytest.mark.anyio
async def test_relative_paths_are_relative_to_the_working_directory(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workspace.root)
    found = await items(GitIntegration({"paths": ["gadgets", "widgets/src/api"]}).repositories())
    # A folder inside a work tree means its repository.
    assert [(r["name"], r["path"]) for r in found] == [
        ("gadgets", str(workspace.gadgets.path)),
        ("acme/widgets", str(workspace.widgets.path)),
    ]


@pytest.mark.anyio
async def test_branches(workspace: Workspace) -> None:
    widgets = GitIntegration({"paths": [str(workspace.widgets.path)]})
    branches = await items(widgets.branches())
    assert [b["name"] for b in branches] == ["feature/login", "main"]
    main = branches[1]
    assert main == {
        "repository": "acme/widgets",
        "name": "main",
        "ref": "refs/heads/main",
        "sha": workspace.widgets.git("rev-parse", "main"),
        "last_commit_at": "2024-01-03T10:00:00+00:00",
        "remote": False,
        "current": True,
        "default": True,
        "upstream": None,
    }
    assert branches[0]["current"] is branches[0]["default"] is False


@pytest.mark.anyio
async def test_remote_branches_are_opt_in(workspace: Workspace) -> None:
    config = {"paths": [str(workspace.widgets.path)], "include_remote_branches": True}
    branches = await items(GitIntegration(config).branches())
    assert [b["name"] for b in branches] == ["feature/login", "main", "origin/main"]
    assert branches[2]["remote"] is True
    assert branches[2]["default"] is False


@pytest.mark.anyio
async def test_commits_are_the_newest_of_the_default_branch(workspace: Workspace) -> None:
    repo = workspace.widgets
    repo.git("checkout", "-q", "feature/login")  # HEAD elsewhere: still the default branch
    try:
        config = {"paths": [str(repo.path)], "max_commits": 2}
        commits = await items(GitIntegration(config).commits())
    finally:
        repo.git("checkout", "-q", "main")
    assert [c["subject"] for c in commits] == ["Fix typo in guide", "Add API module"]
    newest = commits[0]
    assert newest == {
        "repository": "acme/widgets",
        "sha": repo.git("rev-parse", "main"),
        "parents": [repo.git("rev-parse", "main~1")],
        "author_name": "Ada Lovelace",
        "author_email": "ADA@example.com",
        "authored_at": "2024-01-03T10:00:00+00:00",
        "committer_name": "Ada Lovelace",
        "committer_email": "ADA@example.com",
        "committed_at": "2024-01-03T10:00:00+00:00",
        "subject": "Fix typo in guide",
    }


@pytest.mark.anyio
async def test_max_commits_zero_reads_none(workspace: Workspace) -> None:
    config = {"root": str(workspace.root), "max_commits": 0}
    assert await items(GitIntegration(config).commits()) == []


@pytest.mark.anyio
async def test_contributors_merge_emails_across_repositories(workspace: Workspace) -> None:
    people = await items(GitIntegration({"root": str(workspace.root)}).contributors())
    by_email = {p["email"]: p for p in people}
    assert sorted(by_email) == ["ada@example.com", "grace@example.com", "linus@example.com"]
    assert by_email["ada@example.com"] == {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "commit_count": 3,
        "repositories": ["gadgets", "acme/widgets"],
        "commits_by_repository": {"gadgets": 1, "acme/widgets": 2},
    }
    # Alan's commit is only on a feature branch, not on the default branch.
    assert "alan@example.com" not in by_email


@pytest.mark.anyio
async def test_file_owners_from_codeowners(workspace: Workspace) -> None:
    owners = await items(GitIntegration({"root": str(workspace.root)}).file_owners())
    by_path = {o["path"]: (o["owners"], o["rule"], o["line"]) for o in owners}
    assert by_path == {
        ".github/CODEOWNERS": (["@acme/maintainers"], "*", 2),
        "README.md": (["@acme/maintainers"], "*", 2),
        "src/app.py": (["@acme/python"], "*.py", 3),
        "src/api/handlers.py": (["@grace", "@acme/api"], "/src/api/", 5),
        # docs/guide.md: its last matching rule names nobody, so it has no owner.
    }
    assert {o["repository"] for o in owners} == {"acme/widgets"}
    assert {o["codeowners"] for o in owners} == {".github/CODEOWNERS"}


@pytest.mark.anyio
async def test_a_repository_without_commits(tmp_path: Path) -> None:
    empty = Repo(tmp_path / "empty")
    integration = GitIntegration({"paths": [str(empty.path)]})
    (repository,) = await items(integration.repositories())
    assert repository["head_sha"] is None
    assert repository["default_branch"] == "main"
    assert await items(integration.branches()) == []
    assert await items(integration.commits()) == []
    assert await items(integration.contributors()) == []


@pytest.mark.anyio
async def test_a_detached_head(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "detached")
    first = repo.commit("One", {"a.txt": "1\n"})
    repo.commit("Two", {"a.txt": "2\n"})
    repo.git("checkout", "-q", "--detach", first)
    integration = GitIntegration({"paths": [str(repo.path)]})
    (repository,) = await items(integration.repositories())
    assert (repository["head_branch"], repository["default_branch"]) == (None, None)
    assert repository["head_sha"] == first
    assert [c["subject"] for c in await items(integration.commits())] == ["One"]


@pytest.mark.anyio
async def test_bad_folders_are_named_in_one_error(workspace: Workspace) -> None:
    missing = workspace.root / "missing"
    notes = workspace.root / "notes"
    integration = GitIntegration({"paths": [str(workspace.gadgets.path), str(missing), str(notes)]})
    with pytest.raises(GitError) as caught:
        await items(integration.repositories())
    message = str(caught.value)
    assert f"{missing}: no such folder" in message
    assert f"{notes}: not a git repository" in message
    with pytest.raises(GitError, match="missing"):
        await items(integration.commits())


@pytest.mark.anyio
async def test_a_missing_root_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="root: no such folder"):
        await items(GitIntegration({"root": str(tmp_path / "nope")}).repositories())


@pytest.mark.anyio
async def test_a_missing_git_executable_is_an_error(workspace: Workspace) -> None:
    integration = GitIntegration({"paths": [str(workspace.gadgets.path)], "git": "no-such-git"})
    with pytest.raises(GitError, match="'no-such-git' not found"):
        await items(integration.repositories())


@pytest.mark.anyio
async def test_two_repositories_with_one_identifier_are_refused(tmp_path: Path) -> None:
    one = Repo(tmp_path / "a" / "app")
    two = Repo(tmp_path / "b" / "app")
    integration = GitIntegration({"paths": [str(one.path), str(two.path), str(one.path)]})
    with pytest.raises(GitError, match="identifier 'app'"):
        await items(integration.repositories())
