// The run's own buttons, inside the renderer: Play/Pause, Step, Reset and the
// speed. A click goes straight to the stream (no page rerun); the buttons
// follow what the frames say (meta.playing, meta.speed) whenever that
// changes, so a frame that left before the click does not undo it.

import { el, setText } from "./dom.js";

const SPEEDS = ["1", "2", "5", "10", "25", "100", "max"];
const ICONS = { Play: "M4 2 L13 8 L4 14 Z", Pause: "M3 2 H7 V14 H3 Z M9 2 H13 V14 H9 Z",
  Step: "M3 2 L10 8 L3 14 Z M11 2 H13 V14 H11 Z", Reset: "M13.5 8 A5.5 5.5 0 1 1 8 2.5 V0.5 L12 3.5 L8 6.5 V4.5 A3.5 3.5 0 1 0 11.5 8 Z" };

function iconButton(parent, name, cls) {
  const b = el("button", "gp-btn " + (cls || ""), parent, { type: "button" });
  b.innerHTML = `<svg viewBox="0 0 16 16" width="13" height="13" aria-hidden="true"><path d=""/></svg><span></span>`;
  setIcon(b, name);
  return b;
}
function setIcon(b, name) {
  b.querySelector("path").setAttribute("d", ICONS[name]);
  setText(b.querySelector("span"), name);
}

export function createControls(parent, { send, hidden }) {
  const bar = el("div", "gp-controls", parent);
  const play = iconButton(bar, "Play", "gp-primary");
  const step = iconButton(bar, "Step");
  step.title = "one epoch";
  const reset = iconButton(bar, "Reset");
  reset.title = "new weights from the seed";
  const speed = el("select", "gp-speed", bar, { "aria-label": "Speed", "data-testid": "gp-speed" });
  for (const s of SPEEDS) {
    const o = el("option", "", speed, { value: s });
    o.textContent = s === "max" ? "max speed" : s === "1" ? "1 epoch / frame" : `${s} epochs / frame`;
  }
  let playing = false, seen = { playing: null, speed: null };

  function show(on) { playing = on; setIcon(play, on ? "Pause" : "Play"); play.classList.toggle("gp-on", on); }
  play.addEventListener("click", () => { send({ type: playing ? "pause" : "play" }); show(!playing); });
  step.addEventListener("click", () => { send({ type: "step" }); show(false); });
  reset.addEventListener("click", () => { send({ type: "reset" }); show(false); });
  speed.addEventListener("change", () => send({ type: "speed", value: speed.value }));

  return {
    bar,
    /** Show Play or Pause now (the stream heard a Pause before its frame comes). */
    show,
    /** Follow the stream's state when it changes (a frame's meta). */
    sync(meta) {
      if (meta.playing !== seen.playing) show(meta.playing);
      if (meta.speed !== seen.speed) speed.value = meta.speed;
      play.disabled = !!meta.stopped;
      seen = { playing: meta.playing, speed: meta.speed };
      for (const [name, b] of [["train", play], ["step", step], ["reset", reset], ["speed", speed]])
        b.style.display = hidden(name) ? "none" : "";
    },
  };
}
