"""Backprop you can watch, in headless Chromium: pick an example on the
boundary, walk its forward and backward pass on the network, open a
neuron's graph and its explorer link, colour the points by their pull on a
weight, let go with Escape.

Fixtures (server, open_page) and the renderer's hooks are in conftest.py.
"""

import re
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from conftest import live_page, press, wait_epoch

from gradplay.config import RunConfig, build_run
from gradplay.viz.frames import View

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
QUERY = "dataset=moons&samples=200&hidden=4,3&data_seed=2&lr=0.03"
SAMPLE = '[data-testid="gp-sample"]'
STEP = '[data-testid="gp-backprop-step"]'


RUN = build_run(RunConfig.from_query(parse_qs(QUERY))[0])


def on_screen(page) -> np.ndarray:
    """Where each training point of QUERY's run is drawn on the page: (n, 2) pixels."""
    x0, x1, y0, y1 = View.for_run(RUN.data.X, RUN.model.sizes).bounds
    box = page.locator('[data-testid="gp-boundary"] canvas').bounding_box()
    X = RUN.data.X_train
    return np.c_[box["x"] + (X[:, 0] - x0) / (x1 - x0) * box["width"],
                 box["y"] + (y1 - X[:, 1]) / (y1 - y0) * box["height"]]


def pick(page, nth: int = 0) -> int:
    """Click the nth training point with no other within 16 pixels: the renderer
    picks it. Returns its index."""
    px = on_screen(page)
    gaps = np.sort(np.linalg.norm(px[:, None] - px[None], axis=2), axis=1)[:, 1]
    k = int(np.flatnonzero(gaps > 16)[nth])
    page.mouse.click(*px[k])
    page.wait_for_selector(SAMPLE, state="visible", timeout=10_000)
    return k


def text_after(page, button: str, old: str) -> str:
    """Press a step button and wait for the step's text to change."""
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_function("([sel, old]) => document.querySelector(sel).textContent !== old",
                           arg=[STEP, old], timeout=10_000)
    return page.locator(STEP).text_content()


def test_pick_an_example_and_walk_its_backward_pass(server, open_page, tmp_path):
    page = live_page(open_page, f"{server}/train?{QUERY}")
    assert not page.locator(SAMPLE).is_visible()
    k = pick(page, 0)
    facts = page.locator('[data-testid="gp-sample-facts"]').text_content()
    x1, x2 = RUN.data.X_train[k]
    assert f"example {k}: x = ({x1:.2f}, {x2:.2f}) · label {RUN.data.y_train[k]}" in facts
    assert re.search(r"· prediction 0\.\d+ · loss \(bce\) [\d.]+$", facts)
    texts = [page.locator(STEP).text_content()]
    for _ in range(6):                                 # input, 3 forward, loss, first backward
        texts.append(text_after(page, "Next step", texts[-1]))
    walk = texts[1:]
    assert len(set(walk)) == 6
    assert walk[0].startswith("Inputs: x = ") and walk[1].startswith("Layer 1 forward")
    assert "Loss (binary cross-entropy" in walk[4]
    # the chain rule with this example's numbers: ∂L/∂… = … × … = …
    assert re.search(r"∂L/∂z\[3,0\] = ∂L/∂a\[3,0\] · σ′\(z\[3,0\]\) = -?[\d.]+ × [\d.]+ = ", walk[5])
    assert re.search(r"∂L/∂w\[3\]\[\d,0\] = ∂L/∂z\[3,0\] · a\[2,\d\] = ", walk[5])
    assert "step 6 of" in page.locator(SAMPLE).text_content()
    assert page.locator('[data-testid="gp-network"]').get_attribute("data-mode") == "weights"
    page.screenshot(path=str(tmp_path / "walk.png"))
    back = text_after(page, "Previous step", walk[5])
    assert back == walk[4]
    page.keyboard.press("Escape")                      # let go
    page.wait_for_selector(SAMPLE, state="hidden", timeout=10_000)


def test_the_walk_ends_with_an_update_for_this_example_alone(server, open_page):
    page = live_page(open_page, f"{server}/train?{QUERY}")
    pick(page, 3)
    old = page.locator(STEP).text_content()
    while not page.get_by_role("button", name="Apply this update").is_visible():
        old = text_after(page, "Next step", old)
    assert "w ← w − lr·∂L/∂w" in old or "w ←" in old
    loss = lambda: float(re.search(r"loss \(bce\) ([\d.e-]+)", page.locator(    # noqa: E731
        '[data-testid="gp-sample-facts"]').text_content()).group(1))
    before = loss()
    page.get_by_role("button", name="Apply this update").click()
    page.wait_for_function("() => document.querySelector('[data-testid=\"gp-sample\"]')"
                           ".textContent.includes('step 1 of')", timeout=10_000)
    assert loss() < before                             # one SGD step on it lowers its loss
    assert int(page.locator('[data-testid="gp-epoch"]').text_content()) == 0   # not an epoch


def test_while_training_the_picked_example_moves_and_a_neuron_opens(server, open_page):
    page = live_page(open_page, f"{server}/train?{QUERY}")
    pick(page, 1)
    facts = page.locator('[data-testid="gp-sample-facts"]')
    first = facts.text_content()
    press(page, "Play")
    wait_epoch(page, "e >= 20")
    page.wait_for_function("old => document.querySelector('[data-testid=\"gp-sample-facts\"]')"
                           ".textContent !== old", arg=first, timeout=10_000)
    assert page.locator('.gp-legend').text_content().startswith("the picked example going forward")
    # a neuron's graph, drawn live: its data change as training runs
    page.locator('[data-testid="gp-node-1-2"]').click()
    graph = page.locator('[data-testid="gp-neuron"]')
    graph.wait_for(state="visible", timeout=10_000)
    assert "a[1,2]" in graph.text_content() and "tanh" in graph.text_content()
    assert {"w0", "a0", "w1", "a1", "b"} <= set(graph.locator(".gp-neuron-name").all_text_contents())
    shown = graph.text_content()
    page.wait_for_function("old => document.querySelector('[data-testid=\"gp-neuron\"]')"
                           ".textContent !== old", arg=shown, timeout=10_000)
    press(page, "Pause")
    link = page.get_by_role("link", name="Open in the explorer")
    href = link.get_attribute("href")
    query = parse_qs(urlparse(href).query)
    assert href.startswith("explorer?") and query["expr"][0].endswith(".tanh()")
    assert {"v_w0", "v_a0", "v_b"} <= set(query)
    explorer = open_page(f"{server}/{href}")
    assert not explorer.locator("[data-testid='stException']").count()
    assert query["expr"][0] in explorer.content() or "tanh" in explorer.content()
    page.keyboard.press("Escape")                      # the graph first
    graph.wait_for(state="hidden", timeout=10_000)
    assert page.locator(SAMPLE).is_visible()


def test_which_points_pull_a_weight(server, open_page):
    page = live_page(open_page, f"{server}/train?{QUERY}")
    board = '[data-testid="gp-boundary"] canvas'
    before = page.evaluate(f"() => document.querySelector('{board}').toDataURL()")
    page.locator('[data-testid="gp-edge-0-1-2"]').dispatch_event("click")
    page.get_by_role("button", name="Which points pull it?").click()
    focus = page.locator('[data-testid="gp-focus"]')
    page.wait_for_function("() => document.querySelector('[data-testid=\"gp-focus\"]')"
                           ".getAttribute('data-focus') === 'pull'", timeout=10_000)
    assert "w[1][1,2]" in focus.text_content()
    assert page.evaluate(f"() => document.querySelector('{board}').toDataURL()") != before
    page.keyboard.press("Escape")
    page.wait_for_function("() => document.querySelector('[data-testid=\"gp-focus\"]')"
                           ".getAttribute('data-focus') === 'output'", timeout=10_000)
