// One integration's detail: facts, the current run, the trend and the paged run history.
import { api } from "./api.js";
import { $, announce, badge, enc, h, plural, timeEl } from "./dom.js";
import { resyncButton } from "./resync.js";
import { ENDED, currentLine, kindsTable, liveRun, paintLine, renderHistory } from "./runs.js";
import { kindCursors, label, planKinds, state } from "./state.js";
import { Trend } from "./trend.js";
import { renderWebhooks } from "./webhooks.js";

const PAGE = 10; // runs per page of the history
const TREND_RUNS = 20; // runs drawn in the trend

let detailFor = null;
let trend = null;
const runNodes = new Map(); // run id -> {node, key}

export const detailRoute = () => state.route.view === "integrations" && state.route.id;

function historyOf(id) {
  if (!state.history.has(id)) {
    state.history.set(id, { runs: new Map(), paged: false, cursor: null, loading: false });
  }
  return state.history.get(id);
}

// Newest first, as the API pages them: by start time, then id.
function sortedRuns(history) {
  return [...history.runs.values()].sort((a, b) =>
    (new Date(b.started_at) - new Date(a.started_at)) || b.id.localeCompare(a.id));
}

// The first page, on every poll. Once older pages are loaded, runs only accumulate: a run
// pushed off the first page by a newer one stays shown between the pages.
export async function loadHistory(id) {
  const page = await api("GET", `/api/integrations/${enc(id)}/resyncs?limit=${PAGE}`);
  const history = historyOf(id);
  if (!history.paged) {
    history.runs = new Map();
    history.cursor = page.next_cursor;
  }
  for (const run of page.items) history.runs.set(run.id, run);
}

async function loadOlder(id) {
  const history = historyOf(id);
  if (history.loading || !history.cursor) return;
  history.loading = true;
  renderDetail();
  let page;
  try {
    page = await api("GET",
      `/api/integrations/${enc(id)}/resyncs?limit=${PAGE}&cursor=${enc(history.cursor)}`);
  } catch (err) {
    history.loading = false;
    announce(`Cannot load older runs: ${err.message}`);
    renderDetail();
    return;
  }
  history.loading = false;
  history.paged = true;
  history.cursor = page.next_cursor;
  for (const run of page.items) history.runs.set(run.id, run);
  renderDetail();
  announce(`Loaded ${plural(page.items.length, "older run")}.`);
  const first = page.items[0] && runNodes.get(page.items[0].id);
  first?.node.querySelector("summary")?.focus(); // keyboard users go on from the new runs
}

// The trend is read again only when the integration's last ended run changes.
export async function loadTrend(integration) {
  const last = integration.last_run;
  const key = last ? `${last.id}|${last.status}` : "";
  if (state.trends.get(integration.id)?.key === key) return;
  const page = await api("GET",
    `/api/integrations/${enc(integration.id)}/resyncs?limit=${TREND_RUNS}`);
  state.trends.set(integration.id, { key, runs: page.items.filter((r) => ENDED.has(r.status)) });
}

function showLive() {
  const heading = $("live-title");
  if (!heading || heading.closest("[hidden]")) return;
  heading.setAttribute("tabindex", "-1");
  heading.scrollIntoView({ block: "nearest" });
  heading.focus();
}

function skeleton(panel, integration) {
  runNodes.clear();
  trend?.close();
  trend = new Trend("trend");
  panel.dataset.integration = integration.id;
  panel.replaceChildren(
    h("div", { class: "detail-head" },
      h("h2", { id: "detail-title" }),
      h("a", { href: "#/integrations", class: "close" }, "Close",
        h("span", { class: "visually-hidden" }, " details"))),
    h("dl", { class: "facts" }),
    h("section", { class: "cursors", "aria-labelledby": "cursors-title", hidden: true },
      h("h3", { id: "cursors-title" }, "Cursors"), h("div", { class: "cursors-body" })),
    h("div", { class: "actions" }, resyncButton(integration, null),
      h("p", { class: "run-line", "aria-live": "polite" })),
    h("section", { class: "live", "aria-labelledby": "live-title", hidden: true },
      h("h3", { id: "live-title" }, "Current run"), h("div", { class: "live-body" })),
    h("section", { class: "webhooks", "aria-labelledby": "webhooks-title", hidden: true },
      h("h3", { id: "webhooks-title" }, "Live events"), h("div", { class: "webhooks-body" })),
    h("section", { class: "trend-section", "aria-labelledby": "trend-title", hidden: true },
      h("h3", { id: "trend-title" }, "Trend"), trend.node),
    h("section", { "aria-labelledby": "history-title" },
      h("h3", { id: "history-title" }, "Recent runs"),
      h("ol", { class: "runs", id: "runs" }),
      h("div", { class: "paging" },
        h("button", { type: "button", id: "older-runs", "aria-controls": "runs",
          onclick: () => loadOlder(integration.id) }, "Older runs"),
        h("p", { class: "muted", id: "history-count", "aria-live": "polite" }))));
}

function scheduleFact(schedule) {
  return schedule
    ? h("span", {}, `every ${schedule.interval}, next run `,
      timeEl(schedule.next_run_at, true),
      schedule.skipped_ticks ? ` (${plural(schedule.skipped_ticks, "tick")} skipped)` : "")
    : "none";
}

function facts(integration) {
  return [
    ["Id", integration.id], ["Type", integration.type],
    ["State", badge(integration.status)], ["Generation", String(integration.generation)],
    ["Kinds", (planKinds(integration.id) || []).join(", ") || "—"],
    ["Schedule", scheduleFact(integration.schedule)],
    ["Incremental schedule", scheduleFact(integration.incremental_schedule)],
    ["Resync on start", integration.resync_on_start ? "yes" : "no"],
    ["Last started", timeEl(integration.last_started_at, true)],
    ["Last ended", timeEl(integration.last_ended_at, true)],
  ].flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]);
}

export function renderDetail() {
  const panel = $("detail");
  const id = state.route.view === "integrations" ? state.route.id : null;
  const integration = id && state.integrations.find((i) => i.id === id);
  if (!integration) {
    panel.hidden = true;
    if (id && state.integrations.length) {
      panel.hidden = false;
      panel.replaceChildren(h("h2", { id: "detail-title", text: `No integration “${id}”` }),
        h("a", { href: "#/integrations" }, "Back to the list"));
      detailFor = null;
    }
    return;
  }
  panel.hidden = false;
  if (detailFor !== id) {
    detailFor = id;
    skeleton(panel, integration);
  }
  panel.querySelector("#detail-title").textContent = label(integration);
  panel.querySelector(".facts").replaceChildren(...facts(integration));
  renderCursors(panel.querySelector(".cursors"), kindCursors(id));
  paintLine(panel.querySelector(".actions .run-line"), currentLine(integration));
  renderLive(integration);
  renderWebhooks(panel.querySelector(".webhooks"), state.webhooks.get(id));
  const trendRuns = state.trends.get(id)?.runs || [];
  panel.querySelector(".trend-section").hidden = trendRuns.length === 0;
  trend.update(trendRuns);
  renderPagedHistory(integration);
}

// Each kind's last committed cursor: where its next incremental run starts from.
function renderCursors(section, cursors) {
  section.hidden = cursors.length === 0;
  if (!cursors.length) return;
  section.querySelector(".cursors-body").replaceChildren(h("div", { class: "table-wrap" },
    h("table", { class: "kinds" },
      h("caption", { class: "visually-hidden" }, "Last committed cursor of each kind"),
      h("thead", {}, h("tr", {}, ["Kind", "Cursor", "Committed", "Current"].map(
        (c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, cursors.map((c) => h("tr", { data_kind: c.kind },
        h("th", { scope: "row" }, c.kind), h("td", {}, String(c.value)),
        h("td", {}, timeEl(c.committed_at, true)),
        h("td", {}, c.current ? "yes" : "no: the next incremental run fetches it whole")))))));
}

function renderPagedHistory(integration) {
  const history = historyOf(integration.id);
  const runs = sortedRuns(history);
  renderHistory($("runs"), runs, { nodes: runNodes, live: liveRun(integration),
    plan: planKinds(integration.id), onShowLive: showLive });
  const older = $("older-runs");
  older.hidden = !history.cursor;
  older.disabled = history.loading;
  older.textContent = history.loading ? "Loading older runs…" : "Older runs";
  const count = $("history-count");
  const text = !runs.length ? "" : history.cursor
    ? `Showing the newest ${plural(runs.length, "run")}.` : `All ${plural(runs.length, "run")} shown.`;
  if (count.textContent !== text) count.textContent = text;
}

export function renderLive(integration) {
  const section = $("detail").querySelector(".live");
  if (!section) return;
  const run = liveRun(integration);
  if (!run || run.status !== "running") {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  section.querySelector(".live-body").replaceChildren(
    h("p", {}, `Generation ${run.generation} · trigger ${run.trigger} · started `,
      timeEl(run.started_at, false)),
    kindsTable(run, true, planKinds(integration.id)));
}
