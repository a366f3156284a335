"""``ocean runs`` (history, paged) and ``ocean runs show RUN`` (one whole record)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import Result

from tests.cli._helpers import (
    assert_one_config_error,
    error_lines,
    fake,
    flat,
    invoke,
    json_out,
    table_rows,
    write_config,
)


def _next(result: Result, option: str) -> str:
    lines = [line for line in error_lines(result) if line.startswith("next page: ")]
    assert len(lines) == 1, lines
    prefix = f"next page: {option} "
    assert lines[0].startswith(prefix)
    return lines[0].removeprefix(prefix)


def test_runs_pages_newest_first_with_a_cursor(conf: Path) -> None:
    config = write_config(conf, fake("a", kinds={"service": 2}), fake("b", kinds={"team": 1}))
    for _ in range(3):
        assert invoke("resync", "-c", config).exit_code == 0

    first = invoke("runs", "-c", config, "-i", "a", "--limit", "2", "--json")
    second = invoke("runs", "-c", config, "-i", "a", "--limit", "2", "--json",
                    "--before", _next(first, "--before"))
    table = invoke("runs", "-c", config, "--limit", "10")

    assert [r["generation"] for r in json_out(first)] == [3, 2]
    assert [r["generation"] for r in json_out(second)] == [1]
    assert not [line for line in error_lines(second) if line.startswith("next page")]
    shown = [row[0] for row in table_rows(table.stdout) if row[0]]
    everything = json_out(invoke("runs", "-c", config, "--json"))
    assert shown == [run["id"][:12] for run in everything] and len(shown) == 6
    assert {run["integration_id"] for run in everything} == {"a", "b"}


def test_runs_show_prints_the_whole_record_with_tracebacks(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 30}))
    assert invoke("resync", "-c", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 4, "team": 2}, fail={"team": 0}))
    assert invoke("resync", "-c", config).exit_code == 1
    write_config(conf, fake(kinds={"service": 4}))
    assert invoke("resync", "-c", config).exit_code == 0
    deleting, failed, _ = json_out(invoke("runs", "-c", config, "--json"))

    shown = invoke("runs", "show", failed["id"][:8], "-c", config)  # a unique prefix
    as_json = json_out(invoke("runs", "show", failed["id"], "-c", config, "--json"))
    cleaned = invoke("runs", "show", deleting["id"], "-c", config)

    text = flat(shown.stdout)
    assert shown.exit_code == 0
    assert f"run {failed['id']}" in text and "demo: failed · generation 2" in text
    assert "team [fetch] FakeFetchError: injected failure" in text
    assert "team [fetch] traceback: Traceback (most recent call last):" in text
    assert "delete phase skipped: 1 kind(s) had errors: team" in text
    [detail] = as_json["kinds"]["team"]["error_details"]
    assert "FakeFetchError" in detail["traceback"] and as_json == failed
    deleted = flat(cleaned.stdout)
    assert "deleted: 26 (service/service-10, service/service-11," in deleted
    assert "and 6 more)" in deleted  # 20 named of 26


def test_an_unknown_run_or_integration_is_a_usage_error(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 1}))
    assert invoke("resync", "-c", config).exit_code == 0

    assert_one_config_error(invoke("runs", "show", "nosuch", "-c", config),
                            "RUN", "no run has that id: 'nosuch'")
    assert_one_config_error(invoke("runs", "-c", config, "-i", "nosuch"),
                            "--integration", "unknown integration 'nosuch' (known: demo)")
    assert_one_config_error(invoke("runs", "-c", config, "--before", "garbage"),
                            "--before", "not a cursor")
