// The picked example's panel: which point, its label, the network's
// prediction and its loss; the walk through its forward and backward pass
// (Previous step / Next step, the chain rule with its numbers); the update
// that walk ends with. Every number and sentence comes in the frame
// (live.focus, gradplay.trace); clicks go to the stream.

import { el, fmt, setText } from "./dom.js";

export function createSamplePanel(parent, { send, explorerURL }) {
  const box = el("div", "gp-sample", parent, { "data-testid": "gp-sample" });
  box.style.display = "none";
  const head = el("div", "gp-sample-head", box);
  const facts = el("span", "gp-sample-facts", head, { "data-testid": "gp-sample-facts" });
  const close = el("button", "gp-x", head, { type: "button", "aria-label": "Let go of the example", title: "let go (Esc)" });
  close.textContent = "×";
  const bar = el("div", "gp-sample-bar", box);
  const prev = el("button", "gp-btn gp-small", bar, { type: "button" });
  prev.textContent = "Previous step";
  const next = el("button", "gp-btn gp-small", bar, { type: "button" });
  next.textContent = "Next step";
  const apply = el("button", "gp-btn gp-small gp-primary", bar, { type: "button" });
  apply.textContent = "Apply this update";
  const where = el("span", "gp-sample-where", bar);
  const link = el("a", "gp-explorer", bar, { target: "_blank", rel: "noopener" });
  link.textContent = "Open in the explorer";
  const text = el("pre", "gp-backprop-step", box, { "data-testid": "gp-backprop-step" });
  let walk = null, want = -1;        // the step shown, and the one asked for

  const go = (k) => { want = k; send({ type: "walk", step: k }); };
  prev.addEventListener("click", () => go(Math.max((walk ? walk.step : 0) - 1, 0)));
  next.addEventListener("click", () => go(walk ? Math.min(walk.step + 1, walk.count - 1) : 0));
  apply.addEventListener("click", () => send({ type: "update" }));
  close.addEventListener("click", () => send({ type: "pick", index: -1 }));

  function describe(s) {
    const pred = Array.isArray(s.prediction)
      ? `p = (${s.prediction.map((p) => fmt(p, 2)).join(", ")})` : `prediction ${fmt(s.prediction, 3)}`;
    return `example ${s.index}: x = (${s.x.map((v) => fmt(v, 2)).join(", ")}) · label ${fmt(s.label, 0)}` +
      ` · ${pred} · loss (${s.loss_name}) ${fmt(s.loss, 4)}`;
  }

  return {
    box,
    get shown() { return box.style.display !== "none"; },
    /** Show frame f's picked example (or hide the panel); the walk's step. */
    sync(f) {
      const s = f.sample;
      box.style.display = s ? "" : "none";
      if (!s) { walk = null; want = -1; return; }
      setText(facts, describe(s.facts));
      walk = f.walk;
      const last = walk && walk.step === walk.count - 1;
      prev.disabled = !walk || walk.step === 0;
      next.disabled = !!last;
      apply.style.display = last ? "" : "none";
      setText(where, walk ? `step ${walk.step + 1} of ${walk.count} · ${walk.kind}` : "");
      setText(text, walk ? walk.text : "Next step walks this example through the network: " +
        "forward layer by layer, the loss, backward neuron by neuron, then the update.");
      const n = f.neuron;
      link.style.display = n && explorerURL ? "" : "none";
      if (n && explorerURL) link.href = `${explorerURL}?${n.explorer}`;
    },
    /** The walk's step a frame should show: -1 before the first Next step. */
    get step() { return want; },
  };
}
