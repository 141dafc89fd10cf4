// The network: every neuron as a small map of its output over the plane (as
// in TF Playground), every weight as an edge, coloured and sized by the
// weight, by the last step's gradient dL/dw, or -- with an example picked --
// by that example's own numbers (w·a going forward, its dL/dw going back).
//
// Drawn on one canvas, repainted each frame; invisible SVG lines and boxes on
// top take the clicks (set a weight or a bias, switch an input feature, open
// a neuron) and the hovers (show a neuron's map in the big plot). Nothing is
// created twice: the layout is rebuilt only when the network's shape changes.

import { CLASS_COLORS, GRAD_NEG, GRAD_POS, paintCodes } from "./colors.js";
import { el, fmt, setText, SVGNS } from "./dom.js";

export function createNetwork(parent, { height, onHover, onEdit, onFeature, onNeuron, onSelect, hidden }) {
  const dpr = window.devicePixelRatio || 1;
  const bar = el("div", "gp-bar", parent);
  const modeW = el("button", "gp-mode gp-on", bar, { type: "button", "data-testid": "gp-mode-weights" });
  modeW.textContent = "Weights";
  const modeG = el("button", "gp-mode", bar, { type: "button", "data-testid": "gp-mode-gradients" });
  modeG.textContent = "Gradients";
  const legend = el("span", "gp-legend", bar);
  const net = el("div", "gp-network", parent, { "data-testid": "gp-network", "data-mode": "weights" });
  const canvas = el("canvas", "gp-netcanvas", net);
  const ctx = canvas.getContext("2d");
  const svg = document.createElementNS(SVGNS, "svg");
  svg.setAttribute("class", "gp-edges");
  net.appendChild(svg);
  const nodesBox = el("div", "gp-nodes", net);
  const editor = el("div", "gp-editor", parent.parentElement || parent);
  editor.style.display = "none";
  const editLabel = el("span", "", editor);
  const editInput = el("input", "", editor, { type: "number", step: "any", "data-testid": "gp-edit-input" });
  const pullBtn = el("button", "gp-mode", editor, { type: "button", "data-testid": "gp-pull" });
  pullBtn.textContent = "Which points pull it?";
  let mode = "weights", layout = null, frame = null, editing = null, repaint = () => {};

  function setMode(m) {
    mode = m;
    modeW.classList.toggle("gp-on", m === "weights");
    modeG.classList.toggle("gp-on", m === "gradients");
    net.setAttribute("data-mode", m);
    repaint();
  }
  modeW.addEventListener("click", () => setMode("weights"));
  modeG.addEventListener("click", () => setMode("gradients"));

  /** The input column: every feature (TF Playground), with `unit` its input
   * position in the network, or -1 for a feature the network does not read. */
  function inputColumn(h) {
    const fs = h.features;
    if (!fs) return h.layers[0].names.map((label, unit) => ({ name: null, label, unit }));
    return fs.names.map((name, k) => ({ name, label: fs.labels[k], unit: fs.active.indexOf(name), k }));
  }

  function lineEl([x1, y1, x2, y2]) {
    const line = document.createElementNS(SVGNS, "line");
    line.setAttribute("class", "gp-hit");
    line.setAttribute("x1", x1); line.setAttribute("y1", y1);
    line.setAttribute("x2", x2); line.setAttribute("y2", y2);
    svg.appendChild(line);
    return line;
  }

  /** One node's box: where to hover and click. */
  function nodeBox(h, l, j, x, y, node, input) {
    const unit = input ? input.unit : j;
    const box = el("div", "gp-node", nodesBox, { "data-testid": input ? `gp-input-${input.name || j}` : `gp-node-${l}-${j}` });
    box.style.left = x + "px"; box.style.top = y + "px";
    box.style.width = box.style.height = node + "px";
    if (input) {
      el("span", "gp-name", box).textContent = input.label;
      box.setAttribute("data-active", String(unit >= 0));
      if (input.name && onFeature && !hidden("features")) {
        box.classList.add("gp-toggle");
        box.title = unit >= 0 ? "click to stop using this feature" : "click to feed this feature to the network";
        box.addEventListener("click", () => onFeature(input.name));
      }
    } else {
      const hit = el("span", "gp-bias-hit", box, { "data-testid": `gp-bias-${l}-${j}`, title: "click to set the bias" });
      hit.addEventListener("click", (ev) => openEditor(ev, l - 1, -1, j));
      if (onNeuron) box.addEventListener("click", () => onNeuron(l, j));
    }
    const focus = input && unit < 0 ? { l, j: -1, k: input.k } : { l, j: unit };
    box.addEventListener("mouseenter", () => onHover(focus));
    box.addEventListener("mouseleave", () => onHover(null));
    const c = document.createElement("canvas");           // the map at its own resolution
    c.width = c.height = h.map_res;
    return { x, y, box, canvas: c, ctx: c.getContext("2d"), img: null, unit, k: input ? input.k : null };
  }

  function edgeHit(l, i, j, pts) {
    const hit = lineEl(pts);
    hit.setAttribute("data-testid", `gp-edge-${l}-${i}-${j}`);
    const title = document.createElementNS(SVGNS, "title");
    hit.appendChild(title);
    hit.addEventListener("mouseenter", () => {
      if (frame) title.textContent = `w[${l + 1}][${i},${j}] = ${fmt(frame.weight(l, i, j), 4)}   ∂L/∂w = ${fmt(frame.dweight(l, i, j), 4)}   (click to set it)`;
    });
    hit.addEventListener("click", (ev) => openEditor(ev, l, i, j));
    return { l, i, j, pts };
  }

  /** Nodes and edges for a network of this shape (kept until the shape changes). */
  function build(h) {
    const inputs = inputColumn(h);
    const sizes = [inputs.length, ...h.layers.slice(1).map((l) => l.shown)];
    const key = h.run + "|" + sizes.join(",") + "|" + h.map_res + "|" + net.clientHeight;
    if (layout && layout.key === key) return layout;
    onHover(null);                                         // its node is gone
    nodesBox.textContent = "";
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const W = Math.max(net.clientWidth, 300), H = net.clientHeight || (height - 40);
    const node = Math.max(14, Math.min(40, Math.floor((H - 16) / Math.max(...sizes)) - 10));
    const step = sizes.length > 1 ? (W - 2 * 46 - node) / (sizes.length - 1) : 0;
    svg.setAttribute("width", W); svg.setAttribute("height", H);
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    canvas.style.width = W + "px"; canvas.style.height = H + "px";
    const nodes = [], units = [], edges = [];       // nodes: as drawn; units: the network's, in order
    h.layers.forEach((layer, l) => {
      const n = sizes[l], gap = Math.min(node + 12, (H - 16) / n), top = (H - gap * (n - 1) - node) / 2;
      const col = [];
      for (let j = 0; j < n; j++) col.push(nodeBox(h, l, j, 46 + l * step, top + j * gap, node, l === 0 ? inputs[j] : null));
      if (layer.units > layer.shown) {
        const more = el("div", "gp-more", nodesBox);
        more.textContent = `+${layer.units - layer.shown} more`;
        more.style.left = 46 + l * step - 8 + "px"; more.style.top = top + gap * n - 6 + "px";
      }
      nodes.push(col);
      units.push(col.filter((c) => c.unit >= 0).sort((a, b) => a.unit - b.unit));
    });
    for (let l = 0; l + 1 < units.length; l++)
      for (let i = 0; i < units[l].length; i++)
        for (let j = 0; j < units[l + 1].length; j++) {
          const a = units[l][i], b = units[l + 1][j];
          edges.push(edgeHit(l, i, j, [a.x + node, a.y + node / 2, b.x, b.y + node / 2]));
        }
    layout = { key, nodes, edges, node };
    return layout;
  }

  // ---------------------------------------------------------------- editing a weight
  function openEditor(ev, layer, i, j) {
    if (!frame || !onEdit) return;
    ev.stopPropagation();
    const v = i === -1 ? frame.bias(layer, j) : frame.weight(layer, i, j);
    editing = { layer, i, j };
    editLabel.textContent = i === -1 ? `b[${layer + 1},${j}] = ` : `w[${layer + 1}][${i},${j}] = `;
    editInput.value = Number(v.toPrecision(4));
    const host = editor.parentElement.getBoundingClientRect();
    editor.style.left = Math.max(0, Math.min(ev.clientX - host.left, host.width - 420)) + "px";
    editor.style.top = Math.max(0, ev.clientY - host.top - 40) + "px";
    editor.style.display = "flex";
    editInput.focus(); editInput.select();
  }
  function closeEditor() { editor.style.display = "none"; editing = null; }
  editInput.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") closeEditor();
    if (ev.key !== "Enter" || !editing) return;
    const value = parseFloat(editInput.value);
    if (isFinite(value)) onEdit({ ...editing, value });
    closeEditor();
  });
  pullBtn.addEventListener("click", () => { if (editing && onSelect) onSelect(editing); closeEditor(); });

  // ---------------------------------------------------------------- painting
  /** An edge's number and its scale: the weight, the batch gradient, or the
   * picked example's w·a (forward) or dL/dw (backward). */
  function edgeValue(f, e, sample, back) {
    if (sample && !back) return [sample.wa(e.l, e.i, e.j), sample.scales.wa];
    if (sample) return [sample.dW(e.l, e.i, e.j), sample.scales.dW];
    return mode === "gradients" ? [f.dweight(e.l, e.i, e.j), f.h.scales.dW] : [f.weight(e.l, e.i, e.j), f.h.scales.W];
  }

  function paintEdges(f, sample, lit) {
    const back = mode === "gradients" || !!(lit && lit.back);
    for (const e of layout.edges) {
      const [v, s] = edgeValue(f, e, sample, back);
      const t = s > 0 ? Math.min(Math.abs(v) / s, 1) : 0;
      ctx.strokeStyle = back ? (v >= 0 ? GRAD_POS : GRAD_NEG) : (v >= 0 ? CLASS_COLORS[1] : CLASS_COLORS[0]);
      const on = !lit || lit.edge(e.l, e.i, e.j);
      ctx.globalAlpha = on ? 0.35 + 0.65 * t : 0.08;
      ctx.lineWidth = (0.4 + 4.6 * t) * (lit && on ? 1.4 : 1);
      ctx.beginPath(); ctx.moveTo(e.pts[0], e.pts[1]); ctx.lineTo(e.pts[2], e.pts[3]); ctx.stroke();
    }
    ctx.globalAlpha = 1;
  }

  /** The label under a node: its bias (or ∂L/∂b), or the picked example's a (or ∂L/∂z). */
  function nodeLabel(f, l, j, sample, back) {
    if (sample) return !back ? ["a " + fmt(sample.a(l, j), 2), sample.a(l, j)]
      : l > 0 ? ["∂z " + fmt(sample.dz(l, j), 3), sample.dz(l, j)] : null;
    if (l === 0) return null;
    const v = mode === "gradients" ? f.dbias(l - 1, j) : f.bias(l - 1, j);
    return [(mode === "gradients" ? "∂b " : "b ") + fmt(v, 2), v];
  }

  function paintNode(f, l, n, featureMap, sample, lit) {
    const node = layout.node, j = n.unit, codes = j >= 0 ? f.map(l, j) : featureMap(n.k);
    if (!n.img) n.img = n.ctx.createImageData(f.h.map_res, f.h.map_res);
    if (codes) { paintCodes(n.img, codes, false); n.ctx.putImageData(n.img, 0, 0); }
    const on = !lit || lit.node(l, j);
    ctx.globalAlpha = j < 0 ? 0.3 : on ? 1 : 0.35;       // a feature the network does not read
    if (codes) ctx.drawImage(n.canvas, n.x, n.y, node, node);
    ctx.globalAlpha = 1;
    const back = mode === "gradients" || !!(lit && lit.back);
    const label = j >= 0 ? nodeLabel(f, l, j, sample, back) : null;
    let ring = "#999", width = lit && on && j >= 0 ? 3 : 1;
    if (label) {
      const grads = back;
      ring = lit && on ? "#111" : grads ? (label[1] >= 0 ? GRAD_POS : GRAD_NEG) : (label[1] >= 0 ? CLASS_COLORS[1] : CLASS_COLORS[0]);
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fillRect(n.x + node - 10, n.y + node + 1, ctx.measureText(label[0]).width + 2, 11);
      ctx.fillStyle = "#444"; ctx.fillText(label[0], n.x + node - 9, n.y + node + 1);
    }
    if (j < 0) ctx.setLineDash([3, 3]);
    ctx.strokeStyle = ring; ctx.lineWidth = width;
    ctx.strokeRect(n.x - width / 2, n.y - width / 2, node + width, node + width);
    ctx.setLineDash([]);
  }

  function legendText(f, sample, lit) {
    if (sample) return mode === "weights" && !(lit && lit.back)
      ? "the picked example going forward: edge w·a (blue > 0, orange < 0), a under each neuron"
      : "the picked example going back: edge its ∂L/∂w, ∂z = ∂L/∂z under each neuron (magenta > 0, green < 0)";
    return mode === "gradients"
      ? "edge and ring: ∂L/∂w, ∂L/∂b of the last step — magenta > 0 (it will fall), green < 0 (it will rise)"
      : "edge: weight — blue > 0, orange < 0, thicker is larger · b: bias · click an edge or a bias to set it" +
        (f.h.features && onFeature && !hidden("features") ? " · click an input to switch it on or off" : "");
  }

  return {
    net, editor,
    get mode() { return mode; },
    onRepaint(fn) { repaint = fn; },
    /** Paint frame `f`; `featureMap(k)`: an unused feature's map; `sample`: the
     * picked example's numbers (or null); `lit`: what the step-through lights. */
    paint(f, { featureMap, sample, lit }) {
      frame = f;
      build(f.h);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      paintEdges(f, sample, lit);
      ctx.font = "10px sans-serif"; ctx.textBaseline = "top";
      layout.nodes.forEach((col, l) => col.forEach((n) => paintNode(f, l, n, featureMap, sample, lit)));
      setText(legend, legendText(f, sample, lit));
    },
  };
}
