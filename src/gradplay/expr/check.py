"""Every gradient two ways: autograd, and central finite differences.

    d f / d x  ~  (f(x + h) - f(x - h)) / 2h,    h = step * max(1, |x|)

The two agree to about 1e-6 almost everywhere. Where they may rightly
disagree, the row carries a note that says why:

* a kink: relu's or leaky_relu's input is at 0, where the slope jumps
  (autograd takes one side's slope, finite differences average both), or
  x ** k at 0 with 0 < k < 1, where the slope is infinite;
* f is undefined at x + h or x - h (log just right of 0, say);
* the backward pass overflowed: every factor of the chain rule is a float,
  but a product of them on the way is beyond the float range, so autograd
  gives inf (or nan) while the gradient itself may be finite:
  ``1e300 * (1e10 * (1e-20 * a))`` has d/da = 1e290, but backprop forms
  1e300 * 1e10 first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..autograd import backward_steps, definition, fmt_number
from .build import FLOAT_MAX, build_graph, check_values, make_leaves, name_nodes
from .parse import ExpressionError, Op, children, parse, variables, walk

__all__ = ["GradientCheck", "gradient_check", "numeric_gradients"]


@dataclass(frozen=True)
class GradientCheck:
    """One row of the gradient check: d(output)/d(variable) two ways.

    ``note`` says why the two disagree where they may (see the module's
    docstring): a kink, f undefined near x, or an overflow in the backward pass.
    """

    name: str
    value: float
    autograd: float
    numeric: float
    difference: float
    note: str = ""


def _kink_nodes(tree) -> list:
    """Syntax-tree nodes where the function has no single slope at 0."""
    return [n for n in walk(tree) if isinstance(n, Op)
            and (n.op in ("relu", "leaky_relu") or (n.op == "**" and 0 < n.param < 1))]


def _kink_text(node, tree_node: Op) -> str:
    x = fmt_number(node.children[0].data)
    if tree_node.op == "**":
        return (f"{node.label} = {definition(node)} is at x = {x}, where its slope is "
                "infinite: autograd gives inf (or nan), finite differences a finite number")
    left = 0 if tree_node.op == "relu" else tree_node.param
    return (f"kink: {node.label} = {definition(node)} has its input at {x}, where its slope "
            f"jumps ({left:g} on the left, 1 on the right); autograd takes one side's slope, "
            "finite differences average both")


def _kink_note(kinks: list, sides: list[dict]) -> str:
    """The note for the first kink that x, x + h or x - h sits on or straddles.
    ``sides``: the syntax-tree results at x, x + h and x - h."""
    at, up, down = sides
    for k in kinks:
        arg = id(children(k)[0])     # the kink's input: 0 is where it bends
        if at[arg].data == 0.0 or (up[arg].data > 0) != (down[arg].data > 0):
            return _kink_text(at[id(k)], k)
    return ""


def _overflow_note(output) -> str:
    """Where the backward pass first left the float range, when each factor was finite."""
    for step in backward_steps(output):
        node = step.node
        for t in step.terms:
            if not all(map(math.isfinite, (t.local, t.upstream, t.before))) or \
                    math.isfinite(t.after):
                continue
            grad = f"{t.child.label}.grad"
            if math.isfinite(t.contribution):      # two finite uses whose sum overflows
                what = f"{grad} = {fmt_number(t.before)} + {fmt_number(t.contribution)}"
            else:                                  # one chain-rule product overflows
                what = f"{grad} += {fmt_number(t.local)} × {fmt_number(t.upstream)}"
            return (f"overflow in the backward pass: at {node.label} = {definition(node)}, "
                    f"{what} is beyond {FLOAT_MAX}, so autograd gives {t.after}; the "
                    "gradient itself may be finite (finite differences never form this "
                    "number)")
    return ""


def _differs(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return not (math.isnan(a) and math.isnan(b))
    return abs(a - b) > 1e-5 * max(1.0, abs(a), abs(b))


def _probe(text: str, base: dict[str, float], name: str, h: float):
    """f(x + h) and f(x - h) for one variable, with the syntax-tree results of
    each; None where f is undefined at either."""
    sides = []
    for delta in (h, -h):
        shifted = dict(base)
        shifted[name] += delta
        try:
            sides.append(build_graph(text, make_leaves(shifted)))
        except ExpressionError:
            return None
    return sides


def _check_step(step) -> None:
    if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
        raise ExpressionError(f"the finite-difference step must be a positive number, got "
                              f"{step!r}")


def _check_rows(text: str, values: dict, step: float, autograd: bool) -> list[GradientCheck]:
    _check_step(step)
    names = variables(text)
    base = check_values(names, values, text)
    leaves = make_leaves(base)
    out, results = build_graph(text, leaves)
    if autograd:
        name_nodes(results)
        out.backward()
    kinks = _kink_nodes(parse(text))
    overflow = None                       # worked out once, if a gradient is not finite
    rows = []
    for n in names:
        h = step * max(1.0, abs(base[n]))   # relative step: x + h must differ from x
        grad = leaves[n].grad if autograd else math.nan
        sides = _probe(text, base, n, h)
        if sides is None:
            numeric, note = math.nan, "finite differences: f is undefined at x + h or x - h"
        else:
            (up, up_results), (down, down_results) = sides
            numeric = (up.data - down.data) / (2 * h)
            note = _kink_note(kinks, [results, up_results, down_results]) \
                if autograd and _differs(grad, numeric) else ""
        if autograd and not note and not math.isfinite(grad):
            overflow = _overflow_note(out) if overflow is None else overflow
            note = overflow
        rows.append(GradientCheck(n, base[n], grad, numeric, abs(grad - numeric), note))
    return rows


def gradient_check(text: str, /, _step: float = 1e-6, **values) -> list[GradientCheck]:
    """Every variable's gradient by autograd and by central finite differences
    (f(x+h) - f(x-h)) / 2h with h = _step * max(1, |x|), their difference, and
    a note where they may rightly disagree (a kink, f undefined near x, an
    overflow in the backward pass)."""
    return _check_rows(text, values, _step, autograd=True)


def numeric_gradients(text: str, /, _step: float = 1e-6, **values) -> dict[str, float]:
    """Central finite differences for every variable (see ``gradient_check``);
    nan where f is undefined at x +- h."""
    return {r.name: r.numeric for r in _check_rows(text, values, _step, autograd=False)}
