"""Walk the installed distributions with ``importlib.metadata`` and build raw items.

Everything here is blocking file I/O; the integration calls it through
``anyio.to_thread.run_sync`` one batch at a time, so the event loop stays free.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.metadata import Distribution, PackageMetadata, distributions
from typing import Any, TypeVar

from ._parsing import (
    clean,
    normalize_name,
    runtime_requirements,
    select_homepage,
    select_license,
)

RawItem = dict[str, Any]
T = TypeVar("T")


@dataclass(frozen=True)
class Installed:
    """A snapshot of one environment: the distributions to report and every installed name.

    ``selected`` is sorted by normalized name with one entry per name, so every resync of an
    unchanged environment yields the same batches; ``names`` covers all distributions, selected
    or not, because a dependency counts as installed even when a filter hides it.
    """

    selected: list[tuple[str, Distribution]]
    names: frozenset[str]


def _first(meta: PackageMetadata, key: str) -> str | None:
    # get_all, not meta[key]: a missing key through __getitem__ is deprecated since 3.12.
    values = meta.get_all(key)
    return clean(values[0]) if values else None


def _all(meta: PackageMetadata, key: str) -> list[str]:
    return [str(value) for value in meta.get_all(key) or []]


def _pattern(glob: str) -> str:
    # Normalize the pattern like a name so "Foo_*" matches "foo-bar"; glob characters survive.
    return normalize_name(glob)


def is_selected(name: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether a normalized name passes the filters: any include (or none given), no exclude."""
    included = not include or any(fnmatch.fnmatchcase(name, _pattern(g)) for g in include)
    return included and not any(fnmatch.fnmatchcase(name, _pattern(g)) for g in exclude)


def discover(
    paths: Sequence[str] | None = None,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Installed:
    """Find the distributions on ``paths`` (default ``sys.path``).

    When a name is installed twice, the first one on the path wins: it is the one Python
    imports. Distributions without a ``Name`` (broken installs) are skipped.
    """
    found: dict[str, Distribution] = {}
    for dist in distributions(path=list(paths)) if paths else distributions():
        raw_name = _first(dist.metadata, "Name")
        if raw_name is not None:
            found.setdefault(normalize_name(raw_name), dist)
    selected = [
        (name, found[name]) for name in sorted(found) if is_selected(name, include, exclude)
    ]
    return Installed(selected=selected, names=frozenset(found))


def _location(dist: Distribution) -> str | None:
    try:
        return str(dist.locate_file(""))
    except NotImplementedError:  # a custom finder's distribution may have no files on disk
        return None


def package_record(name: str, dist: Distribution) -> RawItem:
    """The raw ``package`` item of one distribution."""
    meta = dist.metadata
    requires = runtime_requirements(_all(meta, "Requires-Dist"))
    return {
        "name": name,
        "version": _first(meta, "Version"),
        "summary": _first(meta, "Summary"),
        "license": select_license(
            _first(meta, "License-Expression"), _first(meta, "License"), _all(meta, "Classifier")
        ),
        "homepage": select_homepage(_first(meta, "Home-page"), _all(meta, "Project-URL")),
        "requires_python": _first(meta, "Requires-Python"),
        "requires": [requirement.name for requirement in requires],
        "location": _location(dist),
    }


def dependency_records(name: str, dist: Distribution, installed: frozenset[str]) -> list[RawItem]:
    """The raw ``dependency`` items of one distribution: one per runtime requirement."""
    return [
        {
            "id": f"{name}->{requirement.name}",
            "package": name,
            "dependency": requirement.name,
            "specifier": requirement.specifier,
            "marker": requirement.marker,
            "installed": requirement.name in installed,
        }
        for requirement in runtime_requirements(_all(dist.metadata, "Requires-Dist"))
    ]


def package_batch(batch: Sequence[tuple[str, Distribution]]) -> list[RawItem]:
    """The ``package`` items of a batch; one call per batch keeps thread hops few."""
    return [package_record(name, dist) for name, dist in batch]


def dependency_batch(
    batch: Sequence[tuple[str, Distribution]], installed: frozenset[str]
) -> list[RawItem]:
    """The ``dependency`` items of a batch of packages, in package then dependency order."""
    return [item for name, dist in batch for item in dependency_records(name, dist, installed)]


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
