// The big plot: the decision boundary (or one neuron's map) over the plane,
// with the data points on top. Every number comes in the frame: the output
// over a grid as uint8 codes (frames.output_grid), the points once per run.

import { CLASS_COLORS, GRAD_NEG, GRAD_POS, paintClasses, paintCodes, lutColor } from "./colors.js";
import { el } from "./dom.js";

export function createHeatmap(parent, { side, onClick }) {
  const dpr = window.devicePixelRatio || 1;
  const wrap = el("div", "gp-boundary", parent, { "data-testid": "gp-boundary" });
  const board = el("canvas", "gp-board", wrap);
  board.width = board.height = Math.round(side * dpr);
  board.style.width = board.style.height = side + "px";
  const ctx = board.getContext("2d");
  const grid = document.createElement("canvas");          // the map at its own resolution
  const gctx = grid.getContext("2d");
  let bounds = [0, 1, 0, 1];

  function toCanvas(x, y) {
    const [x0, x1, y0, y1] = bounds, s = board.width;
    return [(x - x0) / (x1 - x0) * s, (y1 - y) / (y1 - y0) * s];
  }

  /** A click as a point of the plane. */
  if (onClick) board.addEventListener("click", (ev) => {
    const r = board.getBoundingClientRect(), [x0, x1, y0, y1] = bounds;
    onClick(x0 + (ev.clientX - r.left) / r.width * (x1 - x0), y1 - (ev.clientY - r.top) / r.height * (y1 - y0));
  });

  /** Paint a grid: {res, kind, codes, confidence} (kind "class": classes), or a map. */
  function paintGrid(g, discrete) {
    if (grid.width !== g.res) grid.width = grid.height = g.res;
    const img = gctx.createImageData(g.res, g.res);
    if (g.kind === "class") paintClasses(img, g.codes, g.confidence, discrete);
    else paintCodes(img, g.codes, discrete && g.kind === "prob");
    gctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = !discrete;
    ctx.drawImage(grid, 0, 0, board.width, board.height);
  }

  /** The points: class colours (or the value's colour for regression); with
   * `pull` (an attribution per training point, and its largest size) each
   * training point is coloured by the sign and size of its pull instead. */
  function paintPoints(statics, boundary, showTest, pull) {
    const r = 2.6 * dpr;
    const draw = (xs, ys, edge, square, colour) => {
      ctx.lineWidth = 1 * dpr; ctx.strokeStyle = edge;
      for (let k = 0; k < ys.length; k++) {
        const [px, py] = toCanvas(xs[2 * k], xs[2 * k + 1]);
        ctx.fillStyle = colour(k, ys[k]);
        ctx.beginPath();
        if (square) ctx.rect(px - r, py - r, 2 * r, 2 * r); else ctx.arc(px, py, r, 0, 2 * Math.PI);
        ctx.fill(); ctx.stroke();
      }
    };
    const byLabel = (k, y) => boundary.kind === "value"
      ? lutColor(Math.max(0, Math.min(255, Math.round((y - boundary.lo) / ((boundary.hi - boundary.lo) || 1) * 255))))
      : CLASS_COLORS[y % CLASS_COLORS.length];
    const byPull = (k) => {
      const v = pull.values[k], t = pull.scale > 0 ? Math.min(Math.abs(v) / pull.scale, 1) : 0;
      ctx.globalAlpha = 0.15 + 0.85 * t;
      return v >= 0 ? GRAD_POS : GRAD_NEG;
    };
    draw(statics.train_x, statics.train_y, "#ffffff", false, pull ? byPull : byLabel);
    ctx.globalAlpha = 1;
    if (showTest && !pull) draw(statics.test_x, statics.test_y, "#222222", true, byLabel);
  }

  /** A ring around one point of the plane (the picked example). */
  function ring(x, y) {
    const [px, py] = toCanvas(x, y);
    ctx.lineWidth = 2.5 * dpr; ctx.strokeStyle = "#111";
    ctx.beginPath(); ctx.arc(px, py, 7 * dpr, 0, 2 * Math.PI); ctx.stroke();
  }

  return {
    wrap, board,
    setBounds(b) { bounds = b; },
    paint({ grid: g, discrete, statics, boundary, showTest, pull, picked }) {
      paintGrid(g, discrete);
      if (statics) paintPoints(statics, boundary, showTest, pull);
      if (picked) ring(picked[0], picked[1]);
    },
  };
}
