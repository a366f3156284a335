"""``ocean resync --dry-run`` (and ``--plan``, its alias): fetch and map, write nothing, and
report per kind what a run would create, change, leave unchanged and delete."""

from __future__ import annotations

from pathlib import Path

from tests.cli._helpers import fake, flat, invoke, json_out, write_config


def _state(config: Path) -> tuple[object, ...]:
    status = json_out(invoke("status", "-c", config, "--json"))[0]
    entities = json_out(invoke("entities", "-c", config, "--limit", "1000", "--json"))
    return status["generation"], status["last_run"]["id"], entities


def test_a_dry_run_writes_nothing_so_the_real_run_does_what_it_said(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))
    assert invoke("resync", "-c", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 15, "team": 6}, revision=1))
    before = _state(config)

    shown = invoke("resync", "-c", config, "--dry-run")
    [report] = json_out(invoke("resync", "-c", config, "--dry-run", "--json"))
    after = _state(config)
    [run] = json_out(invoke("resync", "-c", config, "--json"))

    assert shown.exit_code == 0, shown.output
    assert after == before  # no page, no generation, no run record
    service, team = report["kinds"]["service"], report["kinds"]["team"]
    assert (service["changed"], service["deleted"], team["changed"], team["created"]) == (
        15, 5, 5, 1)
    assert run["kinds"]["service"]["upserted"] == service["changed"]  # not already written
    assert run["kinds"]["team"]["upserted"] == team["changed"] + team["created"]
    assert run["deleted"] == report["would_delete"] == 5
    text = flat(shown.stdout)
    assert "demo: dry run against generation 1 · nothing written" in text
    assert "service changed service/service-0: properties.revision 0 → 1" in text
    assert "team created: team/team-5" in text
    assert "service deleted by a clean run: service/service-15, service/service-16" in text
    assert "guard deletion threshold: ok" in text and "a real run now: succeeded" in text


def test_plan_is_the_dry_run(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 4}))
    assert invoke("resync", "-c", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 4}, revision=2))

    [planned] = json_out(invoke("resync", "-c", config, "--plan", "--json"))
    [dry] = json_out(invoke("resync", "-c", config, "--dry-run", "--json"))

    assert planned["kinds"] == dry["kinds"] and planned["kinds"]["service"]["changed"] == 4
    [run] = json_out(invoke("resync", "-c", config, "--json"))
    assert run["kinds"]["service"]["upserted"] == 4  # --plan wrote none of them


def test_a_dry_run_that_a_guard_would_fail_exits_1(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 10}))
    assert invoke("resync", "-c", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 10}, fail={"service": 0}))

    result = invoke("resync", "-c", config, "--dry-run")

    assert result.exit_code == 1
    text = flat(result.stdout)
    assert "guard errors: fires (1 kind(s) had errors: service)" in text
    assert "a real run now: failed, delete phase skipped: 1 kind(s) had errors: service" in text
    assert "injected failure" in text
