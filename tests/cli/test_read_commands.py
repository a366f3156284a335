"""``ocean entities``, ``ocean status`` and ``ocean list``."""

from __future__ import annotations

from pathlib import Path

from tests.cli._helpers import fake, invoke, json_out, row_of, table_rows, write_config


def _synced(conf: Path) -> Path:
    config = write_config(
        conf, fake("demo", kinds={"service": 20, "team": 5}), fake("other", kinds={"team": 2})
    )
    assert invoke("resync", "--config", config).exit_code == 0
    return config


def test_entities_json_lists_all_with_fields(conf: Path) -> None:
    config = _synced(conf)

    result = invoke("entities", "-c", config, "--limit", "100", "--json")

    assert result.exit_code == 0
    listed = json_out(result)
    assert len(listed) == 27
    service0 = next(e for e in listed if e["identifier"] == "service-0")
    assert service0 == {
        "integration_id": "demo", "kind": "service", "blueprint": "service",
        "identifier": "service-0", "title": "Service 0",
        "properties": service0["properties"], "relations": {"team": "team-0"},
    }
    assert service0["properties"]["url"] == "https://example.com/service/0"


def test_entities_filters(conf: Path) -> None:
    config = _synced(conf)

    teams = json_out(invoke("entities", "-c", config, "--kind", "team", "--json"))
    services = json_out(invoke("entities", "-c", config, "--blueprint", "service",
                               "--limit", "3", "--json"))
    other = json_out(invoke("entities", "-c", config, "--integration", "other", "--json"))
    none = json_out(invoke("entities", "-c", config, "--kind", "nothing", "--json"))

    assert len(teams) == 7 and {e["kind"] for e in teams} == {"team"}
    assert len(services) == 3 and {e["blueprint"] for e in services} == {"service"}
    assert sorted(e["identifier"] for e in other) == ["team-0", "team-1"]
    assert {e["integration_id"] for e in other} == {"other"}
    assert none == []


def test_entities_default_limit_is_50(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 60}))
    assert invoke("resync", "--config", config).exit_code == 0

    assert len(json_out(invoke("entities", "-c", config, "--json"))) == 50


def test_entities_table(conf: Path) -> None:
    config = _synced(conf)

    result = invoke("entities", "-c", config, "--integration", "demo", "--kind", "team")

    assert result.exit_code == 0
    rows = table_rows(result.stdout)
    assert len(rows) == 5
    assert ["demo", "team", "team", "team-0", "Team 0"] in rows


def test_status_json_has_generation_and_last_run(conf: Path) -> None:
    config = _synced(conf)
    assert invoke("resync", "--config", config, "-i", "demo").exit_code == 0

    result = invoke("status", "-c", config, "--json")

    assert result.exit_code == 0
    rows = {row["integration_id"]: row for row in json_out(result)}
    assert list(rows) == ["demo", "other"]  # config order
    assert rows["demo"]["generation"] == 2
    assert rows["demo"]["last_run"]["status"] == "succeeded"
    assert rows["demo"]["last_run"]["generation"] == 2
    assert rows["demo"]["last_run"]["trigger"] == "cli"
    assert rows["other"]["generation"] == 1


def test_status_records_a_failed_run(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 3}, fail={"service": 0}))
    assert invoke("resync", "--config", config).exit_code == 1

    [row] = json_out(invoke("status", "-c", config, "--json"))

    assert row["last_run"]["status"] == "failed"
    assert row["last_run"]["delete_skipped_reason"]


def test_status_table(conf: Path) -> None:
    config = _synced(conf)

    result = invoke("status", "-c", config)

    assert result.exit_code == 0
    demo = row_of(result.stdout, "demo")
    assert demo[1:3] == ["1", "succeeded"]


def test_status_before_any_run(conf: Path) -> None:
    config = write_config(conf, fake())

    table = invoke("status", "-c", config)
    as_json = json_out(invoke("status", "-c", config, "--json"))

    assert table.exit_code == 0
    assert row_of(table.stdout, "demo")[1:3] == ["0", "never"]
    assert as_json == [{"integration_id": "demo", "generation": 0, "last_run": None,
                        "api_changes": None,
                        "schedules": {"full": None, "incremental": None}, "cursors": {}}]


def test_ids_are_printed_as_is_not_as_markup(conf: Path) -> None:
    config = write_config(conf, fake("[bold]demo", kinds={"service": 1}))
    assert invoke("resync", "-c", config).exit_code == 0

    status = invoke("status", "-c", config)
    listed = invoke("entities", "-c", config)

    assert status.exit_code == listed.exit_code == 0
    assert row_of(status.stdout, "[bold]demo")[2] == "succeeded"
    assert table_rows(listed.stdout)[0][0] == "[bold]demo"


def test_list_table() -> None:
    result = invoke("list")

    assert result.exit_code == 0
    assert row_of(result.stdout, "fake")
    assert row_of(result.stdout, "packages")


def test_list_json() -> None:
    result = invoke("list", "--json")

    assert result.exit_code == 0
    types = {row["type"]: row for row in json_out(result)}
    assert {"fake", "packages"} <= set(types)
    assert types["fake"]["class"] == "integrations.fake.integration.FakeIntegration"
    assert {"kinds", "batch_size", "fail", "latency"} <= set(types["fake"]["config"])
    assert "package" in types["packages"]["kinds"]
    assert all("error" not in row for row in types.values())
