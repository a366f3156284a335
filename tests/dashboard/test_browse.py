"""The entity browser, the paged run history and the trend chart, in headless Chromium against
a real ``ocean sail`` of its own (``shop`` and ``crm`` for entities, ``ledger`` for runs)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("OCEAN_REQUIRE_BROWSER") != "1":  # CI: a missing playwright fails
    pytest.importorskip("playwright", reason="the browser tests need playwright (dev extra)")
from playwright.sync_api import Page, expect

from tests.dashboard.conftest import opened, start_runs_ended, write_config
from tests.dashboard.test_dashboard import detail, login, no_horizontal_scroll, screenshot
from tests.service.process import SailProcess, sail_process

# Services and contacts point at team-{i % 10}: shop has team-0..team-3, so team-4..team-9
# exist nowhere; crm has no teams, so its contacts point into shop or nowhere.
INTEGRATIONS: list[dict[str, Any]] = [
    {"id": "shop", "type": "fake", "name": "Shop",
     "config": {"kinds": {"service": 12, "team": 4}}},
    {"id": "crm", "type": "fake", "name": "CRM", "config": {"kinds": {"contact": 25}}},
    {"id": "ledger", "type": "fake", "name": "Ledger", "config": {"kinds": {"entry": 30}}},
]
# The ledger's runs after its run on start: configs that upsert, leave unchanged, delete,
# fail and take longer, so that the trend has something to show (each a JSON merge patch:
# null removes a key).
LEDGER_CHANGES: list[dict[str, Any] | None] = [
    None,
    {"kinds": {"entry": 36}},
    {"kinds": {"entry": 36}, "revision": 1},
    {"kinds": {"entry": 30}, "revision": 1},
    {"kinds": {"entry": 30}, "revision": 1, "batch_size": 10, "fail": {"entry": 1}},
    {"kinds": {"entry": 30}, "revision": 1, "batch_size": 10, "latency": 0.05, "fail": None},
    {"kinds": {"entry": 40}, "revision": 2, "batch_size": 10, "latency": 0.02},
    None,
    {"kinds": {"entry": 34}, "revision": 2, "batch_size": 10, "latency": 0.03},
    {"kinds": {"entry": 34}, "revision": 3},
    None,
    None,
]
RUNS = 1 + len(LEDGER_CHANGES)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SailProcess]:
    with sail_process(write_config(tmp_path_factory.mktemp("browse"), INTEGRATIONS)) as sail:
        start_runs_ended(sail, "shop", "crm", "ledger")
        for change in LEDGER_CHANGES:
            handle = (sail.client.post("/api/integrations/ledger/resync") if change is None
                      else sail.client.patch("/api/integrations/ledger",
                                             json={"config": change}))
            assert handle.status_code == 202, handle.text
            sail.ended(handle.json())
        yield sail


def entity_list(page: Page) -> Any:
    return page.locator("#entity-list > li.entity")


def test_the_entity_browser_filters_and_pages(page: Page) -> None:
    login(page)
    page.get_by_role("link", name="Entities").click()
    expect(page.get_by_role("heading", name="Entities", level=1)).to_be_focused()
    count = page.locator("#entity-count")
    expect(count).to_have_text("Page 1: 20 entities, 1 to 20")  # 16 + 25 + 34 of the ledger
    expect(entity_list(page)).to_have_count(20)
    page.get_by_role("button", name="Next page").click()
    expect(count).to_have_text("Page 2: 20 entities, 21 to 40")
    page.get_by_role("button", name="Next page").click()  # the button waits for its page
    expect(count).to_have_text("Page 3: 20 entities, 41 to 60")
    page.get_by_role("button", name="Next page").click()
    expect(count).to_have_text("Page 4: 15 entities, 61 to 75")
    expect(page.get_by_role("button", name="Next page")).to_be_disabled()
    page.get_by_role("button", name="Previous page").click()
    expect(count).to_have_text("Page 3: 20 entities, 41 to 60")

    page.get_by_label("Integration", exact=True).select_option("shop")
    expect(count).to_have_text("Page 1: 16 entities, 1 to 16")
    expect(page.get_by_label("Blueprint", exact=True).locator("option")).to_have_text(
        ["All blueprints", "service", "team"])
    expect(page.get_by_label("Kind", exact=True).locator("option")).to_have_text(
        ["All kinds", "service", "team"])
    page.get_by_label("Kind", exact=True).select_option("team")
    expect(entity_list(page).locator("a")).to_have_text(["Team 0", "Team 1", "Team 2", "Team 3"])
    page.get_by_label("Kind", exact=True).select_option("")
    page.get_by_label("Blueprint", exact=True).select_option("service")
    page.get_by_label("Text", exact=True).fill("SERVICE-1")
    page.get_by_label("Text", exact=True).press("Enter")
    expect(entity_list(page).locator("a")).to_have_text(["Service 1", "Service 10", "Service 11"])
    page.get_by_label("Text", exact=True).fill("nothing like it")
    expect(count).to_have_text("No entities match these filters.")
    assert "integration=shop" in page.url and "q=nothing" in page.url  # a bookmarkable list


def test_an_entity_shows_its_properties_and_links_its_relations(
    page: Page, tmp_path: Path
) -> None:
    login(page)
    page.goto(page.url.split("#")[0] + "#/entities?integration=shop&blueprint=service")
    entity_list(page).get_by_role("link", name="Service 7", exact=True).click()
    panel = page.locator("#entity-detail")
    expect(panel.get_by_role("heading", name="Service 7")).to_be_focused()
    expect(panel.locator("[data-property='index']")).to_have_text("7")
    expect(panel.locator("[data-property='language']")).to_have_text("go")
    expect(panel.locator("[data-property='active']")).to_have_text("false")
    team = panel.locator("[data-relation='team']")
    expect(team.locator("[data-found='no']")).to_contain_text("team-7")
    expect(team.locator("[data-found='no']")).to_contain_text("missing")
    expect(panel.locator(".skipped")).to_have_text(
        "1 relation target not in the catalog (marked missing).")
    no_horizontal_scroll(page)
    screenshot(page, "entities.png", tmp_path)

    entity_list(page).get_by_role("link", name="Service 1", exact=True).click()
    link = panel.locator("[data-relation='team'] [data-found='yes'] a")
    expect(link).to_have_text("Team 1")
    link.click()
    expect(panel.get_by_role("heading", name="Team 1")).to_be_focused()
    assert page.url.endswith("#/entities/shop/team/team-1")
    page.go_back()
    expect(panel.get_by_role("heading", name="Service 1")).to_be_visible()

    page.goto(page.url.split("#")[0] + "#/entities/crm/contact/contact-3")  # a bookmark
    found = panel.locator("[data-relation='team'] [data-found='yes']")
    expect(found).to_contain_text("Team 3")
    expect(found).to_contain_text("shop")  # another integration's entity
    page.goto(page.url.split("#")[0] + "#/entities/crm/contact/nobody")
    expect(panel.get_by_role("heading", name="No such entity")).to_be_visible()
    expect(panel).to_contain_text("no entity 'crm/contact/nobody'")


def test_the_history_pages_with_older_runs(page: Page, server: SailProcess) -> None:
    login(page)
    page.goto(page.url.split("#")[0] + "#/integrations/ledger")
    panel = detail(page)
    runs = panel.locator("#runs > li")
    expect(runs).to_have_count(10)
    expect(panel.locator("#history-count")).to_have_text("Showing the newest 10 runs.")
    api = server.client.get("/api/integrations/ledger/resyncs", params={"limit": 50}).json()
    expect(runs.locator("summary > span:not(.badge)")).to_have_text(
        [f"generation {r['generation']} · {r['trigger']} · " for r in api["items"][:10]])

    older = panel.get_by_role("button", name="Older runs")
    older.focus()
    page.keyboard.press("Enter")
    expect(runs).to_have_count(RUNS)
    expect(older).to_be_hidden()
    expect(panel.locator("#history-count")).to_have_text(f"All {RUNS} runs shown.")
    expect(runs.nth(10).locator("summary")).to_be_focused()  # the first of the older runs
    expect(runs.last.locator("summary")).to_contain_text("generation 1 · start")


def test_the_trend_draws_the_last_runs_and_reads_them_out_by_keyboard(
    page: Page, server: SailProcess, tmp_path: Path
) -> None:
    login(page)
    page.goto(page.url.split("#")[0] + "#/integrations/ledger")
    trend = detail(page).locator(".trend")
    expect(trend.locator("rect.bar")).to_have_count(RUNS)
    expect(trend.locator("rect.bar.failed")).to_have_count(1)
    expect(trend.locator("polyline[data-series]")).to_have_count(4)
    runs = server.client.get("/api/integrations/ledger/resyncs").json()["items"][::-1]
    readout = trend.locator(".readout")
    expect(readout).to_contain_text(f"Generation {runs[-1]['generation']} (api, succeeded")

    chart = trend.locator(".chart")
    for _ in range(30):  # Tab from the Resync button reaches the chart
        page.keyboard.press("Tab")
        if chart.evaluate("node => node === document.activeElement"):
            break
    expect(chart).to_be_focused()
    page.keyboard.press("Home")
    expect(readout).to_contain_text("Generation 1 (start, succeeded")
    expect(readout).to_contain_text("30 upserted · 0 unchanged · 0 deleted · 0 errors")
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    failed = runs[5]
    assert failed["status"] == "failed"
    expect(readout).to_contain_text(f"Generation {failed['generation']} (config, failed")
    expect(readout).to_contain_text("0 deleted · 1 errors")
    page.keyboard.press("ArrowLeft")  # the run that deleted the six entries 30..35
    expect(readout).to_contain_text("0 upserted · 30 unchanged · 6 deleted · 0 errors")
    expect(trend.locator("table td[data-col='deleted']")).to_have_count(RUNS)
    screenshot(page, "trend.png", tmp_path)


@pytest.mark.parametrize("width", [1280, 375])
def test_the_new_views_fit_the_width(
    browser: Any, server: SailProcess, width: int, tmp_path: Path
) -> None:
    with opened(browser, server.url + "/", width) as page:
        login(page)
        page.goto(server.url + "/#/integrations/ledger")
        chart = detail(page).locator(".trend svg.plot").first
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width
        no_horizontal_scroll(page)
        if width == 375:
            screenshot(page, "trend-375.png", tmp_path)
        page.goto(server.url + "/#/entities/shop/service/service-7")
        expect(page.locator("#entity-detail [data-found='no']")).to_be_visible()
        no_horizontal_scroll(page)
