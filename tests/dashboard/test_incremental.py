"""The dashboard's view of rule 9: both schedules, each kind's last cursor, and which runs
were incremental (a real ``ocean sail``, headless Chromium, Playwright)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.dashboard.conftest import opened, start_runs_ended, write_config
from tests.service.process import sail_process

if os.environ.get("OCEAN_REQUIRE_BROWSER") != "1":  # CI: a missing playwright fails
    pytest.importorskip("playwright", reason="the browser tests need playwright (dev extra)")
from playwright.sync_api import expect

from tests.dashboard.test_dashboard import login

DESK = {"id": "desk", "type": "fake", "name": "Desk",
        "scheduled_resync_interval": "1d", "scheduled_incremental_interval": "1h",
        "config": {"kinds": {"service": 12}, "incremental": True}}


def test_the_detail_shows_both_schedules_the_cursors_and_incremental_runs(
    browser: Any, tmp_path: Path
) -> None:
    with sail_process(write_config(tmp_path, [DESK])) as sail:
        start_runs_ended(sail, "desk")
        handle = sail.client.post("/api/integrations/desk/resync",
                                  json={"incremental": True}).json()
        assert sail.ended(handle)["run"]["mode"] == "incremental"
        with opened(browser, sail.url + "/#/integrations/desk") as page:
            page.set_default_timeout(15_000)
            login(page)
            panel = page.locator("#detail")
            facts = panel.locator(".facts").first  # the live events panel has facts too
            expect(facts).to_contain_text("Schedule")
            expect(facts.locator("dt", has_text="Incremental schedule")).to_be_visible()
            expect(facts).to_contain_text("every 1h")
            expect(facts).to_contain_text("every 1d")
            cursor = panel.locator(".cursors tr[data-kind='service']")
            expect(cursor).to_contain_text("11")
            expect(cursor).to_contain_text("yes")
            expect(panel.locator("#runs > li").first.locator("summary")).to_contain_text(
                "incremental")
