// The dashboard of `ocean sail`: a small script over the JSON API (docs/dashboard.md).
// Data reaches the page through textContent only, never as HTML.
"use strict";

(() => {
  const ROOT = document.body.dataset.root || "";
  const TOKEN_KEY = "ocean_core.token";
  const ENDED = new Set(["succeeded", "failed", "aborted", "interrupted"]);
  const FAST = 500, SLOW = 3000, FOLLOW = 300;

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    integrations: [],
    follows: new Map(), // integration id -> {runId, status, run, error, kb}
    route: { view: "integrations", id: null },
    history: new Map(), // integration id -> run records, newest first
    kbs: [],
    timer: null,
  };

  // ---- DOM helpers ------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);

  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key.startsWith("data_")) node.dataset[key.slice(5)] = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function announce(text) {
    const region = $("announcer");
    region.textContent = "";
    setTimeout(() => { region.textContent = text; }, 50);
  }

  // ---- formatting -------------------------------------------------------------------------
  const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

  function clock(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    const today = new Date().toDateString() === date.toDateString();
    return today ? date.toLocaleTimeString() : date.toLocaleString();
  }

  function relative(iso) {
    const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    const size = Math.abs(seconds);
    if (size < 2) return "just now";
    const text = size < 90 ? plural(size, "second")
      : size < 5400 ? plural(Math.round(size / 60), "minute")
      : size < 172800 ? plural(Math.round(size / 3600), "hour")
      : plural(Math.round(size / 86400), "day");
    return seconds >= 0 ? `in ${text}` : `${text} ago`;
  }

  function timeEl(iso, withRelative) {
    if (!iso) return h("span", { text: "—" });
    const text = withRelative ? `${clock(iso)} (${relative(iso)})` : clock(iso);
    return h("time", { datetime: iso, text });
  }

  function duration(run) {
    if (!run.ended_at) return null;
    const seconds = (new Date(run.ended_at) - new Date(run.started_at)) / 1000;
    return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds / 60)} min`;
  }

  function totals(run) {
    const sum = { fetched: 0, upserted: 0, unchanged: 0, filtered: 0, errors: 0 };
    for (const stats of Object.values(run.kinds || {})) {
      for (const key of Object.keys(sum)) sum[key] += stats[key] || 0;
    }
    return sum;
  }

  const label = (integration) => integration.name || integration.id;
  const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

  // One line on a run: what the card, the detail and the knowledge-base view show.
  function runLine(status, run, error) {
    if (error) return { status: "error", text: error };
    if (status === "pending") return { status, text: "Resync requested: waiting to start…" };
    if (status === "superseded") return { status: "pending", text: "Superseded by a newer run…" };
    if (!run) return { status: "none", text: "Never run" };
    const sum = totals(run);
    const parts = [capital(run.status), `${sum.fetched} fetched`, `${sum.upserted} upserted`,
      `${sum.unchanged} unchanged`, plural(sum.errors, "error")];
    if (ENDED.has(run.status)) parts.push(`${run.deleted} deleted`);
    if (run.status === "running") {
      const kinds = Object.entries(run.kinds || {});
      const done = kinds.filter(([, stats]) => stats.finished).length;
      parts.push(`${done}/${kinds.length} kinds done`);
    }
    let text = parts.join(" · ");
    if (run.delete_skipped_reason) text += ` — delete phase skipped: ${run.delete_skipped_reason}`;
    return { status: run.status, text };
  }

  function currentLine(integration) {
    const follow = state.follows.get(integration.id);
    if (follow) return runLine(follow.status, follow.run, follow.error);
    if (integration.pending_run) return runLine("pending", null, null);
    const run = integration.current_run || integration.last_run;
    return runLine(run ? run.status : null, run, null);
  }

  function paintLine(node, line) {
    if (node.textContent !== line.text) node.textContent = line.text;
    node.dataset.status = line.status;
  }

  function badge(status) {
    return h("span", { class: "badge", data_status: status, text: status });
  }

  // ---- the API ----------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(method, path, token = state.token) {
    let response;
    try {
      response = await fetch(ROOT + path, {
        method, cache: "no-store", headers: { Authorization: `Bearer ${token}` },
      });
    } catch (err) {
      throw new ApiError(0, `cannot reach the server (${err.message})`);
    }
    const body = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const detail = body && typeof body.detail === "string" ? body.detail : response.statusText;
      if (response.status === 401 && token === state.token && state.token) {
        logout("The server refused the token: log in again.");
      }
      throw new ApiError(response.status, `${response.status}: ${detail}`);
    }
    return body;
  }

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
    state.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
    input.value = "";
    show(true);
  }

  function logout(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    state.follows.clear();
    clearTimeout(state.timer);
    $("login-error").textContent = message || "";
    show(false);
  }

  // ---- routing ----------------------------------------------------------------------------
  function parseRoute() {
    const hash = decodeURIComponent(location.hash.replace(/^#\/?/, ""));
    if (hash === "knowledge-bases") return { view: "kbs", id: null };
    const match = /^integrations\/(.+)$/.exec(hash);
    return { view: "integrations", id: match ? match[1] : null };
  }

  function show(focus) {
    const logged = Boolean(state.token);
    state.route = parseRoute();
    $("nav").hidden = !logged;
    $("login-view").hidden = logged;
    $("integrations-view").hidden = !logged || state.route.view !== "integrations";
    $("kb-view").hidden = !logged || state.route.view !== "kbs";
    for (const [id, view] of [["nav-integrations", "integrations"], ["nav-kbs", "kbs"]]) {
      if (state.route.view === view) $(id).setAttribute("aria-current", "page");
      else $(id).removeAttribute("aria-current");
    }
    if (!logged) {
      $("token").focus();
      return;
    }
    renderIntegrations();
    renderDetail();
    if (focus) {
      const heading = state.route.view === "kbs" ? $("kb-title")
        : state.route.id && $("detail-title") ? $("detail-title") : $("integrations-title");
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
    tick();
  }

  // ---- polling ----------------------------------------------------------------------------
  async function tick() {
    clearTimeout(state.timer);
    if (!state.token) return;
    try {
      state.integrations = await api("GET", "/api/integrations");
      $("list-error").textContent = "";
      const selected = state.route.view === "integrations" && state.route.id;
      if (selected && state.integrations.some((i) => i.id === selected)) {
        const page = await api("GET",
          `/api/integrations/${encodeURIComponent(selected)}/resyncs?limit=10`);
        state.history.set(selected, page.items);
      }
      if (state.route.view === "kbs") await loadKbs();
    } catch (err) {
      if (!state.token) return;
      $("list-error").textContent = `Cannot refresh: ${err.message}`;
    }
    renderIntegrations();
    renderDetail();
    renderKbs();
    const busy = state.follows.size > 0 || state.integrations.some((i) => i.status !== "idle");
    state.timer = setTimeout(tick, busy ? FAST : SLOW);
  }

  async function loadKbs() {
    const kbs = await api("GET", "/api/knowledge-bases");
    for (const kb of kbs) {
      kb.attached = await api("GET",
        `/api/knowledge-bases/${encodeURIComponent(kb.id)}/integrations`);
    }
    state.kbs = kbs;
    $("kb-error").textContent = "";
  }

  // ---- resync: trigger, then follow the run handle to its end -----------------------------
  async function resync(integrationId, kbId) {
    const path = kbId
      ? `/api/knowledge-bases/${encodeURIComponent(kbId)}/integrations/`
        + `${encodeURIComponent(integrationId)}/resync`
      : `/api/integrations/${encodeURIComponent(integrationId)}/resync`;
    const follow = { runId: null, status: "pending", run: null, error: null };
    state.follows.set(integrationId, follow);
    paintAll(integrationId);
    announce(`Resync of ${integrationId} requested.`);
    let handle;
    try {
      handle = await api("POST", path);
    } catch (err) {
      follow.error = `Resync refused: ${err.message}`;
      paintAll(integrationId);
      announce(follow.error);
      setTimeout(() => dropFollow(integrationId, follow), 8000);
      return;
    }
    follow.runId = handle.run_id;
    tick();
    let announcedStart = false;
    while (state.follows.get(integrationId) === follow && state.token) {
      if (handle.status === "superseded" && handle.superseded_by) {
        follow.runId = handle.superseded_by;
      }
      follow.status = handle.status;
      follow.run = handle.run;
      paintAll(integrationId);
      if (handle.status === "running" && !announcedStart) {
        announcedStart = true;
        announce(`Resync of ${integrationId} started.`);
      }
      if (ENDED.has(handle.status)) {
        announce(`Resync of ${integrationId}: ${runLine(handle.status, handle.run).text}`);
        await tick();
        setTimeout(() => dropFollow(integrationId, follow), 1500);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, FOLLOW));
      try {
        handle = await api("GET",
          `/api/integrations/${encodeURIComponent(integrationId)}/resyncs/`
          + `${encodeURIComponent(follow.runId)}`);
      } catch (err) {
        follow.error = `Lost the run: ${err.message}`;
        paintAll(integrationId);
        return;
      }
    }
  }

  function dropFollow(integrationId, follow) {
    if (state.follows.get(integrationId) !== follow) return;
    state.follows.delete(integrationId);
    paintAll(integrationId);
  }

  function paintAll(integrationId) {
    const integration = state.integrations.find((i) => i.id === integrationId);
    if (!integration) return;
    const line = currentLine(integration);
    for (const node of document.querySelectorAll(".run-line")) {
      if (node.closest("[data-integration]")?.dataset.integration === integrationId) {
        paintLine(node, line);
      }
    }
    const follow = state.follows.get(integrationId);
    if (state.route.id === integrationId && follow?.run) renderLive(follow.run);
  }

  function resyncButton(integration, kbId) {
    return h("button", {
      type: "button", class: "resync",
      "aria-label": `Resync ${label(integration)}`,
      onclick: () => resync(integration.id, kbId),
    }, "Resync");
  }

  // ---- integrations: the list -------------------------------------------------------------
  const cards = new Map();

  function card(integration) {
    const node = h("li", { class: "card", data_integration: integration.id },
      h("div", { class: "card-head" },
        h("h2", {}, h("a", { href: `#/integrations/${encodeURIComponent(integration.id)}` })),
        h("span", { class: "badge state" })),
      h("p", { class: "meta" }),
      h("p", { class: "run-line", "aria-live": "polite" }),
      h("p", { class: "next muted" }),
      resyncButton(integration, null));
    cards.set(integration.id, node);
    return node;
  }

  function matches(integration, query) {
    if (!query) return true;
    return [integration.id, integration.name || "", integration.type]
      .some((text) => text.toLowerCase().includes(query));
  }

  function nextRunText(integration) {
    if (!integration.next_scheduled_run_at) return "No scheduled runs";
    return `Next scheduled run ${relative(integration.next_scheduled_run_at)}`;
  }

  function renderIntegrations() {
    const list = $("integration-list");
    const query = $("search").value.trim().toLowerCase();
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
      node.hidden = !matches(integration, query);
      if (!node.hidden) shown += 1;
    });
    const known = new Set(state.integrations.map((i) => i.id));
    for (const [id, node] of cards) {
      if (!known.has(id)) { node.remove(); cards.delete(id); }
    }
    const total = state.integrations.length;
    $("match-count").textContent = query
      ? `${shown} of ${plural(total, "integration")} match “${query}”`
      : plural(total, "integration");
  }

  // ---- integrations: one integration's detail ---------------------------------------------
  let detailFor = null;
  const runNodes = new Map(); // run id -> {node, status}

  function renderDetail() {
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
      runNodes.clear();
      panel.dataset.integration = id;
      panel.replaceChildren(
        h("div", { class: "detail-head" },
          h("h2", { id: "detail-title" }),
          h("a", { href: "#/integrations", class: "close" }, "Close",
            h("span", { class: "visually-hidden" }, " details"))),
        h("dl", { class: "facts" }),
        h("div", { class: "actions" }, resyncButton(integration, null),
          h("p", { class: "run-line", "aria-live": "polite" })),
        h("section", { class: "live", "aria-labelledby": "live-title", hidden: true },
          h("h3", { id: "live-title" }, "Current run"), h("div", { class: "live-body" })),
        h("section", { "aria-labelledby": "history-title" },
          h("h3", { id: "history-title" }, "Recent runs"),
          h("ol", { class: "runs", id: "runs" })));
    }
    panel.querySelector("#detail-title").textContent = label(integration);
    const schedule = integration.schedule;
    const facts = [
      ["Id", integration.id], ["Type", integration.type],
      ["State", badge(integration.status)], ["Generation", String(integration.generation)],
      ["Schedule", schedule
        ? h("span", {}, `every ${schedule.interval}, next run `,
          timeEl(schedule.next_run_at, true),
          schedule.skipped_ticks ? ` (${plural(schedule.skipped_ticks, "tick")} skipped)` : "")
        : "none"],
      ["Resync on start", integration.resync_on_start ? "yes" : "no"],
      ["Last started", timeEl(integration.last_started_at, true)],
      ["Last ended", timeEl(integration.last_ended_at, true)],
    ];
    panel.querySelector(".facts").replaceChildren(
      ...facts.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
    paintLine(panel.querySelector(".actions .run-line"), currentLine(integration));
    const follow = state.follows.get(id);
    const live = (follow && follow.run && follow.run.status === "running" && follow.run)
      || integration.current_run;
    renderLive(live);
    renderHistory(state.history.get(id) || []);
  }

  function renderLive(run) {
    const section = $("detail").querySelector(".live");
    if (!section) return;
    if (!run || run.status !== "running") {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    section.querySelector(".live-body").replaceChildren(
      h("p", {}, `Generation ${run.generation} · trigger ${run.trigger} · started `,
        timeEl(run.started_at, false)),
      kindsTable(run, true));
  }

  function kindsTable(run, live) {
    const columns = ["fetched", "upserted", "unchanged", "filtered", "errors"];
    return h("div", { class: "table-wrap" }, h("table", { class: "kinds" },
      h("caption", { class: "visually-hidden" }, `Per-kind counts of run ${run.id}`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Kind"),
        columns.map((c) => h("th", { scope: "col", data_col: c }, capital(c))),
        live ? h("th", { scope: "col" }, "Done") : null)),
      h("tbody", {}, Object.entries(run.kinds || {}).map(([kind, stats]) =>
        h("tr", { data_kind: kind, class: stats.errors ? "has-errors" : null },
          h("th", { scope: "row" }, kind),
          columns.map((c) => h("td", { data_col: c }, String(stats[c] || 0))),
          live ? h("td", {}, stats.finished ? "yes" : "no") : null)))));
  }

  function runBody(run) {
    const errors = Object.entries(run.kinds || {}).flatMap(([kind, stats]) =>
      (stats.error_details || []).map((e) => ({ kind, ...e, count: stats.errors })));
    return [
      kindsTable(run, run.status === "running"),
      errors.length ? h("div", { class: "errors" }, h("h4", {}, "Errors"),
        h("ul", {}, errors.map((e) => h("li", {},
          h("strong", {}, e.kind), ` (${e.stage}): `, h("span", { class: "message" }, e.message),
          e.item ? h("code", {}, e.item) : null)))) : null,
      run.error ? h("p", { class: "error-text" }, `Run error: ${run.error}`) : null,
      ENDED.has(run.status)
        ? h("p", {}, `Deleted ${plural(run.deleted, "entity").replace("entitys", "entities")}.`)
        : null,
      run.delete_skipped_reason
        ? h("p", { class: "skipped" }, h("strong", {}, "Delete phase skipped: "),
          run.delete_skipped_reason)
        : null,
    ];
  }

  function renderHistory(runs) {
    const list = $("runs");
    if (!list) return;
    if (!runs.length) {
      list.replaceChildren(h("li", { class: "muted" }, "No runs yet."));
      return;
    }
    if (list.firstElementChild && !list.firstElementChild.dataset.run) list.replaceChildren();
    runs.forEach((run, index) => {
      let entry = runNodes.get(run.id);
      const key = `${run.status}|${JSON.stringify(run.kinds)}|${run.ended_at}`;
      if (!entry) {
        const details = h("details", { open: index === 0 }); // the newest run opens
        entry = { node: h("li", { data_run: run.id }, details), key: null };
        runNodes.set(run.id, entry);
      }
      if (entry.key !== key) {
        entry.key = key;
        const details = entry.node.firstElementChild;
        const took = duration(run);
        details.replaceChildren(
          h("summary", {}, badge(run.status), " ",
            h("span", {}, `generation ${run.generation} · ${run.trigger} · `),
            timeEl(run.started_at, false), took ? ` · ${took}` : ""),
          h("div", { class: "run-body" }, runBody(run)));
      }
      if (list.children[index] !== entry.node) {
        list.insertBefore(entry.node, list.children[index] || null);
      }
    });
    while (list.children.length > runs.length) list.lastElementChild.remove();
  }

  // ---- knowledge bases --------------------------------------------------------------------
  function renderKbs() {
    if (state.route.view !== "kbs") return;
    const container = $("kb-list");
    if (!state.kbs.length) {
      container.replaceChildren(h("p", {}, "No knowledge bases yet: create one with ",
        h("code", {}, "POST /api/knowledge-bases"), "."));
      return;
    }
    const focused = document.activeElement;
    const focusKey = focused?.closest("[data-kb-row]")?.dataset.kbRow;
    const rows = new Map(
      [...container.querySelectorAll("[data-kb-row]")].map((n) => [n.dataset.kbRow, n]));
    const sections = state.kbs.map((kb) => {
      const items = kb.attached.map((entry) => {
        const key = `${kb.id}/${entry.integration_id}`;
        const integration = entry.integration
          || { id: entry.integration_id, name: null, status: "gone", type: "?" };
        let row = rows.get(key);
        if (!row) {
          row = h("li", { class: "card", data_kbRow: key, data_integration: integration.id },
            h("div", { class: "card-head" }, h("h3", {}), h("span", { class: "badge state" })),
            h("p", { class: "meta" }),
            h("p", { class: "run-line", "aria-live": "polite" }),
            entry.integration ? resyncButton(integration, kb.id) : null);
        }
        row.querySelector("h3").textContent = label(integration);
        const stateBadge = row.querySelector(".state");
        stateBadge.textContent = integration.status;
        stateBadge.dataset.status = integration.status;
        row.querySelector(".meta").textContent =
          `${integration.id} · ${integration.type} · attached ${clock(entry.attached_at)}`;
        const fresh = state.integrations.find((i) => i.id === integration.id) || integration;
        paintLine(row.querySelector(".run-line"),
          entry.integration ? currentLine(fresh) : runLine("error", null,
            "No longer configured"));
        return row;
      });
      return h("section", { class: "kb", data_kb: kb.id, "aria-labelledby": `kb-${kb.id}` },
        h("h2", { id: `kb-${kb.id}` }, kb.name),
        h("p", { class: "meta" }, `${kb.id} · created ${clock(kb.created_at)} · `
          + plural(kb.attached.length, "integration")),
        items.length ? h("ul", { class: "cards" }, items)
          : h("p", { class: "muted" }, "No integrations attached."));
    });
    container.replaceChildren(...sections);
    if (focusKey) {
      const again = container.querySelector(`[data-kb-row="${CSS.escape(focusKey)}"] button`);
      if (again && document.activeElement !== again) again.focus();
    }
  }

  // ---- start ------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", () => {
    $("login-form").addEventListener("submit", login);
    $("logout").addEventListener("click", () => logout("Logged out."));
    $("search").addEventListener("input", renderIntegrations);
    window.addEventListener("hashchange", () => show(true));
    show(false);
  });
})();
