"""The expression explorer in Chromium at 1280x720, as a class sees it on a projector.

Measured where it is seen: the on-screen height of the graph's text, the
graph's size against the window, the step text as rendered, the variable
boxes after a typo. Screenshots go to pytest's tmp_path.
"""

import math
import re
import time
from urllib.parse import quote, urlencode

import pytest

from conftest import IDLE

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1280, 720
MIN_TEXT_PX = 12


@pytest.fixture
def explorer(browser, server):     # fixtures: tests/app/conftest.py
    """type(text): the explorer at 1280x720 with ``text`` entered, once the script is idle."""
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    page.goto(server + "/explorer")
    page.wait_for_selector(IDLE, timeout=60_000)

    def type_in(text: str):
        box = page.locator("input[aria-label='Expression']")
        box.fill(text)
        box.press("Enter")
        settle(page)
        return page

    yield type_in
    page.close()


def settle(page) -> None:
    """Wait until Streamlit has rerun and finished drawing."""
    time.sleep(0.4)
    page.wait_for_selector(IDLE, timeout=30_000)


def graph_text_boxes(page) -> dict:
    """On-screen size of every text in the drawn graph, and of the graph itself."""
    page.wait_for_selector("[data-testid='gp-graph'] svg text", timeout=30_000)
    return page.evaluate("""() => {
        const box = document.querySelector("[data-testid='gp-graph']");
        const svg = box.querySelector('svg').getBoundingClientRect();
        const heights = [...box.querySelectorAll('svg text')]
            .map(t => t.getBoundingClientRect().height);
        return {heights, svg_width: svg.width, svg_height: svg.height,
                box_width: box.getBoundingClientRect().width,
                scroll_width: box.scrollWidth, client_width: box.clientWidth};
    }""")


def use_layout(page, arrow: str) -> None:
    page.get_by_text(arrow, exact=True).click()
    settle(page)


# graphs of 6, 11, 12 and ~25 nodes
GRAPHS = ["(a * b + c).tanh()", "((a * b + c) ** 2 + relu(b - a)) / 2",
          "-(y * log(p) + (1 - y) * log(1 - p))",
          "tanh(w1*x1 + w2*x2 + b) * v1 + tanh(w3*x1 + w4*x2 + c) * v2"]


@pytest.mark.parametrize("text", GRAPHS)
def test_graph_text_is_readable_in_both_layouts(explorer, text, tmp_path):
    page = explorer(text)
    nodes = int(re.search(r"(\d+) nodes in the graph", page.content()).group(1))
    for arrow in ("→", "↓"):
        if arrow == "↓":
            use_layout(page, arrow)
        m = graph_text_boxes(page)
        assert len(m["heights"]) >= 3 * nodes            # label, data and grad of every node
        assert min(m["heights"]) >= MIN_TEXT_PX, (arrow, min(m["heights"]))
        if m["svg_width"] > m["box_width"]:              # too wide: it scrolls, it never shrinks
            assert m["scroll_width"] > m["client_width"]
        if arrow == "↓" and nodes <= 12:
            assert m["svg_height"] <= HEIGHT, m          # the ↓ layout fits the window
        page.locator("[data-testid='gp-graph']").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / f"graph-{nodes}-{'LR' if arrow == '→' else 'TB'}.png"))


def test_a_wide_graph_scrolls_sideways_at_full_size(explorer):
    page = explorer("+".join(f"tanh({x}*{y}+1)" for x, y in zip("abcdefgh", "bcdefghi")))
    m = graph_text_boxes(page)
    assert m["scroll_width"] > m["client_width"] + 100   # wider than the column: a scrollbar
    assert min(m["heights"]) >= MIN_TEXT_PX


def test_step_text_shows_the_multiply_sign_as_typed(explorer):
    page = explorer("x * y + 1")                         # 5 nodes: the step-through ends at 5
    for _ in range(3):                                   # back to step 2: the + node, then *
        page.get_by_role("button", name="◀ Back").click()
        settle(page)
    step = page.locator("[data-testid='stMarkdownContainer']", has_text="Step 2/").first
    text = step.inner_text()
    assert "a = x * y" in text and "x.grad += " in text and "y.grad += " in text
    assert step.locator("em, strong, a, img").count() == 0   # nothing turned into formatting


def test_a_typo_keeps_the_variables(explorer, tmp_path):
    page = explorer("(a*b+c).tanh()")
    for name, value in (("a", "1.5"), ("b", "-0.5"), ("c", "4")):
        box = page.locator(f"input[aria-label='{name}']")
        box.fill(value)
        box.press("Enter")
        settle(page)
    before = page.locator("[data-testid='stMetricValue']").first.inner_text()
    explorer("(a*b+c).tanh(")                            # the typo: an error, no boxes
    page.wait_for_selector("[data-testid='stAlert']", timeout=30_000)
    assert page.locator("input[aria-label='a']").count() == 0
    explorer("(a*b+c).tanh()")                           # fixed
    page.wait_for_selector("input[aria-label='c']", timeout=30_000)
    shown = [page.locator(f"input[aria-label='{n}']").input_value() for n in "abc"]
    assert [float(v) for v in shown] == [1.5, -0.5, 4.0]
    assert page.locator("[data-testid='stMetricValue']").first.inner_text() == before
    # the step-through starts again at its end, every node processed
    assert page.locator("[data-testid='stSliderThumbValue']").first.inner_text() == "6"
    page.screenshot(path=str(tmp_path / "after-typo.png"))


def test_hostile_text_renders_no_link_or_image(explorer):
    for text in ("[x](https://evil.example/)", "![](http://evil.example/a.png)", "__init__(a)",
                 "a ** b"):
        page = explorer(text)
        page.wait_for_selector("[data-testid='stAlert']", timeout=30_000)
        main = page.locator("[data-testid='stMain']")
        assert main.locator("a[href*='evil'], img[src*='evil']").count() == 0
        alert = page.locator("[data-testid='stAlert']").first.inner_text()
        if text == "__init__(a)":
            assert "'__init__'" in alert
        if text == "a ** b":
            assert "like a**2 or a**-0.5 (a variable exponent is not supported)" in alert


def open_link(browser, server, query: dict):
    """The explorer opened from a link (every character percent-encoded, + and ; too)."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 2000})
    page.goto(server + "/explorer?" + urlencode(query, quote_via=quote))
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_selector("[data-testid='stMetricValue']", timeout=30_000)
    return page


def test_a_neurons_link_opens_with_every_value(browser, server):
    """The live trainer's 'Open in the explorer' link for one neuron of a 32-wide layer."""
    z = " + ".join(f"w{i}*x{i}" for i in range(32)) + " + b"
    query = {"expr": f"({z}).tanh()", "v_b": "0.1"}
    for i in range(32):
        query[f"v_w{i}"], query[f"v_x{i}"] = repr(0.5 - i / 32), repr((-1) ** i * 0.75)
    page = open_link(browser, server, query)
    try:
        assert page.locator("input[aria-label='Expression']").input_value() == query["expr"]
        assert page.locator("[data-testid='stNumberInput']").count() == 65
        s = sum((0.5 - i / 32) * (-1) ** i * 0.75 for i in range(32)) + 0.1
        shown = page.locator("[data-testid='stMetricValue']").first.inner_text()
        assert shown == f"{math.tanh(s):.4g}"
        assert "130 nodes in the graph" in page.content()
        assert page.locator("[data-testid='stDataFrame']").count() == 1   # the gradient table
    finally:
        page.close()


def test_a_gradient_used_twice_reads_as_a_sum(browser, server):
    page = open_link(browser, server, {"expr": "b = a + a; c = b * b", "v_a": "2"})
    try:
        sums = page.locator("[data-testid='stMarkdownContainer']", has_text="Used more than once")
        text = sums.first.inner_text()
        assert "b.grad = 4 + 4 = 8" in text and "a.grad = 8 + 8 = 16" in text
        assert "1 × 8 from b = a + a" in text
        # (`+=`) and, for each of b and a, its sum and its terms: code, never formatting
        assert sums.first.locator("code").count() == 5
        assert sums.first.locator("a, img, strong code, em code").count() == 0
    finally:
        page.close()
