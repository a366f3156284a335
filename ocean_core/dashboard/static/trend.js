// The trend of an integration's last runs: duration bars and count lines, drawn as SVG in the
// page (no library, no CDN). One tab stop; the arrow keys, Home and End move between runs,
// and a live line reads the selected run out. The same numbers are in a table below.
import { dateTime, formatSeconds, h, seconds, svg, totals } from "./dom.js";

export const SERIES = [ // name, marker shape, line dash: never told apart by colour alone
  { key: "upserted", marker: "circle", dash: null },
  { key: "unchanged", marker: "square", dash: "6 4" },
  { key: "deleted", marker: "triangle", dash: "2 3" },
  { key: "errors", marker: "diamond", dash: "10 3 2 3" },
];
const PAD = { left: 46, right: 10, top: 22, bottom: 22 };

function niceMax(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value);
}

const compact = (n) => n >= 10000 ? `${Math.round(n / 1000)}k`
  : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(Math.round(n * 10) / 10);

function point(run) {
  const sum = totals(run);
  return { run, seconds: seconds(run) || 0, upserted: sum.upserted, unchanged: sum.unchanged,
    deleted: run.deleted || 0, errors: sum.errors };
}

function marker(shape, x, y, key) {
  const size = 3.5;
  if (shape === "circle") return svg("circle", { cx: x, cy: y, r: size, class: `mark ${key}` });
  if (shape === "square") {
    return svg("rect", { x: x - size, y: y - size, width: 2 * size, height: 2 * size,
      class: `mark ${key}` });
  }
  const d = shape === "triangle"
    ? `M${x} ${y - size - 1}L${x + size + 1} ${y + size}L${x - size - 1} ${y + size}Z`
    : `M${x} ${y - size - 1}L${x + size + 1} ${y}L${x} ${y + size + 1}L${x - size - 1} ${y}Z`;
  return svg("path", { d, class: `mark ${key}` });
}

export class Trend {
  constructor(id) {
    this.points = [];
    this.index = -1;
    this.width = 0;
    this.key = null;
    this.readout = h("p", { class: "readout", id: `${id}-readout`, "aria-live": "polite" });
    this.chart = h("div", {
      class: "chart", tabindex: "0", role: "group", "aria-roledescription": "chart",
      "aria-describedby": `${id}-readout`,
      onkeydown: (event) => this.key_(event),
      onpointermove: (event) => this.pointer(event), onclick: (event) => this.pointer(event),
    });
    this.table = h("tbody");
    this.node = h("div", { class: "trend" },
      this.chart,
      h("ul", { class: "legend" }, SERIES.map((s) => h("li", { data_series: s.key },
        svg("svg", { width: 30, height: 12, "aria-hidden": "true" },
          svg("line", { x1: 1, y1: 6, x2: 29, y2: 6, class: `line ${s.key}`,
            "stroke-dasharray": s.dash }), marker(s.marker, 15, 6, s.key)), s.key))),
      this.readout,
      h("details", { class: "numbers" }, h("summary", {}, "The numbers"),
        h("div", { class: "table-wrap" }, h("table", { class: "kinds" },
          h("thead", {}, h("tr", {}, ["Generation", "Started", "Status", "Duration",
            ...SERIES.map((s) => s.key)].map((c) => h("th", { scope: "col" }, c)))),
          this.table))));
    // Drawn to the pixel width it has (a scaled drawing would shrink its text at 375 px).
    this.observer = new ResizeObserver(() => {
      if (this.node.clientWidth !== this.width) this.draw();
    });
    this.observer.observe(this.node);
  }

  close() { this.observer.disconnect(); }

  // `runs`: ended runs, newest first, as the API lists them.
  update(runs) {
    const key = runs.map((r) => `${r.id}:${r.status}`).join();
    if (key === this.key) return;
    // The selected run stays selected, unless it was the newest: then the new newest is.
    const newest = this.index === this.points.length - 1;
    const selected = this.points[this.index]?.run.id;
    this.key = key;
    this.points = runs.slice().reverse().map(point);
    const again = this.points.findIndex((p) => p.run.id === selected);
    this.index = again >= 0 && !newest ? again : this.points.length - 1;
    this.chart.setAttribute("aria-label", `Duration and counts of the last ${this.points.length}`
      + " runs, oldest first. Left and right arrow keys move between runs.");
    this.table.replaceChildren(...this.points.slice().reverse().map((p) => h("tr", {},
      h("th", { scope: "row" }, String(p.run.generation)), h("td", {}, dateTime(p.run.started_at)),
      h("td", {}, p.run.status), h("td", {}, formatSeconds(p.seconds)),
      SERIES.map((s) => h("td", { data_col: s.key }, String(p[s.key]))))));
    this.draw();
  }

  key_(event) {
    const moves = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity };
    if (!(event.key in moves) || !this.points.length) return;
    event.preventDefault();
    const next = this.index + moves[event.key];
    this.select(Math.max(0, Math.min(this.points.length - 1, next)));
  }

  pointer(event) {
    const box = this.chart.getBoundingClientRect();
    const plot = this.width - PAD.left - PAD.right;
    const at = Math.floor(((event.clientX - box.left - PAD.left) / plot) * this.points.length);
    if (at >= 0 && at < this.points.length && at !== this.index) this.select(at);
  }

  select(index) {
    this.index = index;
    for (const band of this.chart.querySelectorAll(".cursor")) {
      band.setAttribute("x", this.columnX(index) - this.step() / 2);
    }
    this.say();
  }

  say() {
    const p = this.points[this.index];
    if (!p) {
      this.readout.textContent = "No ended runs yet.";
      return;
    }
    this.readout.dataset.run = p.run.id;
    this.readout.textContent = `Generation ${p.run.generation} (${p.run.trigger}, ${p.run.status},`
      + ` ${dateTime(p.run.started_at)}): ${formatSeconds(p.seconds)} · `
      + SERIES.map((s) => `${p[s.key]} ${s.key}`).join(" · ");
  }

  step() { return (this.width - PAD.left - PAD.right) / Math.max(1, this.points.length); }

  columnX(index) { return PAD.left + this.step() * (index + 0.5); }

  draw() {
    this.width = Math.max(240, this.node.clientWidth);
    const charts = this.points.length ? [this.durationChart(), this.countChart()] : [];
    this.chart.replaceChildren(...charts);
    this.say();
  }

  frame(title, height, max, format) {
    const bottom = height - PAD.bottom;
    const y = (value) => bottom - (value / max) * (bottom - PAD.top);
    const root = svg("svg", { width: this.width, height, class: "plot", "aria-hidden": "true" },
      svg("text", { x: 4, y: 13, class: "plot-title" }, title),
      svg("rect", { class: "cursor", x: this.columnX(this.index) - this.step() / 2, y: PAD.top,
        width: this.step(), height: bottom - PAD.top }));
    for (const value of [0, max / 2, max]) {
      root.append(svg("line", { x1: PAD.left, x2: this.width - PAD.right, y1: y(value),
        y2: y(value), class: "grid" }),
      svg("text", { x: PAD.left - 6, y: y(value) + 4, class: "tick" }, format(value)));
    }
    const fit = Math.max(1, Math.floor((this.width - PAD.left - PAD.right) / 44)); // labels
    const every = Math.ceil(this.points.length / fit);
    this.points.forEach((p, i) => {
      if ((this.points.length - 1 - i) % every === 0) {
        root.append(svg("text", { x: this.columnX(i), y: height - 6, class: "label" },
          `g${p.run.generation}`));
      }
    });
    return { root, y };
  }

  durationChart() {
    const max = niceMax(Math.max(...this.points.map((p) => p.seconds)));
    const { root, y } = this.frame("Duration", 130, max, (v) => formatSeconds(v));
    const width = Math.max(2, Math.min(28, this.step() * 0.6));
    this.points.forEach((p, i) => {
      const failed = p.run.status !== "succeeded";
      root.append(svg("rect", { class: `bar${failed ? " failed" : ""}`, data_run: p.run.id,
        x: this.columnX(i) - width / 2, y: y(p.seconds), width,
        height: Math.max(1, y(0) - y(p.seconds)) }));
      if (failed) { // a mark above the bar, not only its colour
        root.append(svg("text", { x: this.columnX(i), y: y(p.seconds) - 3, class: "flag" }, "✕"));
      }
    });
    return root;
  }

  countChart() {
    const max = niceMax(Math.max(...this.points.flatMap((p) => SERIES.map((s) => p[s.key]))));
    const { root, y } = this.frame("Entities per run", 170, max, compact);
    for (const s of SERIES) {
      const coords = this.points.map((p, i) => [this.columnX(i), y(p[s.key])]);
      root.append(svg("polyline", { class: `line ${s.key}`, "stroke-dasharray": s.dash,
        points: coords.map(([a, b]) => `${a},${b}`).join(" "), data_series: s.key }));
      coords.forEach(([a, b]) => root.append(marker(s.marker, a, b, s.key)));
    }
    return root;
  }
}
