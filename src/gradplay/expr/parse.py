"""Text to syntax tree: the tokenizer, the tree's three kinds of node, the parser.

The text is read by a hand-written tokenizer and recursive-descent parser;
it is never given to ``eval``, ``exec``, ``compile`` or ``ast``, so nothing a
user types can reach Python itself. The grammar is all there is, one rule to
one parser method::

    program  := (NAME '=' expr ';')* [NAME '='] expr
    expr     := term (('+' | '-') term)*
    term     := unary (('*' | '/') unary)*
    unary    := ('-' | '+') unary | power
    power    := postfix ('**' exponent)?
    postfix  := primary ('.' FUNCTION '(' [slope] ')')*
    primary  := NUMBER | NAME | FUNCTION '(' expr [',' slope] ')' | '(' expr ')'
    constant := ('-' | '+')* (NUMBER | '(' constant ')') ['**' constant]
    exponent := constant, within +-MAX_EXPONENT;   slope := constant, in [-1, 1]

``NAME = expr;`` names a node so that later statements can use it, as Python
code that builds Values does: ``b = a + a; c = b * b`` is one node b that c
uses twice (micrograd's classic trap: b's gradient is the sum of both uses).
The last statement's value is the output. A name is defined once, before
its first use; each definition is used; a defined name is not a variable.
Without definitions nothing is shared: ``(a + a) * (a + a)`` is two nodes.

Functions: relu, tanh, sigmoid, leaky_relu(x, slope), exp, log, softplus.
Anything else -- an unknown name, a string, a subscript, a keyword, text that
is too long or nested too deep, an exponent that is not a bounded number --
raises ``ExpressionError`` with the column of the problem.

The limits keep every accepted expression quick to evaluate, check and draw
(the explorer reruns in well under 0.3 s; ``benchmarks/explorer_rerun.py``).
At most ``MAX_LENGTH`` = 1000 characters, ``MAX_DEPTH`` = 40 levels of
parentheses, calls and unary signs, ``MAX_VARIABLES`` = 80 different variables
(the finite-difference check evaluates the expression twice per variable),
names of at most ``MAX_NAME`` = 32 characters and exponents within
+-``MAX_EXPONENT`` = 64. That leaves room for one neuron of a 32-wide layer
written out, ``(w0*x0 + ... + w31*x31 + b).tanh()`` (65 variables, 310
characters), or with its inputs as numbers written in full (``repr``).
"""

from __future__ import annotations

import keyword
import math
import string
from dataclasses import dataclass, replace
from functools import lru_cache

__all__ = ["ExpressionError", "Token", "tokenize", "Num", "Var", "Op", "parse", "variables",
           "children", "walk", "post_order", "FUNCTIONS", "DEFAULT_SLOPE", "MAX_LENGTH",
           "MAX_DEPTH", "MAX_EXPONENT", "MAX_NAME", "MAX_VARIABLES"]

MAX_LENGTH = 1000     # characters
MAX_DEPTH = 40        # nested parentheses, unary signs and calls
MAX_EXPONENT = 64     # |k| in x ** k
MAX_NAME = 32         # characters in a variable name
MAX_VARIABLES = 80    # different variable names in one expression
FUNCTIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "exp", "log", "softplus")
DEFAULT_SLOPE = 0.01  # leaky_relu(x) without a slope: Value's and PyTorch's default
_ALLOWED = "+-*/(),.=;"
_DIGITS = string.digits
_NAME_CHARS = string.ascii_letters + string.digits + "_"


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


def _describe(text: str, i: int) -> str:
    """Why the character at text[i] cannot start a token."""
    ch = text[i]
    if ch in "'\"":
        return "strings (quotes) are not part of the language"
    if ch in "[]{}":
        return "lists, subscripts and braces are not part of the language"
    if ch in "=:<>!":
        return (f"{text[i:i + 2]!r}: comparisons are not part of the language" if ch == "="
                else f"{ch!r}: comparisons and assignments are not part of the language "
                     "(name a step as b = a + a; c = b * b)")
    if not ch.isprintable():
        return f"the control character {ch!r} is not allowed"
    if not ch.isascii():
        return f"{ch!r}: only ASCII letters, digits and + - * / ** ( ) , . = ; are allowed"
    return f"unexpected character {ch!r}"


def _skip(text: str, i: int, allowed: str) -> int:
    """The first position at or after i whose character is not in ``allowed``."""
    while i < len(text) and text[i] in allowed:
        i += 1
    return i


def _number(text: str, i: int) -> tuple[Token, int]:
    """The number literal starting at text[i]: digits and dots, then an optional
    exponent e[+-]digits. Returns the token and the position after it."""
    j = _skip(text, i, _DIGITS + ".")
    if j < len(text) and text[j] in "eE":
        k = j + 1
        if k < len(text) and text[k] in "+-":
            k += 1
        if k < len(text) and text[k] in _DIGITS:
            j = _skip(text, k, _DIGITS)
    literal, col = text[i:j], i + 1
    try:
        value = float(literal)
    except ValueError:
        raise ExpressionError(f"{literal!r} is not a number", col, text) from None
    if not math.isfinite(value):
        raise ExpressionError(f"{literal} is too large for a float", col, text)
    if j < len(text) and text[j] in _NAME_CHARS:
        raise ExpressionError("a number runs into a name: write 2*a, not 2a", j + 1, text)
    return Token("num", literal, col), j


def _check_text(text) -> None:
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is "
                              f"{MAX_LENGTH}", MAX_LENGTH + 1, text[:MAX_LENGTH + 1])


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an "end" token (raises ExpressionError)."""
    _check_text(text)
    tokens, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
            continue
        if ch in _DIGITS or (ch == "." and i + 1 < len(text) and text[i + 1] in _DIGITS):
            token, i = _number(text, i)
        elif ch in _NAME_CHARS:
            j = _skip(text, i, _NAME_CHARS)
            token, i = Token("name", text[i:j], i + 1), j
        elif text.startswith("**", i):
            token, i = Token("op", "**", i + 1), i + 2
        elif ch in _ALLOWED and not text.startswith("==", i):
            token, i = Token("op", ch, i + 1), i + 1
        else:
            raise ExpressionError(_describe(text, i), i + 1, text)
        tokens.append(token)
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


# ---------------------------------------------------------------------- syntax tree
# Like a Value, an operation node is its op and its operands. Nodes compare by
# identity (eq=False): with definitions the tree is a DAG, one node reached by
# several paths, and field-by-field comparison would walk it once per path.
@dataclass(frozen=True, eq=False)
class Num:
    value: float
    text: str        # the literal as typed, shown as the constant's label
    column: int
    name: str = ""   # k = 2; ... names a constant


@dataclass(frozen=True, eq=False)
class Var:
    name: str
    column: int


@dataclass(frozen=True, eq=False)
class Op:
    op: str                      # "+", "-", "*", "/", "neg", "**" or a function name
    args: tuple                  # the operands, left to right
    column: int
    param: float | None = None   # the exponent of "**", the slope of leaky_relu
    name: str = ""               # the name a definition gave it (b = a + a), or ""


def children(node) -> tuple:
    """The sub-expressions a syntax-tree node is computed from, left to right."""
    return node.args if isinstance(node, Op) else ()


def walk(tree):
    """Every node of the tree once, parents before children, left before right."""
    seen, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            yield node
            stack += reversed(children(node))


def post_order(tree) -> list:
    """Every node once, children before parents, left to right: the order to
    compute them in (a loop: no recursion limit)."""
    order, done, stack = [], set(), [(tree, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in done:
            continue
        if ready or not children(node):
            done.add(id(node))
            order.append(node)
        else:
            stack.append((node, True))
            stack += [(k, False) for k in reversed(children(node))]
    return order


# ---------------------------------------------------------------------- the parser
class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.names: dict[str, None] = {}    # variables, in order of first appearance
        self.defined: dict[str, object] = {}  # name -> the node its definition built
        self.unused: dict[str, Token] = {}    # defined names not used yet

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

    def at_op(self, ops: tuple) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def deeper(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the expression is nested more than {MAX_DEPTH} levels deep",
                             token)

    # grammar
    def parse(self):
        if self.tok.kind == "end":
            raise self.error("the expression is empty")
        node = self.statement()
        while self.at_op((";",)):
            self.take()
            node = self.statement()
        if self.tok.kind != "end":
            hint = (" ('=' names a step at the start of a statement, as in b = a + a; "
                    "c = b * b)" if self.tok.text == "=" else "")
            raise self.error(f"unexpected {self.tok.text!r}: expected an operator "
                             f"(+ - * / **) or the end{hint}")
        self.unused.pop(getattr(node, "name", ""), None)     # the output needs no use
        if self.unused:
            name, tok = next(iter(self.unused.items()))
            raise self.error(f"{name!r} is defined but never used: the last statement's "
                             "value is the output", tok)
        return node

    def statement(self):
        """[NAME '='] expr. A statement before a ';' must name its value, or it
        would be computed for nothing."""
        start = self.tok
        named = start.kind == "name" and self.tokens[self.pos + 1].text == "="
        if named:
            self.pos += 2
        node = self.expr()
        if named:
            return self.define(start, node)
        if self.at_op((";",)):
            raise self.error("the value before ';' is never used: name it, as in "
                             "b = a + a; c = b * b", start)
        return node

    def define(self, tok: Token, node):
        """Give ``node`` the name ``tok``, for later statements to use."""
        name = tok.text
        self.check_name(tok)
        if name in self.defined:
            raise self.error(f"{name!r} is defined twice: each name is defined once", tok)
        if name in self.names:
            raise self.error(f"{name!r} is already a variable of the expression: a name is "
                             "defined before its first use", tok)
        if isinstance(node, Var) or node.name:   # b = a, or c = b with b defined
            raise self.error(f"{name} = {node.name} only gives {node.name} a second name: "
                             f"use {node.name} itself", tok)
        node = replace(node, name=name)
        self.defined[name] = node
        self.unused[name] = tok
        return node

    def left_assoc(self, ops: tuple, operand):
        """operand (op operand)*, grouped from the left: a - b - c = (a - b) - c."""
        node = operand()
        while self.at_op(ops):
            op = self.take()
            node = Op(op.text, (node, operand()), op.column)
        return node

    def expr(self):
        return self.left_assoc(("+", "-"), self.term)

    def term(self):
        return self.left_assoc(("*", "/"), self.unary)

    def unary(self):
        if self.at_op(("-", "+")):
            op = self.take()
            self.deeper(op)
            operand = self.unary()
            self.depth -= 1
            return Op("neg", (operand,), op.column) if op.text == "-" else operand
        return self.power()

    def power(self):
        base = self.postfix()
        if self.tok.text == "**":
            op = self.take()
            return Op("**", (base,), op.column, self.exponent())
        return base

    def constant(self, what: str) -> float:
        """A constant: signs, then a number or a parenthesised constant, then
        optionally '**' constant (right-associative: 2**3**2 = 2**(3**2)).
        ``what`` is the message for anything else (a variable, say)."""
        tok = self.tok
        sign = 1.0
        while self.at_op(("-", "+")):                 # a loop, not nesting
            sign *= -1.0 if self.take().text == "-" else 1.0
        if self.tok.text == "(":
            self.deeper(self.take())
            value = self.constant(what)
            self.take(")")
            self.depth -= 1
        elif self.tok.kind == "num":
            value = float(self.take().text)
        else:
            raise self.error(what, tok)
        if self.tok.text == "**":
            value = self.raised(value, what)
        return sign * value

    def raised(self, base: float, what: str) -> float:
        """base ** constant, both bounded, so that 9**9**9 is refused, not computed."""
        op = self.take("**")
        power = self.constant(what)
        if abs(base) > MAX_EXPONENT or abs(power) > MAX_EXPONENT:
            raise self.error(f"exponents are limited to +-{MAX_EXPONENT}", op)
        try:
            value = base ** power
        except (ZeroDivisionError, OverflowError):
            raise self.error("this exponent has no finite value", op) from None
        if isinstance(value, complex):
            raise self.error("this exponent is not a real number", op)
        return value

    def exponent(self) -> float:
        tok = self.tok
        value = self.constant("the exponent must be a plain number, like a**2 or a**-0.5 "
                              "(a variable exponent is not supported)")
        if abs(value) > MAX_EXPONENT:
            raise self.error(f"the exponent {value:g} is too large: exponents are limited to "
                             f"+-{MAX_EXPONENT}", tok)
        return value

    def slope(self, function: Token) -> float:
        """The one slope parser: leaky_relu(x, slope) and (x).leaky_relu(slope)."""
        if function.text != "leaky_relu":
            raise self.error(f"{function.text}() takes no extra argument")
        tok = self.tok
        value = self.constant("the slope of leaky_relu must be a plain number, like 0.01")
        if not -1.0 <= value <= 1.0:
            raise self.error(f"the slope of leaky_relu must be in [-1, 1], got {value:g}", tok)
        return value

    def call(self, function: Token, operand, column: int) -> Op:
        """A call's parentheses: '(' expr [',' slope] ')' after f, where ``operand``
        is None, or '(' [slope] ')' after x.f, where x is the operand."""
        self.deeper(self.take("("))
        if operand is None:
            if self.tok.text == ")":
                raise self.error(f"{function.text}() needs an argument, like "
                                 f"{function.text}(x)")
            operand = self.expr()
            has_slope = self.at_op((",",))
            if has_slope:
                self.take()
        else:
            has_slope = self.tok.text != ")"
        slope = self.slope(function) if has_slope else None
        self.take(")")
        self.depth -= 1
        if function.text == "leaky_relu" and slope is None:
            slope = DEFAULT_SLOPE
        return Op(function.text, (operand,), column, slope)

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
            node = self.call(name, node, dot.column)
        return node

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

    def check_name(self, tok: Token) -> None:
        """What no name may be: a keyword, private (_x), a function, too long."""
        name = tok.text
        if keyword.iskeyword(name) or keyword.issoftkeyword(name):
            raise self.error(f"{name!r} is a Python keyword; it has no meaning here", tok)
        if name.startswith("_"):
            raise self.error(f"names may not start with '_': {name!r}", tok)
        if name in FUNCTIONS:
            raise self.error(f"{name} is a function: write {name}(x) or (x).{name}()", tok)
        if len(name) > MAX_NAME:
            raise self.error(f"names are limited to {MAX_NAME} characters", tok)

    def name(self):
        """A function call, a defined name, or a variable."""
        tok = self.take()
        if self.tok.text == "(" and tok.text in FUNCTIONS:
            return self.call(tok, None, tok.column)
        self.check_name(tok)
        if self.tok.text == "(":
            raise self.error(f"unknown function {tok.text}(): the functions are "
                             f"{', '.join(FUNCTIONS)}", tok)
        if tok.text in self.defined:
            self.unused.pop(tok.text, None)
            return self.defined[tok.text]
        if tok.text not in self.names and len(self.names) >= MAX_VARIABLES:
            raise self.error(f"{tok.text!r} would be variable number {MAX_VARIABLES + 1}: an "
                             f"expression may use at most {MAX_VARIABLES} different "
                             "variables", tok)
        self.names.setdefault(tok.text)
        return Var(tok.text, tok.column)


@lru_cache(maxsize=64)
def _parse(text: str) -> tuple:
    parser = _Parser(text)
    tree = parser.parse()
    return tree, tuple(parser.names)


def parse(text: str):
    """The syntax tree of ``text`` (raises ExpressionError): its output node.
    Trees are immutable, so the last few are kept: the explorer asks for the
    same text many times."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    return _parse(text)[0]


def variables(text: str) -> list[str]:
    """The variable names ``text`` uses, in order of first appearance."""
    if not isinstance(text, str):
        raise ExpressionError("the expression must be text")
    return list(_parse(text)[1])
