// The Streamlit binding of the renderer (appended to renderer.js: one module).
//
// The page mounts this component twice over:
//  * once as the renderer itself, under a fixed key, with data {role: "main"}:
//    it is never remounted, so its canvases live as long as the page;
//  * once per frame as a carrier, with the frame's bytes as data: it draws
//    nothing itself, hands the bytes to the renderer and hides its own box.
// Streamlit remounts an element whose data changes; the carrier absorbs that,
// so no frame is ever blank. The renderer's acknowledgement ("drawn"), weight
// edits ("edit"), input-feature clicks ("features") and the display options
// ("view") go back to Python as trigger values.

let CURRENT = null;           // the renderer on this page
let PENDING = null;           // a frame that came before the renderer was made
const RENDERERS = new WeakMap();

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (data && data.role === "main") {
    let r = RENDERERS.get(parentElement);
    if (!r) {
      r = createRenderer(parentElement, {
        height: data.height || 500,
        onDrawn: (ack) => setTriggerValue("drawn", ack),
        onEdit: (edit) => setTriggerValue("edit", edit),
        onFeatures: (names) => setTriggerValue("features", names),
        onView: (view) => setTriggerValue("view", view),
      });
      RENDERERS.set(parentElement, r);
    }
    CURRENT = r;
    if (PENDING) { const p = PENDING; PENDING = null; r.draw(p); }
    return;
  }
  // a carrier: hide its (empty) box, deliver the frame
  const box = parentElement.closest && parentElement.closest('[data-testid="stElementContainer"]');
  if (box) box.style.display = "none";
  if (!data) return;
  if (CURRENT && CURRENT.root.isConnected) CURRENT.draw(data);
  else PENDING = data;        // the carrier's effect ran first: the renderer takes it
}
