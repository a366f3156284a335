"""``webhooks.port``: the webhook route served by an intake process of ``ocean sail``'s own.

Every request gets the answer the API's port gives it (sail decides: 404, ``verify_webhook``,
the inbox); the intake process is started again when it dies, and stops when sail dies.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import httpx

from ocean_core.testing import webhook_path
from tests.cli._helpers import ocean_script
from tests.service.hooked import hooked, signed
from tests.service.process import SailProcess, child_env, free_port, log_message
from tests.service.support import TOKEN, write_config
from tests.support import processes_end

Start = Callable[..., SailProcess]


def _intake_pid(process: SailProcess) -> int:
    line = process.wait_for(log_message("webhooks: intake process"), timeout=20)
    return int(str(line["message"]).split()[3])


def _started(sail: Start, tmp_path: Path, **api: object) -> tuple[SailProcess, str]:
    port = free_port()
    config = write_config(tmp_path, hooked("h"), webhooks={"port": port, "retry_delay": 0},
                          api={"token": TOKEN, **api})
    process = sail(config, "--log-level", "debug")
    _intake_pid(process)
    return process, f"http://127.0.0.1:{port}"


def _post(url: str, body: bytes, headers: dict[str, str] | None = None,
          path: str = webhook_path("h", "items")) -> httpx.Response:
    return httpx.post(url + path, content=body, headers=headers or {}, timeout=30)


def test_a_webhook_on_the_intake_port_is_stored_and_handled(tmp_path: Path, sail: Start
                                                            ) -> None:
    process, url = _started(sail, tmp_path)
    body = b'{"action": "upserted", "item": {"id": 7, "name": "Live seven"}}'

    answer = _post(url, body, signed(body))

    assert answer.status_code == 202, answer.text
    event_id = answer.json()["event_id"]
    process.wait_for(log_message(f"webhook event {event_id} (items) handled"), timeout=30)
    entity = process.client.get("/api/entities/h/item/7")
    assert entity.status_code == 200, entity.text
    assert entity.json()["title"] == "Live seven"
    stats = process.client.get("/api/integrations/h/webhooks").json()
    assert (stats["received"], stats["handled"]) == (1, 1)


def test_the_intake_port_answers_as_the_api_port_does(tmp_path: Path, sail: Start) -> None:
    process, url = _started(sail, tmp_path)
    body = b'{"action": "upserted", "item": {"id": 1, "name": "x"}}'
    cases = [
        (webhook_path("h", "items"), body, {"X-Hooked-Signature": "0" * 64}),  # 401
        (webhook_path("h", "nope"), body, signed(body)),  # 404: no such webhook
        (webhook_path("ghost", "items"), body, signed(body)),  # 404: no such integration
        (webhook_path("h", "items") + "?x=%00", body, signed(body)),  # 422: NUL
    ]
    for path, content, headers in cases:
        on_intake = _post(url, content, headers, path)
        on_api = _post(process.url, content, headers, path)
        assert (on_intake.status_code, on_intake.json()) == (
            on_api.status_code, on_api.json()), path
    assert [_post(url, c, h, p).status_code for p, c, h in cases] == [401, 404, 404, 422]
    stats = process.client.get("/api/integrations/h/webhooks").json()
    assert (stats["received"], stats["rejected"]) == (0, 3)  # the 401 case, thrice


def test_the_intake_port_keeps_the_api_limits_and_serves_nothing_else(
    tmp_path: Path, sail: Start,
) -> None:
    _process, url = _started(sail, tmp_path, max_body_bytes=100)

    too_large = _post(url, b"x" * 101, signed(b"x" * 101))
    other = httpx.get(url + "/api/integrations", timeout=10)
    health = httpx.get(url + "/health", timeout=10)

    assert too_large.status_code == 413
    assert "api.max_body_bytes" in too_large.json()["detail"]
    assert other.status_code == 404
    assert "webhook route only" in other.json()["detail"]
    assert health.status_code == 200


def test_a_dead_intake_process_is_started_again_on_the_same_port(
    tmp_path: Path, sail: Start,
) -> None:
    process, url = _started(sail, tmp_path)
    first = _intake_pid(process)

    os.kill(first, signal.SIGKILL)
    process.wait_for(log_message("webhooks: the intake process exited with code -9"))
    process.wait_for(lambda line: str(line.get("message", "")).startswith(
        "webhooks: intake process") and f" {first} " not in str(line["message"]), timeout=20)
    body = b'{"action": "upserted", "item": {"id": 3, "name": "After"}}'
    answer = _post(url, body, signed(body))

    assert answer.status_code == 202, answer.text
    process.wait_for(log_message(f"webhook event {answer.json()['event_id']} (items) handled"))


def test_the_intake_process_stops_when_sail_dies(tmp_path: Path, sail: Start) -> None:
    process, _url = _started(sail, tmp_path)
    pid = _intake_pid(process)

    process.send(signal.SIGKILL)
    process.wait_exit(10)

    assert processes_end([pid], 15), f"intake process {pid} outlived ocean sail"


def test_the_intake_process_stops_with_sail_on_sigterm(tmp_path: Path, sail: Start) -> None:
    process, _url = _started(sail, tmp_path)
    pid = _intake_pid(process)

    process.send(signal.SIGTERM)

    assert process.wait_exit(20) == 0
    assert processes_end([pid], 5)


def test_a_taken_webhook_port_fails_the_start_naming_the_setting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write_config(tmp_path, hooked("h"), webhooks={"port": port})
        done = subprocess.run(
            [str(ocean_script()), "sail", "--config", str(config), "--port", str(free_port())],
            cwd=tmp_path, env=child_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr
    assert f"webhooks.port: the intake could not listen on 127.0.0.1:{port}" in done.stderr
