"""A real ``ocean sail`` and headless Chromium (Debian's ``chromium``) driven by Playwright.

Chromium is never downloaded: without ``/usr/bin/chromium`` (or ``OCEAN_CHROMIUM``) or without
the ``playwright`` package the browser tests skip, unless ``OCEAN_REQUIRE_BROWSER=1`` (CI):
then they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.service.process import SailProcess, sail_process
from tests.service.support import TOKEN

# Read at import: tests that clear OCEAN_* variables must not turn CI's requirement off.
_REQUIRED = os.environ.get("OCEAN_REQUIRE_BROWSER") == "1"
CHROMIUM = os.environ.get("OCEAN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

INTEGRATIONS: list[dict[str, Any]] = [
    {"id": "payments", "type": "fake", "name": "Payments",
     "scheduled_resync_interval": "1h",
     "config": {"kinds": {"service": 40, "team": 6}}},
    {"id": "inventory", "type": "fake", "name": "Inventory", "resync_on_start": False,
     # ten batches of 0.25 s: long enough to watch the counts grow
     "config": {"kinds": {"service": 80, "team": 20}, "batch_size": 10, "latency": 0.25}},
    {"id": "billing", "type": "fake", "name": "Billing",
     "config": {"kinds": {"invoice": 30, "team": 4}, "fail": {"team": 0}}},
]


def _unavailable(reason: str) -> None:
    if _REQUIRED:
        pytest.fail(f"{reason}; OCEAN_REQUIRE_BROWSER=1 requires it")
    pytest.skip(f"{reason}; set OCEAN_REQUIRE_BROWSER=1 to fail instead")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped, not session-scoped: Playwright's sync API runs an event loop in this
    thread while it is open, and the async tests that follow need the thread's loop free."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        _unavailable(f"playwright is not installed ({exc})")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def write_config(folder: Path, integrations: list[dict[str, Any]]) -> Path:
    """A config file of ``integrations`` with a SQLite catalog beside it."""
    config = folder / "ocean.yaml"
    config.write_text(yaml.safe_dump({
        "catalog": "sqlite:///catalog.db", "api": {"token": TOKEN},
        "integrations": integrations,
    }), encoding="utf-8")
    return config


@contextmanager
def opened(browser: Any, url: str, width: int = 1280, **options: Any) -> Iterator[Any]:
    """A page of a fresh browser context ``width`` px wide (and other context options) at
    ``url``; closed at the end."""
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    try:
        page = context.new_page()
        page.goto(url)
        yield page
    finally:
        context.close()


def start_runs_ended(sail: SailProcess, *integration_ids: str) -> None:
    """Wait for the resyncs on start of these integrations to end."""
    for integration_id in integration_ids:
        state = sail.client.get(f"/api/integrations/{integration_id}").json()
        if state["current_run"] is not None:
            sail.ended({"integration_id": integration_id, "run_id": state["current_run"]["id"]})
        elif state["pending_run"] is not None:
            sail.ended({"integration_id": integration_id,
                        "run_id": state["pending_run"]["run_id"]})


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SailProcess]:
    """One ``ocean sail`` for the module: three ``fake`` integrations (one slow, one whose
    kind ``team`` fails) and a knowledge base ``platform`` with two of them attached."""
    config = write_config(tmp_path_factory.mktemp("dashboard"), INTEGRATIONS)
    with sail_process(config) as sail:
        start_runs_ended(sail, "payments", "billing")
        kb = sail.client.post("/api/knowledge-bases", json={"name": "Platform", "id": "platform"})
        assert kb.status_code == 201, kb.text
        for integration_id in ("payments", "inventory"):
            attached = sail.client.post("/api/knowledge-bases/platform/integrations",
                                        json={"integration_id": integration_id})
            assert attached.status_code == 201, attached.text
        yield sail


@pytest.fixture
def page(browser: Any, server: SailProcess) -> Iterator[Any]:
    """A fresh browser context (empty sessionStorage) at 1280 x 900 on the dashboard."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(server.url + "/")
    try:
        yield tab
    finally:
        context.close()
    assert errors == [], f"JavaScript errors: {errors}"
