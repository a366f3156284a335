"""A real resync of this environment into an in-memory catalog, with the default mapping."""

from __future__ import annotations

import pytest

from integrations.packages import PackagesIntegration
from ocean_core import Ocean, ResyncStatus
from ocean_core.catalog import SQLiteCatalog


@pytest.mark.anyio
async def test_resync_of_this_environment_succeeds() -> None:
    catalog = SQLiteCatalog(":memory:")
    try:
        ocean = Ocean(PackagesIntegration(), catalog=catalog, integration_id="pk")
        result = await ocean.resync()
        assert result.status == ResyncStatus.SUCCEEDED, result
        assert result.kinds["package"].errors == result.kinds["dependency"].errors == 0
        entities = await catalog.list_entities(integration_id="pk")
        packages = {e.identifier: e for e in entities if e.blueprint == "pythonPackage"}
        assert "pytest" in packages
        assert packages["pytest"].kind == "package"
        assert packages["pytest"].title == f"pytest {pytest.__version__}"
        assert "pluggy" in packages["pytest"].relations["dependsOn"]
        assert any(e.blueprint == "pythonDependency" for e in entities)

        again = await ocean.resync()
        assert again.status == ResyncStatus.SUCCEEDED
        assert again.kinds["package"].upserted == 0, "an unchanged environment rewrites nothing"
        assert again.deleted == 0
    finally:
        await catalog.close()
