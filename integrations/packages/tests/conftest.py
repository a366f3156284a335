"""Shared fixtures: the anyio backend and a fake environment of dist-info folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


MakeDist = Callable[..., Path]


@pytest.fixture
def make_dist() -> MakeDist:
    """Write a ``<name>-<version>.dist-info/METADATA`` into a folder, as an installer would."""

    def make(site: Path, name: str, version: str, *headers: str) -> Path:
        folder = site / f"{name.replace('-', '_')}-{version}.dist-info"
        folder.mkdir(parents=True)
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", *headers]
        (folder / "METADATA").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
        return folder

    return make
