"""The real ``ocean`` console script: exit codes and a stderr without tracebacks."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli._helpers import clean_env, fake, ocean_script, write_config


def _ocean(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ocean_script()), *map(str, args)],
        cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=60, check=False,
    )


def test_resync_succeeds_exit_0(conf: Path, cwd: Path) -> None:
    write_config(conf, fake(kinds={"service": 20, "team": 5}))

    proc = _ocean("resync", "--config", "../conf/ocean.yaml", cwd=cwd)

    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "demo: succeeded" in proc.stdout
    assert (conf / "ocean.db").is_file()
    assert not (cwd / "ocean.db").exists()


def test_failed_resync_exit_1(conf: Path, cwd: Path) -> None:
    config = write_config(conf, fake(kinds={"service": 20}, fail={"service": 0}))

    proc = _ocean("resync", "--config", config, cwd=cwd)

    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "delete phase skipped" in " ".join(proc.stdout.split())


def test_config_error_exit_2_one_line(conf: Path, cwd: Path) -> None:
    config = write_config(conf, fake(batch_size=0))

    proc = _ocean("resync", "--config", config, cwd=cwd)

    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ")
    assert str(config) in lines[0] and "integrations[0].config.batch_size" in lines[0]


def test_markup_like_value_is_not_a_crash(conf: Path, cwd: Path) -> None:
    config = write_config(conf, fake(), catalog="[/x]")

    proc = _ocean("resync", "--config", config, cwd=cwd)

    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "'[/x]'" in proc.stderr


def test_missing_config_exit_2(cwd: Path) -> None:
    proc = _ocean("status", "--config", "nowhere.yaml", cwd=cwd)

    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "nowhere.yaml" in proc.stderr


def test_list_json_exit_0(cwd: Path) -> None:
    proc = _ocean("list", "--json", cwd=cwd)

    assert proc.returncode == 0
    assert '"fake"' in proc.stdout and '"packages"' in proc.stdout
