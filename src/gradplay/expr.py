"""A small, safe expression language that builds ``Value`` graphs.

    out, leaves = evaluate("(a * b + c).tanh()", a=2.0, b=-3.0, c=10.0)
    leaves["a"].grad   # d out / d a, filled by backward()

The text is read by a hand-written tokenizer and recursive-descent parser;
it is never given to ``eval``, ``exec``, ``compile`` or ``ast``, so nothing a
user types can reach Python itself. The grammar is all there is::

    expr     := term (('+' | '-') term)*
    term     := unary (('*' | '/') unary)*
    unary    := ('-' | '+') unary | power
    power    := postfix ('**' exponent)?          exponent: a plain number
    postfix  := primary ('.' FUNCTION '(' [number] ')')*
    primary  := NUMBER | NAME | FUNCTION '(' expr [',' number] ')' | '(' expr ')'

Functions: relu, tanh, sigmoid, leaky_relu(x, slope), exp, log, softplus.
Anything else -- an unknown name, a string, a subscript, a keyword, text that
is too long or nested too deep, an exponent that is not a bounded number --
raises ``ExpressionError`` with the column of the problem.

The limits keep every accepted expression quick to evaluate, check and draw
(the explorer reruns in well under 0.3 s; ``benchmarks/explorer_rerun.py``):
at most ``MAX_LENGTH`` = 500 characters, ``MAX_DEPTH`` = 40 levels of
parentheses, calls and unary signs, ``MAX_VARIABLES`` = 26 different
variables (the finite-difference check evaluates the expression twice per
variable), names of at most ``MAX_NAME`` = 32 characters and exponents within
+-``MAX_EXPONENT`` = 64.

``build`` names every intermediate node the way the micrograd lecture does
(``d = a * b``, ``e = d + c``, ...): letters in order of computation, skipping
the expression's own variable names. ``definition(node)`` gives the formula
behind a name.
"""

from __future__ import annotations

import keyword
import math
import operator
import string
from dataclasses import dataclass
from functools import lru_cache

from .autograd import Value

__all__ = ["ExpressionError", "evaluate", "build", "parse", "variables", "numeric_gradients",
           "gradient_check", "GradientCheck", "definition", "backward_order", "replay_backward",
           "chain_rule_terms", "FUNCTIONS", "EXAMPLES", "EXAMPLE_VALUES", "MAX_LENGTH",
           "MAX_DEPTH", "MAX_EXPONENT", "MAX_VARIABLES", "MAX_NAME"]

MAX_LENGTH = 500      # characters
MAX_DEPTH = 40        # nested parentheses, unary signs and calls
MAX_EXPONENT = 64     # |k| in x ** k
MAX_NAME = 32         # characters in a variable name
MAX_VARIABLES = 26    # different variable names in one expression
FUNCTIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "exp", "log", "softplus")
EXAMPLES = {
    "neuron": "(a * b + c).tanh()",
    "micrograd": "((a * b + c) ** 2 + relu(b - a)) / 2",
    "sigmoid neuron": "sigmoid(w1 * x1 + w2 * x2 + b)",
    "softplus vs relu": "softplus(x) - relu(x)",
    "log-loss": "-(y * log(p) + (1 - y) * log(1 - p))",
    "leaky": "leaky_relu(a * b - c, 0.1) + exp(-a ** 2)",
}
_ALLOWED = "+-*/(),."


class ExpressionError(ValueError):
    """A problem with an expression. ``column`` is 1-based (None if unknown)."""

    def __init__(self, message: str, column: int | None = None, text: str | None = None):
        self.message, self.column, self.text = message, column, text
        where = f" (column {column})" if column else ""
        super().__init__(message + where)

    def pointer(self) -> str:
        """The message, the expression and a caret under the column."""
        lines = [f"error: {self}"]
        if self.text is not None and self.column and len(self.text) <= 200:
            shown = self.text.replace("\t", " ").replace("\n", " ")
            lines += [f"  {_printable(shown)}", "  " + " " * (self.column - 1) + "^"]
        return "\n".join(lines)


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in text)


# ---------------------------------------------------------------------- tokens
@dataclass(frozen=True)
class Token:
    kind: str     # "num", "name", "op", "end"
    text: str
    column: int   # 1-based


def _describe(ch: str) -> str:
    if ch in "'\"":
        return "strings (quotes) are not part of the language"
    if ch in "[]{}":
        return "lists, subscripts and braces are not part of the language"
    if ch in "=:<>!":
        return f"{ch!r}: comparisons and assignments are not part of the language"
    if not ch.isprintable():
        return f"the control character {ch!r} is not allowed"
    if not ch.isascii():
        return f"{ch!r}: only ASCII letters, digits and + - * / ** ( ) , . are allowed"
    return f"unexpected character {ch!r}"


def tokenize(text: str) -> list[Token]:
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is "
                              f"{MAX_LENGTH}", MAX_LENGTH + 1, text[:MAX_LENGTH + 1])
    tokens, i, n = [], 0, len(text)
    while i < n:
        ch, col = text[i], i + 1
        if ch in " \t\r\n":
            i += 1
        elif ch.isascii() and (ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit())):
            j = i
            while j < n and text[j].isascii() and (text[j].isdigit() or text[j] == "."):
                j += 1
            if j < n and text[j] in "eE":
                k = j + 1
                if k < n and text[k] in "+-":
                    k += 1
                if k < n and text[k].isascii() and text[k].isdigit():
                    j = k
                    while j < n and text[j].isascii() and text[j].isdigit():
                        j += 1
            literal = text[i:j]
            try:
                value = float(literal)
            except ValueError:
                raise ExpressionError(f"{literal!r} is not a number", col, text) from None
            if not math.isfinite(value):
                raise ExpressionError(f"{literal} is too large for a float", col, text)
            if j < n and (text[j].isalpha() or text[j] == "_"):
                raise ExpressionError("a number runs into a name: write 2*a, not 2a", j + 1, text)
            tokens.append(Token("num", literal, col))
            i = j
        elif ch.isascii() and (ch.isalpha() or ch == "_"):
            j = i
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("name", text[i:j], col))
            i = j
        elif text.startswith("**", i):
            tokens.append(Token("op", "**", col))
            i += 2
        elif ch in _ALLOWED:
            tokens.append(Token("op", ch, col))
            i += 1
        else:
            raise ExpressionError(_describe(ch), col, text)
    tokens.append(Token("end", "", n + 1))
    return tokens


# ---------------------------------------------------------------------- syntax tree
@dataclass(frozen=True)
class Num:
    value: float
    text: str
    column: int


@dataclass(frozen=True)
class Var:
    name: str
    column: int


@dataclass(frozen=True)
class Unary:
    op: str
    operand: object
    column: int


@dataclass(frozen=True)
class Binary:
    op: str
    left: object
    right: object
    column: int


@dataclass(frozen=True)
class Pow:
    base: object
    exponent: float
    column: int


@dataclass(frozen=True)
class Call:
    function: str
    argument: object
    slope: float | None
    column: int


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.names: set[str] = set()

    # helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def error(self, message: str, token: Token | None = None) -> ExpressionError:
        return ExpressionError(message, (token or self.tok).column, self.text)

    def take(self, text: str | None = None) -> Token:
        tok = self.tok
        if text is not None and tok.text != text:
            found = "the end" if tok.kind == "end" else repr(tok.text)
            raise self.error(f"expected {text!r} but found {found}")
        self.pos += 1
        return tok

    def deeper(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the expression is nested more than {MAX_DEPTH} levels deep",
                             token)

    # grammar
    def parse(self):
        if self.tok.kind == "end":
            raise self.error("the expression is empty")
        node = self.expr()
        if self.tok.kind != "end":
            raise self.error(f"unexpected {self.tok.text!r}: expected an operator "
                             "(+ - * / **) or the end")
        return node

    def left_assoc(self, ops: tuple, operand):
        """operand (op operand)*, grouped from the left: a - b - c = (a - b) - c."""
        node = operand()
        while self.tok.kind == "op" and self.tok.text in ops:
            op = self.take()
            node = Binary(op.text, node, operand(), op.column)
        return node

    def expr(self):
        return self.left_assoc(("+", "-"), self.term)

    def term(self):
        return self.left_assoc(("*", "/"), self.unary)

    def unary(self):
        if self.tok.kind == "op" and self.tok.text in ("-", "+"):
            op = self.take()
            self.deeper(op)
            operand = self.unary()
            self.depth -= 1
            return Unary(op.text, operand, op.column) if op.text == "-" else operand
        return self.power()

    def power(self):
        base = self.postfix()
        if self.tok.text == "**":
            op = self.take()
            return Pow(base, self.exponent(), op.column)
        return base

    def exponent(self) -> float:
        """A bounded constant: a number, a signed number, (number), or number ** number."""
        tok = self.tok
        sign = 1.0
        while self.tok.kind == "op" and self.tok.text in ("-", "+"):  # a loop, not nesting
            sign *= -1.0 if self.take().text == "-" else 1.0
        if self.tok.text == "(":
            self.deeper(self.take())
            value = self.exponent()
            self.take(")")
            self.depth -= 1
        elif self.tok.kind == "num":
            value = float(self.take().text)
        else:
            raise self.error("the exponent must be a plain number, like a**2 or a**-0.5 "
                             "(a variable exponent is not supported)", tok)
        if self.tok.text == "**":  # right-associative: 2**3**2 = 2**(3**2)
            op = self.take()
            inner = self.exponent()
            if abs(value) > MAX_EXPONENT or abs(inner) > MAX_EXPONENT:
                raise self.error(f"exponents are limited to +-{MAX_EXPONENT}", op)
            try:
                value = value ** inner
            except (ZeroDivisionError, OverflowError):
                raise self.error("this exponent has no finite value", op) from None
            if isinstance(value, complex):
                raise self.error("this exponent is not a real number", op)
        value *= sign
        if abs(value) > MAX_EXPONENT:
            raise self.error(f"the exponent {value:g} is too large: exponents are limited to "
                             f"+-{MAX_EXPONENT}", tok)
        return value

    def postfix(self):
        node = self.primary()
        while self.tok.text == ".":
            dot = self.take()
            name = self.tok
            if name.kind != "name":
                raise self.error("after '.' write a function such as .tanh()", name)
            if name.text not in FUNCTIONS:
                raise self.error(f"unknown method .{name.text}(): the methods are "
                                 f"{', '.join(FUNCTIONS)}", name)
            self.take()
            if self.tok.text != "(":
                raise self.error(f"call it: .{name.text}()")
            self.deeper(self.take("("))
            slope = self.slope(name) if self.tok.text != ")" else None
            self.take(")")
            self.depth -= 1
            node = Call(name.text, node, slope, dot.column)
        return node

    def slope(self, function: Token) -> float:
        if function.text != "leaky_relu":
            raise self.error(f"{function.text}() takes no extra argument")
        tok = self.tok
        sign = 1.0
        if self.tok.text == "-":
            self.take()
            sign = -1.0
        if self.tok.kind != "num":
            raise self.error("the slope of leaky_relu must be a plain number, like 0.01", tok)
        value = sign * float(self.take().text)
        if not -1.0 <= value <= 1.0:
            raise self.error(f"the slope of leaky_relu must be in [-1, 1], got {value:g}", tok)
        return value

    def primary(self):
        tok = self.tok
        if tok.kind == "num":
            self.take()
            return Num(float(tok.text), tok.text, tok.column)
        if tok.kind == "name":
            return self.name()
        if tok.text == "(":
            self.deeper(self.take())
            node = self.expr()
            self.take(")")
            self.depth -= 1
            return node
        if tok.kind == "end":
            raise self.error("the expression ends too early: a number, a name or '(' is "
                             "missing")
        raise self.error(f"unexpected {tok.text!r}: expected a number, a name or '('")

    def name(self):
        tok = self.take()
        name = tok.text
        if keyword.iskeyword(name) or keyword.issoftkeyword(name):
            raise self.error(f"{name!r} is a Python keyword; it has no meaning here", tok)
        if name.startswith("_"):
            raise self.error(f"names may not start with '_': {name!r}", tok)
        if self.tok.text == "(":
            if name not in FUNCTIONS:
                raise self.error(f"unknown function {name}(): the functions are "
                                 f"{', '.join(FUNCTIONS)}", tok)
            self.deeper(self.take("("))
            if self.tok.text == ")":
                raise self.error(f"{name}() needs an argument, like {name}(x)")
            argument = self.expr()
            slope = None
            if self.tok.text == ",":
                self.take()
                slope = self.slope(tok)
            self.take(")")
            self.depth -= 1
            return Call(name, argument, slope, tok.column)
        if name in FUNCTIONS:
            raise self.error(f"{name} is a function: write {name}(x) or (x).{name}()", tok)
        if len(name) > MAX_NAME:
            raise self.error(f"variable names are limited to {MAX_NAME} characters", tok)
        if name not in self.names and len(self.names) >= MAX_VARIABLES:
            raise self.error(f"{name!r} would be variable number {MAX_VARIABLES + 1}: an "
                             f"expression may use at most {MAX_VARIABLES} different variables",
                             tok)
        self.names.add(name)
        return Var(name, tok.column)


@lru_cache(maxsize=64)
def _parse(text: str):
    return _Parser(text).parse()


def parse(text: str):
    """The syntax tree of ``text`` (raises ExpressionError). Trees are immutable,
    so the last few are kept: the explorer asks for the same text many times."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    return _parse(text)


def _children(node) -> tuple:
    """The sub-expressions a syntax-tree node is computed from, left to right."""
    if isinstance(node, Binary):
        return (node.left, node.right)
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Pow):
        return (node.base,)
    if isinstance(node, Call):
        return (node.argument,)
    return ()


def _walk(node):
    """Every node of the tree, parents before children, left before right."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack += reversed(_children(n))


def variables(text: str) -> list[str]:
    """The variable names ``text`` uses, in order of first appearance."""
    seen: dict[str, None] = {}
    for n in _walk(parse(text)):
        if isinstance(n, Var):
            seen.setdefault(n.name)
    return list(seen)


# ---------------------------------------------------------------------- building Values
_FLOAT_MAX = "the largest float, about 1.8e308"


_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def _apply(node, args: list[Value]) -> Value:
    """One syntax-tree node's Value operation on its children's Values."""
    if isinstance(node, Binary):
        return _BINARY[node.op](*args)
    if isinstance(node, Unary):
        return -args[0]
    if isinstance(node, Pow):
        return args[0] ** node.exponent
    if node.function == "leaky_relu":
        return args[0].leaky_relu(0.01 if node.slope is None else node.slope)
    return getattr(args[0], node.function)()


_SLOPES = {"/": ("1/{1}", "-{0}/{1}^2"), "log": ("1/{0}",), "*": ("{1}", "{0}")}


def _refuse_overflow(node, out: Value, text: str) -> None:
    """Refuse a node whose value or local derivative left the float range, and say which.

    The one infinite slope that is real mathematics, x ** k at x = 0 with
    0 < k < 1, is kept: the gradient check explains it.
    """
    args = [c.label or fmt_number(c.data) for c in out.children]
    known = [f"{c.label} = {c.data:g}" for t, c in zip(_children(node), out.children)
             if c.label and not isinstance(t, Num)]
    where = f" at {', '.join(known)}" if known else ""
    if not math.isfinite(out.data):
        raise ExpressionError(f"{definition(out)} overflowed{where}: the result is beyond "
                              f"{_FLOAT_MAX}", node.column, text)
    if isinstance(node, Pow) and out.children[0].data == 0.0:
        return
    for i, g in enumerate(out.local_grads):
        if not math.isfinite(g):
            if isinstance(node, Pow):
                formula = f"{node.exponent:g} * {args[0]}^{node.exponent - 1:g}"
            else:
                formula = _SLOPES.get(out.op, ("d/dx",) * 2)[i].format(*args)
            raise ExpressionError(f"{definition(out)}{where}: the value {out.data:g} is fine, "
                                  f"but its derivative with respect to {args[i]}, {formula}, "
                                  f"overflowed: it is beyond {_FLOAT_MAX}", node.column, text)


@lru_cache(maxsize=64)
def _program(text: str) -> tuple:
    """The syntax tree of ``text`` in post-order (children first, left to right),
    each node with its children: the order ``_build`` computes Values in. Kept
    per text, like the tree, since the gradient check builds it many times."""
    order, stack = [], [(parse(text), False)]
    while stack:
        node, ready = stack.pop()
        kids = _children(node)
        if ready or not kids:
            order.append((node, kids))
        else:
            stack.append((node, True))
            stack += [(k, False) for k in reversed(kids)]
    return tuple(order)


def _build(text: str, leaves: dict[str, Value]) -> tuple[Value, dict[int, Value]]:
    """The Value graph of ``text`` over these leaves (a loop: no recursion limit).

    Returns the output and ``results``: id(syntax-tree node) -> its Value, so
    that callers can look at any sub-expression (the gradient check reads the
    inputs of relu and friends there)."""
    results: dict[int, Value] = {}
    program = _program(text)
    for node, kids in program:
        if isinstance(node, Num):
            results[id(node)] = Value(node.value, label=node.text)
        elif isinstance(node, Var):
            results[id(node)] = leaves[node.name]
        else:
            try:
                out = _apply(node, [results[id(k)] for k in kids])
            except (ZeroDivisionError, ValueError, OverflowError) as e:
                raise ExpressionError(str(e), node.column, text) from None
            if not (math.isfinite(out.data) and all(map(math.isfinite, out.local_grads))):
                _refuse_overflow(node, out, text)
            results[id(node)] = out
    return results[id(program[-1][0])], results


def _short_names(taken: set[str]):
    """Names for intermediate nodes, in the lecture's style: a, b, c, ... (those
    not taken by the expression's variables), then n1, n2, ..."""
    for letter in string.ascii_lowercase:
        if letter not in taken:
            yield letter
    i = 1
    while True:
        if f"n{i}" not in taken:
            yield f"n{i}"
        i += 1


def _name_nodes(results: dict[int, Value], taken: set[str]) -> None:
    """Give every unlabelled intermediate node a short name, in the order ``_build``
    computed them: left to right, as the expression reads."""
    names = _short_names(taken)
    for node in results.values():
        if node.children and not node.label:
            node.label = next(names)


def definition(node: Value) -> str:
    """The formula that made ``node``, in its children's names: ``a * b``,
    ``tanh(d)``, ``-e``, ``d ** 2``; a leaf's definition is its own name."""
    args = [c.label or fmt_number(c.data) for c in node.children]
    if not node.children:
        return node.label or fmt_number(node.data)
    if node.op in ("+", "-", "*", "/") and len(args) == 2:
        return f"{args[0]} {node.op} {args[1]}"
    if node.op == "neg":
        return f"-{args[0]}"
    if node.op.startswith("**"):
        return f"{args[0]} ** {node.op[2:]}"
    return f"{node.op}({', '.join(args)})"


def fmt_number(x: float) -> str:
    """A number as the step text shows it: 4 significant digits."""
    return f"{x + 0.0:.4g}" if x != 0 else "0"


def _check_values(names: list[str], values: dict, text: str) -> dict[str, float]:
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


def _leaves(clean: dict[str, float]) -> dict[str, Value]:
    return {n: Value(x, label=n) for n, x in clean.items()}


def build(text: str, /, **values) -> tuple[Value, dict[str, Value]]:
    """The Value graph of ``text`` (forward pass only) and its variable leaves.
    Intermediate nodes are named (d, e, f, ...; see ``definition``)."""
    names = variables(text)
    leaves = _leaves(_check_values(names, values, text))
    out, results = _build(text, leaves)
    _name_nodes(results, set(names))
    return out, leaves


def evaluate(text: str, /, **values) -> tuple[Value, dict[str, Value]]:
    """Parse, build the graph, backpropagate: (output, {name: leaf}) with grads filled."""
    out, leaves = build(text, **values)
    out.backward()
    return out, leaves


# ---------------------------------------------------------------------- gradient check
@dataclass(frozen=True)
class GradientCheck:
    """One row of the gradient check: d(output)/d(variable) two ways.

    ``note`` says why the two disagree where they may: at a kink (relu's or
    leaky_relu's input at 0, x ** k at 0 with 0 < k < 1) autograd takes one
    side's slope, while finite differences straddle the kink and average both.
    """

    name: str
    value: float
    autograd: float
    numeric: float
    difference: float
    note: str = ""


def _kink_nodes(tree) -> list:
    """Syntax-tree nodes where the function has no single slope at 0."""
    return [n for n in _walk(tree)
            if (isinstance(n, Call) and n.function in ("relu", "leaky_relu"))
            or (isinstance(n, Pow) and 0 < n.exponent < 1)]


def _kink_text(node: Value, tree_node) -> str:
    x = fmt_number(node.children[0].data)
    if isinstance(tree_node, Pow):
        return (f"{node.label} = {definition(node)} is at x = {x}, where its slope is "
                "infinite: autograd gives inf (or nan), finite differences a finite number")
    if tree_node.function == "relu":
        sides = "0 on the left, 1 on the right"
    else:
        slope = 0.01 if tree_node.slope is None else tree_node.slope
        sides = f"{slope:g} on the left, 1 on the right"
    return (f"kink: {node.label} = {definition(node)} has its input at {x}, where its slope "
            f"jumps ({sides}); autograd takes one side's slope, finite differences "
            "average both")


def _differs(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return not (math.isnan(a) and math.isnan(b))
    return abs(a - b) > 1e-5 * max(1.0, abs(a), abs(b))


def _probe(text: str, base: dict[str, float], name: str, h: float):
    """f(x + h) and f(x - h) for one variable, with the syntax-tree results of each."""
    sides = []
    for delta in (h, -h):
        shifted = dict(base)
        shifted[name] += delta
        try:
            sides.append(_build(text, _leaves(shifted)))
        except ExpressionError:
            return None
    return sides


def _check_rows(text: str, values: dict, step: float, autograd: bool) -> list[GradientCheck]:
    if not (isinstance(step, (int, float)) and math.isfinite(step) and step > 0):
        raise ExpressionError(f"the finite-difference step must be a positive number, got "
                              f"{step!r}")
    names = variables(text)
    base = _check_values(names, values, text)
    leaves = _leaves(base)
    out, results = _build(text, leaves)
    if autograd:
        _name_nodes(results, set(names))
        out.backward()
    kinks = _kink_nodes(parse(text))
    rows = []
    for n in names:
        h = step * max(1.0, abs(base[n]))   # relative step: x + h must differ from x
        sides = _probe(text, base, n, h)
        if sides is None:
            numeric, note = math.nan, "finite differences: f is undefined at x + h or x - h"
        else:
            (up, up_results), (down, down_results) = sides
            numeric = (up.data - down.data) / (2 * h)
            note = ""
            if autograd and _differs(leaves[n].grad, numeric):
                for k in kinks:
                    arg = id(_children(k)[0])     # the kink's input: 0 is where it bends
                    x0, x_up, x_down = (r[arg].data for r in (results, up_results, down_results))
                    if x0 == 0.0 or (x_up > 0) != (x_down > 0):
                        note = _kink_text(results[id(k)], k)
                        break
        grad = leaves[n].grad if autograd else math.nan
        rows.append(GradientCheck(n, base[n], grad, numeric, abs(grad - numeric), note))
    return rows


def gradient_check(text: str, /, _step: float = 1e-6, **values) -> list[GradientCheck]:
    """Every variable's gradient by autograd and by central finite differences
    (f(x+h) - f(x-h)) / 2h with h = _step * max(1, |x|), their difference, and
    a note where they may rightly disagree (a kink, or f undefined near x)."""
    return _check_rows(text, values, _step, autograd=True)


def numeric_gradients(text: str, /, _step: float = 1e-6, **values) -> dict[str, float]:
    """Central finite differences for every variable (see ``gradient_check``);
    nan where f is undefined at x +- h."""
    return {r.name: r.numeric for r in _check_rows(text, values, _step, autograd=False)}


# ---------------------------------------------------------------------- stepping through
def backward_order(output: Value) -> list[Value]:
    """The nodes in the order backpropagation visits them: output first, and
    each node only after every node that uses it."""
    return list(reversed(output.topological_order()))


def replay_backward(output: Value, steps: int) -> list[Value]:
    """Backpropagate through only the first ``steps`` nodes of
    ``backward_order(output)``, leaving every grad as it stands at that moment.

    All grads start at 0 and output.grad at 1; processing a node is its
    ``_backward()``: it adds its share to each child. Returns the processed
    nodes (the last is the one just handled). With every step taken, the
    grads equal ``backward()``'s.
    """
    order = backward_order(output)
    steps = max(0, min(int(steps), len(order)))
    for node in order:
        node.grad = 0.0
    output.grad = 1.0
    for node in order[:steps]:
        node._backward()
    return order[:steps]


# starting values for the worked examples' variables
EXAMPLE_VALUES = {"a": 2.0, "b": -3.0, "c": 10.0, "x": 0.5, "y": 1.0, "p": 0.8, "w1": 0.5,
                  "w2": -1.5, "x1": 1.0, "x2": 2.0}


def chain_rule_terms(node: Value) -> list[dict]:
    """What backprop does at ``node``: for each child, the chain-rule product
    child.grad += (d node / d child) * node.grad."""
    return [{"child": child, "local": local, "upstream": node.grad,
             "contribution": local * node.grad}
            for child, local in zip(node.children, node.local_grads)]
