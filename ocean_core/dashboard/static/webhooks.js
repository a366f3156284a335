// The "Live events" panel of an integration's detail: its webhook events (rule 8), shown
// only for an integration that declares webhooks.
import { api } from "./api.js";
import { enc, h, plural, timeEl } from "./dom.js";
import { state } from "./state.js";

const COUNTS = [
  ["received", "Received"], ["handled", "Handled"], ["failed", "Failed"],
  ["retried", "Retried"], ["pending", "Pending"], ["rejected", "Rejected (not verified)"],
];

export async function loadWebhooks(id) {
  state.webhooks.set(id, await api("GET", `/api/integrations/${enc(id)}/webhooks`));
}

export function renderWebhooks(section, stats) {
  section.hidden = !stats || stats.webhooks.length === 0;
  if (section.hidden) return;
  const facts = [
    ["Webhooks", stats.webhooks.join(", ")],
    ...COUNTS.map(([key, term]) => [term, String(stats[key])]),
    ["Last received", timeEl(stats.last_received_at, true)],
    ["Last handled", timeEl(stats.last_handled_at, true)],
  ].flatMap(([term, value]) => [h("dt", {}, term), h("dd", { data_count: term }, value)]);
  const failures = stats.failures.length === 0
    ? h("p", { class: "muted" }, "No failed attempt.")
    : h("div", { class: "table-wrap" }, h("table", { class: "kinds webhook-failures" },
      h("caption", {}, `Last ${plural(stats.failures.length, "failed attempt")}`),
      h("thead", {}, h("tr", {}, ["Event", "Webhook", "Received", "Attempts", "Now", "Error"]
        .map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, stats.failures.map((f) => h("tr", { data_event: String(f.id) },
        h("th", { scope: "row" }, String(f.id)), h("td", {}, f.name),
        h("td", {}, timeEl(f.received_at, true)), h("td", {}, String(f.attempts)),
        h("td", {}, f.status), h("td", { class: "error-text" }, f.error))))));
  section.querySelector(".webhooks-body").replaceChildren(
    h("dl", { class: "facts" }, ...facts), failures);
}
