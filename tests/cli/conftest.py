from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ``OCEAN_`` override leaks in, and the cwd is not the config's folder, so a file
    written relative to the cwd instead of the config file is noticed."""
    for name in list(os.environ):
        if name.startswith("OCEAN_"):
            monkeypatch.delenv(name)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return cwd


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    """The folder the test's config file lives in."""
    folder = tmp_path / "conf"
    folder.mkdir()
    return folder


@pytest.fixture
def cwd(_isolated: Path) -> Path:
    return _isolated
