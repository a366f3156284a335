"""The fetchers, on this very environment and on a fake one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from integrations.packages import PackagesConfig, PackagesIntegration

Batches = list[list[dict[str, Any]]]


async def _collect(batches: AsyncIterator[Any]) -> Batches:
    return [list(batch) async for batch in batches]


def _assert_batched(batches: Batches, size: int) -> None:
    assert all(batches), "no empty batch"
    assert all(len(batch) == size for batch in batches[:-1])
    assert len(batches[-1]) <= size


@pytest.mark.anyio
async def test_packages_are_deterministic_sorted_and_unique() -> None:
    integration = PackagesIntegration({"batch_size": 7})
    first = await _collect(integration.packages())
    second = await _collect(integration.packages())
    assert first == second
    _assert_batched(first, 7)
    names = [item["name"] for batch in first for item in batch]
    assert names == sorted(set(names)), "sorted by name, one item per name"
    # pytest runs from an installed distribution, so this environment has at least that one.
    assert "pytest" in names
    pytest_item = next(item for batch in first for item in batch if item["name"] == "pytest")
    assert pytest_item["version"] == pytest.__version__
    assert "pluggy" in pytest_item["requires"]


@pytest.mark.anyio
async def test_dependencies_are_deterministic_unique_and_consistent() -> None:
    integration = PackagesIntegration({"batch_size": 5})
    packages = [item for batch in await _collect(integration.packages()) for item in batch]
    first = await _collect(integration.dependencies())
    assert first == await _collect(integration.dependencies())
    _assert_batched(first, 5)
    edges = [item for batch in first for item in batch]
    assert len({edge["id"] for edge in edges}) == len(edges)
    by_package = {item["name"]: item["requires"] for item in packages}
    for edge in edges:
        assert edge["id"] == f"{edge['package']}->{edge['dependency']}"
        assert edge["dependency"] in by_package[edge["package"]]
        assert edge["installed"] is (edge["dependency"] in by_package)
    assert sum(len(requires) for requires in by_package.values()) == len(edges)


@pytest.mark.anyio
async def test_config_filters_and_paths(tmp_path: Path, make_dist: Callable[..., Path]) -> None:
    make_dist(tmp_path, "app", "1.0", "Requires-Dist: lib-a", "Requires-Dist: lib-b")
    make_dist(tmp_path, "lib_a", "1.0")
    make_dist(tmp_path, "lib_b", "1.0")
    config = PackagesConfig(paths=[str(tmp_path)], include=["app", "lib-*"], exclude=["lib_b"])
    integration = PackagesIntegration(config)
    packages = await _collect(integration.packages())
    assert [[item["name"] for item in batch] for batch in packages] == [["app", "lib-a"]]
    edges = await _collect(integration.dependencies())
    assert [(e["id"], e["installed"]) for batch in edges for e in batch] == [
        ("app->lib-a", True),
        ("app->lib-b", True),  # installed, even though the filter hides it
    ]


@pytest.mark.anyio
async def test_an_environment_without_edges_yields_no_dependency_batch(
    tmp_path: Path, make_dist: Callable[..., Path]
) -> None:
    make_dist(tmp_path, "alone", "1.0", "Requires-Dist: pytest; extra == 'test'")
    integration = PackagesIntegration({"paths": [str(tmp_path)]})
    assert await _collect(integration.dependencies()) == []
    assert PackagesIntegration.declared_kinds()[1].may_be_empty


def test_config_refuses_bad_values() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        PackagesConfig(batch_size=0)
    with pytest.raises(ValueError, match="extra"):
        PackagesConfig.model_validate({"unknown": 1})
