"""Syntax tree to ``Value`` graph: one Value operation per tree node, and names.

``build`` names every intermediate node the way the micrograd lecture does
(``d = a * b``, ``e = d + c``, ...): letters in order of computation, skipping
the expression's own names; a node the text named (``b = a + a``) keeps its
name. ``definition(node)`` (from ``gradplay.autograd``) gives the formula
behind a name.

A node whose value or local derivative leaves the float range is refused
with a message that says which node, at which values: past that point every
number would be inf or nan, and a learner could not tell where it began.
"""

from __future__ import annotations

import math
import string
from functools import lru_cache

from ..autograd import Value, definition, fmt_number
from .parse import ExpressionError, Num, Op, Var, children, parse, post_order, variables

__all__ = ["build", "evaluate", "FLOAT_MAX"]

FLOAT_MAX = "the largest float, about 1.8e308"

# syntax-tree op -> the Value operation on its operands' Values
_VALUE_OPS = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
    "neg": lambda x: -x,
}


def _apply(node: Op, args: list[Value]) -> Value:
    """One syntax-tree node's Value operation on its children's Values."""
    if node.op in _VALUE_OPS:
        return _VALUE_OPS[node.op](*args)
    if node.op == "**":
        return args[0] ** node.param              # the exponent, a constant
    if node.param is not None:
        return getattr(args[0], node.op)(node.param)   # leaky_relu(x, slope)
    return getattr(args[0], node.op)()            # relu, tanh, sigmoid, exp, log, softplus


# the local derivatives that can overflow, as the message writes them
_SLOPES = {"/": ("1/{1}", "-{0}/{1}^2"), "log": ("1/{0}",), "*": ("{1}", "{0}")}


def _refuse_overflow(node: Op, out: Value, text: str) -> None:
    """Refuse a node whose value or local derivative left the float range, and say which.

    The one infinite slope that is real mathematics, x ** k at x = 0 with
    0 < k < 1, is kept: the gradient check explains it.
    """
    args = [c.label or fmt_number(c.data) for c in out.children]
    known = dict.fromkeys(f"{c.label} = {c.data:g}" for t, c in zip(node.args, out.children)
                          if c.label and not isinstance(t, Num))   # each variable once
    where = f" at {', '.join(known)}" if known else ""
    if not math.isfinite(out.data):
        raise ExpressionError(f"{definition(out)} overflowed{where}: the result is beyond "
                              f"{FLOAT_MAX}", node.column, text)
    if node.op == "**" and out.children[0].data == 0.0:
        return
    for i, g in enumerate(out.local_grads):
        if not math.isfinite(g):
            if node.op == "**":
                formula = f"{node.param:g} * {args[0]}^{node.param - 1:g}"
            else:
                formula = _SLOPES.get(out.op, ("d/dx",) * 2)[i].format(*args)
            raise ExpressionError(f"{definition(out)}{where}: the value {out.data:g} is fine, "
                                  f"but its derivative with respect to {args[i]}, {formula}, "
                                  f"overflowed: it is beyond {FLOAT_MAX}", node.column, text)


@lru_cache(maxsize=64)
def _program(text: str) -> tuple:
    """The syntax tree of ``text`` in the order ``build_graph`` computes it:
    children first, each node once. Kept per text, like the tree, since the
    gradient check builds it many times."""
    return tuple(post_order(parse(text)))


def _compute(node, results: dict[int, Value], leaves: dict[str, Value], text: str) -> Value:
    """The Value of one syntax-tree node, its children's already in ``results``."""
    if isinstance(node, Num):
        return Value(node.value, label=node.name or node.text)
    if isinstance(node, Var):
        return leaves[node.name]
    try:
        out = _apply(node, [results[id(k)] for k in children(node)])
    except (ZeroDivisionError, ValueError, OverflowError) as e:
        raise ExpressionError(str(e), node.column, text) from None
    if not (math.isfinite(out.data) and all(map(math.isfinite, out.local_grads))):
        _refuse_overflow(node, out, text)
    out.label = node.name          # "" unless the text named it (b = a + a)
    return out


def build_graph(text: str, leaves: dict[str, Value]) -> tuple[Value, dict[int, Value]]:
    """The Value graph of ``text`` over these leaves (a loop: no recursion limit).

    Returns the output and ``results``: id(syntax-tree node) -> its Value, so
    that callers can look at any sub-expression (the gradient check reads the
    inputs of relu and friends there)."""
    results: dict[int, Value] = {}
    program = _program(text)
    for node in program:
        results[id(node)] = _compute(node, results, leaves, text)
    return results[id(program[-1])], results


def _short_names(taken: set[str]):
    """Names for intermediate nodes, in the lecture's style: a, b, c, ... (those
    not taken by the expression's own names), then n1, n2, ..."""
    for letter in string.ascii_lowercase:
        if letter not in taken:
            yield letter
    i = 1
    while True:
        if f"n{i}" not in taken:
            yield f"n{i}"
        i += 1


def name_nodes(results: dict[int, Value]) -> None:
    """Give every unlabelled intermediate node a short name, in the order
    ``build_graph`` computed them: left to right, as the expression reads."""
    names = _short_names({v.label for v in results.values() if v.label})
    for node in results.values():
        if node.children and not node.label:
            node.label = next(names)


def check_values(names: list[str], values: dict, text: str) -> dict[str, float]:
    """Each variable's value as a finite float, or an error naming the variable."""
    missing = [n for n in names if n not in values]
    if missing:
        raise ExpressionError(f"no value given for {', '.join(missing)}", None, text)
    clean = {}
    for n in names:
        v = values[n]
        try:
            f = float(v)
        except OverflowError:
            raise ExpressionError(f"the value of {n} is too large: the largest float is about "
                                  "1.8e308") from None
        except (TypeError, ValueError):
            raise ExpressionError(f"the value of {n} must be a number, got {v!r}") from None
        if not math.isfinite(f):
            raise ExpressionError(f"the value of {n} must be a finite number, got {v!r}")
        clean[n] = f
    return clean


def make_leaves(clean: dict[str, float]) -> dict[str, Value]:
    """One leaf Value per variable, labelled with its name."""
    return {n: Value(x, label=n) for n, x in clean.items()}


def build(text: str, /, **values) -> tuple[Value, dict[str, Value]]:
    """The Value graph of ``text`` (forward pass only) and its variable leaves.
    Intermediate nodes are named (d, e, f, ...; see ``definition``)."""
    leaves = make_leaves(check_values(variables(text), values, text))
    out, results = build_graph(text, leaves)
    name_nodes(results)
    return out, leaves


def evaluate(text: str, /, **values) -> tuple[Value, dict[str, Value]]:
    """Parse, build the graph, backpropagate: (output, {name: leaf}) with grads filled."""
    out, leaves = build(text, **values)
    out.backward()
    return out, leaves
