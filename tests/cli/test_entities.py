"""``ocean entities``: search, filters, paging with a cursor, natural order in the table, and
an unknown integration named as such."""

from __future__ import annotations

from pathlib import Path

from typer.testing import Result

from tests.cli._helpers import (
    assert_one_config_error,
    error_lines,
    fake,
    invoke,
    json_out,
    table_rows,
    write_config,
)


def _synced(conf: Path) -> Path:
    config = write_config(conf, fake("demo", kinds={"service": 12, "team": 3}),
                          fake("other", kinds={"team": 2}))
    assert invoke("resync", "-c", config).exit_code == 0
    return config


def _cursor(result: Result) -> str | None:
    lines = [line for line in error_lines(result) if line.startswith("next page: --after ")]
    return lines[0].removeprefix("next page: --after ") if lines else None


def test_pages_follow_each_other_with_the_printed_cursor(conf: Path) -> None:
    config = _synced(conf)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        extra = ["--after", cursor] if cursor else []
        result = invoke("entities", "-c", config, "-i", "demo", "--limit", "5", "--json", *extra)
        seen += [e["identifier"] for e in json_out(result)]
        pages += 1
        cursor = _cursor(result)
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 15


def test_q_and_blueprint_filter(conf: Path) -> None:
    config = _synced(conf)

    found = json_out(invoke("entities", "-c", config, "--q", "SERVICE 1", "--json"))
    teams = json_out(invoke("entities", "-c", config, "--blueprint", "team", "--q", "team-1",
                            "--json"))

    assert sorted(e["identifier"] for e in found) == ["service-1", "service-10", "service-11"]
    assert sorted((e["integration_id"], e["identifier"]) for e in teams) == [
        ("demo", "team-1"), ("other", "team-1")]


def test_the_table_is_in_natural_order(conf: Path) -> None:
    config = _synced(conf)

    table = invoke("entities", "-c", config, "-i", "demo", "--kind", "service", "--limit", "20")

    shown = [row[3] for row in table_rows(table.stdout)]
    assert shown == [f"service-{i}" for i in range(12)]  # service-2 before service-10


def test_an_unknown_integration_is_exit_2_naming_the_known_ones(conf: Path) -> None:
    config = _synced(conf)

    result = invoke("entities", "-c", config, "-i", "nosuch")

    assert_one_config_error(result, "--integration", "unknown integration 'nosuch'",
                            "known: demo, other")
    assert_one_config_error(invoke("entities", "-c", config, "--after", "x"), "--after")
