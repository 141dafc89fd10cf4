"""The README's screenshots of the playground, taken at 1280x720 (a projector's
size) in headless Chromium against a fresh ``gradplay app`` on 127.0.0.1:

* ``figures/live_trainer.png``: the trainer mid-training;
* ``figures/backprop_walk.png``: a picked example mid-way through its backward
  pass, the chain rule written out with its numbers;
* ``figures/explorer.png``: the expression explorer on the gradient-used-twice
  example.

    .venv/bin/python scripts/readme_figures.py

(``figures/live_widget.png``, the Jupyter widget, comes from
``benchmarks/live_widget.py``.) The server's process group is killed at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LESSON = "preset=lesson-backprop"


def serve() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "gradplay", "app", "--port", str(port),
                             "--host", "127.0.0.1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gradplay app did not start")


def trainer(page, url: str) -> None:
    page.goto(f"{url}/train?dataset=spiral&samples=400&noise=0.1&hidden=8,8&features=x1,x2,"
              "sinx1,sinx2&optimizer=adam&lr=0.03&speed=5")
    page.wait_for_selector(".gp-live[data-channel='open'][data-seq]", timeout=60_000)
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("() => Number(document.querySelector('[data-testid=gp-epoch]')"
                           ".textContent) >= 600", timeout=120_000)
    page.mouse.move(5, 700)
    page.screenshot(path=str(FIGURES / "live_trainer.png"))
    page.get_by_role("button", name="Pause", exact=True).click()


def misclassified_point(page, url: str) -> tuple[float, float]:
    """Where a training point of the lesson's run that the model gets wrong is drawn."""
    from gradplay.config import PRESETS, build_run
    from gradplay.viz.frames import View
    run = build_run(PRESETS["lesson-backprop"])
    for _ in range(3):
        run.trainer.step()
    X, y = run.data.X_train, run.data.y_train
    wrong = np.flatnonzero(run.model.predict_labels(X) != y)
    x0, x1, y0, y1 = View.for_run(run.data.X, run.model.sizes).bounds
    box = page.locator('[data-testid="gp-boundary"] canvas').bounding_box()
    px = np.c_[box["x"] + (X[:, 0] - x0) / (x1 - x0) * box["width"],
               box["y"] + (y1 - X[:, 1]) / (y1 - y0) * box["height"]]
    gaps = np.sort(np.linalg.norm(px[:, None] - px[None], axis=2), axis=1)[:, 1]
    k = next(int(k) for k in wrong if gaps[k] > 14)
    return tuple(px[k])


def walk(page, url: str) -> None:
    page.goto(f"{url}/train?{LESSON}")
    page.wait_for_selector(".gp-live[data-channel='open'][data-seq]", timeout=60_000)
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_timeout(300)
    page.mouse.click(*misclassified_point(page, url))
    page.wait_for_selector('[data-testid="gp-sample"]', state="visible")
    for _ in range(9):                                 # into the backward pass
        page.get_by_role("button", name="Next step").click()
        page.wait_for_timeout(250)
    page.mouse.move(5, 700)
    page.screenshot(path=str(FIGURES / "backprop_walk.png"))


def explorer(page, url: str) -> None:
    page.goto(f"{url}/explorer?expr=b%20%3D%20a%20%2B%20a%3B%20c%20%3D%20b%20*%20b&v_a=2.0")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=60_000)
    page.wait_for_timeout(1500)
    page.get_by_text("Output value").scroll_into_view_if_needed()
    page.mouse.wheel(0, 330)                           # the table, the graph and the step
    page.wait_for_timeout(800)
    page.screenshot(path=str(FIGURES / "explorer.png"))


def main() -> int:
    from playwright.sync_api import sync_playwright
    proc, url = serve()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            for shot in (trainer, walk, explorer):
                shot(page, url)
                print(f"wrote figures/{shot.__name__}", flush=True)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
