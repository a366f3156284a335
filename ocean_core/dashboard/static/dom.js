// DOM and formatting helpers of the dashboard. Data reaches the page as text only.

export const $ = (id) => document.getElementById(id);

function apply(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key.startsWith("data_")) node.dataset[key.slice(5)] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// h("p", {class: "x", text: "..."}, child...): an element; attributes as text, never HTML.
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

// The same for SVG elements (the trend chart).
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  apply(node, attrs);
  append(node, children);
  return node;
}

export function announce(text) {
  const region = $("announcer");
  region.textContent = "";
  setTimeout(() => { region.textContent = text; }, 50);
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
export const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);
export const entities = (n) => `${n} ${n === 1 ? "entity" : "entities"}`;

// Date and time in the browser's locale: a run of last week must not read like one of today.
export function dateTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

export function relative(iso) {
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const size = Math.abs(seconds);
  if (size < 2) return "just now";
  const text = size < 90 ? plural(size, "second")
    : size < 5400 ? plural(Math.round(size / 60), "minute")
    : size < 172800 ? plural(Math.round(size / 3600), "hour")
    : plural(Math.round(size / 86400), "day");
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

// <time> with the local date and time; the exact ISO time in its tooltip.
export function timeEl(iso, withRelative) {
  if (!iso) return h("span", { text: "—" });
  const text = withRelative ? `${dateTime(iso)} (${relative(iso)})` : dateTime(iso);
  return h("time", { datetime: iso, title: iso, text });
}

export function seconds(run) {
  if (!run.ended_at) return null;
  return (new Date(run.ended_at) - new Date(run.started_at)) / 1000;
}

export function formatSeconds(value) {
  if (value === null) return null;
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  return value < 60 ? `${value.toFixed(1)} s` : `${(value / 60).toFixed(1)} min`;
}

export const duration = (run) => formatSeconds(seconds(run));

export function totals(run) {
  const sum = { fetched: 0, upserted: 0, unchanged: 0, filtered: 0, errors: 0 };
  for (const stats of Object.values(run.kinds || {})) {
    for (const key of Object.keys(sum)) sum[key] += stats[key] || 0;
  }
  return sum;
}

export const badge = (status) => h("span", { class: "badge", data_status: status, text: status });

export const enc = encodeURIComponent;
