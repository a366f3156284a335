// The entity browser: filters over /api/entities, keyset pages, and one entity with its
// properties and its relations resolved to the entities they point at.
import { api, query } from "./api.js";
import { $, announce, enc, entities, h, plural } from "./dom.js";
import { label, planKinds, state } from "./state.js";

const PAGE = 20;
const FILTERS = ["integration", "kind", "blueprint", "q"];

const browser = {
  filters: { integration: "", kind: "", blueprint: "", q: "" },
  cursors: [null], // the cursor of each page seen so far; the first page has none
  page: 0,
  next: null,
  items: [],
  blueprints: [],
  seq: 0, // a newer load makes an older answer stale
  entity: null, // {key, body, error}
  started: false,
};

export const entityHash = (i, b, id) => `#/entities/${enc(i)}/${enc(b)}/${enc(id)}`;

function listHash() {
  const params = Object.fromEntries(FILTERS.map((k) => [k, browser.filters[k]]));
  return query("#/entities", params);
}

function option(value, text, selected) {
  return h("option", { value, selected: value === selected }, text);
}

// Options are replaced only when they change: a poll must not reset a select in use.
function fillSelect(id, values, all) {
  const select = $(id);
  const current = browser.filters[id.slice(2)];
  const known = current === "" || values.some(([value]) => value === current);
  const choices = [["", all], ...values, ...(known ? [] : [[current, current]])];
  const signature = JSON.stringify(choices);
  if (select.dataset.options !== signature) {
    select.dataset.options = signature;
    select.replaceChildren(...choices.map(([value, text]) => option(value, text, current)));
  }
  if (select.value !== current) select.value = current;
}

function renderFilters() {
  const integrations = state.integrations.map((i) => [i.id, label(i)]);
  const chosen = browser.filters.integration;
  const kinds = [...new Set(state.integrations.filter((i) => !chosen || i.id === chosen)
    .flatMap((i) => planKinds(i.id) || []))].sort();
  const blueprints = [...new Set(browser.blueprints
    .filter((b) => !chosen || b.integration_id === chosen).map((b) => b.blueprint))].sort();
  fillSelect("f-integration", integrations, "All integrations");
  fillSelect("f-kind", kinds.map((k) => [k, k]), "All kinds");
  fillSelect("f-blueprint", blueprints.map((b) => [b, b]), "All blueprints");
  const text = $("f-q");
  if (document.activeElement !== text) text.value = browser.filters.q;
}

async function loadBlueprints() {
  browser.blueprints = await api("GET", "/api/blueprints");
  renderFilters();
}

async function loadPage(page) {
  const seq = ++browser.seq;
  const params = { ...browser.filters, limit: PAGE, cursor: browser.cursors[page] };
  $("entity-list").setAttribute("aria-busy", "true");
  let body;
  try {
    body = await api("GET", query("/api/entities", params));
  } catch (err) {
    if (seq === browser.seq) $("entities-error").textContent = `Cannot list entities: ${err.message}`;
    return;
  } finally {
    if (seq === browser.seq) $("entity-list").removeAttribute("aria-busy");
  }
  if (seq !== browser.seq) return;
  $("entities-error").textContent = "";
  browser.page = page;
  browser.items = body.items;
  browser.next = body.next_cursor;
  browser.cursors[page + 1] = body.next_cursor;
  renderList();
}

function apply() {
  browser.cursors = [null];
  history.replaceState(null, "", state.route.entity ? location.hash : listHash());
  loadPage(0);
}

function changeFilter(name, value) {
  if (browser.filters[name] === value) return;
  browser.filters[name] = value;
  if (name === "integration") renderFilters();
  apply();
}

function entityItem(entity) {
  const key = `${entity.integration_id}/${entity.blueprint}/${entity.identifier}`;
  const current = browser.entity?.key === key;
  return h("li", { class: "entity", data_key: key },
    h("a", { href: entityHash(entity.integration_id, entity.blueprint, entity.identifier),
      "aria-current": current ? "true" : null }, entity.title || entity.identifier),
    h("p", { class: "meta" }, `${entity.blueprint} · ${entity.identifier} · kind ${entity.kind}`
      + ` · ${entity.integration_id}`));
}

function renderList() {
  const list = $("entity-list");
  const { page, items } = browser;
  list.replaceChildren(...items.map(entityItem));
  if (!items.length) list.append(h("li", { class: "muted" }, "No entities match."));
  const first = page * PAGE + 1;
  const text = items.length
    ? `Page ${page + 1}: ${entities(items.length)}, ${first} to ${first + items.length - 1}`
    : page ? `Page ${page + 1}: no more entities` : "No entities match these filters.";
  $("entity-count").textContent = text;
  $("prev-page").disabled = page === 0;
  $("next-page").disabled = !browser.next;
}

async function turn(step) {
  const page = browser.page + step;
  if (page < 0 || (step > 0 && !browser.next)) return;
  await loadPage(page);
  announce($("entity-count").textContent);
}

// ---- one entity ------------------------------------------------------------------------
function valueText(value) {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function target(t) {
  if (t.entity) {
    const e = t.entity;
    return h("li", { class: "target", data_found: "yes" },
      h("a", { href: entityHash(e.integration_id, e.blueprint, e.identifier) },
        e.title || e.identifier),
      h("span", { class: "meta" }, ` ${e.blueprint} · ${e.identifier} · ${e.integration_id}`));
  }
  return h("li", { class: "target", data_found: "no" }, h("code", {}, t.identifier), " ",
    h("span", { class: "badge missing", data_status: "missing" }, "missing"),
    h("span", { class: "muted" }, " no such entity in the catalog"));
}

function relation(link) {
  let value;
  if (link.query !== null && link.query !== undefined) {
    value = h("p", {}, "A search query (not resolved): ", h("code", {}, valueText(link.query)));
  } else if (!link.targets.length) {
    value = h("p", { class: "muted" }, "none");
  } else {
    value = h("ul", { class: "targets" }, link.targets.map(target),
      link.unchecked ? h("li", { class: "muted" }, `${link.unchecked} more, not checked`) : null);
  }
  return [h("dt", {}, link.name, link.many ? h("span", { class: "muted" }, " (many)") : null),
    h("dd", { data_relation: link.name }, value)];
}

function renderEntity() {
  const panel = $("entity-detail");
  const shown = browser.entity;
  panel.hidden = !shown;
  if (!shown) return;
  const close = h("a", { href: listHash(), class: "close" }, "Close",
    h("span", { class: "visually-hidden" }, " entity"));
  if (!shown.body) {
    panel.replaceChildren(h("div", { class: "detail-head" },
      h("h2", { id: "entity-title", tabindex: "-1" }, shown.error ? "No such entity" : "Loading…"), close),
    shown.error ? h("p", { class: "error" }, shown.error) : null);
    return;
  }
  const e = shown.body;
  const missing = e.links.reduce((n, l) => n + l.targets.filter((t) => !t.entity).length, 0);
  const properties = Object.entries(e.properties);
  panel.replaceChildren(
    h("div", { class: "detail-head" },
      h("h2", { id: "entity-title", tabindex: "-1" }, e.title || e.identifier),
      close),
    h("dl", { class: "facts" }, [["Identifier", e.identifier], ["Blueprint", e.blueprint],
      ["Kind", e.kind], ["Integration", h("a", { href: `#/integrations/${enc(e.integration_id)}` },
        e.integration_id)], ["Team", e.team === null ? "—" : valueText(e.team)]]
      .flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h("h3", {}, "Properties"),
    properties.length ? h("dl", { class: "props" }, properties.flatMap(([k, v]) =>
      [h("dt", {}, k), h("dd", { data_property: k }, v === null ? "null" : valueText(v))]))
      : h("p", { class: "muted" }, "No properties."),
    h("h3", {}, "Relations"),
    missing ? h("p", { class: "skipped" }, `${plural(missing, "relation target")} not in the`
      + " catalog (marked missing).") : null,
    e.links.length ? h("dl", { class: "props relations" }, e.links.flatMap(relation))
      : h("p", { class: "muted" }, "No relations."));
}

async function openEntity(key, focus) {
  const [i, b, id] = key;
  const joined = key.join("/");
  if (browser.entity?.key !== joined) {
    browser.entity = { key: joined, body: null, error: null };
    renderEntity();
    try {
      browser.entity.body = await api("GET", `/api/entities/${enc(i)}/${enc(b)}/${enc(id)}`);
    } catch (err) {
      if (browser.entity?.key === joined) browser.entity.error = err.message;
    }
    if (browser.entity?.key !== joined) return;
  }
  renderEntity();
  renderList();
  if (focus) $("entity-title").focus();
}

// ---- the view ----------------------------------------------------------------------------
export function showEntities(route, focus) {
  if (!browser.started) {
    browser.started = true;
    for (const name of FILTERS) browser.filters[name] = route.params.get(name) || "";
    loadBlueprints().catch((err) => {
      $("entities-error").textContent = `Cannot list blueprints: ${err.message}`;
    });
    loadPage(0);
  } else if (!route.entity && route.params.toString()) {
    const before = JSON.stringify(browser.filters);
    for (const name of FILTERS) browser.filters[name] = route.params.get(name) || "";
    if (JSON.stringify(browser.filters) !== before) apply();
  }
  renderFilters();
  if (route.entity) {
    openEntity(route.entity, focus);
  } else {
    browser.entity = null;
    renderEntity();
    renderList();
    if (focus) $("entities-title").focus();
  }
}

export function setUpEntities() {
  let typing = null;
  $("entity-filters").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    changeFilter("q", $("f-q").value.trim());
  });
  for (const name of ["integration", "kind", "blueprint"]) {
    $(`f-${name}`).addEventListener("change", (event) => changeFilter(name, event.target.value));
  }
  $("f-q").addEventListener("input", () => {
    clearTimeout(typing); // applied once the typing pauses
    typing = setTimeout(() => changeFilter("q", $("f-q").value.trim()), 300);
  });
  $("prev-page").addEventListener("click", () => turn(-1));
  $("next-page").addEventListener("click", () => turn(1));
}

// The integrations' kinds arrive with the first polls: the filters show them then.
export function refreshEntityFilters() {
  if (state.route.view === "entities") renderFilters();
}
