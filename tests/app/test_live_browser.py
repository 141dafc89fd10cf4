"""The live trainer in headless Chromium: what a learner does, read from the page.

Fixtures (server, open_page) and the renderer's hooks are in conftest.py.
Each test uses one page (or two) and a small run.
"""

import math
import re

import numpy as np
import pytest

from conftest import EPOCH, epoch, live_page, press, wait_epoch

from gradplay import interop
from gradplay.config import RunConfig, build_run

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]
QUERY = {"dataset": "moons", "samples": "200", "hidden": "6,4", "optimizer": "adam",
         "lr": "0.03", "data_seed": "3"}
URL_QUERY = "&".join(f"{k}={v}" for k, v in QUERY.items())


def pixels(page, selector: str) -> str:
    """A canvas's picture, to tell whether it changed."""
    return page.evaluate(f"() => document.querySelector('{selector}').toDataURL()")


def test_play_pause_step_reset_and_a_learning_rate_change(server, open_page, tmp_path):
    page = live_page(open_page, f"{server}/train?{URL_QUERY}")
    assert epoch(page) == 0 and page.get_attribute(".gp-live", "data-channel") == "open"
    press(page, "Step")
    wait_epoch(page, "e === 1")
    press(page, "Play")
    wait_epoch(page, "e >= 15")
    # mid-training, everything is on one 1280x720 screen with no scrolling
    for hook in ("gp-boundary", "gp-network", "gp-curves", "gp-epoch"):
        box = page.locator(f'[data-testid="{hook}"]').bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, hook
    assert page.get_by_role("button", name="Play", exact=True).count() == 0
    assert page.locator('[data-testid="gp-network"] [data-testid^="gp-node-"]').count() == 6 + 4 + 1
    assert page.locator('[data-testid^="gp-input-"]').count() == 7   # every feature, as in TF Playground
    assert page.locator('[data-testid^="gp-input-"][data-active="true"]').count() == 2
    page.screenshot(path=str(tmp_path / "training.png"))
    # a learning-rate change mid-run: a sidebar rerun, the stream keeps training
    before = epoch(page)
    page.get_by_role("slider", name="Learning rate").focus()
    page.keyboard.press("ArrowRight")                  # 0.03 -> 0.1
    page.wait_for_function("() => /[?&]lr=0\\.1(&|$)/.test(location.search)", timeout=20_000)
    wait_epoch(page, f"e > {before + 10}")
    assert "new network" not in page.locator('[data-testid="gp-message"]').text_content()
    press(page, "Pause")
    paused = epoch(page)
    page.wait_for_timeout(800)
    assert epoch(page) == paused > 15
    assert re.search(r"test [0-9.]+%", page.locator('[data-testid="gp-metrics"]').text_content())
    press(page, "Reset")
    wait_epoch(page, "e === 0")


def test_downloads_gradient_view_hover_focus_and_editing_a_weight(server, open_page, tmp_path):
    page = live_page(open_page, f"{server}/train?{URL_QUERY}&speed=25")
    press(page, "Play")
    wait_epoch(page, "e >= 50")
    press(page, "Pause")
    page.wait_for_timeout(300)
    shown = page.locator('[data-testid="gp-metrics"]').text_content()
    files = {}
    for name in ("Model", "Boundary", "Loss"):
        with page.expect_download(timeout=30_000) as info:
            page.get_by_role("button", name=re.compile(f"^(download )?{name} (JSON|PNG)$")).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        files[name] = path.read_bytes()
    model = interop.loads(files["Model"])
    # the same predictions: its loss and accuracy on the same data are the ones on screen
    data = build_run(RunConfig.from_query(QUERY)[0]).data
    loss, acc = model.evaluate(data.X_test, data.y_test, "bce")
    assert f"test {loss:.4f}" in shown and f"test {100 * acc:.1f}%" in shown
    assert model.sizes == [2, 6, 4, 1]
    for name in ("Boundary", "Loss"):
        assert files[name][:8] == b"\x89PNG\r\n\x1a\n" and len(files[name]) > 5_000

    # the same page, paused: the gradient view, hover focus, editing a weight
    net = '[data-testid="gp-network"] canvas'
    weights_view = pixels(page, net)
    page.locator('[data-testid="gp-mode-gradients"]').click()
    assert page.locator('[data-testid="gp-network"]').get_attribute("data-mode") == "gradients"
    assert pixels(page, net) != weights_view          # edges now sized by dL/dw
    assert "∂L/∂w" in page.locator(".gp-legend").text_content()
    page.locator('[data-testid="gp-mode-weights"]').click()
    board = '[data-testid="gp-boundary"] canvas'
    output = pixels(page, board)
    page.locator('[data-testid="gp-node-1-2"]').hover()
    focus = page.locator('[data-testid="gp-focus"]')
    assert focus.get_attribute("data-focus") == "1-2" and "showing a[1,2]" in focus.text_content()
    assert pixels(page, board) != output
    page.mouse.move(5, 5)
    assert focus.get_attribute("data-focus") == "output"
    # click a weight, type a value: the network trains from it
    edge = page.locator('[data-testid="gp-edge-0-1-2"]')
    edge.click()
    box = page.locator('[data-testid="gp-edit-input"]')
    box.fill("2.5")
    box.press("Enter")
    page.wait_for_function("""() => {
      const line = document.querySelector('[data-testid="gp-edge-0-1-2"]');
      line.dispatchEvent(new MouseEvent("mouseenter"));
      return line.querySelector("title").textContent.startsWith("w[1][1,2] = 2.5000 ");
    }""", timeout=10_000)
    edge.click()                                      # open it again: the new value is there
    assert math.isclose(float(box.input_value()), 2.5)
    box.press("Escape")


def test_weights_set_while_training_runs_are_never_lost(server, open_page):
    page = live_page(open_page, f"{server}/train?{URL_QUERY.replace('adam', 'sgd').replace('0.03', '0.00001')}")
    press(page, "Play")
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
          return line.querySelector("title").textContent.startsWith("w[1][1,2] = " + v + " ");
        }""", arg=f"{value:.4f}", timeout=10_000)
    assert page.get_attribute(".gp-live", "data-playing") == "true"   # it never stopped


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
    page.wait_for_selector(".gp-live[data-seq]", timeout=30_000)
    press(page, "Play")
    wait_epoch(page, "e >= 5")
    press(page, "Pause")


def test_a_reload_mid_run_gets_a_new_stream_that_trains(server, open_page):
    page = live_page(open_page, f"{server}/train?{URL_QUERY}")
    press(page, "Play")
    wait_epoch(page, "e >= 20")
    run = page.get_attribute(".gp-live", "data-run")
    page.reload()
    page.wait_for_selector(".gp-live[data-seq]", timeout=30_000)
    assert page.get_attribute(".gp-live", "data-run") != run and epoch(page) == 0
    assert page.get_attribute(".gp-live", "data-channel") == "open"
    press(page, "Play")
    wait_epoch(page, "e >= 10")
    press(page, "Pause")


def test_two_tabs_each_have_their_own_run(server, open_page):
    one = live_page(open_page, f"{server}/train?{URL_QUERY}")
    two = live_page(open_page, f"{server}/train?{URL_QUERY}")
    assert one.get_attribute(".gp-live", "data-run") != two.get_attribute(".gp-live", "data-run")
    press(one, "Play")
    wait_epoch(one, "e >= 30")
    assert epoch(two) == 0                             # the other tab's run did not move
    press(two, "Step")
    wait_epoch(two, "e === 1")
    wait_epoch(one, f"e >= {epoch(one) + 10}")         # and the first one trains on
    press(one, "Pause")


@pytest.fixture
def small_server(servers, free_port):
    """A server that holds at most two live streams (GRADPLAY_MAX_STREAMS)."""
    import os
    import subprocess
    import sys
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gradplay", "app", "--port", str(port),
                             "--host", "127.0.0.1"], env={**os.environ, "GRADPLAY_MAX_STREAMS": "2"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        servers.wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        servers.kill_group(proc)


def test_a_closed_tab_frees_its_stream_within_seconds(small_server, open_page):
    one = live_page(open_page, f"{small_server}/train?{URL_QUERY}")
    live_page(open_page, f"{small_server}/train?{URL_QUERY}")
    full = open_page(f"{small_server}/train?{URL_QUERY}")
    full.wait_for_selector("text=runs its most live trainers", timeout=30_000)
    one.close()                                        # its socket closes; grace, then freed
    full.wait_for_timeout(6_500)
    full.reload()
    full.wait_for_selector(".gp-live[data-seq]", timeout=30_000)
    press(full, "Step")
    wait_epoch(full, "e === 1")
    assert full.locator(EPOCH).count() == 1


def test_a_burst_of_200_connections_is_bounded_and_the_server_stays_up(server, open_page):
    import asyncio
    import urllib.request

    import websockets
    url = server.replace("http", "ws") + "/_gradplay/live"

    async def attempt(k: int):
        """The close code a connection without a live token gets (no frame)."""
        origin = server if k % 2 else "http://evil.example"
        try:
            async with websockets.connect(f"{url}?token=guess{k}", origin=origin,
                                          open_timeout=30) as ws:
                await ws.recv()
                return "a frame"
        except websockets.ConnectionClosed as e:
            return e.rcvd.code if e.rcvd else None
        except websockets.InvalidStatus as e:
            return e.response.status_code

    async def burst():
        return await asyncio.gather(*(attempt(k) for k in range(200)))
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(1) as pool:                # (playwright holds this thread's loop)
        codes = pool.submit(asyncio.run, burst()).result(timeout=120)
    assert sorted(set(codes)) == [403, 1008]           # foreign origins refused, the rest closed
    with urllib.request.urlopen(server + "/_stcore/health", timeout=10) as r:
        assert r.status == 200
    page = live_page(open_page, f"{server}/train?{URL_QUERY}")   # and a learner still trains
    press(page, "Step")
    wait_epoch(page, "e === 1")
