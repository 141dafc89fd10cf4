"""The live trainer as a Jupyter widget, measured where a learner sees it:
JupyterLab in headless Chromium, side by side with the web page in one run.

Starts JupyterLab (127.0.0.1, a token, its Jupyter folders in a temporary
folder) and ``gradplay app``, each in its own process group, killed at the end.
The same run (``QUERY``) is shown in a notebook's ``LiveTrainer`` and on the
web page's trainer; for each, after Play at 1 epoch a frame, over ``--seconds``:

* frames per second: changes of ``[data-testid="gp-epoch"]``, polled on every
  animation frame inside the page (as ``live_browser.py`` counts them);
* CPU milliseconds per frame of the process that trains: the kernel (and,
  apart, the Jupyter server that relays the comm), or the app's server;

then how long Pause takes, ``--rounds`` times, at 1 epoch a frame and at max
speed with small batches: the time from the click (dispatched in the page) to
the last change of the epoch shown, and the epochs shown after the click; and,
for the widget, to the last mini-batch in the kernel (a thread there notes
when the optimizer's step count last changed; same machine, same clock).

Targets (issue 21): >= 30 fps; Pause within 0.1 s; kernel CPU per frame no
more than the web page's. ``--screenshot PATH`` saves the widget mid-training
at 1280x720.

    python benchmarks/live_widget.py [--seconds 10] [--screenshot figures/live_widget.png]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import nbformat  # noqa: E402
import psutil  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "gradplay-benchmark"
QUERY = {"dataset": "moons", "samples": "300", "hidden": "8,8", "optimizer": "adam",
         "lr": "0.03", "batch_size": "0"}
HEAVY = {**QUERY, "samples": "2000", "hidden": "32,32,32", "batch_size": "8"}
EPOCH = '[data-testid="gp-epoch"]'
SHOT = ("from gradplay.widgets import LiveTrainer\n\n"
        "w = LiveTrainer(dataset=\"moons\", hidden=(8, 8), lr=0.03)\nw")
SETTINGS = {"notebook-extension/tracker": {"autoStartDefaultKernel": True},
            "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False}}
KERNEL_IDLE = """() => {
  const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const k = document.querySelector('.jp-Toolbar-kernelName');
  return s && s.dataset.status === 'idle' && k && k.textContent.trim() !== 'No Kernel'; }"""
# Counts changes of the epoch shown, on every animation frame.
PROBE = """() => {
  const s = window.__gp = {frames: 0, last: null, stop: false};
  const tick = () => {
    const e = document.querySelector('[data-testid="gp-epoch"]');
    const t = e ? e.textContent : null;
    if (t !== s.last) { s.frames++; s.last = t; }
    if (!s.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
# Clicks Pause now and records, for 1.5 s, when the epoch shown last changed.
PAUSE = """() => new Promise(done => {
  const e = document.querySelector('[data-testid="gp-epoch"]');
  const b = [...document.querySelectorAll('button')].find(x => x.textContent.trim() === 'Pause');
  const first = Number(e.textContent), t0 = performance.now();
  let seen = e.textContent, last = t0;
  b.click();
  const tick = () => {
    if (e.textContent !== seen) { seen = e.textContent; last = performance.now(); }
    if (performance.now() - t0 < 1500) requestAnimationFrame(tick);
    else done({seconds: (last - t0) / 1000, epochs: Number(seen) - first,
               clicked: (performance.timeOrigin + t0) / 1000});
  };
  requestAnimationFrame(tick);
})"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


def start_lab(home: Path) -> tuple[subprocess.Popen, str]:
    """JupyterLab serving ``home/notebooks``, with quiet settings."""
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
         "--LabApp.expose_app_in_browser=True"],              # window.jupyterapp: fold side bars
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/api/status?token={TOKEN}", proc)
    return proc, base


def start_app() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gradplay", "app", "--port", str(port),
                             "--host", "127.0.0.1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/_stcore/health", proc)
    return proc, base


def cpu(procs) -> float:
    """CPU seconds (user + system) of these psutil processes."""
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def tree(proc: subprocess.Popen) -> list:
    """A server's process and all it started (a kernel runs in a session of its own)."""
    top = psutil.Process(proc.pid)
    return [top, *top.children(recursive=True)]


def stop(proc: subprocess.Popen) -> None:
    """Kill a server's process group, and the groups of the processes it started."""
    kids = tree(proc)[1:]
    kill_group(proc)
    for kid in kids:
        try:
            os.killpg(kid.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


# In the kernel: a thread notes when the optimizer last took a step (its count
# changes with every mini-batch), to time Pause where training happens.
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


def cell_for(query: dict) -> str:
    return ("from gradplay.config import RunConfig\nfrom gradplay.widgets import LiveTrainer\n"
            f"w = LiveTrainer(RunConfig.from_query({query!r})[0])\nw")


def run_cell(page, i: int, says: str) -> str:
    """Run cell i; wait until its output starts with ``says``; that output."""
    page.locator(".jp-Cell .jp-InputArea-editor").nth(i).click()
    page.keyboard.press("Shift+Enter")
    out = page.locator(".jp-Cell").nth(i).locator(".jp-OutputArea-output").first
    out.filter(has_text=says).wait_for(timeout=60_000)
    return out.text_content()


def widget_page(browser, base: str, home: Path, source: str, name: str):
    """A notebook whose one cell (``source``) shows a LiveTrainer; run, drawn."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in (source, SAMPLER, STOPPED)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, home / "notebooks" / f"{name}.ipynb")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{base}/lab/tree/{name}.ipynb?reset&token={TOKEN}")
    page.wait_for_function(KERNEL_IDLE, timeout=90_000)
    page.locator(".jp-Cell .jp-InputArea-editor").first.click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_selector(f".jp-OutputArea {EPOCH}", timeout=90_000)
    return page


def app_page(browser, base: str, query: dict):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{base}/train?" + "&".join(f"{k}={v}" for k, v in query.items()))
    page.wait_for_selector(EPOCH, timeout=60_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=60_000)
    return page


def kernels(lab: subprocess.Popen) -> list:
    return [p for p in tree(lab) if "ipykernel_launcher" in " ".join(p.cmdline())]


def measure(page, trainer: list, relay: list, seconds: float) -> dict:
    """Press Play, warm up, count frames and CPU for ``seconds``; then Pause."""
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(1500)
    page.evaluate(PROBE)
    c0, r0, t0 = cpu(trainer), cpu(relay), time.perf_counter()
    time.sleep(seconds)
    c1, r1, t1 = cpu(trainer), cpu(relay), time.perf_counter()
    frames = page.evaluate("() => { window.__gp.stop = true; return window.__gp.frames; }")
    page.evaluate(PAUSE)
    return {"fps": frames / (t1 - t0), "ms": 1000 * (c1 - c0) / max(frames, 1),
            "relay_ms": 1000 * (r1 - r0) / max(frames, 1)}


def pauses(page, rounds: int, kernel: bool = False) -> list[dict]:
    """Play for a second, then Pause, ``rounds`` times: timed in the page, and
    (``kernel``: a widget) where it trains: the click to the last mini-batch."""
    found = []
    for k in range(1, rounds + 1):
        if kernel:
            run_cell(page, 1, f"sampling {k}")
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_timeout(1000)
        found.append(page.evaluate(PAUSE))
        if kernel:
            said = run_cell(page, 2, f"stopped {k} ").split()
            found[-1]["trained"] = float(said[-1]) - found[-1]["clicked"]
    return found


def pause_at_max_speed(page, rounds: int) -> list[dict]:
    """The same at max speed."""
    page.locator("[data-testid='gp-speed']").first.select_option("max")
    return pauses(page, rounds, kernel=True)


def screenshot(page, path: str) -> None:
    """The widget mid-training at 1280x720, JupyterLab's side bars folded."""
    page.evaluate("() => { window.jupyterapp.shell.collapseLeft(); "
                  "window.jupyterapp.shell.collapseRight(); }")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(f"() => Number(document.querySelector('{EPOCH}').textContent) >= 200",
                           timeout=60_000)
    page.locator(".jp-Notebook").first.evaluate("n => n.scrollTop = 0")
    page.screenshot(path=path)
    page.get_by_role("button", name="Pause", exact=True).click()


def report(name: str, r: dict, rounds: list[dict]) -> None:
    relay = f" (+ Jupyter server {r['relay_ms']:.2f})" if r.get("relay_ms") else ""
    print(f"{name:36s} {r['fps']:5.1f} fps | trainer CPU {r['ms']:.2f} ms/frame{relay}")
    report_pauses(name, rounds)


def report_pauses(name: str, rounds: list[dict]) -> None:
    def spread(values, unit=""):
        v = sorted(values)
        return f"{v[len(v) // 2]:.0f}{unit} (median; most {v[-1]:.0f}{unit})"
    trained = ""
    if "trained" in rounds[0]:
        trained = (" | last mini-batch in the kernel "
                   f"{spread([1000 * p['trained'] for p in rounds], ' ms')} after the click")
    print(f"{name:36s} Pause, {len(rounds)} tries: epoch shown last changed "
          f"{spread([1000 * p['seconds'] for p in rounds], ' ms')} after the click, "
          f"{spread([p['epochs'] for p in rounds])} epochs later{trained}")


def run(browser, args, home: Path) -> None:
    lab, base = start_lab(home)
    try:
        page = widget_page(browser, base, home, cell_for(QUERY), "bench")
        kernel = kernels(lab)
        r = measure(page, kernel, [p for p in tree(lab) if p not in kernel], args.seconds)
        report("widget in JupyterLab, 1 epoch/frame", r, pauses(page, args.rounds, kernel=True))
        page.close()
        heavy = widget_page(browser, base, home, cell_for(HEAVY), "heavy")
        report_pauses("widget, max speed, 3x32, batch 8", pause_at_max_speed(heavy, args.rounds))
        heavy.close()
        if args.screenshot:
            shot = widget_page(browser, base, home, SHOT, "live")
            screenshot(shot, args.screenshot)
            shot.close()
    finally:
        stop(lab)
    app, base = start_app()
    try:
        page = app_page(browser, base, QUERY)
        r = measure(page, tree(app), [], args.seconds)
        report("web page, 1 epoch/frame", r, pauses(page, args.rounds))
        page.close()
        heavy = app_page(browser, base, {**HEAVY, "speed": "max"})
        report_pauses("web page, max speed, 3x32, batch 8", pauses(heavy, args.rounds))
    finally:
        stop(app)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5, help="Pause tries per setting")
    parser.add_argument("--screenshot", help="save the widget mid-training here (PNG)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load {os.getloadavg()[0]:.2f}; 1 BLAS thread; "
          "headless Chromium at 1280x720")
    with tempfile.TemporaryDirectory(prefix="gradplay-widget-") as home, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            run(browser, args, Path(home))
        finally:
            browser.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
