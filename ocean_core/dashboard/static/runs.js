// Runs: the one-line summary, the per-kind table and the run history list.
import { badge, capital, duration, entities, h, plural, timeEl, totals } from "./dom.js";
import { planKinds, state } from "./state.js";

export const ENDED = new Set(["succeeded", "failed", "aborted", "interrupted"]);
const ZERO = { fetched: 0, upserted: 0, unchanged: 0, filtered: 0, errors: 0, finished: false };

// The kinds of a running run in plan order, with the kinds not started yet at zero: the
// record lists only the kinds that have begun.
export function kindRows(run, plan) {
  const seen = run.kinds || {};
  const order = [...(plan || []), ...Object.keys(seen).filter((k) => !(plan || []).includes(k))];
  return order.map((kind) => [kind, seen[kind] || { ...ZERO, waiting: true }]);
}

// One line on a run: what the card, the detail and the knowledge-base view show.
export function runLine(status, run, error, plan) {
  if (error) return { status: "error", text: error };
  if (status === "pending") return { status, text: "Resync requested: waiting to start…" };
  if (status === "superseded") return { status: "pending", text: "Superseded by a newer run…" };
  if (!run) return { status: "none", text: "Never run" };
  const sum = totals(run);
  const parts = [capital(run.status) + (run.mode === "incremental" ? " (incremental)" : ""),
    `${sum.fetched} fetched`, `${sum.upserted} upserted`,
    `${sum.unchanged} unchanged`, plural(sum.errors, "error")];
  if (ENDED.has(run.status)) parts.push(`${run.deleted} deleted`);
  if (run.status === "running") {
    const rows = kindRows(run, plan);
    const done = rows.filter(([, stats]) => stats.finished).length;
    parts.push(`${done}/${rows.length} kinds done`);
  }
  let text = parts.join(" · ");
  if (run.delete_skipped_reason) text += ` — delete phase skipped: ${run.delete_skipped_reason}`;
  return { status: run.status, text };
}

export function currentLine(integration) {
  const plan = planKinds(integration.id);
  const follow = state.follows.get(integration.id);
  if (follow) return runLine(follow.status, follow.run, follow.error, plan);
  if (integration.pending_run) return runLine("pending", null, null, plan);
  const run = integration.current_run || integration.last_run;
  return runLine(run ? run.status : null, run, null, plan);
}

export function paintLine(node, line) {
  if (node.textContent !== line.text) node.textContent = line.text;
  node.dataset.status = line.status;
}

// The run in flight as the page knows it best: the one this tab follows, else the service's.
export function liveRun(integration) {
  const follow = state.follows.get(integration.id);
  if (follow?.run?.status === "running") return follow.run;
  return integration.current_run;
}

export function kindsTable(run, live, plan) {
  const columns = ["fetched", "upserted", "unchanged", "filtered", "errors"];
  const rows = live ? kindRows(run, plan) : Object.entries(run.kinds || {});
  return h("div", { class: "table-wrap" }, h("table", { class: "kinds" },
    h("caption", { class: "visually-hidden" }, `Per-kind counts of run ${run.id}`),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Kind"),
      columns.map((c) => h("th", { scope: "col", data_col: c }, capital(c))),
      live ? h("th", { scope: "col" }, "Done") : null)),
    h("tbody", {}, rows.map(([kind, stats]) =>
      h("tr", { data_kind: kind, class: stats.errors ? "has-errors" : stats.waiting ? "waiting" : null },
        h("th", { scope: "row" }, kind),
        columns.map((c) => h("td", { data_col: c }, String(stats[c] || 0))),
        live ? h("td", {}, stats.finished ? "yes" : stats.waiting ? "not yet" : "no") : null)))));
}

function errorList(run) {
  const errors = Object.entries(run.kinds || {}).flatMap(([kind, stats]) =>
    (stats.error_details || []).map((e) => ({ kind, ...e })));
  if (!errors.length) return null;
  return h("div", { class: "errors" }, h("h4", {}, "Errors"),
    h("ul", {}, errors.map((e) => h("li", {},
      h("strong", {}, e.kind), ` (${e.stage}): `, h("span", { class: "message" }, e.message),
      e.item ? h("code", {}, e.item) : null,
      traceback(e.traceback)))));
}

// A fetch error's (or the run's own) traceback, folded: it is long, and only some want it.
// A button, not a nested <details>: the run's own <details> holds it.
function traceback(text) {
  if (!text) return null;
  const pre = h("pre", { hidden: true }, text);
  const toggle = h("button", {
    type: "button", class: "link", "aria-expanded": "false",
    onclick: () => {
      pre.hidden = !pre.hidden;
      toggle.setAttribute("aria-expanded", String(!pre.hidden));
    },
  }, "Traceback");
  return h("div", { class: "traceback" }, toggle, pre);
}

function runBody(run, live, plan, onShowLive) {
  if (run.status === "running") {
    if (live && live.id === run.id) return [kindsTable(live, true, plan)];
    return [h("p", { class: "in-flight" }, "Running: its live counts are under Current run. ",
      h("button", { type: "button", class: "link", onclick: onShowLive }, "Go to the current run"))];
  }
  return [
    kindsTable(run, false, plan),
    errorList(run),
    run.error ? h("p", { class: "error-text" }, `Run error: ${run.error}`) : null,
    traceback(run.error_traceback),
    ENDED.has(run.status) ? h("p", {}, `Deleted ${entities(run.deleted)}.`) : null,
    run.delete_skipped_reason
      ? h("p", { class: "skipped" }, h("strong", {}, "Delete phase skipped: "),
        run.delete_skipped_reason)
      : null,
  ];
}

// The history list, newest first. `nodes` keeps each run's element across polls, so an open
// <details> stays open and the focus stays where it is.
export function renderHistory(list, runs, { nodes, live, plan, onShowLive }) {
  if (!runs.length) {
    nodes.clear();
    list.replaceChildren(h("li", { class: "muted" }, "No runs yet."));
    return;
  }
  if (list.firstElementChild && !list.firstElementChild.dataset.run) list.replaceChildren();
  runs.forEach((run, index) => {
    let entry = nodes.get(run.id);
    const shown = run.status === "running" && live && live.id === run.id ? live : run;
    const key = `${run.status}|${JSON.stringify(shown.kinds)}|${run.ended_at}|${plan}`;
    if (!entry) {
      const details = h("details", { open: index === 0 }); // the newest run opens
      entry = { node: h("li", { data_run: run.id, data_status: run.status }, details), key: null };
      nodes.set(run.id, entry);
    }
    if (entry.key !== key) {
      entry.key = key;
      entry.node.dataset.status = run.status;
      const took = duration(run);
      entry.node.firstElementChild.replaceChildren(
        h("summary", {}, badge(run.status), " ",
          h("span", {}, `generation ${run.generation} · ${run.trigger} · `
            + (run.mode === "incremental" ? "incremental · " : "")),
          timeEl(run.started_at, false), took ? ` · ${took}` : ""),
        h("div", { class: "run-body" }, runBody(run, live, plan, onShowLive)));
    }
    if (list.children[index] !== entry.node) {
      list.insertBefore(entry.node, list.children[index] || null);
    }
  });
  while (list.children.length > runs.length) list.lastElementChild.remove();
}
