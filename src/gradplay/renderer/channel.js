// The live channel's browser end: a WebSocket to the page's own server
// (gradplay.app.channel), with reconnects. Frames arrive as binary messages,
// the stream's notes as JSON text; the renderer's messages go out as JSON.
//
//   const ch = openChannel(url, { onMessage, onStatus, onExpired });
//   ch.send({ type: "ack", seq: 12 });
//
// A dropped connection is tried again (after 0.25, 0.5, 1, 2 s ...); a
// refused token (close code 1008) is not: the page must make a new stream
// (onExpired), since the old one is gone or taken.

const POLICY_VIOLATION = 1008;

/** The WebSocket URL of `path` on the server that served this page. */
export function channelURL(path, token, base = globalThis.location.href) {
  const url = new URL(path, base);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("token", token);
  return url.href;
}

export function openChannel(url, { onMessage, onStatus = () => {}, onExpired = () => {} }) {
  let ws = null, closed = false, delay = 250, timer = null;

  function connect() {
    onStatus("connecting");
    ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => { delay = 250; onStatus("open"); ws.send(JSON.stringify({ type: "hello" })); };
    ws.onmessage = (ev) => onMessage(ev.data);
    ws.onclose = (ev) => {
      if (closed) return;
      if (ev.code === POLICY_VIOLATION) { onStatus("refused"); onExpired(ev.reason); return; }
      onStatus("reconnecting");
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 4000);
    };
  }
  connect();

  return {
    /** Send one message (an object) if the socket is open; false if not. */
    send(msg) {
      if (!ws || ws.readyState !== 1) return false;
      ws.send(JSON.stringify(msg));
      return true;
    },
    close() { closed = true; clearTimeout(timer); if (ws) ws.close(1000); },
  };
}
