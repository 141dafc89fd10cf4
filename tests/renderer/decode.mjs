// Decode frames written by Python (tests/renderer/test_wire.py) with the
// renderer's own frame.js, and print what it read as JSON, one line a frame.
import { readFileSync } from "node:fs";
import { decodeFrame, frameView } from "../../src/gradplay/renderer/frame.js";

for (const path of process.argv.slice(2)) {
  const frame = decodeFrame(new Uint8Array(readFileSync(path)));
  const f = frameView(frame), h = frame.header, out = { header: h, blobs: {}, accessors: {} };
  for (const [name, arr] of Object.entries(frame.blobs))
    out.blobs[name] = { type: arr.constructor.name, values: Array.from(arr) };
  if (!frame.blobs.maps || !frame.blobs.dW) { console.log(JSON.stringify(out)); continue; }
  const last = h.sizes.length - 2;
  out.accessors = { weight: f.weight(last, h.sizes[last] - 1, h.sizes[last + 1] - 1),
    bias: f.bias(0, h.sizes[1] - 1), dweight: f.dweight(0, 1, 0), dbias: f.dbias(last, 0),
    map: Array.from(f.map(1, h.layers[1].shown - 1)) };
  console.log(JSON.stringify(out));
}
