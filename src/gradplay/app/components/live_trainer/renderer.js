// gradplay's live trainer renderer: a plain ES module, no framework.
//
// It paints frames made by gradplay.viz.frames (Python): the decision boundary
// with the data, the loss and accuracy curves, and the network with a small
// output map on every neuron. It holds no maths: every number arrives in the
// frame; here they only become colours, lengths and text.
//
//   const r = createRenderer(element, { onDrawn, onEdit, height });
//   r.draw(messageBytes);        // one frame or a bundle of frames, from Python
//
// The frames of a message are shown 1/30 s apart, queued behind those still
// to show. onDrawn({seq, epoch, run}) is called once the last frame of a
// message that asks for more (frame.more) is on screen: the host then sends
// the next message. A frame that asks for no more (Pause) is shown at once.
// onEdit([{n, value: {layer, i, j, value}}, ...]) are clicks-to-set a weight
// (i = -1: a bias). onFeatures({n, value: [names]}) is a click on an input
// node: the features to use now. onView({n, value: {discretize, show_test}})
// is a flip of the two display options. Each such event has a number n and is
// told again with every onDrawn until a frame says the server has heard it
// (frame meta "heard": {edit, features, view}, the last n of each): a host may
// lose an event (Streamlit keeps only the newest value a component sent before
// the next run), and a click must never be lost.
// Nothing is created twice: the canvases and nodes live as long as the
// renderer and are repainted in place.

const ORANGE = [232, 116, 59], WHITE = [247, 247, 247], BLUE = [46, 134, 222];
const CLASS_COLORS = ["#e8743b", "#2e86de", "#19a979", "#c23b6b", "#8e6cbd", "#b3a23a",
  "#5c5c5c", "#13a4b4", "#945ecf", "#d4526e"];
const GRAD_POS = "#c23b6b", GRAD_NEG = "#19a979";
const FRAME_MS = 1000 / 30;        // frames that come together are shown this far apart
const MAX_QUEUE = 12;              // frames waiting to be shown, at most
const SVGNS = "http://www.w3.org/2000/svg";

// ------------------------------------------------------------------ decoding
/** A message's bytes -> the frames in it: one frame (b"GPF1"...) or a bundle
 * (b"GPFS" | uint32 count | count x uint32 length | the frames, each padded
 * to 8 bytes), the inverse of frames.bundle in Python. */
export function splitFrames(data) {
  const u8 = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (u8[0] !== 71 || u8[1] !== 80 || u8[2] !== 70 || u8[3] !== 83) return [u8];
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const count = view.getUint32(4, true), frames = [];
  let at = 8 + 4 * count;
  at += (8 - (at % 8)) % 8;
  for (let k = 0; k < count; k++) {
    const len = view.getUint32(8 + 4 * k, true);
    frames.push(u8.subarray(at, at + len));
    at += len + ((8 - (len % 8)) % 8);
  }
  return frames;
}

/** A frame's bytes -> {header, blobs}: the inverse of frames.pack in Python. */
export function decodeFrame(data) {
  const u8 = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (u8[0] !== 71 || u8[1] !== 80 || u8[2] !== 70 || u8[3] !== 49) throw new Error("not a gradplay frame");
  const n = new DataView(u8.buffer, u8.byteOffset, u8.byteLength).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const start = 8 + n + ((8 - ((8 + n) % 8)) % 8);
  const kinds = { uint8: Uint8Array, float32: Float32Array, float64: Float64Array };
  const blobs = {};
  for (const [name, [off, len, dtype]] of Object.entries(header.blobs)) {
    const bytes = u8.slice(start + off, start + off + len);   // a copy: aligned for any dtype
    blobs[name] = new kinds[dtype](bytes.buffer);
  }
  return { header, blobs };
}

// ------------------------------------------------------------------ colours
function mix(a, b, t) { return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]; }
/** 256 colours: orange (code 0) -> white (128) -> blue (255), the map of viz.plots.class_cmap. */
function divergingLUT() {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let q = 0; q < 256; q++) {
    const t = q / 255, c = t < 0.5 ? mix(ORANGE, WHITE, 2 * t) : mix(WHITE, BLUE, 2 * t - 1);
    lut.set(c.map(Math.round), 3 * q);
  }
  return lut;
}
const LUT = divergingLUT();
function hexRGB(h) { return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)); }

/** Paint uint8 codes (res x res) into an ImageData through the diverging map. */
function paintCodes(img, codes, discrete) {
  const d = img.data;
  for (let k = 0; k < codes.length; k++) {
    let q = codes[k];
    if (discrete) q = q >= 128 ? 255 : 0;
    d[4 * k] = LUT[3 * q]; d[4 * k + 1] = LUT[3 * q + 1]; d[4 * k + 2] = LUT[3 * q + 2]; d[4 * k + 3] = 255;
  }
}

/** Softmax output: each cell in its class's colour, paler where less sure. */
function paintClasses(img, cls, conf, discrete) {
  const d = img.data, cols = CLASS_COLORS.map(hexRGB);
  for (let k = 0; k < cls.length; k++) {
    const t = discrete ? 0.75 : 0.15 + 0.7 * conf[k] / 255;
    const c = mix(WHITE, cols[cls[k] % cols.length], t);
    d[4 * k] = c[0]; d[4 * k + 1] = c[1]; d[4 * k + 2] = c[2]; d[4 * k + 3] = 255;
  }
}

function el(tag, cls, parent, attrs) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (attrs) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

/** Change an element's text only when it differs (a text change costs a layout). */
function setText(e, text) { if (e.textContent !== text) e.textContent = text; }

function fmt(x, digits = 3) {
  if (x === null || x === undefined || !isFinite(x)) return "—";
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(1) : x.toFixed(digits);
}
function pct(x) { return x === null || x === undefined || !isFinite(x) ? "—" : (100 * x).toFixed(1) + "%"; }

// ------------------------------------------------------------------ the renderer
export function createRenderer(host, options = {}) {
  const opts = { height: 500, ...options };
  const root = el("div", "gp-live", host);
  root.style.height = opts.height + "px";

  // left: the network
  const left = el("div", "gp-left", root);
  const bar = el("div", "gp-bar", left);
  const modeW = el("button", "gp-mode gp-on", bar, { type: "button", "data-testid": "gp-mode-weights" });
  modeW.textContent = "Weights";
  const modeG = el("button", "gp-mode", bar, { type: "button", "data-testid": "gp-mode-gradients" });
  modeG.textContent = "Gradients";
  const legend = el("span", "gp-legend", bar);
  const net = el("div", "gp-network", left, { "data-testid": "gp-network", "data-mode": "weights" });
  const netCanvas = el("canvas", "gp-netcanvas", net);    // edges, maps and biases: repainted
  const nctx = netCanvas.getContext("2d");
  const svg = document.createElementNS(SVGNS, "svg");     // invisible, fixed: where to click
  svg.setAttribute("class", "gp-edges");
  net.appendChild(svg);
  const nodesBox = el("div", "gp-nodes", net);            // invisible, fixed: where to hover

  // right: numbers, curves, boundary
  const right = el("div", "gp-right", root);
  const stats = el("div", "gp-stats", right);
  el("span", "gp-label", stats).textContent = "epoch ";
  const epochEl = el("span", "gp-epoch", stats, { "data-testid": "gp-epoch" });
  epochEl.textContent = "0";
  const metricsEl = el("div", "gp-metrics", right, { "data-testid": "gp-metrics" });
  const curves = el("canvas", "gp-curves", right, { "data-testid": "gp-curves" });
  const bwrap = el("div", "gp-boundary", right, { "data-testid": "gp-boundary" });
  const board = el("canvas", "gp-board", bwrap);
  const focusEl = el("div", "gp-focus", right, { "data-testid": "gp-focus" });
  const optsRow = el("div", "gp-options", right);
  const testBox = labelled(optsRow, "show test data", true, "gp-show-test");
  const discBox = labelled(optsRow, "discretize output", false, "gp-discretize");
  const stoppedEl = el("div", "gp-stopped", right, { "data-testid": "gp-stopped" });
  const editor = el("div", "gp-editor", root);
  editor.style.display = "none";
  const editLabel = el("span", "", editor);
  const editInput = el("input", "", editor, { type: "number", step: "any", "data-testid": "gp-edit-input" });

  const side = Math.min(300, opts.height - 212);            // the boundary's square
  const dpr = window.devicePixelRatio || 1;
  board.width = board.height = Math.round(side * dpr);
  board.style.width = board.style.height = side + "px";
  curves.width = Math.round(side * dpr); curves.height = Math.round(100 * dpr);
  curves.style.width = side + "px"; curves.style.height = "100px";
  const bctx = board.getContext("2d"), cctx = curves.getContext("2d");
  const grid = document.createElement("canvas");          // the boundary at its own resolution
  const gctx = grid.getContext("2d");

  const state = {
    mode: "weights", focus: null, frame: null, run: null, layout: null, statics: null,
    rows: { epoch: [], loss: [], test_loss: [], acc: [], test_acc: [] }, lastEpoch: -1, partial: false,
    seq: 0, ackTimer: null, edit: null, queue: [], queueTimer: null, view: null,
  };

  function labelled(parent, text, checked, testid) {
    const lab = el("label", "gp-check", parent);
    const box = el("input", "", lab, { type: "checkbox", "data-testid": testid });
    box.checked = checked;
    lab.appendChild(document.createTextNode(" " + text));
    box.addEventListener("change", () => {
      repaint();
      tell("view", { discretize: discBox.checked, show_test: testBox.checked });
    });
    return box;
  }

  /** The display options as the server has them (a link, or classroom mode):
   * applied when they change there, so a click here is not undone by a frame
   * that left before the click arrived. Hidden options are not drawn. */
  function syncView(meta) {
    const view = meta.view, hide = meta.hide || [];
    if (!view) return;
    const seen = state.view || {};
    if (view.discretize !== seen.discretize) discBox.checked = view.discretize;
    if (view.show_test !== seen.show_test) testBox.checked = view.show_test;
    discBox.parentElement.style.display = hide.includes("discretize") ? "none" : "";
    testBox.parentElement.style.display = hide.includes("show_test") ? "none" : "";
    state.view = view;
  }

  /** Whether the page hides a control (classroom mode): its lever here is off too. */
  function hidden(name) { const m = state.frame && state.frame.h.meta; return !!(m && m.hide && m.hide.includes(name)); }

  // ---------------------------------------------------------------- events the server must hear
  const unheard = { n: Date.now(), edit: [], features: null, view: null };   // n: numbers only grow
  const HANDLERS = { edit: "onEdit", features: "onFeatures", view: "onView" };
  /** Tell the host of a click (see the top of this file): now, and with every
   * acknowledgement until a frame confirms it. Edits are kept in a list (each
   * one counts); a newer features or view event replaces the older one. */
  function tell(name, value) {
    const ev = { n: ++unheard.n, value };
    if (name === "edit") unheard.edit.push(ev); else unheard[name] = ev;
    retell(name);
  }
  function retell(name) {
    const handler = options[HANDLERS[name]], ev = unheard[name];
    if (handler && ev && (name !== "edit" || ev.length)) handler(ev);
  }
  /** The events a frame says the server has heard are not told again. */
  function heard(h) {
    const got = (h.meta && h.meta.heard) || {};
    unheard.edit = unheard.edit.filter((e) => e.n > (got.edit || 0));
    for (const name of ["features", "view"]) if (unheard[name] && unheard[name].n <= (got[name] || 0)) unheard[name] = null;
  }

  function setMode(mode) {
    state.mode = mode;
    modeW.classList.toggle("gp-on", mode === "weights");
    modeG.classList.toggle("gp-on", mode === "gradients");
    net.setAttribute("data-mode", mode);
    repaint();
  }
  modeW.addEventListener("click", () => setMode("weights"));
  modeG.addEventListener("click", () => setMode("gradients"));

  // ---------------------------------------------------------------- layout of the network
  /** The input column: every feature (TF Playground), with ``unit`` its input
   * position in the network, or -1 for a feature the network does not read. */
  function inputColumn(h) {
    const fs = h.features;
    if (!fs) return h.layers[0].names.map((label, unit) => ({ name: null, label, unit }));
    return fs.names.map((name, k) => ({ name, label: fs.labels[k], unit: fs.active.indexOf(name), k }));
  }

  /** A click on an input node: that feature on or off (never the last one off). */
  function toggleFeature(name) {
    const fs = state.frame && state.frame.h.features;
    if (!fs || !options.onFeatures || hidden("features")) return;
    const on = new Set(fs.active);
    if (on.has(name)) on.delete(name); else on.add(name);
    if (on.size === 0) return;
    tell("features", fs.names.filter((n) => on.has(n)));
  }

  function buildLayout(h) {
    const inputs = inputColumn(h);
    const sizes = [inputs.length, ...h.layers.slice(1).map((l) => l.shown)];
    const key = h.run + "|" + sizes.join(",") + "|" + h.map_res;
    if (state.layout && state.layout.key === key) return state.layout;
    state.focus = null;                                   // its node is gone
    nodesBox.textContent = "";
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const W = Math.max(net.clientWidth, 300), H = net.clientHeight || (opts.height - 40);
    const most = Math.max(...sizes);
    const node = Math.max(14, Math.min(40, Math.floor((H - 16) / most) - 10));
    const cols = sizes.length, xpad = 46;
    const step = cols > 1 ? (W - 2 * xpad - node) / (cols - 1) : 0;
    svg.setAttribute("width", W); svg.setAttribute("height", H);
    netCanvas.width = Math.round(W * dpr); netCanvas.height = Math.round(H * dpr);
    netCanvas.style.width = W + "px"; netCanvas.style.height = H + "px";
    const nodes = [], units = [], edges = [];      // nodes: as drawn; units: the network's, in order
    h.layers.forEach((layer, l) => {
      const n = sizes[l], gap = Math.min(node + 12, (H - 16) / n);
      const top = (H - gap * (n - 1) - node) / 2;
      const col = [];
      for (let j = 0; j < n; j++) {
        const x = xpad + l * step, y = top + j * gap;
        const input = l === 0 ? inputs[j] : null, unit = input ? input.unit : j;
        const box = el("div", "gp-node", nodesBox, { "data-testid": input ? `gp-input-${input.name || j}` : `gp-node-${l}-${j}` });
        box.style.left = x + "px"; box.style.top = y + "px";
        box.style.width = box.style.height = node + "px";
        const c = document.createElement("canvas");           // the map at its own resolution
        c.width = c.height = h.map_res;
        if (input) {
          el("span", "gp-name", box).textContent = input.label;
          box.setAttribute("data-active", String(unit >= 0));
          if (input.name && options.onFeatures && !hidden("features")) {
            box.classList.add("gp-toggle");
            box.title = unit >= 0 ? "click to stop using this feature" : "click to feed this feature to the network";
            box.addEventListener("click", () => toggleFeature(input.name));
          }
        } else {
          const hit = el("span", "gp-bias-hit", box, { "data-testid": `gp-bias-${l}-${j}`, title: "click to set the bias" });
          hit.addEventListener("click", (ev) => openEditor(ev, l - 1, -1, j));
        }
        const focus = input && unit < 0 ? { l, j: -1, k: input.k } : { l, j: unit };
        box.addEventListener("mouseenter", () => { state.focus = focus; paintBoundary(); });
        box.addEventListener("mouseleave", () => { state.focus = null; paintBoundary(); });
        col.push({ x, y, box, canvas: c, ctx: c.getContext("2d"), img: null, unit, k: input ? input.k : null });
      }
      if (layer.units > layer.shown) {
        const more = el("div", "gp-more", nodesBox);
        more.textContent = `+${layer.units - layer.shown} more`;
        more.style.left = xpad + l * step - 8 + "px"; more.style.top = top + gap * n - 6 + "px";
      }
      nodes.push(col);
      units.push(col.filter((c) => c.unit >= 0).sort((a, b) => a.unit - b.unit));
    });
    for (let l = 0; l + 1 < units.length; l++) {
      for (let i = 0; i < units[l].length; i++) {
        for (let j = 0; j < units[l + 1].length; j++) {
          const a = units[l][i], b = units[l + 1][j];
          const pts = [a.x + node, a.y + node / 2, b.x, b.y + node / 2];
          const hit = lineEl(pts, "gp-hit");
          hit.setAttribute("data-testid", `gp-edge-${l}-${i}-${j}`);
          const title = document.createElementNS(SVGNS, "title");
          hit.appendChild(title);
          hit.addEventListener("mouseenter", () => {
            const f = state.frame;
            if (f) title.textContent = `w = ${fmt(f.weight(l, i, j), 4)}   ∂L/∂w = ${fmt(f.dweight(l, i, j), 4)}   (click to set w)`;
          });
          hit.addEventListener("click", (ev) => openEditor(ev, l, i, j));
          edges.push({ l, i, j, pts });
        }
      }
    }
    state.layout = { key, nodes, edges, node };
    return state.layout;
  }

  function lineEl([x1, y1, x2, y2], cls) {
    const line = document.createElementNS(SVGNS, "line");
    line.setAttribute("class", cls);
    line.setAttribute("x1", x1); line.setAttribute("y1", y1);
    line.setAttribute("x2", x2); line.setAttribute("y2", y2);
    svg.appendChild(line);
    return line;
  }

  // ---------------------------------------------------------------- editing a weight
  function openEditor(ev, layer, i, j) {
    const f = state.frame;
    if (!f || !options.onEdit) return;
    ev.stopPropagation();
    const v = i === -1 ? f.bias(layer, j) : f.weight(layer, i, j);
    state.edit = { layer, i, j };
    editLabel.textContent = i === -1 ? `bias of layer ${layer + 1} unit ${j + 1} ` :
      `weight ${i + 1}→${j + 1} (layer ${layer + 1}) `;
    editInput.value = Number(v.toPrecision(4));
    const r = root.getBoundingClientRect();
    editor.style.left = Math.min(ev.clientX - r.left, r.width - 260) + "px";
    editor.style.top = Math.max(0, ev.clientY - r.top - 40) + "px";
    editor.style.display = "flex";
    editInput.focus(); editInput.select();
  }
  editInput.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") { editor.style.display = "none"; state.edit = null; }
    if (ev.key !== "Enter" || !state.edit) return;
    const value = parseFloat(editInput.value);
    if (isFinite(value)) tell("edit", { ...state.edit, value });
    editor.style.display = "none"; state.edit = null;
  });

  // ---------------------------------------------------------------- painting
  /** Feature k's map (all features come once per run, with the data), or null. */
  function featureMap(k) {
    const st = state.statics, mm = state.frame.h.map_res ** 2;
    if (k === null || !st || !st.feature_maps || st.run !== state.frame.h.run) return null;
    return st.feature_maps.subarray(k * mm, (k + 1) * mm);
  }

  function paintNetwork() {
    const f = state.frame, lay = state.layout;
    if (!f || !lay) return;
    const grads = state.mode === "gradients", sc = f.h.scales, node = lay.node;
    const ctx = nctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, netCanvas.width, netCanvas.height);
    const s = grads ? sc.dW : sc.W;
    for (const e of lay.edges) {
      const v = grads ? f.dweight(e.l, e.i, e.j) : f.weight(e.l, e.i, e.j);
      const t = s > 0 ? Math.min(Math.abs(v) / s, 1) : 0;
      ctx.strokeStyle = grads ? (v >= 0 ? GRAD_POS : GRAD_NEG) : (v >= 0 ? CLASS_COLORS[1] : CLASS_COLORS[0]);
      ctx.globalAlpha = 0.35 + 0.65 * t;
      ctx.lineWidth = 0.4 + 4.6 * t;
      ctx.beginPath(); ctx.moveTo(e.pts[0], e.pts[1]); ctx.lineTo(e.pts[2], e.pts[3]); ctx.stroke();
    }
    ctx.globalAlpha = 1;
    ctx.font = "10px sans-serif"; ctx.textBaseline = "top";
    lay.nodes.forEach((col, l) => col.forEach((n) => {
      const j = n.unit, codes = j >= 0 ? f.map(l, j) : featureMap(n.k);
      if (!n.img) n.img = n.ctx.createImageData(f.h.map_res, f.h.map_res);
      if (codes) { paintCodes(n.img, codes, false); n.ctx.putImageData(n.img, 0, 0); }
      ctx.imageSmoothingEnabled = true;
      ctx.globalAlpha = j >= 0 ? 1 : 0.3;                  // a feature the network does not read
      if (codes) ctx.drawImage(n.canvas, n.x, n.y, node, node);
      ctx.globalAlpha = 1;
      let ring = "#999", width = 1;
      if (j < 0) ctx.setLineDash([3, 3]);
      if (l > 0) {
        const v = grads ? f.dbias(l - 1, j) : f.bias(l - 1, j);
        const bs = grads ? sc.db : sc.b, t = bs > 0 ? Math.min(Math.abs(v) / bs, 1) : 0;
        ring = grads ? (v >= 0 ? GRAD_POS : GRAD_NEG) : (v >= 0 ? CLASS_COLORS[1] : CLASS_COLORS[0]);
        width = grads ? 1 + 3 * t : 1;
        const label = (grads ? "∂b " : "b ") + fmt(v, 2);
        ctx.fillStyle = "rgba(255,255,255,0.85)";
        ctx.fillRect(n.x + node - 10, n.y + node + 1, ctx.measureText(label).width + 2, 11);
        ctx.fillStyle = "#444"; ctx.fillText(label, n.x + node - 9, n.y + node + 1);
      }
      ctx.strokeStyle = ring; ctx.lineWidth = width;
      ctx.strokeRect(n.x - width / 2, n.y - width / 2, node + width, node + width);
      ctx.setLineDash([]);
    }));
    setText(legend, grads
      ? "edge and ring: ∂L/∂w, ∂L/∂b of the last step — magenta > 0 (it will fall), green < 0 (it will rise)"
      : "edge: weight — blue > 0, orange < 0, thicker is larger · b: bias · click an edge or a bias to set it" +
        (f.h.features && options.onFeatures && !hidden("features") ? " · click an input to switch it on or off" : ""));
  }

  function toCanvas(x, y, side) {
    const [x0, x1, y0, y1] = state.frame.h.bounds;
    return [(x - x0) / (x1 - x0) * side, (y1 - y) / (y1 - y0) * side];
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
    if (focus.j >= layer.shown) return null;
    const [lo, hi] = layer.ranges[focus.j];
    return { codes: f.map(focus.l, focus.j), id: `${focus.l}-${focus.j}`,
      text: focus.l === 0
        ? `showing input ${layer.names ? layer.names[focus.j] : focus.j + 1} over the plane (${fmt(lo, 2)} to ${fmt(hi, 2)})`
        : `showing layer ${focus.l} unit ${focus.j + 1} (${layer.activation}, ${fmt(lo, 2)} to ${fmt(hi, 2)})` };
  }

  function paintBoundary() {
    const f = state.frame;
    if (!f) return;
    const discrete = discBox.checked, focused = focusedMap(f, state.focus);
    let res, img;
    if (focused) {
      res = f.h.map_res;
      img = gctx.createImageData(res, res);
      paintCodes(img, focused.codes, false);
      setText(focusEl, focused.text);
      focusEl.setAttribute("data-focus", focused.id);
    } else {
      const b = f.h.boundary;
      res = b.res;
      img = gctx.createImageData(res, res);
      if (b.kind === "class") paintClasses(img, f.b.boundary, f.b.confidence, discrete);
      else paintCodes(img, f.b.boundary, discrete && b.kind === "prob");
      setText(focusEl, b.kind === "prob" ? "p(class 1): orange 0 · white ½ · blue 1 · hover a neuron for its map"
        : b.kind === "class" ? "predicted class (paler: less sure) · hover a neuron for its map"
        : `prediction ${fmt(b.lo, 2)} (orange) to ${fmt(b.hi, 2)} (blue) · hover a neuron`);
      focusEl.setAttribute("data-focus", "output");
    }
    if (grid.width !== res) { grid.width = grid.height = res; }
    gctx.putImageData(img, 0, 0);
    const side = board.width;
    bctx.imageSmoothingEnabled = !discrete;
    bctx.drawImage(grid, 0, 0, side, side);
    paintPoints(side);
  }

  function paintPoints(side) {
    const st = state.statics;
    if (!st || st.run !== state.frame.h.run) return;
    const kind = state.frame.h.boundary.kind, b = state.frame.h.boundary;
    const r = 2.6 * dpr;
    const draw = (xs, ys, edge, square) => {
      bctx.lineWidth = 1 * dpr; bctx.strokeStyle = edge;
      for (let k = 0; k < ys.length; k++) {
        const [px, py] = toCanvas(xs[2 * k], xs[2 * k + 1], side);
        if (kind === "value") {
          const q = Math.max(0, Math.min(255, Math.round((ys[k] - b.lo) / ((b.hi - b.lo) || 1) * 255)));
          bctx.fillStyle = `rgb(${LUT[3 * q]},${LUT[3 * q + 1]},${LUT[3 * q + 2]})`;
        } else bctx.fillStyle = CLASS_COLORS[ys[k] % CLASS_COLORS.length];
        bctx.beginPath();
        if (square) bctx.rect(px - r, py - r, 2 * r, 2 * r); else bctx.arc(px, py, r, 0, 2 * Math.PI);
        bctx.fill(); bctx.stroke();
      }
    };
    draw(st.train_x, st.train_y, "#ffffff", false);
    if (testBox.checked) draw(st.test_x, st.test_y, "#222222", true);
  }

  function paintCurves() {
    const R = state.rows, n = R.epoch.length, w = curves.width, h = curves.height;
    cctx.clearRect(0, 0, w, h);
    cctx.fillStyle = "#fafafa"; cctx.fillRect(0, 0, w, h);
    if (n === 0) return;
    const e0 = R.epoch[0], e1 = Math.max(R.epoch[n - 1], e0 + 1);
    const X = (e) => 4 * dpr + (e - e0) / (e1 - e0) * (w - 8 * dpr);
    const top = h * 0.62;                                   // loss above, accuracy below
    let lo = Infinity, hi = -Infinity;
    for (const key of ["loss", "test_loss"]) for (const v of R[key]) if (v > 0 && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    const line = (key, color, Y) => {
      cctx.strokeStyle = color; cctx.lineWidth = 1.4 * dpr; cctx.beginPath();
      let started = false;
      for (let k = 0; k < n; k++) {
        const v = R[key][k];
        if (v === null || !isFinite(v)) continue;
        const y = Y(v);
        if (!started) { cctx.moveTo(X(R.epoch[k]), y); started = true; } else cctx.lineTo(X(R.epoch[k]), y);
      }
      cctx.stroke();
    };
    if (isFinite(lo)) {
      const l0 = Math.log10(lo), l1 = Math.max(Math.log10(hi), l0 + 1e-6);
      const Y = (v) => 3 * dpr + (1 - (Math.log10(Math.max(v, lo)) - l0) / (l1 - l0)) * (top - 6 * dpr);
      line("loss", CLASS_COLORS[1], Y); line("test_loss", CLASS_COLORS[0], Y);
    }
    // the score panel: accuracy, or R² (from 0 to 1; a worse-than-the-mean R² < 0 sits on the floor)
    const Ya = (v) => top + 3 * dpr + (1 - Math.max(v, 0)) * (h - top - 6 * dpr);
    cctx.setLineDash([4 * dpr, 3 * dpr]);
    line("acc", CLASS_COLORS[1], Ya); line("test_acc", CLASS_COLORS[0], Ya);
    cctx.setLineDash([]);
    cctx.fillStyle = "#666"; cctx.font = `${10 * dpr}px sans-serif`;
    cctx.fillText("loss (log)", 6 * dpr, 12 * dpr);
    cctx.fillText(state.frame && state.frame.h.score === "r2" ? "R²" : "accuracy", 6 * dpr, top + 12 * dpr);
    cctx.strokeStyle = "#ddd"; cctx.lineWidth = 1; cctx.beginPath(); cctx.moveTo(0, top); cctx.lineTo(w, top); cctx.stroke();
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
    if (!state.frame) return;
    paintNetwork(); paintBoundary(); paintCurves(); paintText();
  }

  // ---------------------------------------------------------------- frames
  function accept(frame) {
    const { header: h, blobs: b } = frame;
    // positions of each layer's weights and maps in the flat blobs
    const wOff = [], bOff = [], mOff = [];
    let w = 0, bb = 0, m = 0;
    for (let l = 0; l + 1 < h.sizes.length; l++) { wOff.push(w); bOff.push(bb); w += h.sizes[l] * h.sizes[l + 1]; bb += h.sizes[l + 1]; }
    for (const layer of h.layers) { mOff.push(m); m += layer.shown; }
    const mm = h.map_res * h.map_res;
    return {
      h, b,
      weight: (l, i, j) => b.W[wOff[l] + i * h.sizes[l + 1] + j],
      dweight: (l, i, j) => b.dW[wOff[l] + i * h.sizes[l + 1] + j],
      bias: (l, j) => b.b[bOff[l] + j],
      dbias: (l, j) => b.db[bOff[l] + j],
      map: (l, j) => b.maps.subarray((mOff[l] + j) * mm, (mOff[l] + j + 1) * mm),
    };
  }

  function appendRows(h, rows) {
    const R = state.rows;
    // a new run, or the whole history again after a partial start: begin afresh
    if (state.run !== h.run || (state.partial && h.since < 0)) {
      for (const k of Object.keys(R)) R[k] = [];
      state.lastEpoch = -1; state.run = h.run;
      state.partial = h.since >= 0;        // joined mid-run: ask for the whole history
    }
    const keys = ["epoch", "loss", "test_loss", "acc", "test_acc"];
    for (let k = 0; k + 4 < rows.length; k += 5) {
      if (rows[k] <= state.lastEpoch) continue;           // already drawn
      keys.forEach((key, c) => R[key].push(rows[k + c]));
      state.lastEpoch = rows[k];
    }
    if (R.epoch.length > 600)                            // keep the curve light: every other point
      for (const key of keys) R[key] = R[key].filter((_, i) => i % 2 === 0 || i === R[key].length - 1);
  }

  // A message may bring several frames made 1/30 s apart (one Streamlit update
  // costs the page more than painting does): they are shown one after another,
  // that far apart, behind any still waiting from the last message. After the
  // last frame of a message the browser asks for more: the server, which never
  // has more than a few frames unanswered, bounds the wait. A frame that asks
  // for nothing (paused, finished) is the run as it is now: shown at once.
  function draw(data) {
    const frames = splitFrames(data).map(decodeFrame);
    const last = frames[frames.length - 1];
    last.last = true;
    if (!last.header.more) {
      for (const f of state.queue.splice(0)) take(f);                    // kept, not shown
      clearTimeout(state.queueTimer); state.queueTimer = null;
    }
    state.queue.push(...frames);
    while (state.queue.length > MAX_QUEUE) take(state.queue.shift());   // kept, not shown
    if (!state.queueTimer) showNext();
  }

  function showNext() {
    state.queueTimer = null;
    const frame = state.queue.shift();
    if (!frame) return;
    if (take(frame)) show(frame.header, frame.last);
    if (state.queue.length) state.queueTimer = setTimeout(showNext, FRAME_MS);
  }

  /** Make a frame the current one (false: it is older than what is shown). */
  function take(frame) {
    const h = frame.header;
    if (h.run === state.run && h.seq !== 0 && h.seq < state.seq) return false;   // an older frame
    state.seq = h.seq;
    if (h.static) state.statics = { run: h.run, train_x: frame.blobs.train_x, train_y: frame.blobs.train_y,
      test_x: frame.blobs.test_x, test_y: frame.blobs.test_y,
      feature_maps: frame.blobs.feature_maps, feature_ranges: h.feature_ranges };
    syncView(h.meta || {});
    heard(h);
    appendRows(h, frame.blobs.rows);
    state.frame = accept(frame);
    return true;
  }

  /** Paint the current frame; once the last frame of a message is on screen, ask for more. */
  function show(h, last) {
    buildLayout(h);
    repaint();
    if (root.getAttribute("data-run") !== h.run) root.setAttribute("data-run", h.run);
    root.setAttribute("data-seq", String(h.seq));
    clearTimeout(state.ackTimer);
    if (h.more && options.onDrawn && last) {
      const ack = { seq: h.seq, epoch: state.partial ? -1 : state.lastEpoch, run: h.run,
        statics: state.statics ? state.statics.run : null };
      Object.keys(HANDLERS).forEach(retell);       // with the ack: one message to the host
      options.onDrawn(ack);
      // if the next frame never comes (a lost request), ask again
      let tries = 0;
      const again = () => { if (state.seq === h.seq && tries++ < 20) { options.onDrawn({ ...ack, retry: tries }); state.ackTimer = setTimeout(again, 1000); } };
      state.ackTimer = setTimeout(again, 1000);
    }
  }

  return { draw, root, destroy: () => { clearTimeout(state.ackTimer); clearTimeout(state.queueTimer); root.remove(); } };
}
