"""Building an ``Ocean``: what it needs, and the record type its runs return."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocean_core import ConfigError, Ocean, ResyncResult, ResyncStatus, RunRecord
from ocean_core.catalog import Catalog
from tests.support import Source, items, mapping_for


def test_an_ocean_without_a_catalog_is_refused_naming_what_to_pass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    with pytest.raises(ConfigError) as caught:
        Ocean(Source({"svc": items("s", 1)}), mapping=mapping_for("svc"))

    assert [p.field for p in caught.value.problems] == ["catalog"]
    assert "catalog=SQLiteCatalog(" in str(caught.value)
    assert "catalog=MemoryCatalog()" in str(caught.value)
    assert list(tmp_path.iterdir()) == []  # and no ocean.db appeared anywhere


def test_an_explicit_none_is_refused_too() -> None:
    with pytest.raises(ConfigError, match="catalog="):
        Ocean(Source({"svc": []}), catalog=None)


def test_resync_result_is_the_run_record_under_its_contract_name() -> None:
    assert ResyncResult is RunRecord
    assert RunRecord.__name__ == "RunRecord"


@pytest.mark.anyio
async def test_a_resync_returns_a_run_record_that_is_a_resync_result(catalog: Catalog) -> None:
    ocean = Ocean(Source({"svc": items("s", 2)}), catalog=catalog, mapping=mapping_for("svc"))

    result = await ocean.resync()

    assert isinstance(result, RunRecord) and isinstance(result, ResyncResult)
    assert result.status is ResyncStatus.SUCCEEDED
    assert [type(run) for run in await ocean.runs()] == [RunRecord]
