"""Rule 9 through the CLI: ``ocean resync --incremental`` and ``ocean status`` with both
schedules and each kind's last cursor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli._helpers import error_lines, fake, invoke, json_out, table_rows, write_config


def _incremental_fake(folder: Path, **settings: object) -> Path:
    item = {**fake("demo", kinds={"service": 30}, incremental=True, batch_size=10), **settings}
    return write_config(folder, item)


def test_resync_incremental_runs_from_the_committed_cursor(conf: Path) -> None:
    config = _incremental_fake(conf)
    assert invoke("resync", "-c", config).exit_code == 0

    result = invoke("resync", "-c", config, "--incremental", "--json")

    assert result.exit_code == 0
    [run] = json_out(result)
    assert run["mode"] == "incremental"
    assert (run["kinds"]["service"]["since"], run["kinds"]["service"]["fetched"]) == (29, 1)


def test_the_summary_says_incremental_and_what_each_kind_fetched_since(conf: Path) -> None:
    config = _incremental_fake(conf)
    invoke("resync", "-c", config)

    result = invoke("resync", "-c", config, "--incremental")

    assert result.exit_code == 0
    assert "· incremental ·" in result.stdout
    assert "service: fetched since 29; cursor committed: none" in result.stdout


def test_plan_and_incremental_together_are_a_usage_error(conf: Path) -> None:
    config = _incremental_fake(conf)

    result = invoke("resync", "-c", config, "--plan", "--incremental")

    assert result.exit_code == 2
    assert "cannot be --incremental" in error_lines(result)[0]


def test_status_shows_both_schedules_and_the_last_cursor_per_kind(conf: Path) -> None:
    config = _incremental_fake(conf, scheduled_resync_interval="1d",
                               scheduled_incremental_interval="5m")
    assert invoke("resync", "-c", config).exit_code == 0

    table = invoke("status", "-c", config)
    [row] = json_out(invoke("status", "-c", config, "--json"))

    assert table.exit_code == 0
    status, schedules, cursors = [r for r in table_rows(table.stdout) if r[0] == "demo"]
    assert status[1:3] == ["1", "succeeded"]
    assert schedules[1:] == ["every 1d", "every 5m"]
    assert cursors[1:3] == ["service", "29"]
    assert row["schedules"] == {"full": "1d", "incremental": "5m"}
    assert row["cursors"]["service"]["value"] == 29
    assert row["cursors"]["service"]["current"] is True


def test_resync_incremental_through_the_api(tmp_path: Path, cwd: Path, sail: Any) -> None:
    from tests.cli.test_resync_api import ocean
    from tests.dashboard.conftest import start_runs_ended
    from tests.service.support import TOKEN
    from tests.service.support import write_config as write_service_config

    desk = fake("demo", kinds={"service": 30}, incremental=True, batch_size=10)
    process = sail(write_service_config(tmp_path, desk))
    start_runs_ended(process, "demo")  # the full run on start, which commits the cursor

    proc = ocean("resync", "--api", process.url, "--token", TOKEN, "--incremental", "--json",
                 cwd=cwd)

    assert proc.returncode == 0, proc.stderr
    [record] = json.loads(proc.stdout)
    assert (record["trigger"], record["mode"]) == ("cli", "incremental")
    assert record["kinds"]["service"]["since"] == 29
