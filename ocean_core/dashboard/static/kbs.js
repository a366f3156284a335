// The knowledge bases: each with its attached integrations and a Resync button for each.
import { api } from "./api.js";
import { $, dateTime, enc, h, plural } from "./dom.js";
import { resyncButton } from "./resync.js";
import { currentLine, paintLine, runLine } from "./runs.js";
import { label, state } from "./state.js";

export async function loadKbs() {
  const kbs = await api("GET", "/api/knowledge-bases");
  for (const kb of kbs) {
    kb.attached = await api("GET", `/api/knowledge-bases/${enc(kb.id)}/integrations`);
  }
  state.kbs = kbs;
  $("kb-error").textContent = "";
}

function row(kb, entry, rows) {
  const key = `${kb.id}/${entry.integration_id}`;
  const integration = entry.integration
    || { id: entry.integration_id, name: null, status: "gone", type: "?" };
  const node = rows.get(key) || h("li", { class: "card", data_kbRow: key,
    data_integration: integration.id },
  h("div", { class: "card-head" }, h("h3", {}), h("span", { class: "badge state" })),
  h("p", { class: "meta" }),
  h("p", { class: "run-line", "aria-live": "polite" }),
  entry.integration ? resyncButton(integration, kb.id) : null);
  node.querySelector("h3").textContent = label(integration);
  const stateBadge = node.querySelector(".state");
  stateBadge.textContent = integration.status;
  stateBadge.dataset.status = integration.status;
  node.querySelector(".meta").textContent =
    `${integration.id} · ${integration.type} · attached ${dateTime(entry.attached_at)}`;
  const fresh = state.integrations.find((i) => i.id === integration.id) || integration;
  paintLine(node.querySelector(".run-line"),
    entry.integration ? currentLine(fresh) : runLine("error", null, "No longer configured"));
  return node;
}

export function renderKbs() {
  if (state.route.view !== "kbs") return;
  const container = $("kb-list");
  if (!state.kbs.length) {
    container.replaceChildren(h("p", {}, "No knowledge bases yet: create one with ",
      h("code", {}, "POST /api/knowledge-bases"), "."));
    return;
  }
  const focusKey = document.activeElement?.closest("[data-kb-row]")?.dataset.kbRow;
  const rows = new Map(
    [...container.querySelectorAll("[data-kb-row]")].map((n) => [n.dataset.kbRow, n]));
  container.replaceChildren(...state.kbs.map((kb) => {
    const items = kb.attached.map((entry) => row(kb, entry, rows));
    return h("section", { class: "kb", data_kb: kb.id, "aria-labelledby": `kb-${kb.id}` },
      h("h2", { id: `kb-${kb.id}` }, kb.name),
      h("p", { class: "meta" }, `${kb.id} · created ${dateTime(kb.created_at)} · `
        + plural(kb.attached.length, "integration")),
      items.length ? h("ul", { class: "cards" }, items)
        : h("p", { class: "muted" }, "No integrations attached."));
  }));
  if (focusKey) {
    const again = container.querySelector(`[data-kb-row="${CSS.escape(focusKey)}"] button`);
    if (again && document.activeElement !== again) again.focus();
  }
}
