// Decoding a frame: the inverse of gradplay.viz.frames.pack (Python).
//
//   b"GPF1" | uint32 n | n bytes of JSON header | zero padding to 8 | blobs
//
// header.blobs maps each blob's name to [offset, length, dtype], offsets
// counted from the start of the blob area. A node test (tests/js) checks that
// bytes packed by Python decode here to the same numbers.

const KINDS = { uint8: Uint8Array, float32: Float32Array, float64: Float64Array };

/** A frame's bytes -> {header, blobs}. */
export function decodeFrame(data) {
  const u8 = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (u8[0] !== 71 || u8[1] !== 80 || u8[2] !== 70 || u8[3] !== 49) throw new Error("not a gradplay frame");
  const n = new DataView(u8.buffer, u8.byteOffset, u8.byteLength).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(u8.subarray(8, 8 + n)));
  const start = 8 + n + ((8 - ((8 + n) % 8)) % 8);
  const blobs = {};
  for (const [name, [off, len, dtype]] of Object.entries(header.blobs)) {
    const bytes = u8.slice(start + off, start + off + len);   // a copy: aligned for any dtype
    blobs[name] = new KINDS[dtype](bytes.buffer);
  }
  return { header, blobs };
}

/** A decoded frame with accessors into its flat blobs: W[l][i, j] is stored
 * row-major, layer after layer (frames.network_numbers); the neuron maps
 * unit after unit, layer after layer (frames.layer_maps). */
export function frameView({ header: h, blobs: b }) {
  const wOff = [], bOff = [], mOff = [];
  let w = 0, bb = 0, m = 0;
  for (let l = 0; l + 1 < h.sizes.length; l++) {
    wOff.push(w); bOff.push(bb); w += h.sizes[l] * h.sizes[l + 1]; bb += h.sizes[l + 1];
  }
  for (const layer of h.layers) { mOff.push(m); m += layer.shown; }
  const mm = h.map_res * h.map_res, focus = h.focus || {};
  return {
    h, b,
    sample: focus.sample ? sampleView(h, b, wOff, focus.sample) : null,
    pull: focus.pull && b.pull ? { ...focus.pull, values: b.pull } : null,
    walk: focus.walk || null,
    neuron: focus.neuron || null,
    weight: (l, i, j) => b.W[wOff[l] + i * h.sizes[l + 1] + j],
    dweight: (l, i, j) => b.dW[wOff[l] + i * h.sizes[l + 1] + j],
    bias: (l, j) => b.b[bOff[l] + j],
    dbias: (l, j) => b.db[bOff[l] + j],
    map: (l, j) => b.maps.subarray((mOff[l] + j) * mm, (mOff[l] + j + 1) * mm),
  };
}

/** A picked example's numbers (live.focus): a[l, j] for every layer l of the
 * drawing (0: the inputs), z, dL/dz, dL/da for l >= 1, and its own dL/dw and
 * w·a for every edge, laid out like W. */
function sampleView(h, b, wOff, facts) {
  const aOff = [0];
  for (let l = 0; l < h.sizes.length; l++) aOff.push(aOff[l] + h.sizes[l]);
  const zOff = (l) => aOff[l] - h.sizes[0];          // layers 1..L, without the inputs
  const edge = (arr) => (l, i, j) => arr[wOff[l] + i * h.sizes[l + 1] + j];
  return {
    facts, scales: facts.scales,
    a: (l, j) => b.s_a[aOff[l] + j],
    z: (l, j) => b.s_z[zOff(l) + j],
    dz: (l, j) => b.s_dz[zOff(l) + j],
    da: (l, j) => b.s_da[zOff(l) + j],
    dW: edge(b.s_dW),
    wa: edge(b.s_wa),
  };
}
