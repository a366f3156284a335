"""The dashboard at ``/`` end to end: a real ``ocean sail``, headless Chromium, Playwright.

Every wait is one of Playwright's auto-retrying ``expect`` assertions on the page's state.
``OCEAN_UPDATE_SCREENSHOTS=1`` also writes the README's screenshots into ``docs/images/``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import yaml
from fastapi import FastAPI

from ocean_core.api import create_app
from tests.dashboard.conftest import opened
from tests.service.process import SailProcess
from tests.service.support import TOKEN

if os.environ.get("OCEAN_REQUIRE_BROWSER") != "1":  # CI: a missing playwright fails
    pytest.importorskip("playwright", reason="the browser tests need playwright (dev extra)")
from playwright.sync_api import Locator, Page, expect

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SCREENSHOTS = os.environ.get("OCEAN_UPDATE_SCREENSHOTS") == "1"


def login(page: Page, token: str = TOKEN) -> None:
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()


def card(page: Page, integration_id: str) -> Locator:
    return page.locator(f"#integration-list [data-integration='{integration_id}']")


def detail(page: Page) -> Locator:
    return page.locator("#detail")


def screenshot(page: Page, name: str, tmp_path: Path) -> None:
    """Always into the test's folder; into docs/images/ when asked to update them."""
    page.screenshot(path=tmp_path / name, full_page=True)
    if SCREENSHOTS:
        page.screenshot(path=IMAGES / name, full_page=True)


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"horizontal scroll: {widths} at {page.viewport_size}"


def test_the_shell_is_public_holds_no_data_and_stays_out_of_the_api(server: SailProcess) -> None:
    with httpx.Client(base_url=server.url) as anonymous:
        shell = anonymous.get("/")
        script = anonymous.get("/dashboard/dashboard.js")
        style = anonymous.get("/dashboard/dashboard.css")
        other = anonymous.get("/dashboard/..%2F__init__.py")
        data = anonymous.get("/api/integrations")
    assert shell.status_code == 200 and shell.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in shell.headers["content-security-policy"]
    for integration in ("payments", "inventory", "billing", "Platform"):
        assert integration not in shell.text
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
    assert other.status_code == 404
    assert data.status_code == 401
    paths = server.client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and not any(path.startswith("/dashboard") for path in paths)


def test_under_a_prefix_the_page_calls_the_api_under_it(tmp_path: Path) -> None:
    config = tmp_path / "ocean.yaml"
    config.write_text(yaml.safe_dump({
        "catalog": "memory://", "api": {"token": TOKEN},
        "integrations": [{"id": "demo", "type": "fake"}],
    }), encoding="utf-8")
    host = FastAPI()
    host.mount("/ocean", create_app(config))

    async def get() -> httpx.Response:  # no lifespan: the shell needs no service
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://host") as client:
            return await client.get("/ocean/")

    shell = anyio.run(get)
    assert shell.status_code == 200
    assert 'data-root="/ocean"' in shell.text
    assert 'src="/ocean/dashboard/dashboard.js' in shell.text


def test_keyboard_only_a_wrong_token_is_refused_then_login_and_resync(page: Page) -> None:
    token = page.get_by_label("API token")
    expect(token).to_be_focused()
    page.keyboard.type("not-the-token")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_have_text(re.compile("Wrong token"))
    expect(token).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_hidden()

    page.keyboard.type(TOKEN)  # the refused token is selected: typing replaces it
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_focused()
    expect(page.locator("#integration-list > li")).to_have_count(3)

    resync = page.get_by_role("button", name="Resync Payments")
    for _ in range(10):  # Tab from the heading: the search box, Payments' link, its Resync
        page.keyboard.press("Tab")
        if resync.evaluate("button => button === document.activeElement"):
            break
    expect(resync).to_be_focused()
    page.keyboard.press("Enter")
    line = card(page, "payments").locator(".run-line")
    expect(line).to_have_attribute("data-status", re.compile("pending|running|succeeded"))
    expect(line).to_have_attribute("data-status", "succeeded")
    expect(line).to_contain_text("46 fetched")
    expect(resync).to_be_focused()  # the live updates never steal the focus

    page.reload()  # the token is kept for the tab's session
    expect(page.get_by_role("heading", name="Integrations", level=1)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_label("API token")).to_be_visible()


def test_search_narrows_the_list(page: Page) -> None:
    login(page)
    search = page.get_by_label("Search integrations")
    cards = page.locator("#integration-list > li")
    expect(cards).to_have_count(3)
    search.fill("INV")
    expect(cards.filter(visible=True)).to_have_count(1)
    expect(card(page, "inventory")).to_be_visible()
    expect(page.locator("#match-count")).to_have_text(re.compile("1 of 3 integrations"))
    search.fill("fake")  # the type matches too
    expect(cards.filter(visible=True)).to_have_count(3)
    search.fill("nothing like it")
    expect(cards.filter(visible=True)).to_have_count(0)
    expect(page.locator("#match-count")).to_have_text(re.compile("0 of 3"))


def test_resync_shows_the_run_start_progress_and_end_with_its_counts(
    page: Page, server: SailProcess
) -> None:
    login(page)
    page.get_by_label("Search integrations").fill("inventory")
    card(page, "inventory").get_by_role("link", name="Inventory").click()
    panel = detail(page)
    expect(panel.get_by_role("heading", name="Inventory")).to_be_visible()
    expect(panel.locator("#runs")).to_contain_text("No runs yet.")

    panel.get_by_role("button", name="Resync Inventory").click()
    line = card(page, "inventory").locator(".run-line")
    expect(line).to_have_attribute("data-status", "running")
    # live counts: some of the 100 items fetched, the run still in flight
    expect(line).to_have_text(re.compile(r"^Running · [1-9]\d? fetched"))
    # both kinds of the plan count, the second before it starts
    expect(line).to_contain_text("0/2 kinds done")
    live = panel.locator(".live")
    expect(live.get_by_role("heading", name="Current run")).to_be_visible()
    expect(live.locator("tr[data-kind='service'] td[data-col='fetched']")).to_have_text(
        re.compile(r"^[1-9]\d?$")
    )
    expect(live.locator("tr[data-kind='team']")).to_contain_text("not yet")
    # the run in flight under Recent runs shows the same live counts, not an empty table
    in_flight = panel.locator("#runs > li[data-status='running']")
    expect(in_flight.locator("tr[data-kind='service'] td[data-col='fetched']")).to_have_text(
        re.compile(r"^[1-9]\d?$")
    )
    expect(in_flight.locator("tr[data-kind='team'] td[data-col='fetched']")).to_have_text("0")

    expect(line).to_have_attribute("data-status", "succeeded", timeout=20_000)
    expect(line).to_have_text(re.compile(
        r"^Succeeded · 100 fetched · 100 upserted · 0 unchanged · 0 errors · 0 deleted"
    ))
    expect(live).to_be_hidden()
    run = panel.locator("#runs > li").first
    expect(run.locator("summary")).to_contain_text("succeeded")
    expect(run.locator("summary")).to_contain_text("api")
    expect(run.locator("tr[data-kind='service'] td[data-col='upserted']")).to_have_text("80")
    expect(run.locator("tr[data-kind='team'] td[data-col='upserted']")).to_have_text("20")
    expect(run).to_contain_text("Deleted 0 entities.")
    no_horizontal_scroll(page)

    history = server.client.get("/api/integrations/inventory/resyncs").json()["items"]
    assert [(r["status"], r["trigger"]) for r in history] == [("succeeded", "api")]


def test_a_failing_kind_shows_its_error_and_the_skipped_delete_phase(
    page: Page, tmp_path: Path
) -> None:
    login(page)
    page.goto(page.url.split("#")[0] + "#/integrations/billing")
    panel = detail(page)
    expect(panel.get_by_role("heading", name="Billing")).to_be_visible()
    panel.get_by_role("button", name="Resync Billing").click()
    line = panel.locator(".actions .run-line")
    expect(line).to_have_attribute("data-status", "failed")
    expect(line).to_contain_text("delete phase skipped: 1 kind(s) had errors: team")

    run = panel.locator("#runs > li").first
    expect(run.locator("summary")).to_contain_text("failed")
    expect(run.locator("details")).to_have_attribute("open", "")
    expect(run.locator(".errors")).to_contain_text("injected failure in kind 'team' at batch 0")
    expect(run.locator(".errors")).to_contain_text("team (fetch)")
    folded = run.locator(".errors .traceback")  # the fetch error's traceback, folded
    expect(folded.locator("pre")).to_be_hidden()
    folded.get_by_role("button", name="Traceback").click()
    expect(folded.locator("pre")).to_contain_text("Traceback (most recent call last)")
    expect(folded.locator("pre")).to_contain_text("FakeFetchError: injected failure")
    folded.get_by_role("button", name="Traceback").click()
    expect(folded.locator("pre")).to_be_hidden()
    expect(run.locator("tr[data-kind='team']")).to_have_class("has-errors")
    expect(run.locator("tr[data-kind='invoice'] td[data-col='fetched']")).to_have_text("30")
    expect(run.locator(".skipped")).to_have_text(
        "Delete phase skipped: 1 kind(s) had errors: team"
    )
    expect(card(page, "billing").locator(".run-line")).to_have_attribute("data-status", "failed")
    screenshot(page, "run-detail.png", tmp_path)


def test_the_knowledge_base_view_lists_its_integrations_and_resyncs_one(
    page: Page, server: SailProcess
) -> None:
    login(page)
    page.get_by_role("link", name="Knowledge bases").click()
    expect(page.get_by_role("heading", name="Knowledge bases", level=1)).to_be_focused()
    kb = page.locator("[data-kb='platform']")
    expect(kb.get_by_role("heading", name="Platform")).to_be_visible()
    expect(kb.locator("li.card")).to_have_count(2)
    expect(kb.locator("li.card h3")).to_have_text(["Payments", "Inventory"])

    before = server.client.get("/api/integrations/payments").json()["generation"]
    kb.get_by_role("button", name="Resync Payments").click()
    line = kb.locator("[data-integration='payments'] .run-line")
    expect(line).to_have_attribute("data-status", "succeeded")
    expect(line).to_contain_text("46 fetched")
    newest = server.client.get("/api/integrations/payments/resyncs?limit=1").json()["items"][0]
    assert newest["trigger"] == "kb" and newest["generation"] > before
    no_horizontal_scroll(page)


@pytest.mark.parametrize(
    ("locale", "date"),
    [("en-US", r"[A-Z][a-z]{2} \d{1,2}, \d{4}"), ("de-DE", r"\d{2}\.\d{2}\.\d{4}")],
)
def test_times_show_the_date_in_the_browsers_locale_and_the_iso_time_on_hover(
    browser: Any, server: SailProcess, locale: str, date: str
) -> None:
    with opened(browser, server.url + "/#/integrations/payments", locale=locale) as page:
        login(page)
        run = server.client.get("/api/integrations/payments/resyncs?limit=1").json()["items"][0]
        started = detail(page).locator(f"#runs > li[data-run='{run['id']}'] summary time")
        expect(started).to_have_text(re.compile(date))
        expect(started).to_have_text(re.compile(run["started_at"][:4]))  # the year
        expect(started).to_have_attribute("datetime", run["started_at"])
        expect(started).to_have_attribute("title", run["started_at"])
        last = detail(page).locator("dd time").last  # "Last ended", with how long ago
        expect(last).to_have_text(re.compile(date + r".* ago\)$"))


@pytest.mark.parametrize("width", [1280, 375])
def test_the_layout_fits_the_width(
    browser: Any, server: SailProcess, width: int, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        login(page)
        expect(page.locator("#integration-list > li")).to_have_count(3)
        expect(card(page, "billing").locator(".run-line")).to_have_attribute(
            "data-status", "failed"
        )
        no_horizontal_scroll(page)
        if width == 1280:
            card(page, "payments").get_by_role("link", name="Payments").click()
            expect(detail(page).locator("#runs > li").first).to_contain_text("succeeded")
            screenshot(page, "dashboard.png", tmp_path)
        page.goto(server.url + "/#/integrations/billing")
        expect(detail(page).locator(".skipped").first).to_be_visible()
        no_horizontal_scroll(page)
        page.screenshot(path=tmp_path / f"detail-{width}.png", full_page=True)
        page.get_by_role("link", name="Knowledge bases").click()
        expect(page.locator("[data-kb='platform'] li.card")).to_have_count(2)
        no_horizontal_scroll(page)
    finally:
        context.close()
