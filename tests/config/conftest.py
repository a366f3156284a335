from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _no_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets the ``OCEAN_`` variables it is about, and no others."""
    for name in list(os.environ):
        if name.startswith("OCEAN_"):
            monkeypatch.delenv(name)
