// One neuron's scalar compute graph for the picked example, drawn live over
// the network: its inputs a and weights w, their products, the sum, the bias,
// the activation; each node with its data and its dL/d(node). The graph is
// the expression language's own (live.focus builds it with gradplay.expr):
// the same one the explorer draws and steps through.

import { el, fmt, setText, SVGNS } from "./dom.js";

const BOX_W = 70, BOX_H = 27, SLOT = 30;
const OPS = { "*": "×", "+": "+", tanh: "tanh", sigmoid: "σ", relu: "relu", leaky_relu: "leaky relu",
  softplus: "softplus", exp: "exp", "/": "÷", "**": "^", "-": "−", neg: "−" };

export function createNeuronGraph(parent, { onClose }) {
  const box = el("div", "gp-neuron", parent, { "data-testid": "gp-neuron" });
  box.style.display = "none";
  const head = el("div", "gp-neuron-head", box);
  const title = el("span", "", head);
  const close = el("button", "gp-x", head, { type: "button", "aria-label": "Close the neuron's graph" });
  close.textContent = "×";
  close.addEventListener("click", onClose);
  const svg = document.createElementNS(SVGNS, "svg");
  box.appendChild(svg);
  let shape = null, cells = [];

  /** A tidy tree: columns by depth (leaves left, the output right); the
   * leaves in the order the output reads them, one slot each; every other
   * node level with the middle of its children. */
  function layout(nodes) {
    const depth = nodes.map(() => 0);
    nodes.forEach((n, k) => { for (const c of n.children) depth[k] = Math.max(depth[k], depth[c] + 1); });
    const top = Math.max(...depth), y = [], seen = new Set();
    let slot = 0;
    const place = (k) => {                       // depth first from the output
      if (seen.has(k)) return y[k];
      seen.add(k);
      const kids = nodes[k].children;
      y[k] = kids.length ? kids.map(place).reduce((a, b) => a + b, 0) / kids.length : slot++ * SLOT;
      return y[k];
    };
    place(nodes.length - 1);
    const W = Math.max(box.clientWidth - 12, 200), H = Math.max(slot * SLOT, BOX_H);
    const dx = top > 0 ? (W - BOX_W) / top : 0;
    return { pos: nodes.map((_, k) => [depth[k] * dx, y[k] || 0]), W, H };
  }

  function build(n) {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const { pos, W, H } = layout(n.nodes);
    svg.setAttribute("width", W); svg.setAttribute("height", H);
    const add = (tag, attrs, text) => {
      const e = document.createElementNS(SVGNS, tag);
      for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
      if (text !== undefined) e.textContent = text;
      svg.appendChild(e);
      return e;
    };
    n.nodes.forEach((node, k) => node.children.forEach((c) => add("line", {
      x1: pos[c][0] + BOX_W, y1: pos[c][1] + BOX_H / 2, x2: pos[k][0], y2: pos[k][1] + BOX_H / 2, class: "gp-neuron-edge" })));
    cells = n.nodes.map((node, k) => {
      const [x, y] = pos[k];
      add("rect", { x, y, width: BOX_W, height: BOX_H, rx: 4, class: node.op ? "gp-neuron-op" : "gp-neuron-leaf" });
      const name = node.op ? (OPS[node.op] || node.op) : node.label;
      add("text", { x: x + 4, y: y + 11, class: "gp-neuron-name" }, name);
      return { data: add("text", { x: x + 4 + 7 * Math.max(name.length, 2), y: y + 11 }),
        grad: add("text", { x: x + 4, y: y + 23, class: "gp-neuron-grad" }) };
    });
  }

  return {
    box,
    /** Show frame f's open neuron (or hide): rebuilt when its shape changes. */
    sync(f) {
      const n = f.sample && f.neuron;
      box.style.display = n ? "" : "none";
      if (!n) { shape = null; return; }
      const key = `${f.h.run}|${n.layer}|${n.unit}|${n.nodes.map((x) => x.op + x.children).join(";")}`;
      if (key !== shape) { shape = key; build(n); }
      setText(title, `a[${n.layer + 1},${n.unit}]: its graph for the picked example (${n.activation})` +
        (n.rest ? ` · ${n.rest} smaller inputs summed as "rest"` : "") + " · grad = ∂L/∂node");
      n.nodes.forEach((node, k) => {
        setText(cells[k].data, `${fmt(node.data, 3)}`);
        setText(cells[k].grad, `∂ ${fmt(node.grad, 3)}`);
      });
    },
  };
}
