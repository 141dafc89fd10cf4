// The loss and score curves: a history of rows [epoch, train loss, test loss,
// train score, test score] that frames bring a few at a time (only the rows
// the renderer does not have yet), drawn on one canvas: loss on a log scale
// above, accuracy (or R²) below.

import { CLASS_COLORS } from "./colors.js";
import { el } from "./dom.js";

const KEYS = ["epoch", "loss", "test_loss", "acc", "test_acc"];
const MOST = 600;          // points kept per curve (then every other one)

export function createLineChart(parent, { width, height = 100 }) {
  const dpr = window.devicePixelRatio || 1;
  const canvas = el("canvas", "gp-curves", parent, { "data-testid": "gp-curves" });
  canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
  canvas.style.width = width + "px"; canvas.style.height = height + "px";
  const ctx = canvas.getContext("2d");
  const rows = { epoch: [], loss: [], test_loss: [], acc: [], test_acc: [] };
  let run = null, lastEpoch = -1;

  /** Add a frame's rows (flat Float64Array, 5 a row); a new run starts afresh,
   * and so does a frame that brings the whole history (since < 0). */
  function append(h, flat) {
    if (run !== h.run || h.since < 0) {
      for (const k of KEYS) rows[k] = [];
      lastEpoch = -1; run = h.run;
    }
    for (let k = 0; k + 4 < flat.length; k += 5) {
      if (flat[k] <= lastEpoch) continue;                  // already drawn
      KEYS.forEach((key, c) => rows[key].push(flat[k + c]));
      lastEpoch = flat[k];
    }
    if (rows.epoch.length > MOST)                          // keep it light: every other point
      for (const key of KEYS) rows[key] = rows[key].filter((_, i) => i % 2 === 0 || i === rows[key].length - 1);
  }

  function line(key, color, X, Y) {
    const n = rows.epoch.length;
    ctx.strokeStyle = color; ctx.lineWidth = 1.4 * dpr; ctx.beginPath();
    let started = false;
    for (let k = 0; k < n; k++) {
      const v = rows[key][k];
      if (v === null || !isFinite(v)) continue;
      const y = Y(v);
      if (!started) { ctx.moveTo(X(rows.epoch[k]), y); started = true; } else ctx.lineTo(X(rows.epoch[k]), y);
    }
    ctx.stroke();
  }

  /** The loss range on a log scale: [lo, hi] of the positive finite losses. */
  function lossRange() {
    let lo = Infinity, hi = -Infinity;
    for (const key of ["loss", "test_loss"]) for (const v of rows[key]) if (v > 0 && isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    return [lo, hi];
  }

  function paint(score) {
    const n = rows.epoch.length, w = canvas.width, h = canvas.height;
    ctx.fillStyle = "#fafafa"; ctx.fillRect(0, 0, w, h);
    if (n === 0) return;
    const e0 = rows.epoch[0], e1 = Math.max(rows.epoch[n - 1], e0 + 1);
    const X = (e) => 4 * dpr + (e - e0) / (e1 - e0) * (w - 8 * dpr);
    const top = h * 0.62;                                   // loss above, score below
    const [lo, hi] = lossRange();
    if (isFinite(lo)) {
      const l0 = Math.log10(lo), l1 = Math.max(Math.log10(hi), l0 + 1e-6);
      const Y = (v) => 3 * dpr + (1 - (Math.log10(Math.max(v, lo)) - l0) / (l1 - l0)) * (top - 6 * dpr);
      line("loss", CLASS_COLORS[1], X, Y); line("test_loss", CLASS_COLORS[0], X, Y);
    }
    // accuracy or R² from 0 to 1 (an R² below 0 sits on the floor)
    const Ya = (v) => top + 3 * dpr + (1 - Math.max(v, 0)) * (h - top - 6 * dpr);
    ctx.setLineDash([4 * dpr, 3 * dpr]);
    line("acc", CLASS_COLORS[1], X, Ya); line("test_acc", CLASS_COLORS[0], X, Ya);
    ctx.setLineDash([]);
    ctx.fillStyle = "#666"; ctx.font = `${10 * dpr}px sans-serif`;
    ctx.fillText("loss (log) · blue train, orange test", 6 * dpr, 12 * dpr);
    ctx.fillText(score === "r2" ? "R²" : "accuracy", 6 * dpr, top + 12 * dpr);
    ctx.strokeStyle = "#ddd"; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(0, top); ctx.lineTo(w, top); ctx.stroke();
  }

  return { canvas, append, paint, rows };
}
