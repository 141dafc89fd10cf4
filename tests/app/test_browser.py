"""The playground in a real browser: `gradplay app` driven by Chromium.

Needs Debian's Chromium (/usr/bin/chromium) and Python playwright; it never
downloads a browser. Without them it skips on a laptop, but fails under CI,
where a skip would hide a missing install step.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _require(condition: bool, reason: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: the install step is missing)")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "gradplay", "app", "--port", str(port),
                             "--host", "127.0.0.1"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("gradplay app did not start: "
                                   + proc.stdout.read().decode(errors="replace")[-2000:])
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser():
    _require(os.path.exists(CHROMIUM), "Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "python playwright is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


def _page(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 2000})
    page.goto(url)
    page.wait_for_selector(IDLE, timeout=60_000)
    return page


def test_training_moons_in_the_browser(server, browser, tmp_path):
    query = ("dataset=moons&samples=200&hidden=8&activation=tanh&optimizer=adam&lr=0.03"
             "&epochs=200&engine=tensor")
    page = _page(browser, f"{server}/train?{query}")
    page.get_by_role("button", name="▶ Train").click()
    page.wait_for_selector("text=epoch 200 of 200", timeout=90_000)
    page.wait_for_selector(IDLE, timeout=30_000)
    metrics = {}
    for m in page.locator("[data-testid='stMetric']").all():
        label = m.locator("[data-testid='stMetricLabel']").text_content().strip()
        metrics[label] = m.locator("[data-testid='stMetricValue']").text_content().strip()
    accuracy = float(re.sub("[^0-9.]", "", metrics["Test accuracy"]))
    assert accuracy >= 85.0, metrics
    assert "dataset=moons" in page.url and "epochs=200" in page.url
    assert page.locator("[data-testid='stGraphVizChart'] svg").count() >= 1
    page.screenshot(path=str(tmp_path / "train.png"))
    assert (tmp_path / "train.png").stat().st_size > 20_000
    page.close()


def test_uploaded_csv_trains(server, browser, tmp_path):
    rng = __import__("numpy").random.default_rng(0)
    rows = ["x1,x2,label"]
    for x1, x2 in rng.normal(size=(120, 2)):
        rows.append(f"{x1:.4f},{x2:.4f},{int(x1 * x1 + x2 * x2 < 1)}")
    csv = tmp_path / "points.csv"
    csv.write_text("\n".join(rows))
    page = _page(browser, f"{server}/train?dataset=csv&hidden=8&epochs=100")
    page.wait_for_selector("text=upload a file with rows x1,x2,label", timeout=30_000)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(csv))
    page.wait_for_selector("text=Dataset('uploaded', train=96, test=24", timeout=30_000)
    page.get_by_role("button", name="▶ Train").click()
    page.wait_for_selector("text=epoch 100 of 100", timeout=60_000)
    page.close()


def _epoch(page) -> int:
    for m in page.locator("[data-testid='stMetric']").all():
        if m.locator("[data-testid='stMetricLabel']").text_content().strip() == "Epoch":
            return int(m.locator("[data-testid='stMetricValue']").text_content().replace(",", ""))
    raise AssertionError("no Epoch metric")


def test_training_stays_live_and_pause_answers_at_once(server, browser):
    page = _page(browser, f"{server}/train?dataset=moons&hidden=8,8&epochs=100000")
    page.get_by_role("button", name="▶ Train").click()
    page.wait_for_timeout(1500)
    first = _epoch(page)
    page.wait_for_timeout(1500)
    assert _epoch(page) > first > 0  # the page redraws while it trains
    # a click dispatched at once (playwright's own click waits for a still layout)
    page.evaluate("() => [...document.querySelectorAll('button')]"
                  ".find(b => b.innerText.includes('Pause')).click()")
    page.wait_for_function("() => { const b = [...document.querySelectorAll('button')]"
                           ".find(x => x.innerText.includes('Train')); return b && !b.disabled }",
                           timeout=5_000)
    paused = _epoch(page)
    page.wait_for_timeout(1500)
    assert _epoch(page) == paused
    page.close()
