"""``ocean resync``: summaries, JSON output, failures, ``--integration`` and overrides."""

from __future__ import annotations

from pathlib import Path

from tests.cli._helpers import fake, flat, invoke, json_out, row_of, write_config


def test_resync_writes_db_next_to_config_and_summarises(conf: Path, cwd: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))

    result = invoke("resync", "--config", Path("..") / "conf" / "ocean.yaml")

    assert result.exit_code == 0, result.output
    text = flat(result.stdout)
    assert "demo: succeeded" in text
    assert "generation 1" in text
    # kind, fetched, upserted, unchanged, filtered, errors
    assert row_of(result.stdout, "service") == ["service", "20", "20", "0", "0", "0"]
    assert row_of(result.stdout, "team") == ["team", "5", "5", "0", "0", "0"]
    assert (config.parent / "ocean.db").is_file()
    assert not (cwd / "ocean.db").exists()
    assert result.stderr == ""


def test_resync_json_reports_upserted_then_unchanged(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))

    first = invoke("resync", "--config", config, "--json")
    second = invoke("resync", "--config", config, "--json")

    assert (first.exit_code, second.exit_code) == (0, 0)
    [run1], [run2] = json_out(first), json_out(second)
    assert run1["integration_id"] == run2["integration_id"] == "demo"
    assert run1["status"] == run2["status"] == "succeeded"
    assert (run1["generation"], run2["generation"]) == (1, 2)
    assert run1["trigger"] == "cli"
    counts1 = {k: (v["fetched"], v["upserted"], v["unchanged"]) for k, v in run1["kinds"].items()}
    counts2 = {k: (v["fetched"], v["upserted"], v["unchanged"]) for k, v in run2["kinds"].items()}
    assert counts1 == {"service": (20, 20, 0), "team": (5, 5, 0)}
    assert counts2 == {"service": (20, 0, 20), "team": (5, 0, 5)}
    assert list(run1["kinds"]) == ["service", "team"]  # mapping order


def test_second_run_summary_shows_unchanged(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))
    assert invoke("resync", "-c", config).exit_code == 0

    result = invoke("resync", "-c", config)

    assert result.exit_code == 0
    text = flat(result.stdout)
    assert "demo: succeeded · generation 2 · trigger cli · full ·" in text
    assert row_of(result.stdout, "service")[1:4] == ["20", "0", "20"]
    assert row_of(result.stdout, "team")[1:4] == ["5", "0", "5"]


def test_failed_fetch_exits_1_and_says_why_delete_was_skipped(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}, fail={"service": 0}))

    result = invoke("resync", "--config", config)

    assert result.exit_code == 1
    text = flat(result.stdout)
    assert "demo: failed" in text
    assert "delete phase skipped:" in text
    assert "injected failure in kind 'service'" in text
    assert "Traceback" not in result.output + result.stderr


def test_failed_fetch_json_names_skipped_reason(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}, fail={"service": 0}))

    result = invoke("resync", "--config", config, "--json")

    assert result.exit_code == 1
    [run] = json_out(result)
    assert run["status"] == "failed"
    assert run["deleted"] == 0
    assert "service" in run["delete_skipped_reason"]
    assert run["kinds"]["service"]["errors"] == 1
    assert run["kinds"]["team"]["upserted"] == 5  # the next kind still ran


def test_failed_run_deletes_nothing(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))
    assert invoke("resync", "-c", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 10, "team": 5}, fail={"team": 0}))

    result = invoke("resync", "-c", config, "--json")

    assert result.exit_code == 1
    assert json_out(result)[0]["deleted"] == 0
    listed = json_out(invoke("entities", "-c", config, "--kind", "service", "--limit", "100",
                             "--json"))
    assert len(listed) == 20


def test_clean_run_deletes_stale_entities(conf: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))
    assert invoke("resync", "-c", config).exit_code == 0
    write_config(conf, fake(kinds={"service": 10, "team": 5}))

    result = invoke("resync", "-c", config)

    assert result.exit_code == 0
    assert "deleted: 10" in flat(result.stdout)
    listed = json_out(invoke("entities", "-c", config, "--limit", "100", "--json"))
    assert sorted(e["identifier"] for e in listed if e["kind"] == "service") == sorted(
        f"service-{i}" for i in range(10)
    )


def test_integration_option_runs_only_that_one(conf: Path) -> None:
    config = write_config(
        conf, fake("alpha", kinds={"service": 3}), fake("beta", kinds={"team": 4})
    )

    result = invoke("resync", "--config", config, "--integration", "beta", "--json")

    assert result.exit_code == 0, result.output
    [run] = json_out(result)
    assert run["integration_id"] == "beta"
    assert run["kinds"]["team"]["upserted"] == 4
    listed = json_out(invoke("entities", "-c", config, "--json"))
    assert {e["integration_id"] for e in listed} == {"beta"}
    status = {row["integration_id"]: row for row in json_out(invoke("status", "-c", config,
                                                                     "--json"))}
    assert status["alpha"]["generation"] == 0
    assert status["alpha"]["last_run"] is None
    assert status["beta"]["generation"] == 1


def test_without_integration_option_every_one_runs(conf: Path) -> None:
    config = write_config(
        conf, fake("alpha", kinds={"service": 3}), fake("beta", kinds={"team": 4})
    )

    result = invoke("resync", "--config", config, "--json")

    assert result.exit_code == 0
    runs = json_out(result)
    assert [r["integration_id"] for r in runs] == ["alpha", "beta"]
    assert all(r["status"] == "succeeded" for r in runs)


def test_one_failing_integration_of_two_exits_1(conf: Path) -> None:
    config = write_config(
        conf,
        fake("alpha", kinds={"service": 3}),
        fake("beta", kinds={"team": 4}, fail={"team": 0}),
    )

    result = invoke("resync", "--config", config, "--json")

    assert result.exit_code == 1
    assert [r["status"] for r in json_out(result)] == ["succeeded", "failed"]


def test_env_catalog_override_writes_other_db_next_to_config(conf: Path, cwd: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20, "team": 5}))
    env: dict[str, str | None] = {"OCEAN_CATALOG": "sqlite:///other.db"}

    result = invoke("resync", "--config", config, env=env)

    assert result.exit_code == 0, result.output
    assert (conf / "other.db").is_file()
    assert not (conf / "ocean.db").exists()
    assert not (cwd / "other.db").exists()
    listed = json_out(invoke("entities", "-c", config, "--limit", "100", "--json", env=env))
    assert len(listed) == 25


def test_inline_mapping_runs_only_its_kinds(conf: Path) -> None:
    mapping = {"resources": [{
        "kind": "team",
        "selector": {"query": ".index < 2"},
        "port": {"entity": {"mappings": {
            "identifier": ".id", "title": ".name", "blueprint": '"squad"',
            "properties": {}, "relations": {}}}},
    }]}
    config = write_config(conf, {**fake(kinds={"service": 5, "team": 5}), "mapping": mapping})

    result = invoke("resync", "-c", config, "--json")

    assert result.exit_code == 0, result.output
    [run] = json_out(result)
    assert list(run["kinds"]) == ["team"]
    listed = json_out(invoke("entities", "-c", config, "--json"))
    assert sorted(e["identifier"] for e in listed) == ["team-0", "team-1"]
    assert {e["blueprint"] for e in listed} == {"squad"}


def test_mapping_file_relative_to_config(conf: Path) -> None:
    (conf / "mappings").mkdir()
    (conf / "mappings" / "demo.yaml").write_text(
        "resources:\n"
        "  - kind: service\n"
        "    selector: {query: 'true'}\n"
        "    port:\n"
        "      entity:\n"
        "        mappings: {identifier: .id, title: .name, blueprint: '\"svc\"'}\n",
        encoding="utf-8",
    )
    config = write_config(
        conf, {**fake(kinds={"service": 3, "team": 2}), "mapping": "mappings/demo.yaml"}
    )

    result = invoke("resync", "-c", config, "--json")

    assert result.exit_code == 0, result.output
    assert list(json_out(result)[0]["kinds"]) == ["service"]
    listed = json_out(invoke("entities", "-c", config, "--json"))
    assert {e["blueprint"] for e in listed} == {"svc"}
    assert len(listed) == 3
