"""``ocean resync --plan``, an alias of ``--dry-run``: what a clean run would delete, without
deleting (nor writing anything else)."""

from __future__ import annotations

from pathlib import Path

from tests.cli._helpers import fake, flat, invoke, json_out, write_config


def _services(config: Path) -> list[str]:
    listed = json_out(invoke("entities", "-c", config, "--kind", "service", "--limit", "1000",
                             "--json"))
    return sorted(e["identifier"] for e in listed)


def test_plan_shows_deletions_and_deletes_nothing(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))
    assert invoke("resync", "--config", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 10, "team": 5}))

    result = invoke("resync", "--config", config, "--plan")

    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "a clean run would delete 10 entities" in text
    assert "service-19" in text and "service-10" in text  # the stale ones are listed
    assert "service-9 " not in text
    assert _services(config) == sorted(f"service-{i}" for i in range(20))


def test_plan_json_carries_would_delete(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))
    assert invoke("resync", "--config", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 10, "team": 5}))

    result = invoke("resync", "--config", config, "--plan", "--json")

    assert result.exit_code == 0
    [run] = json_out(result)
    assert run["outcome"] == "succeeded"  # what a real run would end with
    assert run["would_delete"] == 10
    assert run["kinds"]["service"]["deleted"] == 10
    assert len(_services(config)) == 20


def test_plan_then_real_run_deletes_what_plan_showed(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))
    assert invoke("resync", "--config", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 10, "team": 5}))
    planned = json_out(invoke("resync", "--config", config, "--plan", "--json"))[0]

    result = invoke("resync", "--config", config, "--json")

    assert result.exit_code == 0
    assert json_out(result)[0]["deleted"] == planned["would_delete"] == 10
    assert _services(config) == sorted(f"service-{i}" for i in range(10))


def test_plan_with_nothing_stale(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 5}))
    assert invoke("resync", "--config", config).exit_code == 0

    result = invoke("resync", "--config", config, "--plan")

    assert result.exit_code == 0
    assert "a clean run would delete 0 entities" in flat(result.stdout)
