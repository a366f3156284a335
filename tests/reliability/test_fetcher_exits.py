"""``SystemExit`` or ``KeyboardInterrupt`` raised in one integration's fetcher is contained: the
run ends ``failed`` with the reason recorded (the kind's fetch error), deletes nothing, the
next kinds still run, the other integrations keep running and the service keeps serving.

Before the fix the exception went through the engine (which caught ``Exception`` only) and the
event loop: the whole ``ocean sail`` died, and the run stayed ``running``. Each scenario runs
in its own ``anyio.run`` so that an escaping exception fails the test instead of ending the
test session."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ocean_core.catalog import SQLiteCatalog
from ocean_core.config import load_config
from ocean_core.results import ResyncResult
from ocean_core.service import OceanService
from tests.reliability.exiting import EXITING
from tests.service.support import gated, write_config


async def _ended(service: OceanService, integration_id: str) -> ResyncResult:
    with anyio.fail_after(20):
        record = await service.get(integration_id).ocean.wait_idle()
    assert record is not None
    return record


async def _scenario(config: Path) -> tuple[list[ResyncResult], list[ResyncResult]]:
    async with OceanService(load_config(config)) as service:
        first = [await _ended(service, "bad"), await _ended(service, "good")]
        await service.trigger("good")  # the service still takes triggers, for both
        await service.trigger("bad")
        again = [await _ended(service, "bad"), await _ended(service, "good")]
    return first, again


@pytest.mark.parametrize("raised", ["SystemExit", "KeyboardInterrupt"])
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_an_exit_raised_by_a_fetcher_fails_only_its_run(
    tmp_path: Path, backend: str, raised: str
) -> None:
    config = write_config(
        tmp_path, {"id": "bad", "type": EXITING, "config": {"raises": raised}},
        gated("good", items=4),
    )
    try:
        first, again = anyio.run(_scenario, config, backend=backend)
    except BaseException as exc:  # what must not happen is what is caught
        pytest.fail(f"{type(exc).__name__} escaped the run and ended the service: {exc!r}")

    for bad, good in (first, again):
        assert bad.status.value == "failed", bad
        assert bad.kinds["item"].errors == 1
        assert bad.kinds["item"].error_details[0].message == f"{raised}: 3"
        assert bad.kinds["other"].upserted + bad.kinds["other"].unchanged == 1  # next kind ran
        assert bad.delete_skipped_reason == "1 kind(s) had errors: item"
        assert good.status.value == "succeeded", good

    async def stored() -> list[ResyncResult]:
        catalog = SQLiteCatalog(tmp_path / "catalog.db")
        try:
            return await catalog.runs("bad")
        finally:
            await catalog.close()

    assert [r.status.value for r in anyio.run(stored)] == ["failed", "failed"]
