// The Streamlit host of the renderer (a components-v2 element): the frames
// and the renderer's clicks travel on the live channel (channel.js), not
// through Streamlit. The page mounts this element once, under a fixed key,
// with {token, path, height}; each script rerun calls this function again
// with the same data, and the renderer and its socket live on. A new token
// (a new stream: a reset page, a reload) opens a new socket.
//
// Two things go back to Python as trigger values, each a script rerun:
// "settings" (a lever changed the features, the display or the speed: the
// page writes its sidebar and URL) and "expired" (the server no longer knows
// this token: the page makes a new stream).

import { createRenderer } from "./renderer.js";
import { channelURL, openChannel } from "./channel.js";

const LIVE = new WeakMap();      // parentElement -> {renderer, channel, token}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data || !data.token) return;
  let live = LIVE.get(parentElement);
  if (!live) {
    live = { token: null, channel: null };
    live.renderer = createRenderer(parentElement, {
      height: data.height || 500,
      explorerURL: "explorer",                       // the playground's own page, beside /train
      ackMs: 30,                                     // about every other frame (app.channel.WINDOW)
      send: (msg) => live.channel && live.channel.send(msg),
      onSettings: (values) => setTriggerValue("settings", values),
    });
    LIVE.set(parentElement, live);
  }
  if (live.token !== data.token) {
    if (live.channel) live.channel.close();
    live.token = data.token;
    live.channel = openChannel(channelURL(data.path, data.token), {
      onMessage: (m) => live.renderer.receive(m),
      onStatus: (s) => live.renderer.root.setAttribute("data-channel", s),
      onExpired: () => { live.renderer.say("reconnecting to a new live run…"); setTriggerValue("expired", Date.now()); },
    });
  }
}
