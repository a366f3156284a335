"""The dashboard's "Live events" panel: an integration's webhook counts, last times and last
failures; absent for an integration without webhooks (a real ``ocean sail``, headless
Chromium, Playwright)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.dashboard.conftest import opened, write_config
from tests.service.hooked import hooked, signed
from tests.service.process import log_message, sail_process
from tests.service.support import gated

if os.environ.get("OCEAN_REQUIRE_BROWSER") != "1":  # CI: a missing playwright fails
    pytest.importorskip("playwright", reason="the browser tests need playwright (dev extra)")
from playwright.sync_api import expect

from tests.dashboard.test_dashboard import login

GOOD = b'{"action": "upserted", "item": {"id": 1, "name": "One"}}'
BAD = b"<not json/>"


def test_the_detail_shows_live_events_and_their_last_failures(
    browser: Any, tmp_path: Path
) -> None:
    # "plain" declares no webhook (the fake type has one: its panel would show).
    config = write_config(tmp_path, [hooked("hooks"), {**gated("plain"), "resync_on_start": False}])
    with sail_process(config, "--log-level", "debug") as sail:
        url = sail.url + "/api/integrations/hooks/webhooks/items"
        for body, headers in ((GOOD, signed(GOOD)), (BAD, signed(BAD)), (GOOD, {})):
            httpx.post(url, content=body, headers=headers, timeout=10)
        sail.wait_for(log_message("webhook event 1 (items) handled"), timeout=20)
        sail.wait_for(log_message("integration hooks: webhook event 2"), timeout=20)
        with opened(browser, sail.url + "/#/integrations/hooks") as page:
            page.set_default_timeout(15_000)
            login(page)
            panel = page.locator("#detail .webhooks")
            expect(panel.get_by_role("heading", name="Live events")).to_be_visible()
            expect(panel.locator("dd[data-count='Received']")).to_have_text("2")
            expect(panel.locator("dd[data-count='Handled']")).to_have_text("1")
            expect(panel.locator("dd[data-count='Failed']")).to_have_text("1")
            expect(panel.locator("dd[data-count='Rejected (not verified)']")).to_have_text("1")
            failure = panel.locator(".webhook-failures tr[data-event='2']")
            expect(failure).to_contain_text("WebhookBodyError")
            expect(failure).to_contain_text("failed")
            page.goto(sail.url + "/#/integrations/plain")
            expect(page.locator("#detail-title")).to_have_text("plain")
            expect(page.locator("#detail .webhooks")).to_be_hidden()
