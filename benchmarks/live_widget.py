"""The live trainer as a Jupyter widget, measured where a learner sees it:
JupyterLab in headless Chromium, beside the web page in the same run.

Starts JupyterLab (127.0.0.1, a token, its Jupyter folders in a temporary
folder) and then ``gradplay app``, each in its own process group, killed at
the end (with the kernels JupyterLab started). The same run (``QUERY``) is
shown in a notebook's ``LiveTrainer`` and on the web page; for each, after
Play at 1 epoch a frame, over ``--seconds``, as ``live_browser.py`` counts:

* frames per second: changes of ``[data-testid="gp-epoch"]``, polled on every
  animation frame inside the page (``live_browser.PROBE``);
* CPU milliseconds per frame: of the kernel, which trains (and, apart, of the
  Jupyter server, which relays the comm); of the app's server group.

Then Pause, ``--rounds`` times, at 1 epoch a frame and at max speed with
small batches (``HEAVY``): the milliseconds from the click to the frame that
says training stopped (``live_browser.ANSWER``), the epochs shown after the
click, and, for the widget, from (just before) the click to the last
mini-batch in the kernel (a thread there notes when the optimizer's step count
last changed; one machine, one clock).

Targets (issue 21): >= 30 fps; Pause stops training within 0.1 s; kernel CPU
per frame no more than the web page's. ``--screenshot PATH``: the widget
mid-training at 1280x720 (figures/live_widget.png).

    python benchmarks/live_widget.py [--seconds 10] [--rounds 5] [--screenshot PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from live_browser import (ANSWER, CHROMIUM, FLAGS, PROBE, free_port, machine_name, measure,
                          open_page, start_server, stop_server)

import nbformat  # noqa: E402  (after live_browser: it pins BLAS to one thread)
import psutil  # noqa: E402

TOKEN = "gradplay-benchmark"
QUERY = {"dataset": "moons", "samples": "300", "hidden": "8,8", "optimizer": "adam",
         "lr": "0.03", "batch_size": "0"}
HEAVY = {**QUERY, "samples": "2000", "hidden": "32,32,32", "batch_size": "8", "speed": "max"}
EPOCH = '[data-testid="gp-epoch"]'
SETTINGS = {"notebook-extension/tracker": {"autoStartDefaultKernel": True},
            "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}
KERNEL_IDLE = """() => {
  const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const k = document.querySelector('.jp-Toolbar-kernelName');
  return s && s.dataset.status === 'idle' && k && k.textContent.trim() !== 'No Kernel'; }"""
SHOT = ('from gradplay.widgets import LiveTrainer\n\n'
        'w = LiveTrainer(dataset="moons", hidden=(8, 8), lr=0.03)\nw')
# In the kernel: a thread notes when the optimizer last took a step.
SAMPLER = """import threading, time
rounds = globals().get("rounds", 0) + 1
probe = {"t": None, "at": None, "stop": False}
def sample(probe=probe):
    while not probe["stop"]:
        t = w.session.trainer.optimizer.t
        if t != probe["t"]:
            probe["t"], probe["at"] = t, time.time()
        time.sleep(0.002)
threading.Thread(target=sample, daemon=True).start()
print(f"sampling {rounds}")"""
STOPPED = 'probe["stop"] = True\nprint(f"stopped {rounds} {probe[\'at\']:.4f}")'
CLICKED = "() => performance.timeOrigin + performance.now()"


def start_lab(home: Path) -> subprocess.Popen:
    """JupyterLab serving ``home/notebooks`` with quiet settings; its base URL is
    ``proc.base``."""
    for name, values in SETTINGS.items():
        path = home / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    (home / "notebooks").mkdir()
    env = {**os.environ, **{f"JUPYTER_{k}_DIR": str(home / k.lower())
                            for k in ("CONFIG", "RUNTIME", "DATA")}}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={home / 'notebooks'}",
         f"--LabApp.user_settings_dir={home / 'settings'}",
         "--LabApp.expose_app_in_browser=True"],           # window.jupyterapp: fold side bars
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    proc.base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"{proc.base}/api/status?token={TOKEN}", timeout=2)
            return proc
        except OSError:
            time.sleep(0.3)
    stop_lab(proc)
    raise RuntimeError("JupyterLab did not start")


def tree(proc: subprocess.Popen) -> list:
    """A server's process and all it started (a kernel runs in a session of its own)."""
    top = psutil.Process(proc.pid)
    return [top, *top.children(recursive=True)]


def stop_lab(proc: subprocess.Popen) -> None:
    """Kill JupyterLab's process group, and the groups of the kernels it started."""
    kids = tree(proc)[1:]
    stop_server(proc)
    for kid in kids:
        try:
            os.killpg(kid.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def cpu(procs) -> float:
    """CPU seconds (user + system) of these processes."""
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def cell_for(query: dict) -> str:
    return ("from gradplay.config import RunConfig\nfrom gradplay.widgets import LiveTrainer\n"
            f"w = LiveTrainer(RunConfig.from_query({query!r})[0])\nw")


def widget_page(browser, lab, home: Path, source: str, name: str):
    """A notebook: ``source`` (it shows a LiveTrainer ``w``), SAMPLER, STOPPED;
    open, its first cell run and drawn."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (source, SAMPLER, STOPPED)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, home / "notebooks" / f"{name}.ipynb")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{lab.base}/lab/tree/{name}.ipynb?reset&token={TOKEN}")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    page.locator(".jp-Cell .jp-InputArea-editor").first.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(".jp-OutputArea .gp-live[data-seq]", timeout=90_000)
    return page


def run_cell(page, i: int, says: str) -> str:
    """Run cell i; wait until its output shows ``says``; that output."""
    page.locator(".jp-Cell .jp-InputArea-editor").nth(i).click()
    page.keyboard.press("Shift+Enter")
    out = page.locator(".jp-Cell").nth(i).locator(".jp-OutputArea-output").first
    out.filter(has_text=says).wait_for(timeout=60_000)
    return out.text_content()


def measure_widget(page, lab, seconds: float) -> dict:
    """Play, warm up, then frames and CPU (kernel; the rest of JupyterLab) for ``seconds``."""
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(1500)
    page.evaluate(PROBE)
    kernel = [p for p in tree(lab) if "ipykernel_launcher" in " ".join(p.cmdline())]
    relay = [p for p in tree(lab) if p not in kernel]
    c0, r0, t0 = cpu(kernel), cpu(relay), time.perf_counter()
    time.sleep(seconds)
    c1, r1, t1 = cpu(kernel), cpu(relay), time.perf_counter()
    frames = page.evaluate("() => { window.__gp.stop = true; return window.__gp.frames; }")
    page.evaluate(ANSWER, "Pause")
    return {"fps": [frames / (t1 - t0)], "cpu_ms_per_frame": 1000 * (c1 - c0) / max(frames, 1),
            "relay_ms": 1000 * (r1 - r0) / max(frames, 1)}


def pauses(page, rounds: int, kernel: bool) -> list[dict]:
    """Play for a second, then Pause, ``rounds`` times; see the module docstring."""
    found = []
    for k in range(1, rounds + 1):
        if kernel:
            run_cell(page, 1, f"sampling {k}")
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_timeout(1000)
        before = int(page.locator(EPOCH).text_content())
        clicked = page.evaluate(CLICKED) / 1000
        r = {"answered": page.evaluate(ANSWER, "Pause")}
        page.wait_for_timeout(500)
        r["epochs"] = int(page.locator(EPOCH).text_content()) - before
        if kernel:
            r["trained"] = 1000 * (float(run_cell(page, 2, f"stopped {k} ").split()[-1]) - clicked)
        found.append(r)
    return found


def spread(values) -> str:
    v = sorted(values)
    return f"{v[len(v) // 2]:.0f} (median; most {v[-1]:.0f})"


def report(name: str, r: dict | None, rounds: list[dict]) -> None:
    if r is not None:
        relay = f" (+ Jupyter server {r['relay_ms']:.2f})" if "relay_ms" in r else ""
        print(f"{name:34s} {r['fps'][0]:5.1f} fps | CPU {r['cpu_ms_per_frame']:.2f} ms/frame"
              f"{relay}")
    trained = ""
    if "trained" in rounds[0]:
        trained = f" | last mini-batch {spread(r['trained'] for r in rounds)} ms after the click"
    print(f"{name:34s} Pause x{len(rounds)}: answered in "
          f"{spread(r['answered'] for r in rounds)} ms, "
          f"{spread(r['epochs'] for r in rounds)} epochs shown after the click{trained}")


def screenshot(page, path: str) -> None:
    """The widget mid-training (epoch 200) at 1280x720, JupyterLab's side bars folded."""
    page.evaluate("() => { window.jupyterapp.shell.collapseLeft(); "
                  "window.jupyterapp.shell.collapseRight(); }")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(f"() => Number(document.querySelector('{EPOCH}').textContent) >= 200",
                           timeout=60_000)
    page.screenshot(path=path)
    page.evaluate(ANSWER, "Pause")


def run_widget(browser, args, home: Path) -> None:
    lab = start_lab(home)
    try:
        page = widget_page(browser, lab, home, cell_for(QUERY), "bench")
        r = measure_widget(page, lab, args.seconds)
        report("widget in JupyterLab, 1 epoch/frame", r, pauses(page, args.rounds, True))
        page.close()
        heavy = widget_page(browser, lab, home, cell_for(HEAVY), "heavy")
        report("widget, max speed, 3x32, batch 8", None, pauses(heavy, args.rounds, True))
        heavy.close()
        if args.screenshot:
            shot = widget_page(browser, lab, home, SHOT, "live")
            screenshot(shot, args.screenshot)
            shot.close()
    finally:
        stop_lab(lab)


def run_page(browser, args) -> None:
    port = free_port()
    app = start_server(port)
    base = f"http://127.0.0.1:{port}/train?"
    try:
        page = open_page(browser, base + "&".join(f"{k}={v}" for k, v in QUERY.items()))
        report("web page, 1 epoch/frame", measure([page], app, args.seconds),
               pauses(page, args.rounds, False))
        page.close()
        heavy = open_page(browser, base + "&".join(f"{k}={v}" for k, v in HEAVY.items()))
        report("web page, max speed, 3x32, batch 8", None, pauses(heavy, args.rounds, False))
    finally:
        stop_server(app)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5, help="Pause tries per setting")
    parser.add_argument("--screenshot", help="save the widget mid-training here (PNG)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {machine_name()}, Python {platform.python_version()}, load "
          f"{os.getloadavg()[0]:.2f}; 1 BLAS thread; headless Chromium at 1280x720")
    with tempfile.TemporaryDirectory(prefix="gradplay-widget-") as home, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            run_widget(browser, args, Path(home))
            run_page(browser, args)
        finally:
            browser.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
