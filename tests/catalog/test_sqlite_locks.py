"""The SQLite runner lock belongs to the database file, whatever path names it: a symlink to
the file (or to its folder) must not give a second runner a lock of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_core.catalog import SQLiteCatalog
from ocean_core.errors import RunnerLockedError

pytestmark = pytest.mark.anyio


async def _second_runner_refused(first: SQLiteCatalog, second: SQLiteCatalog) -> None:
    async with first.runner_lock("demo"):
        with pytest.raises(RunnerLockedError):
            async with second.runner_lock("demo"):
                pass  # pragma: no cover - the lock must not be taken


async def test_a_symlink_to_the_database_shares_its_lock(tmp_path: Path) -> None:
    real = tmp_path / "ocean.db"
    alias = tmp_path / "alias.db"
    alias.symlink_to(real)
    first, second = SQLiteCatalog(real), SQLiteCatalog(alias)
    await _second_runner_refused(first, second)
    await _second_runner_refused(second, first)
    await first.close()
    await second.close()


async def test_a_symlinked_folder_shares_the_lock(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "data", target_is_directory=True)
    first = SQLiteCatalog(tmp_path / "data" / "ocean.db")
    second = SQLiteCatalog(tmp_path / "link" / "ocean.db")
    await _second_runner_refused(first, second)
    await first.close()
    await second.close()


async def test_a_relative_path_and_an_absolute_one_share_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    await _second_runner_refused(SQLiteCatalog("ocean.db"), SQLiteCatalog(tmp_path / "ocean.db"))
