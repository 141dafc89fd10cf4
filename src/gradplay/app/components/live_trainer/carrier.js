// A frame carrier (components v2): the page sends each message of frames as a
// new element of this tiny component. It draws nothing: it hides its own box
// and hands the bytes to the live trainer on this page (streamlit.js), through
// globalThis.__gradplayLive. It is a component of its own because every
// element carries its component's code: this module is a few hundred bytes,
// the renderer 25 kB.

export default function ({ data, parentElement }) {
  const box = parentElement.closest && parentElement.closest('[data-testid="stElementContainer"]');
  if (box) box.style.display = "none";
  if (!data) return;
  const hub = globalThis.__gradplayLive || (globalThis.__gradplayLive = {});
  if (hub.deliver) hub.deliver(data);
  else hub.pending = data;       // the renderer is not made yet: it takes it
}
