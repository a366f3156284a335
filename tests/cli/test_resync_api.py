"""``ocean resync --api URL``: the real console script against a real ``ocean sail`` process."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cli._helpers import fake, ocean_script
from tests.service.process import SailProcess, child_env, free_port
from tests.service.support import TOKEN
from tests.service.support import write_config as write_service_config

Start = Callable[..., SailProcess]
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def quiet(*items: dict[str, Any]) -> list[dict[str, Any]]:
    """Integrations that do not resync on start: every run in history is the test's."""
    return [{**item, "resync_on_start": False} for item in items]


def ocean(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ocean_script()), *args], cwd=cwd, env=child_env(**env),
        capture_output=True, text=True, timeout=60, check=False,
    )


def error_lines(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in _ANSI.sub("", proc.stderr).splitlines() if line.strip()]


def history(process: SailProcess, integration_id: str) -> list[tuple[str, str, str]]:
    response = process.client.get(f"/api/integrations/{integration_id}/resyncs")
    assert response.status_code == 200
    return [(r["id"], r["trigger"], r["status"]) for r in response.json()["items"]]


def test_json_runs_every_integration_and_follows_it_to_success(
    tmp_path: Path, cwd: Path, sail: Start
) -> None:
    config = write_service_config(tmp_path, *quiet(
        fake("alpha", kinds={"service": 5}), fake("beta", kinds={"team": 3}),
    ))
    process = sail(config)

    proc = ocean("resync", "--api", process.url, "--token", TOKEN, "--json", cwd=cwd)

    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    records = json.loads(proc.stdout)
    assert [(r["integration_id"], r["trigger"], r["status"]) for r in records] == [
        ("alpha", "cli", "succeeded"), ("beta", "cli", "succeeded"),
    ]
    assert records[0]["kinds"]["service"]["upserted"] == 5
    assert records[1]["kinds"]["team"]["upserted"] == 3
    assert history(process, "alpha") == [(records[0]["id"], "cli", "succeeded")]
    assert history(process, "beta") == [(records[1]["id"], "cli", "succeeded")]


def test_integration_option_runs_only_that_one(tmp_path: Path, cwd: Path, sail: Start) -> None:
    config = write_service_config(tmp_path, *quiet(fake("alpha"), fake("beta")))
    process = sail(config)

    proc = ocean(
        "resync", "--api", process.url, "--token", TOKEN, "--integration", "beta", "--json",
        cwd=cwd,
    )

    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    assert [(r["integration_id"], r["trigger"], r["status"]) for r in records] == [
        ("beta", "cli", "succeeded"),
    ]
    assert history(process, "alpha") == []
    assert history(process, "beta") == [(records[0]["id"], "cli", "succeeded")]


def test_summary_without_json_and_token_from_the_environment(
    tmp_path: Path, cwd: Path, sail: Start
) -> None:
    config = write_service_config(tmp_path, *quiet(fake("alpha", kinds={"service": 5})))
    process = sail(config)

    proc = ocean("resync", "--api", process.url, cwd=cwd, OCEAN_API_TOKEN=TOKEN)

    assert proc.returncode == 0, proc.stderr
    assert "alpha: succeeded" in " ".join(proc.stdout.split())
    assert [t for _, t, _ in history(process, "alpha")] == ["cli"]


def test_token_from_the_config_file(tmp_path: Path, cwd: Path, sail: Start) -> None:
    config = write_service_config(tmp_path, *quiet(fake("alpha")))
    process = sail(config)

    proc = ocean("resync", "--api", process.url, "--config", str(config), "--json", cwd=cwd)

    assert proc.returncode == 0, proc.stderr
    assert [r["status"] for r in json.loads(proc.stdout)] == ["succeeded"]


def test_wrong_token_exits_2_naming_401(tmp_path: Path, cwd: Path, sail: Start) -> None:
    config = write_service_config(tmp_path, *quiet(fake("alpha")))
    process = sail(config)

    proc = ocean("resync", "--api", process.url, "--token", "wrong", "--json", cwd=cwd)

    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = error_lines(proc)
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "401" in lines[0], lines
    assert proc.stdout == ""
    assert history(process, "alpha") == []


def test_unreachable_url_exits_1_naming_the_url_and_the_cause(cwd: Path) -> None:
    # Not a config error (exit 2): the same command works once the server is up.
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    proc = ocean("resync", "--api", url, "--token", TOKEN, cwd=cwd)

    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = error_lines(proc)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: cannot reach the API at {url}: ConnectError"), lines
    assert "--api" not in lines[0]


def test_detach_prints_the_handles_and_returns(tmp_path: Path, cwd: Path, sail: Start) -> None:
    # A run that could not end for a minute: only a command that does not wait returns.
    config = write_service_config(tmp_path, *quiet(
        fake("alpha", kinds={"service": 2}, latency=60), fake("beta", kinds={"team": 2}),
    ))
    process = sail(config)

    proc = ocean("resync", "--api", process.url, "--token", TOKEN, "--detach", cwd=cwd)

    assert proc.returncode == 0, proc.stderr
    printed = re.findall(
        r"^(\w+): run ([0-9a-f]+) \(generation (\d+)\) (\w+)$", proc.stdout, re.MULTILINE
    )
    assert [(i, g) for i, _, g, _ in printed] == [("alpha", "1"), ("beta", "1")], proc.stdout
    assert {status for *_, status in printed} <= {"pending", "running"}
    alpha, beta = (run_id for _, run_id, _, _ in printed)
    handle = process.client.get(f"/api/integrations/alpha/resyncs/{alpha}").json()
    assert handle["status"] in ("pending", "running")
    assert process.ended({"integration_id": "beta", "run_id": beta})["run"]["trigger"] == "cli"

    as_json = ocean(
        "resync", "--api", process.url, "--token", TOKEN, "--detach", "--json",
        "--integration", "beta", cwd=cwd,
    )
    assert as_json.returncode == 0, as_json.stderr
    [again] = json.loads(as_json.stdout)
    assert again["integration_id"] == "beta" and again["generation"] == 2
    assert again["status"] in ("pending", "running") and again["url"].endswith(again["run_id"])
    assert process.ended(again)["status"] == "succeeded"


def test_a_failing_integration_exits_1(tmp_path: Path, cwd: Path, sail: Start) -> None:
    config = write_service_config(tmp_path, *quiet(
        fake("alpha", kinds={"service": 3}), fake("broken", kinds={"service": 3},
                                                  fail={"service": 0}),
    ))
    process = sail(config)

    proc = ocean("resync", "--api", process.url, "--token", TOKEN, "--json", cwd=cwd)

    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    records = json.loads(proc.stdout)
    assert [(r["integration_id"], r["status"]) for r in records] == [
        ("alpha", "succeeded"), ("broken", "failed"),
    ]
    assert records[1]["kinds"]["service"]["errors"] == 1
    assert records[1]["deleted"] == 0

    text = ocean("resync", "--api", process.url, "--token", TOKEN, "-i", "broken", cwd=cwd)
    assert text.returncode == 1
    assert "broken: failed" in " ".join(text.stdout.split())


def test_a_dry_run_and_a_config_reset_through_the_api(
    tmp_path: Path, cwd: Path, sail: Start
) -> None:
    config = write_service_config(tmp_path, *quiet(fake("alpha", kinds={"service": 4})))
    process = sail(config)
    mapping = {"resources": [{"kind": "service", "selector": {"query": "true"}, "port": {
        "entity": {"mappings": {"identifier": ".id", "title": '"renamed"',
                                "blueprint": '"service"'}}}}]}
    patched = process.client.patch("/api/integrations/alpha", json={"mapping": mapping})
    assert process.ended(patched.json())["status"] == "succeeded"
    before = history(process, "alpha")

    dry = ocean("resync", "--api", process.url, "--token", TOKEN, "--dry-run", "--json", cwd=cwd)
    after_dry = history(process, "alpha")
    reset = ocean("config", "reset", "alpha", "--api", process.url, "--token", TOKEN, cwd=cwd)

    assert dry.returncode == 0, dry.stderr
    [report] = json.loads(dry.stdout)
    assert report["integration_id"] == "alpha" and report["kinds"]["service"]["unchanged"] == 4
    assert after_dry == before  # the dry run recorded nothing
    assert reset.returncode == 0, reset.stderr
    assert "alpha: discarded the API's change (mapping); resync run" in reset.stdout
    state = process.client.get("/api/integrations/alpha").json()
    assert state["api_changes"] is None and state["mapping"] is None
