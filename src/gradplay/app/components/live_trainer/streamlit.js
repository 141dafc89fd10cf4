// The Streamlit binding of the renderer (appended to renderer.js: one module).
//
// The page mounts this component once, under a fixed key: it is never
// remounted, so its canvases live as long as the page. Frames come in
// carriers (carrier.js): one small element per message, which hands the bytes
// over through globalThis.__gradplayLive. Streamlit remounts an element whose
// data changes; the carrier absorbs that, so no frame is ever blank. The
// renderer's acknowledgement ("drawn"), weight edits ("edit"), input-feature
// clicks ("features") and the display options ("view") go back to Python as
// trigger values.

const HUB = globalThis.__gradplayLive || (globalThis.__gradplayLive = {});
const RENDERERS = new WeakMap();

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let r = RENDERERS.get(parentElement);
  if (!r) {
    r = createRenderer(parentElement, {
      height: (data && data.height) || 500,
      onDrawn: (ack) => setTriggerValue("drawn", ack),
      onEdit: (edit) => setTriggerValue("edit", edit),
      onFeatures: (names) => setTriggerValue("features", names),
      onView: (view) => setTriggerValue("view", view),
    });
    RENDERERS.set(parentElement, r);
  }
  // the renderer on this page takes the carriers' frames
  HUB.deliver = (frame) => { if (r.root.isConnected) r.draw(frame); else HUB.pending = frame; };
  if (HUB.pending) { const p = HUB.pending; HUB.pending = null; r.draw(p); }
}
