"""Whole resyncs on real repositories: conformance, an unchanged second run, clean deletes."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrations.git import GitIntegration
from ocean_core import ResyncStatus
from ocean_core.testing import MemoryCatalog, assert_conforms, run_resync

from .conftest import GRACE, Workspace, build_widgets


@pytest.mark.anyio
async def test_conforms(workspace: Workspace) -> None:
    # One repository has every kind; a second would only double the six resyncs' git calls.
    await assert_conforms(lambda: GitIntegration({"paths": [str(workspace.widgets.path)]}))


@pytest.mark.anyio
async def test_unchanged_then_a_deleted_branch_is_deleted(tmp_path: Path) -> None:
    repo = build_widgets(tmp_path / "widgets")
    catalog = MemoryCatalog()

    def integration() -> GitIntegration:
        return GitIntegration({"paths": [str(repo.path)]})

    first = await run_resync(integration(), catalog=catalog)
    assert first.result.status is ResyncStatus.SUCCEEDED
    assert first.result.kinds["branch"].upserted == 2

    again = await run_resync(integration(), catalog=catalog)
    assert again.result.status is ResyncStatus.SUCCEEDED
    assert sum(k.upserted for k in again.result.kinds.values()) == 0
    assert again.result.deleted == 0

    repo.git("branch", "-q", "-D", "feature/login")
    repo.commit("Document the API", {"docs/api.md": "# API\n"}, author=GRACE)
    last = await run_resync(integration(), catalog=catalog)
    assert last.result.status is ResyncStatus.SUCCEEDED
    assert last.result.deleted == 1
    branches = {e.identifier for e in last.entities if e.blueprint == "gitBranch"}
    assert branches == {"acme/widgets:main"}
    assert last.result.kinds["commit"].upserted == 1
    grace = next(e for e in last.entities if e.identifier == "grace@example.com")
    assert grace.properties["commitCount"] == 2


@pytest.mark.anyio
async def test_a_missing_folder_fails_the_run_and_deletes_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    catalog = MemoryCatalog()
    good = [str(workspace.gadgets.path)]
    first = await run_resync(GitIntegration({"paths": good}), catalog=catalog)
    assert first.result.status is ResyncStatus.SUCCEEDED

    missing = tmp_path / "gone"
    failed = await run_resync(GitIntegration({"paths": [*good, str(missing)]}), catalog=catalog)
    assert failed.result.status is ResyncStatus.FAILED
    assert failed.result.deleted == 0
    assert failed.result.delete_skipped_reason
    repository = failed.result.kinds["repository"]
    assert repository.errors == 1
    assert str(missing) in repository.error_details[0].message
    assert len(failed.entities) == len(first.entities)
