"""The blocking SDK against a real ``ocean sail`` process: the seed example, the default client
made from the environment, KB semantics end to end, and transport errors of a real socket."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ocean_core import Entity, ResyncResult
from ocean_core.http._retry import RetryPolicy
from ocean_core.sdk import (
    APIConnectionError,
    APITimeoutError,
    Client,
    Integration,
    KbIntegrationNotFound,
    KnowledgeBase,
    NotFound,
    Run,
    Unauthorized,
    _client,
    configure,
)
from ocean_core.sdk import _calls as calls
from tests.sdk.support import TOKEN, box, write_config
from tests.service.process import REPO_ROOT, SailProcess, child_env, free_port, start_sail

Start = Callable[..., SailProcess]

EXPECTED = """\
0. Using integration id=... name=...
1. Integration.resync() dispatched (global, fire-and-forget).
2. Created KB id=...
3. KB has ... attached integration(s).
4. ...
5. ✅ Caught KbIntegrationNotFound: ...
6. Deleted KB.
""".splitlines()
"""The seed's "Expected output": ``...`` matches anything."""


def matches(expected: str, line: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, line) is not None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SailProcess]:
    """One ``ocean sail`` for the module's tests (each uses its own KB ids)."""
    folder = tmp_path_factory.mktemp("sail")
    process = start_sail(write_config(folder, box("box-a", files=3), box("box-b", files=2)))
    yield process
    process.close()


@pytest.fixture
def client(served: SailProcess) -> Iterator[Client]:
    with Client(served.url, TOKEN) as sdk:
        yield sdk


def test_the_seed_example_runs_with_only_its_imports_changed(
    tmp_path: Path, sail: Start
) -> None:
    process = sail(write_config(tmp_path, box("box-old", files=1), box("box-new", files=2),
                                {"id": "other", "type": "fake"}))
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "examples" / "sdk_resync.py")],
        capture_output=True, text=True, encoding="utf-8", timeout=60, cwd=tmp_path,
        env=child_env(OCEAN_API_URL=process.url, OCEAN_API_TOKEN=TOKEN),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(EXPECTED), done.stdout
    assert all(matches(e, line) for e, line in zip(EXPECTED, lines, strict=True)), done.stdout
    assert lines[0] == "0. Using integration id=box-new name=None"
    assert lines[4] == "4. (None attached; demonstrating the negative path below.)"
    assert lines[5].startswith("5. ✅ Caught KbIntegrationNotFound: integration "
                               "'not-a-real-integration-id' is not attached to knowledge base")
    with Client(process.url, TOKEN) as sdk:
        runs = Integration.get("box-new", client=sdk).runs(limit=5)
        assert KnowledgeBase.list(client=sdk) == []
    assert "sdk" in [r.trigger for r in runs]


def test_the_default_client_is_made_from_the_environment_at_first_use(
    served: SailProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_client, "_default", None)
    monkeypatch.setenv("OCEAN_API_URL", served.url)
    monkeypatch.setenv("OCEAN_API_TOKEN", TOKEN)
    try:
        found = Integration.list()
        default = _client.default_client()
        replaced = configure(url=served.url, token="wrong")
        with pytest.raises(Unauthorized):
            found[0].status()  # read through the default: uses the new one
    finally:
        _client.default_client().close()
    assert [i.object_id for i in found] == ["box-a", "box-b"]
    assert default.settings.url == served.url and default.settings.token == TOKEN
    assert replaced is not default and replaced.settings.token == "wrong"

def test_several_blocking_calls_resync_and_wait_to_the_end(client: Client) -> None:
    integration = Integration.get("box-a", client=client)
    run = integration.resync()
    assert isinstance(run, Run) and run.status in ("pending", "running", "succeeded")
    assert run.wait(timeout=30) is run and run.done
    status = integration.status()
    history = integration.runs(limit=3, page_size=1)
    assert run.succeeded and isinstance(run.record, ResyncResult)
    assert run.record.trigger == "sdk" and status.generation >= run.generation
    assert history[0].id == run.run_id and all(isinstance(r, ResyncResult) for r in history)
    assert integration.refresh() is integration and integration.type == "Box"


def test_a_blocking_resync_records_who_asks_and_reports_progress(client: Client) -> None:
    integration = Integration.get("box-b", client=client)
    seen: list[str] = []
    run = integration.resync(trigger="cli").wait(
        timeout=30, poll=0.05, on_progress=lambda r: seen.append(r.status))
    assert run.succeeded and run.record is not None and run.record.trigger == "cli"
    assert set(seen) <= {"pending", "running"}  # called back only before the end


def test_attach_detach_and_delete_leave_entities_and_integrations(
    client: Client, served: SailProcess
) -> None:
    kb = KnowledgeBase.new(name="Docs", id="kb-semantics", client=client)
    kb.attach("box-a")
    kb.attach("box-b")
    kb.resync_integration("box-b", client=client).wait(timeout=30)
    entities = list(kb.entities(page_size=2))
    kb.detach("box-b")
    with pytest.raises(KbIntegrationNotFound) as caught:
        kb.resync_integration("box-b")
    kept = list(kb.entities())
    kb.delete()
    every = served.client.get("/api/entities", params={"limit": 100}).json()["items"]
    assert all(isinstance(e, Entity) for e in entities)
    assert sorted((e.integration_id, e.identifier) for e in entities) == [
        ("box-a", "file-0"), ("box-a", "file-1"), ("box-a", "file-2"),
        ("box-b", "file-0"), ("box-b", "file-1"),
    ]
    assert caught.value.available == ["box-a"]
    assert {e.integration_id for e in kept} == {"box-a"}
    assert len(every) == 5
    assert [i.object_id for i in Integration.list(client=client)] == ["box-a", "box-b"]
    with pytest.raises(NotFound):
        KnowledgeBase.get("kb-semantics", client=client)


def test_nothing_listening_is_a_connection_error_after_the_retries() -> None:
    slept: list[float] = []
    with Client(f"http://127.0.0.1:{free_port()}", TOKEN, sleep=slept.append) as sdk:
        with pytest.raises(APIConnectionError) as caught:
            Integration.list(client=sdk)
        with pytest.raises(APIConnectionError):
            KnowledgeBase.new(name="Docs", client=sdk)
    assert len(slept) == 3  # the GET tried four times, the POST once
    assert str(caught.value).startswith("GET /api/integrations: ConnectError")


def test_a_server_that_never_answers_is_a_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with Client(url, TOKEN, timeout=0.2, retry=RetryPolicy(attempts=1)) as sdk, \
                pytest.raises(APITimeoutError) as caught:
            sdk.send(calls.list_kbs())
    assert caught.value.method == "GET" and caught.value.path == "/api/knowledge-bases"


def test_the_blocking_dry_run_and_discard_changes(served: SailProcess, client: Client) -> None:
    integration = Integration.get("box-b", client=client)
    report = integration.dry_run()  # beside the start run, if it still runs: it writes nothing
    run = integration.discard_changes().wait(timeout=30)
    assert report.kinds["file"].created + report.kinds["file"].unchanged == 2
    assert report.integration_id == "box-b" and report.kinds["file"].deleted == 0
    assert run.record is not None and run.record.trigger == "api"  # nothing was changed
