"""How long the expression explorer takes to rerun, for the hardest accepted inputs.

A Streamlit page reruns its whole script on every click, so the script's time
is what a learner waits for. For each expression this drives the explorer
page through Streamlit's AppTest and times three kinds of rerun:

* ``type``: the expression is entered (parse, evaluate, gradient check, layout);
* ``value``: one variable changes (everything again, a new drawing);
* ``step``: the step-through moves back one node (a new drawing);

The goal (issue 13) is under 0.3 s for any accepted expression. The limits
that make it hold are gradplay.expr's MAX_LENGTH and MAX_VARIABLES, and the
page's MAX_PAGE_NODES (60 drawn nodes).
Times are CPU seconds (the process and Graphviz), so that a busy shared
machine does not inflate them; AppTest's own work is included, so they are
an upper bound.

    python benchmarks/explorer_rerun.py [--repeat 3] [--only neuron]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import string
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

import gradplay
from gradplay.expr import MAX_LENGTH, MAX_VARIABLES, variables

HOME = str(Path(gradplay.__file__).parent / "app" / "Home.py")
# MAX_VARIABLES short names: a..z, then qa..qz, xa..xz, za..zz (none a keyword)
NAMES = [*string.ascii_lowercase,
         *(x + y for x in "qxz" for y in string.ascii_lowercase)][:MAX_VARIABLES]


def _fill(pattern: str) -> str:
    """``pattern`` repeated with '+' up to MAX_LENGTH characters, cycling through
    all MAX_VARIABLES names."""
    terms, text = [], ""
    for i in range(10 * MAX_LENGTH):
        term = pattern.format(x=NAMES[i % len(NAMES)], y=NAMES[(i + 1) % len(NAMES)])
        if len(text) + len(term) + 1 > MAX_LENGTH:
            break
        terms.append(term)
        text = "+".join(terms)
    return text


CASES = {
    "lecture neuron (6 nodes)": "(a * b + c).tanh()",
    "micrograd example (11 nodes)": "((a * b + c) ** 2 + relu(b - a)) / 2",
    "12 tanh neurons (~59 nodes, drawn)": "+".join(
        f"tanh({x}*{y}+{z})" for x, y, z in zip("abcdefghijkl", "bcdefghijkla", "cdefghijklab")),
    "40 terms of 10 shared variables (49 nodes, drawn)": "+".join("abcdefghij" * 4),
    f"{MAX_VARIABLES} variables, {MAX_LENGTH} characters": _fill("{x}*{y}"),
    f"{MAX_VARIABLES} variables in tanh, {MAX_LENGTH} characters": _fill("tanh({x}*{y})"),
    f"constants only, {MAX_LENGTH} characters": "+".join(["1"] * MAX_LENGTH)[:MAX_LENGTH - 1],
    "40 nested calls": "tanh(" * 40 + "a" + ")" * 40,
    "a 32-input neuron (65 variables)":
        "(" + " + ".join(f"w{i}*x{i}" for i in range(32)) + " + b).tanh()",
    "60 names, each used twice": "; ".join(["a1 = a + a"] + [f"a{i + 1} = a{i} + a{i}"
                                                             for i in range(1, 60)]),
}


def timed(action) -> float:
    """CPU seconds the rerun costs: this process (the script runs in a thread of
    it) plus its children (Graphviz). On a shared, loaded machine this is what
    the rerun would take on an idle one; wall time there mostly measures the queue."""
    def cpu() -> float:
        t = os.times()
        return t.user + t.system + t.children_user + t.children_system
    start = cpu()
    action()
    return cpu() - start


def measure(text: str, repeat: int) -> dict[str, list[float]]:
    at = AppTest.from_file(HOME, default_timeout=120)
    at.run()
    at.switch_page("views/explorer.py").run()
    out = {"type": [], "value": [], "step": []}
    names = variables(text)
    for r in range(repeat):
        box = at.text_input(key="expr_text")
        box.set_value(text + " " * (r % 2))          # a different string: a real rerun
        out["type"].append(timed(box.run))
        assert not at.exception, at.exception
        first = at.number_input(key=f"var_{names[0]}") if names else None
        if first is not None:
            first.set_value(first.value + 0.25)
            out["value"].append(timed(first.run))
        out["step"].append(timed(at.button(key="back").click().run))
        assert not at.exception and not at.error, [e.value for e in at.error]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="run only the cases whose name has this")
    args = parser.parse_args()
    print(f"explorer rerun time, AppTest, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}; goal < 0.3 s")
    measure("a", 1)                                   # warm up: imports, first compile
    worst = 0.0
    for name, text in CASES.items():
        if args.only not in name:
            continue
        res = measure(text, args.repeat)
        cells = []
        for kind, times in res.items():
            if times:
                cells.append(f"{kind} {1000 * statistics.median(times):5.0f} ms "
                             f"(max {1000 * max(times):4.0f})")
                worst = max(worst, max(times))
        print(f"  {name:50s} {len(text):3d} chars  " + "  ".join(cells))
    print(f"  slowest rerun: {1000 * worst:.0f} ms")


if __name__ == "__main__":
    main()
