"""One runner per integration: ``ocean resync`` refuses to run while another holds the lock."""

from __future__ import annotations

import subprocess
from pathlib import Path

import anyio
from filelock import FileLock

from ocean_core.assembly import build_ocean, open_catalog
from ocean_core.config import load_config
from tests.cli._helpers import clean_env, fake, invoke, json_out, ocean_script, write_config


def test_resync_exits_1_while_a_runtime_holds_the_lock(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 3}))

    async def attempt_while_held() -> subprocess.CompletedProcess[bytes]:
        loaded = load_config(config)
        catalog = open_catalog(loaded)
        try:
            async with build_ocean(loaded, 0, catalog):
                return await anyio.run_process(
                    [str(ocean_script()), "resync", "--config", str(config)],
                    check=False, env=clean_env(),
                )
        finally:
            await catalog.close()

    proc = anyio.run(attempt_while_held)

    stderr = proc.stderr.decode()
    assert proc.returncode == 1, stderr
    assert "another runner" in stderr
    assert "'demo'" in stderr
    assert "Traceback" not in stderr
    assert b"succeeded" not in proc.stdout


def test_resync_exits_1_while_the_lock_file_is_held(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 3}))
    lock_path = conf / "ocean.db-locks" / "demo.lock"
    lock_path.parent.mkdir()

    with FileLock(lock_path, timeout=0):
        held = invoke("resync", "--config", config)
    released = invoke("resync", "--config", config, "--json")

    assert held.exit_code == 1
    assert "another runner" in held.stderr
    assert str(lock_path) in held.stderr
    assert held.stdout == ""
    assert released.exit_code == 0
    assert json_out(released)[0]["generation"] == 1  # the refused attempt bumped nothing


def test_lock_of_one_integration_does_not_block_another(conf: Path) -> None:
    config = write_config(
        conf, fake("alpha", kinds={"service": 2}), fake("beta", kinds={"team": 2})
    )
    lock_path = conf / "ocean.db-locks" / "alpha.lock"
    lock_path.parent.mkdir()

    with FileLock(lock_path, timeout=0):
        beta = invoke("resync", "--config", config, "--integration", "beta", "--json")
        alpha = invoke("resync", "--config", config, "--integration", "alpha")

    assert beta.exit_code == 0
    assert json_out(beta)[0]["status"] == "succeeded"
    assert alpha.exit_code == 1
    assert "'alpha'" in alpha.stderr
