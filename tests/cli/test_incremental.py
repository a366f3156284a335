"""Rule 9 through the CLI: ``ocean resync --incremental`` and ``ocean status`` with both
schedules and each kind's last cursor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli._helpers import fake, flat, invoke, json_out, table_rows, write_config


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


def test_a_dry_run_can_be_incremental_and_says_what_it_would_commit(conf: Path) -> None:
    config = _incremental_fake(conf)
    assert invoke("resync", "-c", config).exit_code == 0
    write_config(conf, fake("demo", kinds={"service": 30}, incremental=True, batch_size=10,
                            revision=1, changed={"service": 3}))
    before = json_out(invoke("status", "-c", config, "--json"))

    shown = invoke("resync", "-c", config, "--dry-run", "--incremental")
    [report] = json_out(invoke("resync", "-c", config, "--plan", "--incremental", "--json"))
    after = json_out(invoke("status", "-c", config, "--json"))
    [run] = json_out(invoke("resync", "-c", config, "--incremental", "--json"))

    assert shown.exit_code == 0, shown.output
    assert after == before  # no run, no generation, no cursor
    service = report["kinds"]["service"]
    assert report["mode"] == "incremental" and (service["since"], service["changed"]) == (29, 3)
    assert run["kinds"]["service"]["cursor"] == service["cursor"] == 1_000_000_002
    assert run["kinds"]["service"]["upserted"] == service["changed"]
    text = flat(shown.stdout)
    assert "demo: dry run against generation 1 · incremental · nothing written" in text
    assert "service: fetched since 29; cursor a run would commit: 1000000002" in text
    assert "plan: an incremental run never sweeps" in text


def test_runs_show_names_the_mode_and_each_kinds_cursor(conf: Path) -> None:
    config = _incremental_fake(conf)
    assert invoke("resync", "-c", config).exit_code == 0
    assert invoke("resync", "-c", config, "--incremental").exit_code == 0
    incremental, full = json_out(invoke("runs", "-c", config, "--json"))

    shown = flat(invoke("runs", "show", incremental["id"], "-c", config).stdout)
    shown_full = flat(invoke("runs", "show", full["id"], "-c", config).stdout)

    assert (incremental["mode"], full["mode"]) == ("incremental", "full")
    assert f"run {incremental['id']} · incremental · started" in shown
    assert "service: fetched since 29; cursor committed: none" in shown
    assert f"run {full['id']} · full · started" in shown_full
    assert "service: fetched everything; cursor committed: 29" in shown_full


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
    dry = ocean("resync", "--api", process.url, "--token", TOKEN, "--dry-run", "--incremental",
                "--json", cwd=cwd)

    assert proc.returncode == 0, proc.stderr
    [record] = json.loads(proc.stdout)
    assert (record["trigger"], record["mode"]) == ("cli", "incremental")
    assert record["kinds"]["service"]["since"] == 29
    assert dry.returncode == 0, dry.stderr
    [report] = json.loads(dry.stdout)
    assert report["mode"] == "incremental" and report["kinds"]["service"]["since"] == 29
    assert (report["kinds"]["service"]["unchanged"], report["would_delete"]) == (1, 0)
