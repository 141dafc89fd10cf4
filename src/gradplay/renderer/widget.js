// The Jupyter host of the renderer: an anywidget (JupyterLab, Notebook 7,
// VS Code's notebooks). Nothing here is specific to one of them: it uses
// anywidget's own API only (`model.send`, `model.on("msg:custom")`).
//
// The transport is the widget's comm (gradplay.widgets.link, the Python end):
//
//   Python -> view: a frame as {kind: "frame"} with the frame's bytes as the
//     one buffer; a stream message as {kind: "message", text: "<JSON>"}.
//     Every view of the widget hears every message (a comm is a broadcast).
//   view -> Python: {event: "open", view}    this view is shown: send it everything
//                   {event: "message", view, text: "<JSON>"}   a renderer message
//                   {event: "close", view}   this view is gone (its cell re-run
//                                            or cleared): with no view left the
//                                            run pauses and its thread ends.
//
// The renderer's messages are passed on as the JSON text they are, so Python
// checks exactly what the browser sent (gradplay.live.protocol). One thing is
// thinned: acknowledgements, the latest at most once per ACK_MS (the
// renderer's ackMs). Each comm message costs the kernel about 1 ms of CPU
// (measured: ipykernel routes it and publishes a busy and an idle status for
// it), some 40% of what training and drawing one frame cost; the stream lets
// more frames be on their way over a comm to make up for the sparser acks
// (gradplay.widgets.link.WINDOW).

import { createRenderer } from "./renderer.js";

const ACK_MS = 100;
let views = 0;

/** A name for one view, unique in this page and unlikely to repeat across reloads. */
function newViewId() {
  views += 1;
  return `${Date.now().toString(36)}-${views}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A comm buffer (a DataView, or an ArrayBuffer) as the bytes it holds. */
function bytesOf(buffer) {
  return ArrayBuffer.isView(buffer)
    ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    : new Uint8Array(buffer);
}

function render({ model, el }) {
  const view = newViewId();
  const post = (content) => {
    try { model.send({ view, ...content }); } catch (e) { /* the widget was closed */ }
  };
  const say = (msg) => post({ event: "message", text: JSON.stringify(msg) });
  const renderer = createRenderer(el, { height: model.get("height") || 500, send: say, ackMs: ACK_MS });
  const hear = (msg, buffers) => {
    if (buffers && buffers.length) renderer.receive(bytesOf(buffers[0]));
    else if (msg && typeof msg.text === "string") renderer.receive(msg.text);
  };
  model.on("msg:custom", hear);
  post({ event: "open" });
  return () => {
    model.off("msg:custom", hear);
    post({ event: "close" });
    renderer.destroy();
  };
}

export default { render };
