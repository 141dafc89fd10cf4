// gradplay's live trainer renderer: plain ES modules, no framework, no maths.
//
// It paints frames made by gradplay.viz.frames (Python): the decision boundary
// with the data (heatmap.js), the loss and accuracy curves (linechart.js), and
// the network with a small output map on every neuron (network.js), under the
// run's own buttons (controls.js). Every number arrives in a frame; here they
// only become colours, lengths and text.
//
//   const r = createRenderer(element, { send, height, onSettings, explorerURL, ackMs });
//   r.receive(message);     // a frame (bytes) or a JSON text from the stream
//
// The transport is the host's: `send(object)` delivers a message of
// gradplay.live.protocol to the stream (a WebSocket, channel.js; a widget's
// comm). Frames are painted one per animation frame, in order, and each one
// is acknowledged once painted; the stream never has more than a few on
// their way, so nothing piles up. An acknowledgement is cumulative ("drawn up
// to seq"): with `ackMs` the renderer sends the latest at most that often
// (each message costs the host's server some CPU; the stream then lets more
// frames be on their way). `onSettings(values)` hears the settings a
// lever changed (the input features, the display options, the speed), for a
// host that keeps them elsewhere (Streamlit's sidebar and URL).
//
// Backprop you can watch: a click on the boundary picks the nearest training
// point (sample.js shows it; the network shows its own numbers), Previous /
// Next step walk its pass, a click on a neuron opens its graph (neuron.js),
// "Which points pull it?" on a weight colours the points by their pull.
// Escape lets go, one thing at a time.

import { paintCodes } from "./colors.js";
import { el, fmt, pct, setText } from "./dom.js";
import { decodeFrame, frameView } from "./frame.js";
import { createHeatmap } from "./heatmap.js";
import { createLineChart } from "./linechart.js";
import { createNetwork } from "./network.js";
import { createControls } from "./controls.js";
import { createSamplePanel } from "./sample.js";
import { createNeuronGraph } from "./neuron.js";

const MAX_QUEUE = 3;          // frames waiting to be painted; older ones are taken, not shown

/** ack(msg) for acknowledgements: the first at once, then the latest at most
 * once per `ms` (all of them at once when `ms` is 0). */
function thinned(send, ms) {
  let latest = null, timer = 0;
  const flush = () => {
    timer = latest === null ? 0 : setTimeout(flush, ms);
    if (latest !== null) { send(latest); latest = null; }
  };
  return {
    ack(msg) { if (!ms) { send(msg); return; } latest = msg; if (!timer) flush(); },
    stop() { clearTimeout(timer); latest = null; },
  };
}

export function createRenderer(host, options = {}) {
  const opts = { height: 500, send: () => false, onSettings: () => {}, ackMs: 0, ...options };
  const send = (msg) => opts.send(msg);
  const acks = thinned(send, opts.ackMs);
  const root = el("div", "gp-live", host);
  root.style.height = opts.height + "px";
  const state = { frame: null, statics: null, focus: null, view: null, queue: [], raf: 0, seq: 0 };
  const hidden = (name) => { const m = state.frame && state.frame.h.meta; return !!(m && m.hide && m.hide.includes(name)); };

  const left = el("div", "gp-left", root);
  const controls = createControls(left, { send, hidden });
  const network = createNetwork(left, {
    height: opts.height, hidden,
    onHover: (focus) => { state.focus = focus; paintBoundary(); },
    onEdit: (edit) => send({ type: "edit", ...edit }),
    onFeature: toggleFeature,
    onNeuron: (l, j) => { if (state.frame && state.frame.sample && l > 0) send({ type: "neuron", layer: l - 1, unit: j }); },
    onSelect: ({ layer, i, j }) => send({ type: "select", layer, i, j }),
  });
  network.onRepaint(() => repaint());
  const samplePanel = createSamplePanel(left, { send, explorerURL: opts.explorerURL });
  const neuronGraph = createNeuronGraph(left, { onClose: () => send({ type: "neuron", layer: -1, unit: 0 }) });

  const right = el("div", "gp-right", root);
  const stats = el("div", "gp-stats", right);
  el("span", "gp-label", stats).textContent = "epoch ";
  const epochEl = el("span", "gp-epoch", stats, { "data-testid": "gp-epoch" });
  epochEl.textContent = "0";
  const metricsEl = el("div", "gp-metrics", right, { "data-testid": "gp-metrics" });
  const side = Math.min(300, opts.height - 212);
  const curves = createLineChart(right, { width: side });
  const heatmap = createHeatmap(right, { side, onClick: pickNear });
  const focusEl = el("div", "gp-focus", right, { "data-testid": "gp-focus" });
  const optsRow = el("div", "gp-options", right);
  const testBox = checkbox(optsRow, "show test data", true, "gp-show-test");
  const discBox = checkbox(optsRow, "discretize output", false, "gp-discretize");
  const stoppedEl = el("div", "gp-stopped", right, { "data-testid": "gp-stopped" });
  const messageEl = el("div", "gp-message", right, { "data-testid": "gp-message", role: "status" });

  function checkbox(parent, text, checked, testid) {
    const lab = el("label", "gp-check", parent);
    const box = el("input", "", lab, { type: "checkbox", "data-testid": testid });
    box.checked = checked;
    lab.appendChild(document.createTextNode(" " + text));
    box.addEventListener("change", () => {
      repaint();
      send({ type: "view", discretize: discBox.checked, show_test: testBox.checked });
    });
    return box;
  }

  /** The display options as the stream has them: applied when they change
   * there, so a click here is not undone by a frame that left before it. */
  function syncView(meta) {
    const view = meta.view, seen = state.view || {};
    if (!view) return;
    if (view.discretize !== seen.discretize) discBox.checked = view.discretize;
    if (view.show_test !== seen.show_test) testBox.checked = view.show_test;
    discBox.parentElement.style.display = hidden("discretize") ? "none" : "";
    testBox.parentElement.style.display = hidden("show_test") ? "none" : "";
    state.view = view;
  }

  /** A click on an input node: that feature on or off (never the last one off). */
  function toggleFeature(name) {
    const fs = state.frame && state.frame.h.features;
    if (!fs || hidden("features")) return;
    const on = new Set(fs.active);
    if (on.has(name)) on.delete(name); else on.add(name);
    if (on.size) send({ type: "features", names: fs.names.filter((n) => on.has(n)) });
  }

  // ---------------------------------------------------------------- picking
  /** A click on the plane picks the nearest drawn training point (within 14
   * pixels); a click on the picked one lets it go. */
  function pickNear(x, y) {
    const st = state.statics, f = state.frame;
    if (!st || !f || st.run !== f.h.run) return;
    const [x0, x1, y0, y1] = f.h.bounds, sx = board() / (x1 - x0), sy = board() / (y1 - y0);
    let best = -1, dist = 14 * 14;
    for (let k = 0; k < st.train_y.length; k++) {
      const dx = (st.train_x[2 * k] - x) * sx, dy = (st.train_x[2 * k + 1] - y) * sy;
      if (dx * dx + dy * dy < dist) { dist = dx * dx + dy * dy; best = k; }
    }
    if (best < 0) return;
    const picked = f.sample ? f.sample.facts.index : -1;
    send({ type: "pick", index: best === picked ? -1 : best });
  }
  const board = () => side;                               // the plot's size in CSS pixels

  /** Escape: the neuron's graph, then the pull, then the picked example. */
  function onKey(ev) {
    const f = state.frame;
    // in a notebook several renderers share the page and Escape also leaves a cell's
    // editor: only the renderer under the pointer or holding the focus lets go
    if (ev.key !== "Escape" || !f || !(root.matches(":hover") || root.contains(document.activeElement))) return;
    if (f.neuron) send({ type: "neuron", layer: -1, unit: 0 });
    else if (f.pull) send({ type: "select", layer: -1, i: 0, j: 0 });
    else if (f.sample) send({ type: "pick", index: -1 });
  }
  document.addEventListener("keydown", onKey);

  /** What a step of the walk lights: its neurons and edges (see gradplay.trace.Step). */
  function litBy(walk, h) {
    if (!walk) return null;
    const L = h.sizes.length - 1, l = walk.layer, units = new Set(walk.units), k = walk.kind;
    if (k === "input") return { back: false, node: (n, j) => n === 0 && units.has(j), edge: () => false };
    if (k === "update") return { back: true, node: (n) => n > 0, edge: () => true };
    const back = k === "backward";
    return {
      back,
      node: (n, j) => n === l + 1 && units.has(j),
      edge: (el_, i, j) => k === "forward" ? el_ === l
        : back && ((el_ === l && units.has(j)) || (el_ === l + 1 && l + 1 < L && units.has(i))),
    };
  }

  // ---------------------------------------------------------------- painting
  /** Feature k's map (all features come once per run, with the data), or null. */
  function featureMap(k) {
    const st = state.statics, mm = state.frame.h.map_res ** 2;
    if (k === null || k === undefined || !st || !st.feature_maps || st.run !== state.frame.h.run) return null;
    return st.feature_maps.subarray(k * mm, (k + 1) * mm);
  }

  /** The map the big plot shows for a hovered node, {codes, text, id}, or null (the output). */
  function focusedMap(f, focus) {
    if (!focus) return null;
    if (focus.j < 0) {                                  // a feature the network does not read
      const codes = featureMap(focus.k);
      if (!codes) return null;
      const [lo, hi] = state.statics.feature_ranges[focus.k];
      return { codes, id: `feature-${f.h.features.names[focus.k]}`,
        text: `showing feature ${f.h.features.labels[focus.k]}, not used` +
          (hidden("features") ? "" : " (click it to use it)") + `: ${fmt(lo, 2)} to ${fmt(hi, 2)}` };
    }
    const layer = f.h.layers[focus.l];
    if (!layer || focus.j >= layer.shown) return null;
    const [lo, hi] = layer.ranges[focus.j];
    return { codes: f.map(focus.l, focus.j), id: `${focus.l}-${focus.j}`,
      text: focus.l === 0
        ? `showing input ${layer.names ? layer.names[focus.j] : focus.j + 1} over the plane (${fmt(lo, 2)} to ${fmt(hi, 2)})`
        : `showing a[${focus.l},${focus.j}] over the plane (${layer.activation}, ${fmt(lo, 2)} to ${fmt(hi, 2)})` };
  }

  function paintBoundary() {
    const f = state.frame;
    if (!f) return;
    const focused = focusedMap(f, state.focus), b = f.h.boundary;
    const grid = focused ? { res: f.h.map_res, kind: "map", codes: focused.codes }
      : { res: b.res, kind: b.kind, codes: f.b.boundary, confidence: f.b.confidence };
    setText(focusEl, focused ? focused.text : b.kind === "prob" ? "p(class 1): orange 0 · white ½ · blue 1 · hover a neuron for its map"
      : b.kind === "class" ? "predicted class (paler: less sure) · hover a neuron for its map"
      : `prediction ${fmt(b.lo, 2)} (orange) to ${fmt(b.hi, 2)} (blue) · hover a neuron`);
    focusEl.setAttribute("data-focus", focused ? focused.id : "output");
    const statics = state.statics && state.statics.run === f.h.run ? state.statics : null;
    if (!focused && f.pull) {
      const [l, i, j] = f.pull.weight, w = i < 0 ? `b[${l + 1},${j}]` : `w[${l + 1}][${i},${j}]`;
      setText(focusEl, `points by their pull on ${w}: ∂L_k/∂w magenta > 0 (pushes it down), green < 0 (up) · Esc clears`);
      focusEl.setAttribute("data-focus", "pull");
    }
    heatmap.setBounds(f.h.bounds);
    heatmap.paint({ grid, discrete: !focused && discBox.checked, statics, boundary: b, showTest: testBox.checked,
      pull: f.pull, picked: f.sample ? f.sample.facts.x : null });
  }

  function paintText() {
    const h = state.frame.h, m = h.metrics;
    setText(epochEl, String(h.epoch));
    setText(metricsEl, `loss train ${fmt(m.train_loss, 4)} · test ${fmt(m.test_loss, 4)}\n` +
      (h.score === "r2" ? `R² train ${fmt(m.train_r2, 3)} · test ${fmt(m.test_r2, 3)}`
        : `accuracy train ${pct(m.train_accuracy)} · test ${pct(m.test_accuracy)}`));
    setText(stoppedEl, h.stopped || "");
    stoppedEl.style.display = h.stopped ? "block" : "none";
  }

  function repaint() {
    const f = state.frame;
    if (!f) return;
    network.paint(f, { featureMap, sample: f.sample, lit: litBy(f.walk, f.h) });
    paintBoundary();
    curves.paint(f.h.score);
    paintText();
  }

  // ---------------------------------------------------------------- messages
  /** Make a frame the current one: its points, its history rows, its state. */
  function take(frame) {
    const h = frame.header, b = frame.blobs;
    if (h.static) state.statics = { run: h.run, train_x: b.train_x, train_y: b.train_y, test_x: b.test_x,
      test_y: b.test_y, feature_maps: b.feature_maps, feature_ranges: h.feature_ranges };
    curves.append(h, b.rows);
    state.frame = frameView(frame);
    state.seq = h.seq;
  }

  function showNext() {
    state.raf = 0;
    const frame = state.queue.shift();
    if (!frame) return;
    take(frame);
    const h = frame.header;
    controls.sync({ ...h.meta, stopped: h.stopped });
    syncView(h.meta || {});
    samplePanel.sync(state.frame);
    repaint();
    neuronGraph.sync(state.frame);
    root.setAttribute("data-run", h.run);
    root.setAttribute("data-seq", String(h.seq));
    root.setAttribute("data-playing", String(!!h.meta.playing));
    root.setAttribute("data-stepping", String(!!h.meta.stepping));
    if (!h.meta.playing) root.removeAttribute("data-heard");      // the paused frame: done
    acks.ack({ type: "ack", seq: h.seq });
    if (state.queue.length) state.raf = requestAnimationFrame(showNext);
  }

  let messageTimer = 0;
  function say(text, seconds = 6) {
    setText(messageEl, text);
    clearTimeout(messageTimer);
    messageTimer = setTimeout(() => setText(messageEl, ""), seconds * 1000);
  }

  function receive(data) {
    if (typeof data === "string") {
      const msg = JSON.parse(data);
      if (msg.type === "settings") opts.onSettings(msg.values);
      else if (msg.type === "state") {           // a Pause heard; its frame follows the batch
        controls.show(msg.playing);
        root.setAttribute("data-heard", "pause");
      }
      else if (msg.type === "error") say(msg.message);
      else if (msg.type === "notice") say(msg.text);
      return;
    }
    state.queue.push(decodeFrame(data));
    while (state.queue.length > MAX_QUEUE) take(state.queue.shift());   // kept, not shown
    if (!state.raf) state.raf = requestAnimationFrame(showNext);
  }

  return {
    receive, root, say,
    destroy() {
      cancelAnimationFrame(state.raf); clearTimeout(messageTimer); acks.stop();
      document.removeEventListener("keydown", onKey); root.remove();
    },
  };
}
