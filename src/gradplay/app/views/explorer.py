"""Page 1: type an expression, see its value, every gradient and the graph,
and step through the backward pass node by node.

Everything a user typed reaches the page escaped (``md``, ``code``) or as
plain text (the text box, the table, the caret under an error): nothing they
type can become a link, an image or formatting. The graph is laid out by
Graphviz on the server and shown at its natural size in a box that scrolls
sideways, so its text stays readable on a projector however wide it gets.
"""

import math
import string

import pandas as pd
import streamlit as st

from gradplay.app.examples import EXAMPLE_VALUES, EXAMPLES
from gradplay.autograd import backward_steps, gradient_sums, replay_backward
from gradplay.expr import (MAX_LENGTH, ExpressionError, definition, evaluate, fmt_number,
                           gradient_check, variables)
from gradplay.viz.graph import GraphvizNotInstalled, to_dot, to_svg

ss = st.session_state
CUSTOM = "custom"       # the examples box once the text is no worked example
MAX_PAGE_NODES = 60     # larger graphs are summarised, not drawn (see the message below)


def md(text) -> str:
    """``text`` shown literally inside Markdown: every ASCII punctuation mark
    backslash-escaped (CommonMark allows it for all of them), newlines flattened."""
    return "".join("\\" + c if c in string.punctuation else c
                   for c in str(text).replace("\n", " "))


def code(text) -> str:
    """``text`` as an inline code span: its fence is longer than any run of
    backticks inside, so nothing in it can close the span early."""
    text = str(text).replace("\n", " ")
    run = longest = 0
    for c in text:
        run = run + 1 if c == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}"


st.title("Expression explorer")
st.caption("Type a formula in any variables. gradplay builds its computational graph of "
           "`Value` nodes, runs backpropagation, and shows every gradient beside a "
           "finite-difference check. Functions: relu, tanh, sigmoid, leaky_relu(x, slope), "
           "exp, log, softplus — as `tanh(x)` or `(x).tanh()`. Name a step to use it "
           "twice: `b = a + a; c = b * b`.")


def show_error(e: ExpressionError, text: str) -> None:
    """The parser's message, with a caret under the column it points at.

    The page stops after it, so the widgets below are not drawn this run; a new
    ``drawn`` generation gives the step slider a fresh key next time (the
    browser would otherwise bring it back at 0, whatever the server holds)."""
    ss.drawn = ss.get("drawn", 0) + 1
    st.error(f"**{md(e.message)}**" + (f" — column {e.column}" if e.column else ""), icon="⚠️")
    if e.column and len(text) <= 200:
        st.code(text + "\n" + " " * (e.column - 1) + "^", language=None)


# ---------------------------------------------------------------- the expression
def example_for(text: str) -> str:
    return next((name for name, example in EXAMPLES.items() if example == text), CUSTOM)


if "expr_text" not in ss:
    ss.expr_text = str(st.query_params.get("expr", EXAMPLES["neuron"]))[:MAX_LENGTH]
if "example" not in ss:
    ss.example = example_for(ss.expr_text)
if "var_values" not in ss:
    ss.var_values = {}   # name -> value; survives the runs where the boxes are not drawn


def use_example() -> None:
    if ss.example != CUSTOM:
        ss.expr_text = EXAMPLES[ss.example]


def typed() -> None:
    ss.example = example_for(ss.expr_text)


left, right = st.columns([3, 1])
right.selectbox("Worked examples", [CUSTOM, *EXAMPLES], key="example", on_change=use_example)
text = left.text_input("Expression", key="expr_text", max_chars=MAX_LENGTH, on_change=typed,
                       help="numbers, variables, + - * / **, parentheses and the functions")
try:
    names = variables(text)
except ExpressionError as e:
    show_error(e, text)
    st.stop()


# ---------------------------------------------------------------- a value per variable
def first_value(name: str) -> float:
    """A new variable's value: from the link, else the worked examples' value, else 1."""
    try:
        x = float(st.query_params.get(f"v_{name}", EXAMPLE_VALUES.get(name, 1.0)))
    except ValueError:
        x = EXAMPLE_VALUES.get(name, 1.0)
    return x if math.isfinite(x) else 1.0


values = {}
if names:
    st.markdown("**Variables**")
    cols = st.columns(min(len(names), 6))
    for i, name in enumerate(names):
        # The box's starting value is the one remembered in var_values. Streamlit
        # forgets a widget's state on a run that does not draw it (a typo stops the
        # page before the boxes), and the browser then shows the widget's default:
        # so the remembered value is passed as that default, not written to the state.
        values[name] = cols[i % len(cols)].number_input(
            md(name), value=ss.var_values.get(name, first_value(name)), key=f"var_{name}",
            step=0.1, format="%.4g")
        ss.var_values[name] = values[name]

# repr, not :g, so that a copied link gives the same numbers, digit for digit
st.query_params.from_dict({"expr": text, **{f"v_{n}": repr(v) for n, v in values.items()}})

try:
    out, leaves = evaluate(text, **values)
    rows = gradient_check(text, **values)
except ExpressionError as e:
    show_error(e, text)
    st.stop()

# ---------------------------------------------------------------- value and gradients
c1, c2 = st.columns([1, 2])
c1.metric("Output value", fmt_number(out.data))
order_len = len(out.topological_order())
c1.caption(f"{order_len} nodes in the graph")
if rows:
    table = pd.DataFrame({
        "variable": [r.name for r in rows],
        "value": [r.value for r in rows],
        "gradient (autograd)": [r.autograd for r in rows],
        "gradient (finite differences)": [r.numeric for r in rows],
        "difference": [r.difference for r in rows],
        "note": [r.note for r in rows],
    })
    c2.dataframe(table, hide_index=True, width="stretch",
                 column_config={"difference": st.column_config.NumberColumn(format="%.1e")})
    for r in rows:
        if r.note:
            c2.caption(f"{code(r.name)}: {md(r.note)}")
else:
    c2.info("No variables: the expression is a constant, so there is nothing to "
            "differentiate with respect to.")

# ---------------------------------------------------------------- the graph, step by step
st.subheader("Computational graph")
step_key = f"step::{ss.get('drawn', 0)}::{text}"
for stale in [k for k in ss if str(k).startswith("step::") and k != step_key]:
    del ss[stale]  # keep one step position per session, not one per expression typed
start = {} if step_key in ss else {"value": order_len}   # a new slider: every step done


def move(delta: int) -> None:
    ss[step_key] = max(0, min(order_len, ss[step_key] + delta))


b1, b2, b3, b4 = st.columns([1, 1, 5, 1.4])
b1.button("◀ Back", key="back", on_click=move, args=(-1,), width="stretch")
b2.button("Next ▶", key="next", on_click=move, args=(1,), width="stretch")
steps = b3.slider("Backward pass: nodes processed", 0, order_len, key=step_key, **start,
                  help="0 = only the output's gradient (1) is known; each step applies the "
                       "chain rule at one node, in backpropagation's order")
direction = b4.radio("Layout", ["→", "↓"], horizontal=True, key="layout",
                     help="→ left to right, ↓ top to bottom (better for long graphs)")
# the table above already holds the final gradients; from here on the grads are the step's:
# every step's chain-rule terms first (a whole pass), then the grads after `steps` of them
pass_steps = backward_steps(out)
visited = replay_backward(out, steps)
current = visited[-1] if visited else None


@st.cache_data(max_entries=64, show_spinner=False)
def svg_of(dot: str) -> str:
    return to_svg(dot, timeout=3.0)


def graph_box(svg: str) -> str:
    """Graphviz's SVG in a box that scrolls sideways, as one line of HTML.

    Streamlit's ``st.html`` strips SVG, so the drawing goes through
    ``st.markdown(..., unsafe_allow_html=True)``. That is safe here because no
    raw user text is in it: Graphviz writes every label XML-escaped, and the
    labels are names, numbers and operators the parser has already vetted.
    On one line, Markdown takes the whole box as a single HTML block.
    """
    return ('<div data-testid="gp-graph" style="overflow-x: auto; max-width: 100%">'
            + " ".join(svg.split("\n")) + "</div>")


if order_len > MAX_PAGE_NODES:
    st.info(f"The graph has {order_len} nodes: more than this page draws ({MAX_PAGE_NODES}), "
            "because a drawing that large is no longer readable. The step-through below still "
            "works; `gradplay expr ... --svg FILE` draws the whole graph.")
else:
    dot = to_dot(out, highlight=visited[:-1], current=current,
                 rankdir="LR" if direction == "→" else "TB")
    try:
        # natural size in a box that scrolls sideways: wide graphs scroll, never shrink
        st.markdown(graph_box(svg_of(dot)), unsafe_allow_html=True)
    except GraphvizNotInstalled:
        st.graphviz_chart(dot, width="stretch")
        st.caption("Install Graphviz's `dot` program for a full-size drawing.")
    except TimeoutError:
        st.warning("Graphviz took too long to lay this graph out; the steps below still work.")
# the intermediate nodes' names (d, e, ..., n1, n2, ...) in the order they were computed
named = sorted((n for n in out.topological_order() if n.children),
               key=lambda n: (len(n.label), n.label))
if named:
    st.markdown("Names: " + " · ".join(code(f"{n.label} = {definition(n)}") for n in named))


def term_line(t) -> str:
    """One chain-rule term of the step text; for a node used more than once,
    also the running sum its gradient has reached."""
    rule = (f"{t.child.label}.grad += {fmt_number(t.local)} × {fmt_number(t.upstream)} = "
            f"{fmt_number(t.contribution)}")
    line = f"- {code(rule)}  (local derivative × upstream gradient)"
    if t.uses > 1:
        total = (f"{t.child.label}.grad = {fmt_number(t.before)} + "
                 f"{fmt_number(t.contribution)} = {fmt_number(t.after)}")
        done = ", complete" if t.use == t.uses else ""
        line += (f"; use {t.use} of {t.uses} of {code(t.child.label)}, so the terms add up: "
                 f"{code(total)}{done}")
    return line


def sum_line(node, terms) -> str:
    """A gradient used more than once, as the sum of one term per use."""
    total = (f"{node.label}.grad = " + " + ".join(fmt_number(t.contribution) for t in terms)
             + f" = {fmt_number(terms[-1].after)}")
    uses = "; ".join(f"{fmt_number(t.local)} × {fmt_number(t.upstream)} from "
                     f"{t.node.label} = {definition(t.node)}" for t in terms)
    return f"- {code(total)}: {code(uses)}"


if current is None:
    st.info("Start: d(output)/d(output) = 1. Press **Next** to push the gradient one node "
            "back.")
elif not current.children:
    st.info(f"Step {steps}/{order_len}: {code(current.label)} is a leaf — its gradient "
            f"{code(fmt_number(current.grad))} is final; nothing to pass on.")
else:
    lines = [f"Step {steps}/{order_len}: at {code(f'{current.label} = {definition(current)}')} "
             f"(the {code(current.op)} node, value {code(fmt_number(current.data))}, grad "
             f"{code(fmt_number(current.grad))}), the chain rule gives each input:"]
    lines += [term_line(t) for t in pass_steps[steps - 1].terms]
    st.markdown("\n".join(lines))
sums = gradient_sums(pass_steps)
if sums:
    st.markdown("\n".join(["**Used more than once:** backprop *adds* one term per use "
                            "(`+=`), so these gradients are sums:"]
                           + [sum_line(node, terms) for node, terms in sums]))
st.caption("Highlighted: nodes the gradient has already passed through; red: the node just "
           "processed. Each box shows label | data | grad.")
