"""The ``packages`` integration: the Python distributions installed in an environment.

It needs no network and no credentials, which makes it the integration to try ``ocean`` with
and a realistic data set (hundreds of items, a dependency graph) for tests and demos.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import yaml
from anyio import to_thread

from ocean_core import Integration, kind

from ._inventory import (
    Installed,
    RawItem,
    chunked,
    dependency_batch,
    discover,
    package_batch,
)
from .config import PackagesConfig

MAPPING_FILE = Path(__file__).with_name("mapping.yaml")


def load_default_mapping() -> dict[str, Any]:
    """The default mapping shipped next to this module, in the Port Ocean format."""
    mapping = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict):
        raise TypeError(f"{MAPPING_FILE} must hold a mapping with 'resources'")
    return mapping


class PackagesIntegration(Integration):
    """Report installed Python distributions as ``package`` and ``dependency`` items.

    Example::

        ocean = Ocean(PackagesIntegration({"include": ["ocean-*"]}),
                      catalog=SQLiteCatalog("ocean.db"), integration_id="local-packages")
        result = await ocean.resync()
    """

    # No annotations here: the base class declares these ClassVars (and inside a class body
    # that defines ``type``, the name ``type`` in an annotation would mean that attribute).
    type = "packages"
    config_model = PackagesConfig
    default_mapping = load_default_mapping()

    config: PackagesConfig

    async def _discover(self) -> Installed:
        # Discovery reads every METADATA file once: off the event loop, like the batches.
        cfg = self.config
        paths = [str(path) for path in cfg.paths]
        return await to_thread.run_sync(discover, paths, cfg.include, cfg.exclude)

    @kind("package")
    async def packages(self) -> AsyncIterator[list[RawItem]]:
        """One item per installed distribution, sorted by normalized name."""
        installed = await self._discover()
        for batch in chunked(installed.selected, self.config.batch_size):
            yield await to_thread.run_sync(package_batch, batch)

    @kind("dependency", may_be_empty=True)
    async def dependencies(self) -> AsyncIterator[list[RawItem]]:
        """One item per (package -> runtime requirement) edge, re-batched to ``batch_size``.

        It may be empty: an environment whose packages require nothing has no edges.
        """
        installed = await self._discover()
        size = self.config.batch_size
        pending: list[RawItem] = []
        for batch in chunked(installed.selected, size):
            pending.extend(await to_thread.run_sync(dependency_batch, batch, installed.names))
            while len(pending) >= size:
                yield pending[:size]
                pending = pending[size:]
        if pending:
            yield pending
