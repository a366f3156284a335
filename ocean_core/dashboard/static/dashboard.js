// The dashboard of `ocean sail`: a small script over the JSON API (docs/dashboard.md).
// Data reaches the page through textContent only, never as HTML. This module logs in and
// out, routes, polls, and draws the integration cards; the other views have their modules.
import { api, session } from "./api.js";
import { detailRoute, loadHistory, loadTrend, renderDetail } from "./detail.js";
import { $, enc, h, plural, relative } from "./dom.js";
import { refreshEntityFilters, setUpEntities, showEntities } from "./entities.js";
import { loadKbs, renderKbs } from "./kbs.js";
import { resyncButton } from "./resync.js";
import { currentLine, paintLine } from "./runs.js";
import { label, state } from "./state.js";
import { loadWebhooks } from "./webhooks.js";

const FAST = 500, SLOW = 3000; // ms between polls: while a run is in flight, and otherwise
const VIEWS = { integrations: "integrations-view", kbs: "kb-view", entities: "entities-view" };
const NAV = { integrations: "nav-integrations", kbs: "nav-kbs", entities: "nav-entities" };

// ---- log in and out ---------------------------------------------------------------------
async function login(event) {
  event.preventDefault();
  const input = $("token");
  const error = $("login-error");
  const token = input.value.trim();
  error.textContent = "";
  input.removeAttribute("aria-invalid");
  if (!token) {
    error.textContent = "Enter the API token.";
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  try {
    state.integrations = await api("GET", "/api/integrations", token);
  } catch (err) {
    error.textContent = err.status === 401
      ? "Wrong token: the server refused it (401)." : `Cannot log in: ${err.message}`;
    input.setAttribute("aria-invalid", "true");
    input.select();
    return;
  }
  session.keep(token);
  input.value = "";
  await loadDetails().catch(() => {}); // the kinds of each plan; the poll retries
  show(true);
}

function logout(message) {
  session.forget();
  state.follows.clear();
  clearTimeout(state.timer);
  $("login-error").textContent = message || "";
  show(false);
}

// ---- routing ----------------------------------------------------------------------------
function parseRoute() {
  const [path, search] = location.hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/");
  try {
    if (parts[0] === "knowledge-bases") return { view: "kbs", id: null };
    if (parts[0] === "entities") {
      const entity = parts.length >= 4
        ? [parts[1], parts[2], parts.slice(3).join("/")].map(decodeURIComponent) : null;
      return { view: "entities", id: null, entity, params: new URLSearchParams(search || "") };
    }
    const match = /^integrations\/(.+)$/.exec(decodeURIComponent(path));
    return { view: "integrations", id: match ? match[1] : null };
  } catch {
    return { view: "integrations", id: null }; // a malformed %-escape
  }
}

function show(focus) {
  const logged = Boolean(session.token);
  state.route = parseRoute();
  $("nav").hidden = !logged;
  $("login-view").hidden = logged;
  for (const [view, id] of Object.entries(VIEWS)) {
    $(id).hidden = !logged || state.route.view !== view;
    if (state.route.view === view) $(NAV[view]).setAttribute("aria-current", "page");
    else $(NAV[view]).removeAttribute("aria-current");
  }
  if (!logged) {
    $("token").focus();
    return;
  }
  renderIntegrations();
  renderDetail();
  if (state.route.view === "entities") {
    showEntities(state.route, focus);
  } else if (focus) {
    const heading = state.route.view === "kbs" ? $("kb-title")
      : state.route.id && $("detail-title") ? $("detail-title") : $("integrations-title");
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
  tick();
}

// ---- polling ----------------------------------------------------------------------------
// The kinds of each integration's plan and its cursors (its detail), read again when its
// generation moves (a changed config or mapping, the only way its kinds change, always starts
// a new run) or a run ends (the only way a cursor is committed).
const detailKey = (i) => `${i.generation}|${i.last_ended_at}`;

async function loadDetails() {
  const stale = state.integrations.filter((i) => state.details.get(i.id)?.key !== detailKey(i));
  await Promise.all(stale.map(async (integration) => {
    const detail = await api("GET", `/api/integrations/${enc(integration.id)}`);
    state.details.set(integration.id,
      { key: detailKey(integration), kinds: detail.kinds, cursors: detail.cursors || [] });
  }));
}

async function tick() {
  clearTimeout(state.timer);
  if (!session.token) return;
  try {
    state.integrations = await api("GET", "/api/integrations");
    await loadDetails();
    $("list-error").textContent = "";
    const selected = detailRoute() && state.integrations.find((i) => i.id === state.route.id);
    if (selected) {
      await Promise.all([loadHistory(selected.id), loadTrend(selected),
        loadWebhooks(selected.id)]);
    }
    if (state.route.view === "kbs") await loadKbs();
  } catch (err) {
    if (!session.token) return;
    $("list-error").textContent = `Cannot refresh: ${err.message}`;
  }
  renderIntegrations();
  renderDetail();
  renderKbs();
  refreshEntityFilters();
  const busy = state.follows.size > 0 || state.integrations.some((i) => i.status !== "idle");
  state.timer = setTimeout(tick, busy ? FAST : SLOW);
}

// A followed run moved on: repaint every status line of its integration, and its detail.
function paintAll(integrationId) {
  const integration = state.integrations.find((i) => i.id === integrationId);
  if (!integration) return;
  const line = currentLine(integration);
  for (const node of document.querySelectorAll(".run-line")) {
    if (node.closest("[data-integration]")?.dataset.integration === integrationId) {
      paintLine(node, line);
    }
  }
  if (state.route.id === integrationId) renderDetail();
}

// ---- integrations: the list -------------------------------------------------------------
const cards = new Map();

function card(integration) {
  const node = h("li", { class: "card", data_integration: integration.id },
    h("div", { class: "card-head" },
      h("h2", {}, h("a", { href: `#/integrations/${enc(integration.id)}` })),
      h("span", { class: "badge state" })),
    h("p", { class: "meta" }),
    h("p", { class: "run-line", "aria-live": "polite" }),
    h("p", { class: "next muted" }),
    resyncButton(integration, null));
  cards.set(integration.id, node);
  return node;
}

function matches(integration, text) {
  if (!text) return true;
  return [integration.id, integration.name || "", integration.type]
    .some((value) => value.toLowerCase().includes(text));
}

function nextRunText(integration) {
  if (!integration.next_scheduled_run_at) return "No scheduled runs";
  return `Next scheduled run ${relative(integration.next_scheduled_run_at)}`;
}

function renderIntegrations() {
  const list = $("integration-list");
  const text = $("search").value.trim().toLowerCase();
  let shown = 0;
  state.integrations.forEach((integration, index) => {
    const node = cards.get(integration.id) || card(integration);
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    const link = node.querySelector("h2 a");
    if (link.textContent !== label(integration)) link.textContent = label(integration);
    if (state.route.id === integration.id) link.setAttribute("aria-current", "true");
    else link.removeAttribute("aria-current");
    const stateBadge = node.querySelector(".state");
    stateBadge.textContent = integration.status;
    stateBadge.dataset.status = integration.status;
    node.querySelector(".meta").textContent =
      `${integration.id} · ${integration.type} · generation ${integration.generation}`;
    paintLine(node.querySelector(".run-line"), currentLine(integration));
    node.querySelector(".next").textContent = nextRunText(integration);
    node.hidden = !matches(integration, text);
    if (!node.hidden) shown += 1;
  });
  const known = new Set(state.integrations.map((i) => i.id));
  for (const [id, node] of cards) {
    if (!known.has(id)) { node.remove(); cards.delete(id); }
  }
  const total = state.integrations.length;
  $("match-count").textContent = text
    ? `${shown} of ${plural(total, "integration")} match “${text}”`
    : plural(total, "integration");
}

// ---- start ------------------------------------------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  session.onRefused = logout;
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", () => logout("Logged out."));
  $("search").addEventListener("input", renderIntegrations);
  document.addEventListener("ocean:changed", (event) => paintAll(event.detail.id));
  document.addEventListener("ocean:refresh", () => tick());
  window.addEventListener("hashchange", () => show(true));
  setUpEntities();
  show(false);
});
