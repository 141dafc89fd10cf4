// Small DOM and text helpers shared by the drawings.

export const SVGNS = "http://www.w3.org/2000/svg";

/** A new element of `tag` with class `cls`, appended to `parent`, with attributes. */
export function el(tag, cls, parent, attrs) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (attrs) for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

/** Change an element's text only when it differs (a text change costs a layout). */
export function setText(e, text) { if (e.textContent !== text) e.textContent = text; }

/** A number for a label: fixed digits, or one significant digit in e-notation
 * when it is tiny or huge; a dash for none. */
export function fmt(x, digits = 3) {
  if (x === null || x === undefined || !isFinite(x)) return "—";
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? x.toExponential(1) : x.toFixed(digits);
}

/** A fraction as a percentage with one decimal. */
export function pct(x) { return x === null || x === undefined || !isFinite(x) ? "—" : (100 * x).toFixed(1) + "%"; }
