// Colours: the diverging map of viz.plots.class_cmap and the class palette.

export const ORANGE = [232, 116, 59], WHITE = [247, 247, 247], BLUE = [46, 134, 222];
export const CLASS_COLORS = ["#e8743b", "#2e86de", "#19a979", "#c23b6b", "#8e6cbd", "#b3a23a",
  "#5c5c5c", "#13a4b4", "#945ecf", "#d4526e"];
export const GRAD_POS = "#c23b6b", GRAD_NEG = "#19a979";

export function mix(a, b, t) { return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]; }
function hexRGB(h) { return [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)); }
const CLASS_RGB = CLASS_COLORS.map(hexRGB);

/** 256 colours: orange (code 0) -> white (128) -> blue (255). */
function divergingLUT() {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let q = 0; q < 256; q++) {
    const t = q / 255, c = t < 0.5 ? mix(ORANGE, WHITE, 2 * t) : mix(WHITE, BLUE, 2 * t - 1);
    lut.set(c.map(Math.round), 3 * q);
  }
  return lut;
}
export const LUT = divergingLUT();

/** The colour of code q (0..255) as CSS. */
export function lutColor(q) { return `rgb(${LUT[3 * q]},${LUT[3 * q + 1]},${LUT[3 * q + 2]})`; }

/** Paint uint8 codes (res x res) into an ImageData through the diverging map. */
export function paintCodes(img, codes, discrete) {
  const d = img.data;
  for (let k = 0; k < codes.length; k++) {
    let q = codes[k];
    if (discrete) q = q >= 128 ? 255 : 0;
    d[4 * k] = LUT[3 * q]; d[4 * k + 1] = LUT[3 * q + 1]; d[4 * k + 2] = LUT[3 * q + 2]; d[4 * k + 3] = 255;
  }
}

/** Softmax output: each cell in its class's colour, paler where less sure. */
export function paintClasses(img, cls, conf, discrete) {
  const d = img.data;
  for (let k = 0; k < cls.length; k++) {
    const t = discrete ? 0.75 : 0.15 + 0.7 * conf[k] / 255;
    const c = mix(WHITE, CLASS_RGB[cls[k] % CLASS_RGB.length], t);
    d[4 * k] = c[0]; d[4 * k + 1] = c[1]; d[4 * k + 2] = c[2]; d[4 * k + 3] = 255;
  }
}
