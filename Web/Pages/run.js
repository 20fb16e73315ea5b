// The run page: polls the run's status.json (the document `u2pl run status --json` prints) and history.json, and
// draws them. Plain DOM and SVG; no libraries.
"use strict";

const runId = decodeURIComponent(location.pathname.replace(/\/+$/, "").split("/").pop());
const base = `/runs/${encodeURIComponent(runId)}`;
const pollMs = 2000;
const series = [
  { key: "supervised_loss", label: "Ls", colour: "#1f6fd1" },
  { key: "unsupervised_loss", label: "Lu", colour: "#d1781f" },
  { key: "contrastive_loss", label: "Lc", colour: "#2a9d4b" },
];

const $ = id => document.getElementById(id);
const fixed = (x, digits) => (x === null || x === undefined || Number.isNaN(x) ? "-" : Number(x).toFixed(digits));
const percent = x => (x === null || x === undefined ? "-" : (x * 100).toFixed(2));

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function duration(seconds) {
  if (!seconds || seconds <= 0) return "-";
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

function renderStatus(status) {
  document.title = `U2PL ${status.run_id}: ${status.state}`;
  document.body.dataset.iteration = status.iteration;
  document.body.dataset.state = status.state;
  $("run-id").textContent = status.run_id;
  $("state").textContent = status.state.replace("_", " ");
  $("progress").textContent = `epoch ${Math.min(status.epoch + 1, status.epochs)}/${status.epochs} · iteration ${status.iteration}/${status.total_iterations}`;
  $("eta").textContent = status.state === "completed" ? "done" : duration(status.eta_seconds);
  $("throughput").textContent = fixed(status.images_per_second, 1);
  $("miou-summary").textContent = `${percent(status.last_mean_iou)} (${percent(status.best_mean_iou)})`;
  $("message").textContent = status.message || "";
  const sync = status.mode === "sync";
  const desired = status.desired.auto ? `auto (${status.desired_resolved})` : status.desired.count;
  $("workers-summary").textContent = `desired ${desired} · actual ${status.workers.length}`;
  $("workers").tBodies[0].replaceChildren(...status.workers.map(w =>
    el("tr", { "data-worker": w.worker_key }, el("td", {}, w.worker_key), el("td", {}, w.silo), el("td", {}, w.state),
      el("td", { class: "num" }, String(w.steps)), el("td", { class: "num" }, fixed(w.images_per_second, 2)),
      el("td", { class: "num" }, w.last_micro_batch || "-"), el("td", { class: "num" }, sync ? fixed(w.barrier_wait_seconds, 2) : "-"))));
  renderMode(status, sync);
  $("loss-legend").replaceChildren(...series.map(s =>
    el("span", { "data-series": s.key, "data-latest": String(status[s.key]) }, el("i", { style: `background:${s.colour}` }), `${s.label} ${fixed(status[s.key], 4)}`)),
    el("span", {}, `αt ${fixed(status.alpha, 3)}`), el("span", {}, `lr ${fixed(status.learning_rate, 5)}`));
  $("events").replaceChildren(...status.recent_events.map(e =>
    el("li", { "data-kind": e.kind }, `${new Date(e.time).toLocaleTimeString()} [${e.kind}] ${e.message}`)));
  $("updated").textContent = new Date().toLocaleTimeString();
}

// Sync mode: M, the workers' wait at the step barrier, and which worker computed which micro-batch of the latest step.
function renderMode(status, sync) {
  document.body.dataset.mode = status.mode;
  const m = status.micro_batches;
  $("mode").textContent = sync ? `sync · ${m} micro-batch${m === 1 ? "" : "es"} a step` : status.mode || "-";
  $("barrier-wait").textContent = sync ? `${fixed(status.barrier_wait_seconds, 2)} s/step (${fixed(status.barrier_wait_share * 100, 1)}%)` : "-";
  const assignments = status.micro_batch_assignments || [];
  const step = assignments.length ? Math.max(...assignments.map(a => a.iteration)) : null;
  const latest = assignments.filter(a => a.iteration === step).sort((a, b) => a.micro_batch - b.micro_batch);
  $("assignment").replaceChildren(...(latest.length ? [`step ${step}: `] : []), ...latest.map(a =>
    el("span", { class: "micro-batch", "data-micro-batch": String(a.micro_batch), "data-assigned-worker": a.worker_key },
      `${a.micro_batch} → ${a.worker_key} (waited ${fixed(a.barrier_wait_seconds, 2)} s)`)));
}

function renderChart(steps) {
  const chart = $("loss-chart");
  const width = 800, height = 260, left = 44, bottom = 22, top = 8, right = 8;
  chart.replaceChildren();
  chart.dataset.points = String(steps.length);
  chart.dataset.lastIteration = steps.length ? String(steps[steps.length - 1].iteration) : "";
  if (steps.length === 0) return;
  const first = steps[0].iteration, last = Math.max(steps[steps.length - 1].iteration, first + 1);
  const top_ = Math.max(1e-6, ...steps.flatMap(p => series.map(s => p[s.key])));
  const x = i => left + (i - first) / (last - first) * (width - left - right);
  const y = v => top + (1 - v / top_) * (height - top - bottom);
  chart.append(svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width - right, y2: height - bottom }),
    svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom }));
  for (const [value, label] of [[top_, fixed(top_, 2)], [top_ / 2, fixed(top_ / 2, 2)], [0, "0"]]) {
    const t = svg("text", { x: 4, y: y(value) + 4 }); t.textContent = label; chart.append(t);
  }
  for (const [value, anchor] of [[first, "start"], [last, "end"]]) {
    const t = svg("text", { x: x(value), y: height - 6, "text-anchor": anchor }); t.textContent = `iteration ${value}`; chart.append(t);
  }
  for (const s of series) {
    const points = steps.map(p => `${x(p.iteration).toFixed(1)},${y(p[s.key]).toFixed(1)}`).join(" ");
    chart.append(svg("polyline", { points, fill: "none", stroke: s.colour, "stroke-width": 1.5, "data-series": s.key }));
  }
}

function renderEvaluations(evaluations) {
  $("miou").tBodies[0].replaceChildren(...evaluations.map(e => {
    const classes = e.class_names.map((name, i) => `${name} ${percent(e.class_iou[i])}`).join(" · ");
    return el("tr", { "data-epoch": String(e.epoch + 1) }, el("td", {}, String(e.epoch + 1)), el("td", { class: "num" }, String(e.iteration)),
      el("td", {}, e.model), el("td", { class: "num miou" }, percent(e.mean_iou)), el("td", { class: "classes" }, classes));
  }));
}

function renderOverlays(overlays) {
  $("overlays-caption").textContent = overlays.length ? `epoch ${overlays[0].epoch + 1}` : "after the first validation";
  const current = [...$("overlays").querySelectorAll("img")].map(i => i.getAttribute("src")).join();
  const next = overlays.map(o => `${base}/${o.url}?epoch=${o.epoch}`);
  if (current !== next.join()) $("overlays").replaceChildren(...overlays.map((o, i) => el("img", { src: next[i], alt: o.name, title: o.name })));
}

async function fetchJson(path) {
  const response = await fetch(`${base}/${path}`, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function poll() {
  try {
    const [status, history] = await Promise.all([fetchJson("status.json"), fetchJson("history.json")]);
    renderStatus(status);
    renderChart(history.steps);
    renderEvaluations(history.evaluations);
    renderOverlays(history.overlays);
    document.body.dataset.ready = "true";
    const finished = ["completed", "stopped", "failed"].includes(status.state);
    if (!finished) setTimeout(poll, pollMs);
  } catch (error) {
    $("message").textContent = `cannot update: ${error.message}; retrying`;
    setTimeout(poll, pollMs * 2);
  }
}

poll();
