"""The live trainer in headless Chromium: what a learner does, read from the page.

Fixtures (server, open_page) are in conftest.py. Each test uses one page and
a small run, so the whole file takes well under a minute.
"""

import math
import re

import numpy as np
import pytest

from conftest import IDLE

from gradplay import interop
from gradplay.config import RunConfig, build_run

pytestmark = pytest.mark.browser
QUERY = {"dataset": "moons", "samples": "200", "hidden": "6,4", "optimizer": "adam",
         "lr": "0.03", "data_seed": "3"}
URL_QUERY = "&".join(f"{k}={v}" for k, v in QUERY.items())


def epoch(page) -> int:
    return int(page.locator('[data-testid="gp-epoch"]').text_content())


def wait_epoch(page, test: str, timeout: int = 20_000) -> None:
    """Wait until the epoch shown satisfies ``test`` (JS, on the number e)."""
    page.wait_for_function(
        "() => { const t = document.querySelector('[data-testid=\"gp-epoch\"]');"
        f" const e = t ? Number(t.textContent) : NaN; return {test}; }}", timeout=timeout)


def click(page, name: str) -> None:
    """Click a button and wait for the page's answer (while training, the script is
    rarely idle: Play is answered by the Pause button appearing)."""
    page.get_by_role("button", name=name).click()
    if name == "▶ Play":
        page.get_by_role("button", name="⏸ Pause").wait_for(timeout=30_000)
    else:
        page.wait_for_selector(IDLE, timeout=30_000)


def press_as_a_frame_is_drawn(page, key: str) -> None:
    """Press ``key`` on the focused control right after the renderer has drawn a
    frame and acknowledged it, before the acknowledgement leaves the browser.
    Streamlit's browser side then sends the two as one rerun, scoped to the
    frame loop's fragment (see ``page_inputs`` in views/train.py). A person's
    key press lands there now and then; this one always does."""
    page.evaluate("""key => new Promise(done => {
      const target = document.activeElement;
      const drawn = new MutationObserver(() => {    // runs before any timer: the ack is pending
        drawn.disconnect();
        for (const type of ["keydown", "keyup"])
          target.dispatchEvent(new KeyboardEvent(type, {key, bubbles: true, cancelable: true}));
        done();
      });
      drawn.observe(document.querySelector("[data-seq]"), {attributeFilter: ["data-seq"]});
    })""", key)


def pixels(page, selector: str) -> str:
    """A canvas's picture, to tell whether it changed."""
    return page.evaluate(f"() => document.querySelector('{selector}').toDataURL()")


@pytest.mark.timeout(120)                             # bounds the unclocked wait below
def test_play_pause_step_reset_and_a_learning_rate_change(server, open_page, tmp_path):
    page = open_page(f"{server}/train?{URL_QUERY}")
    assert epoch(page) == 0
    click(page, "Step")
    wait_epoch(page, "e === 1")
    click(page, "▶ Play")
    wait_epoch(page, "e >= 15")
    # mid-training, everything is on one 1280x720 screen with no scrolling
    for hook in ("gp-boundary", "gp-network", "gp-curves", "gp-epoch"):
        box = page.locator(f'[data-testid="{hook}"]').bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, hook
    pause = page.get_by_role("button", name="⏸ Pause").bounding_box()
    assert pause["y"] + pause["height"] <= 720
    # Play is gone, not left faded below Pause (the run Play started has ended)
    assert page.get_by_role("button", name="▶ Play").count() == 0
    assert page.locator('[data-testid="gp-network"] [data-testid^="gp-node-"]').count() == \
        6 + 4 + 1
    inputs = page.locator('[data-testid="gp-network"] [data-testid^="gp-input-"]')
    assert inputs.count() == 7                        # every feature, as in TF Playground
    assert page.locator('[data-testid^="gp-input-"][data-active="true"]').count() == 2
    page.screenshot(path=str(tmp_path / "training.png"))
    # a learning-rate change mid-run, pressed as a frame is acknowledged: it is
    # applied at once (the URL says so within a few frames), the run goes on,
    # never back to epoch 0
    before = epoch(page)
    page.get_by_role("slider", name="Learning rate").focus()
    press_as_a_frame_is_drawn(page, "ArrowRight")     # 0.03 -> 0.1
    page.wait_for_function(                           # no clock: pytest-timeout bounds it
        "e0 => /[?&]lr=0\\.1(&|$)/.test(location.search) || Number(document.querySelector("
        "'[data-testid=\"gp-epoch\"]').textContent) > e0 + 60", arg=before, timeout=0)
    assert re.search(r"[?&]lr=0\.1(&|$)", page.url), "the change was not applied"
    wait_epoch(page, f"e > {before + 10}")
    assert "new network" not in page.content()
    click(page, "⏸ Pause")
    paused = epoch(page)
    page.wait_for_timeout(800)
    assert epoch(page) == paused > 15
    assert re.search(r"test [0-9.]+%", page.locator('[data-testid="gp-metrics"]').text_content())
    click(page, "↺ Reset")
    wait_epoch(page, "e === 0")


def test_downloads_gradient_view_hover_focus_and_editing_a_weight(server, open_page, tmp_path):
    page = open_page(f"{server}/train?{URL_QUERY}&speed=25")
    click(page, "▶ Play")
    wait_epoch(page, "e >= 50")
    click(page, "⏸ Pause")
    page.wait_for_timeout(300)
    shown = page.locator('[data-testid="gp-metrics"]').text_content()
    files = {}
    for name in ("⬇ Model", "⬇ Boundary", "⬇ Loss"):
        with page.expect_download(timeout=30_000) as info:
            page.get_by_role("button", name=name).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        files[name] = path.read_bytes()
    model = interop.loads(files["⬇ Model"])
    # the same predictions: its loss and accuracy on the same data are the ones on screen
    cfg, _ = RunConfig.from_query(QUERY)
    data = build_run(cfg).data
    loss, acc = model.evaluate(data.X_test, data.y_test, "bce")
    assert f"test {loss:.4f}" in shown and f"test {100 * acc:.1f}%" in shown
    assert model.sizes == [2, 6, 4, 1]
    for name in ("⬇ Boundary", "⬇ Loss"):
        assert files[name][:8] == b"\x89PNG\r\n\x1a\n" and len(files[name]) > 5_000

    # the same page, paused: the gradient view, hover focus, editing a weight
    net = '[data-testid="gp-network"] canvas'
    weights_view = pixels(page, net)
    page.locator('[data-testid="gp-mode-gradients"]').click()
    assert page.locator('[data-testid="gp-network"]').get_attribute("data-mode") == "gradients"
    assert pixels(page, net) != weights_view          # edges now sized by dL/dw
    assert "∂L/∂w" in page.locator(".gp-legend").text_content()
    page.locator('[data-testid="gp-mode-weights"]').click()

    # hover a hidden neuron: the big plot shows its map
    board = '[data-testid="gp-boundary"] canvas'
    output = pixels(page, board)
    page.locator('[data-testid="gp-node-1-2"]').hover()
    focus = page.locator('[data-testid="gp-focus"]')
    assert focus.get_attribute("data-focus") == "1-2"
    assert "layer 1 unit 3" in focus.text_content()
    assert pixels(page, board) != output
    page.mouse.move(5, 5)
    assert focus.get_attribute("data-focus") == "output"

    # click a weight, type a value: the network trains from it
    edge = page.locator('[data-testid="gp-edge-0-1-2"]')
    edge.click()
    box = page.locator('[data-testid="gp-edit-input"]')
    box.fill("2.5")
    box.press("Enter")
    page.wait_for_selector(IDLE, timeout=30_000)
    page.wait_for_timeout(300)
    edge.click()                                      # open it again: the new value is there
    assert math.isclose(float(box.input_value()), 2.5)
    box.press("Escape")
    page.mouse.move(5, 5)
    edge.hover()
    assert "w = 2.5000" in page.locator('[data-testid="gp-edge-0-1-2"] title').text_content()


def test_weights_set_while_training_runs_are_never_lost(server, open_page):
    """Each click's event is told again with every acknowledgement until a frame
    confirms it: Streamlit keeps only the newest value a component sent, and the
    renderer acknowledges frames all the time while training runs."""
    page = open_page(f"{server}/train?{URL_QUERY.replace('adam', 'sgd').replace('0.03', '0.00001')}")
    click(page, "▶ Play")
    edge = page.locator('[data-testid="gp-edge-0-1-2"]')
    box = page.locator('[data-testid="gp-edit-input"]')
    for k, value in enumerate((1.5, -2.25, 3.0, 0.75, -1.0)):
        wait_epoch(page, f"e >= {10 * (k + 1)}")          # frames and acknowledgements flow
        edge.dispatch_event("click")                       # (lines cross: no pointer hit-test)
        box.fill(str(value))
        box.press("Enter")
        # with a learning rate of 1e-5 the weight stays at its new value to 4 decimals
        page.wait_for_function("""v => {
          const line = document.querySelector('[data-testid="gp-edge-0-1-2"]');
          line.dispatchEvent(new MouseEvent("mouseenter"));
          return line.querySelector("title").textContent.startsWith("w = " + v + " ");
        }""", arg=f"{value:.4f}", timeout=10_000)
    assert page.get_by_role("button", name="⏸ Pause").is_visible()   # it never stopped
    assert "new network" not in page.content()


def test_an_uploaded_csv_trains(server, open_page, tmp_path):
    rng = np.random.default_rng(0)
    rows = ["x1,x2,label"] + [f"{a:.4f},{b:.4f},{int(a * a + b * b < 1)}"
                              for a, b in rng.normal(size=(120, 2))]
    csv = tmp_path / "points.csv"
    csv.write_text("\n".join(rows))
    page = open_page(f"{server}/train?dataset=csv&hidden=8")
    page.wait_for_selector("text=upload a file with rows x1,x2,label", timeout=30_000)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(csv))
    page.wait_for_selector("text=Dataset('uploaded', train=96, test=24", timeout=30_000)
    click(page, "▶ Play")
    wait_epoch(page, "e >= 5")
    click(page, "⏸ Pause")
