"""Page 1: type an expression, see its value, every gradient and the graph,
and step through the backward pass node by node."""

import math

import pandas as pd
import streamlit as st

from gradplay.expr import (EXAMPLE_VALUES, EXAMPLES, MAX_LENGTH, ExpressionError, build,
                           chain_rule_terms, evaluate, numeric_gradients, replay_backward,
                           variables)
from gradplay.viz.graph import MAX_DRAWN_NODES, fmt, to_dot

ss = st.session_state
st.title("Expression explorer")
st.caption("Type a formula in any variables. gradplay builds its computational graph of "
           "`Value` nodes, runs backpropagation, and shows every gradient beside a "
           "finite-difference check. Functions: relu, tanh, sigmoid, leaky_relu(x, slope), "
           "exp, log, softplus — as `tanh(x)` or `(x).tanh()`.")


def show_error(e: ExpressionError, text: str) -> None:
    """The parser's message, with a caret under the column it points at."""
    st.error(f"**{e.message}**" + (f" — column {e.column}" if e.column else ""), icon="⚠️")
    if e.column and len(text) <= 200:
        st.code(text + "\n" + " " * (e.column - 1) + "^", language=None)


# ---------------------------------------------------------------- the expression
if "expr_text" not in ss:
    ss.expr_text = str(st.query_params.get("expr", EXAMPLES["neuron"]))[:MAX_LENGTH]


def use_example() -> None:
    if ss.get("example"):
        ss.expr_text = EXAMPLES[ss.example]


left, right = st.columns([3, 1])
right.selectbox("Worked examples", list(EXAMPLES), index=None, key="example",
                placeholder="pick one…", on_change=use_example)
text = left.text_input("Expression", key="expr_text", max_chars=MAX_LENGTH,
                       help="numbers, variables, + - * / **, parentheses and the functions")
try:
    names = variables(text)
except ExpressionError as e:
    show_error(e, text)
    st.stop()

# ---------------------------------------------------------------- a value per variable
values = {}
if names:
    st.markdown("**Variables**")
    cols = st.columns(min(len(names), 6))
    for i, name in enumerate(names):
        key = f"var_{name}"
        if key not in ss:
            try:
                ss[key] = float(st.query_params.get(f"v_{name}", EXAMPLE_VALUES.get(name, 1.0)))
            except ValueError:
                ss[key] = EXAMPLE_VALUES.get(name, 1.0)
            if not math.isfinite(ss[key]):
                ss[key] = 1.0
        values[name] = cols[i % len(cols)].number_input(name, key=key, step=0.1,
                                                        format="%.4g")

st.query_params.from_dict({"expr": text, **{f"v_{n}": f"{v:g}" for n, v in values.items()}})

try:
    out, leaves = evaluate(text, **values)
    numeric = numeric_gradients(text, **values)
except ExpressionError as e:
    show_error(e, text)
    st.stop()

# ---------------------------------------------------------------- value and gradients
c1, c2 = st.columns([1, 2])
c1.metric("Output value", fmt(out.data))
c1.caption(f"{len(out.topological_order())} nodes in the graph")
if leaves:
    table = pd.DataFrame({
        "variable": list(leaves),
        "value": [leaf.data for leaf in leaves.values()],
        "gradient (autograd)": [leaf.grad for leaf in leaves.values()],
        "gradient (finite differences)": [numeric[n] for n in leaves],
        "difference": [abs(leaf.grad - numeric[n]) for n, leaf in leaves.items()],
    })
    c2.dataframe(table, hide_index=True, width="stretch",
                 column_config={"difference": st.column_config.NumberColumn(format="%.1e")})
else:
    c2.info("No variables: the expression is a constant, so there is nothing to "
            "differentiate with respect to.")

# ---------------------------------------------------------------- the graph, step by step
st.subheader("Computational graph")
graph, _ = build(text, **values)
order_len = len(graph.topological_order())
if order_len > MAX_DRAWN_NODES:
    st.warning(f"The graph has {order_len} nodes: too many to draw.")
    st.stop()
step_key = f"step::{text}"
for stale in [k for k in ss if str(k).startswith("step::") and k != step_key]:
    del ss[stale]  # keep one step position per session, not one per expression typed
if step_key not in ss:
    ss[step_key] = order_len


def move(delta: int) -> None:
    ss[step_key] = max(0, min(order_len, ss[step_key] + delta))


b1, b2, b3, b4 = st.columns([1, 1, 5, 1.4])
b1.button("◀ Back", key="back", on_click=move, args=(-1,), width="stretch")
b2.button("Next ▶", key="next", on_click=move, args=(1,), width="stretch")
steps = b3.slider("Backward pass: nodes processed", 0, order_len, key=step_key,
                  help="0 = only the output's gradient (1) is known; each step applies the "
                       "chain rule at one node, in backpropagation's order")
direction = b4.radio("Layout", ["→", "↓"], horizontal=True, key="layout",
                     help="→ left to right, ↓ top to bottom (better for long graphs)")
visited = replay_backward(graph, steps)
current = visited[-1] if visited else None
st.graphviz_chart(to_dot(graph, highlight=visited[:-1], current=current,
                         rankdir="LR" if direction == "→" else "TB"), width="stretch")
if current is None:
    st.info("Start: d(output)/d(output) = 1. Press **Next** to push the gradient one node "
            "back.")
elif not current.children:
    st.info(f"Step {steps}/{order_len}: **{current.label or fmt(current.data)}** is a leaf — "
            f"its gradient {fmt(current.grad)} is final; nothing to pass on.")
else:
    name = current.label or current.op
    lines = [f"Step {steps}/{order_len}: at the **{current.op}** node (value "
             f"{fmt(current.data)}, grad {fmt(current.grad)}), the chain rule gives each input:"]
    for t in chain_rule_terms(current):
        child = t["child"].label or fmt(t["child"].data)
        lines.append(f"- `{child}.grad += {fmt(t['local'])} × {fmt(t['upstream'])} = "
                     f"{fmt(t['contribution'])}`  (local derivative × upstream gradient)")
    st.markdown("\n".join(lines))
st.caption("Highlighted: nodes the gradient has already passed through; red: the node just "
           "processed. Each box shows label | data | grad.")
