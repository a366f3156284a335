"""The default mapping on real repositories: identifiers, titles, properties, relations."""

from __future__ import annotations

import pytest

from integrations.git import GitIntegration
from ocean_core import Entity, ResyncStatus
from ocean_core.testing import run_resync

from .conftest import Workspace


@pytest.fixture(scope="module")
async def entities(workspace: Workspace) -> dict[tuple[str, str], Entity]:
    outcome = await run_resync(GitIntegration({"root": str(workspace.root)}))
    assert outcome.result.status is ResyncStatus.SUCCEEDED, outcome.result
    return {(e.blueprint, e.identifier): e for e in outcome.entities}


def of(entities: dict[tuple[str, str], Entity], blueprint: str) -> list[str]:
    return sorted(identifier for kind, identifier in entities if kind == blueprint)


@pytest.mark.anyio
async def test_identifiers(entities: dict[tuple[str, str], Entity], workspace: Workspace) -> None:
    assert of(entities, "gitRepository") == ["acme/widgets", "gadgets"]
    assert of(entities, "gitBranch") == [
        "acme/widgets:feature/login", "acme/widgets:main", "gadgets:main",
    ]
    widgets = workspace.widgets.git("log", "--format=%H", "main").split()
    gadgets = workspace.gadgets.git("log", "--format=%H", "main").split()
    assert of(entities, "gitCommit") == sorted(
        [f"acme/widgets@{sha}" for sha in widgets] + [f"gadgets@{sha}" for sha in gadgets]
    )
    assert of(entities, "gitContributor") == [
        "ada@example.com", "grace@example.com", "linus@example.com",
    ]
    assert of(entities, "gitFileOwner") == [
        "acme/widgets:.github/CODEOWNERS", "acme/widgets:README.md",
        "acme/widgets:src/api/handlers.py", "acme/widgets:src/app.py",
    ]


@pytest.mark.anyio
async def test_repository(entities: dict[tuple[str, str], Entity], workspace: Workspace) -> None:
    widgets = entities["gitRepository", "acme/widgets"]
    assert widgets.title == "acme/widgets"
    assert widgets.properties == {
        "path": str(workspace.widgets.path),
        "folder": "widgets",
        "defaultBranch": "main",
        "headBranch": "main",
        "headSha": workspace.widgets.git("rev-parse", "HEAD"),
        "remoteUrl": "https://github.com/acme/widgets.git",
    }
    assert widgets.relations == {}
    assert "s3cr3t" not in repr(list(entities.values()))


@pytest.mark.anyio
async def test_branch(entities: dict[tuple[str, str], Entity], workspace: Workspace) -> None:
    branch = entities["gitBranch", "acme/widgets:feature/login"]
    assert branch.title == "feature/login"
    assert branch.properties == {
        "headSha": workspace.widgets.git("rev-parse", "feature/login"),
        "lastCommitDate": "2024-01-04T10:00:00+00:00",
        "remote": False, "current": False, "default": False, "upstream": None,
    }
    assert branch.relations == {"repository": "acme/widgets"}


@pytest.mark.anyio
async def test_commit(entities: dict[tuple[str, str], Entity], workspace: Workspace) -> None:
    sha = workspace.gadgets.git("rev-parse", "main")
    commit = entities["gitCommit", f"gadgets@{sha}"]
    assert commit.title == "Add a gadget"
    assert commit.properties == {
        "sha": sha,
        "author": "Linus Torvalds",
        "email": "linus@example.com",
        "date": "2024-01-02T10:00:00+00:00",
        "committer": "Linus Torvalds",
        "committedAt": "2024-01-02T10:00:00+00:00",
        "parents": [workspace.gadgets.git("rev-parse", "main~1")],
    }
    assert commit.relations == {"repository": "gadgets"}


@pytest.mark.anyio
async def test_contributor(entities: dict[tuple[str, str], Entity]) -> None:
    grace = entities["gitContributor", "grace@example.com"]
    assert grace.title == "Grace Hopper"
    assert grace.properties == {
        "name": "Grace Hopper", "email": "grace@example.com", "commitCount": 1,
        "commitsByRepository": {"acme/widgets": 1},
    }
    assert grace.relations == {"repositories": ["acme/widgets"]}
    ada = entities["gitContributor", "ada@example.com"]
    assert ada.relations == {"repositories": ["gadgets", "acme/widgets"]}
    assert ada.properties["commitCount"] == 3


@pytest.mark.anyio
async def test_file_owner(entities: dict[tuple[str, str], Entity]) -> None:
    owner = entities["gitFileOwner", "acme/widgets:src/api/handlers.py"]
    assert owner.title == "src/api/handlers.py"
    assert owner.properties == {
        "path": "src/api/handlers.py", "owners": ["@grace", "@acme/api"], "rule": "/src/api/",
        "line": 5, "codeownersFile": ".github/CODEOWNERS",
    }
    assert owner.relations == {"repository": "acme/widgets"}
