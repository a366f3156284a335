"""The service's public names: exported and in step with ``__all__``; a renamed one keeps its
old name as a deprecated alias."""

from __future__ import annotations

import pytest

import ocean_core.service
from ocean_core.service import IntegrationRunner


def test_all_names_exist() -> None:
    assert [n for n in ocean_core.service.__all__ if not hasattr(ocean_core.service, n)] == []


def test_instance_is_a_deprecated_alias_of_the_runner() -> None:
    with pytest.warns(DeprecationWarning, match="use IntegrationRunner"):
        from ocean_core.service import Instance
    assert Instance is IntegrationRunner
    assert "Instance" not in ocean_core.service.__all__
    with pytest.raises(AttributeError):
        ocean_core.service.Nothing  # noqa: B018
