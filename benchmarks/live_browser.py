"""The live trainer as a learner sees it: frames counted in headless Chromium.

Starts ``gradplay app`` on a free 127.0.0.1 port, opens the trainer page in
headless Chromium, presses Play and, over ``--seconds`` (20), reports:

* frames per second: changes of the ``[data-testid="gp-epoch"]`` text, polled
  on every animation frame inside the page;
* the share of those animation frames whose boundary was blank (no canvas in
  ``gp-boundary``, or, checked on every 4th, transparent pixels in the picture);
* the epochs per second the page shows;
* the server's CPU milliseconds per delivered frame: the CPU time of the whole
  server process group before and after, over the frames of all pages.

Then the same with four pages at once; the page at "max speed" against
``fit``'s epochs per second for the same config in this process (one thread),
``--matrix`` for every engine and batch size; and how long Pause takes to be
answered at the largest settings (scalar engine, 6x32, 2,000 points, batch 8).

Targets (issue 11): >= 15 fps, 0 blank frames, <= 15 ms server CPU per frame,
max-speed throughput >= 0.7x fit, Pause answered within 0.5 s. Bounded time; the server's process group is
killed in every case.

    python benchmarks/live_browser.py [--seconds 20] [--matrix]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import urllib.request

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import psutil  # noqa: E402  (installed with streamlit)

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Counts gp-epoch changes and blank boundaries on every animation frame.
PROBE = """() => {
  const s = window.__gp = {frames: 0, samples: 0, blank: 0, last: null, stop: false};
  const tick = () => {
    const e = document.querySelector('[data-testid="gp-epoch"]');
    const t = e ? e.textContent : null;
    if (t !== s.last) { s.frames++; s.last = t; }
    s.samples++;
    const c = document.querySelector('[data-testid="gp-boundary"] canvas');
    let blank = !c || !c.isConnected || c.width === 0 || c.getBoundingClientRect().height < 10;
    if (!blank && s.samples % 4 === 0) {      // reading pixels back is not free: every 4th
      const ctx = c.getContext('2d'), w = c.width, h = c.height;
      for (const [x, y] of [[w / 2, h / 2], [3, 3], [w - 4, h - 4]])
        if (ctx.getImageData(x | 0, y | 0, 1, 1).data[3] === 0) { blank = true; break; }
    }
    if (blank) s.blank++;
    if (!s.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "gradplay", "app", "--port", str(port),
                             "--host", "127.0.0.1"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError("gradplay app did not start")


def stop_server(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(10)


def group_cpu(proc: subprocess.Popen) -> float:
    """CPU seconds (user + system) of every live process in the server's group."""
    total = 0.0
    for p in psutil.process_iter(["pid"]):
        try:
            if os.getpgid(p.pid) == proc.pid:
                t = p.cpu_times()
                total += t.user + t.system
        except (psutil.Error, ProcessLookupError, PermissionError):
            pass
    return total


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    page.wait_for_selector('[data-testid="gp-epoch"]', timeout=60_000)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=60_000)
    return page


def epoch(page) -> int:
    return int(page.locator('[data-testid="gp-epoch"]').text_content() or 0)


def measure(pages, proc, seconds: float) -> dict:
    """Press Play on every page, then count for ``seconds``."""
    for page in pages:
        page.get_by_role("button", name="▶ Play").click()
    for page in pages:
        page.wait_for_selector("button:has-text('Pause')", timeout=30_000)
    time.sleep(1.5)                                   # warm up
    for page in pages:
        page.evaluate(PROBE)
    e0 = [epoch(p) for p in pages]
    c0, t0 = group_cpu(proc), time.perf_counter()
    time.sleep(seconds)
    c1, t1 = group_cpu(proc), time.perf_counter()
    stats = [p.evaluate("() => { window.__gp.stop = true; return window.__gp; }") for p in pages]
    e1 = [epoch(p) for p in pages]
    for page in pages:
        page.get_by_role("button", name="⏸ Pause").click()
    dt = t1 - t0
    frames = sum(s["frames"] for s in stats)
    return {"fps": [s["frames"] / dt for s in stats],
            "blank": sum(s["blank"] for s in stats) / max(sum(s["samples"] for s in stats), 1),
            "epochs_per_s": [(b - a) / dt for a, b in zip(e0, e1)],
            "cpu_ms_per_frame": 1000 * (c1 - c0) / max(frames, 1),
            "cpu_share": (c1 - c0) / dt}


def fit_epochs_per_second(query: dict, seconds: float = 3.0) -> float:
    """Epochs per second of the same run trained by ``Trainer.run`` in this process."""
    from gradplay.config import RunConfig, build_run
    cfg, _ = RunConfig.from_query(query)
    run = build_run(cfg)
    run.trainer.run(2)
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        run.trainer.run(5)
        n += 5
    return n / (time.perf_counter() - start)


def pause_profile(browser, base: str, proc) -> tuple[list, float]:
    """After a Pause click at the largest settings: the server's CPU use (share
    of a core) in each quarter second for 3 s, and the seconds until the Play
    button is back on the page (the rerun that draws it is what stops the loop)."""
    page = open_page(browser, base + "?engine=scalar&hidden=32,32,32,32,32,32&samples=2000"
                                      "&batch_size=8&speed=max")
    page.get_by_role("button", name="▶ Play").click()
    page.wait_for_selector("button:has-text('Pause')", timeout=30_000)
    page.wait_for_timeout(3000)
    # dispatched at once (playwright's own click waits for a still layout)
    page.evaluate("() => [...document.querySelectorAll('button')]"
                  ".find(b => b.innerText.includes('Pause')).click()")
    start = time.perf_counter()
    shares, last, play = [], (start, group_cpu(proc)), None
    for k in range(1, 13):
        while time.perf_counter() < start + 0.25 * k:
            # (a faded, stale Play left from an earlier run does not count)
            if play is None and page.evaluate("() => [...document.querySelectorAll('button')]"
                                              ".some(b => b.innerText.includes('Play') && "
                                              "!b.closest('[data-stale=\"true\"]'))"):
                play = time.perf_counter() - start
            time.sleep(0.02)
        now = (time.perf_counter(), group_cpu(proc))
        shares.append((now[1] - last[1]) / (now[0] - last[0]))
        last = now
    play = play if play is not None else math.inf
    page.close()
    return shares, play


def print_pause(browser, base: str, proc) -> None:
    shares, play = pause_profile(browser, base, proc)
    print("Pause at scalar 6x32, 2000 points, batch 8 (target: work stops within 0.5 s): "
          f"Play back after {play:.2f} s; server CPU (share of a core) in each 0.25 s "
          "after the click: "
          + " ".join(f"{100 * x:.0f}%" for x in shares))


def report(name: str, r: dict) -> None:
    fps = r["fps"]
    print(f"{name:28s} fps {min(fps):5.1f} (min) {sum(fps) / len(fps):5.1f} (mean) | "
          f"blank {100 * r['blank']:.1f}% | epochs/s {sum(r['epochs_per_s']) / len(fps):7.1f} "
          f"| server CPU {r['cpu_ms_per_frame']:5.1f} ms/frame ({100 * r['cpu_share']:.0f}% "
          "of a core)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pause-only", action="store_true", help="only the Pause check")
    parser.add_argument("--matrix", action="store_true",
                        help="max-speed throughput vs fit for every engine and batch size")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}; "
          "server and fit on 1 BLAS thread; headless Chromium at 1280x720")
    port = free_port()
    proc = start_server(port)
    base = f"http://127.0.0.1:{port}/train"
    deadline = time.time() + 600
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                if args.pause_only:
                    print_pause(browser, base, proc)
                    return 0
                page = open_page(browser, base)
                report("1 page, default settings", measure([page], proc, args.seconds))
                page.close()
                pages = [open_page(browser, base) for _ in range(4)]
                report("4 pages at once", measure(pages, proc, args.seconds))
                for page in pages:
                    page.close()
                combos = [("tensor", 0)]
                if args.matrix:
                    combos = [(e, b) for e in ("tensor", "manual", "scalar")
                              for b in (0, 8, 32)]
                for engine, batch in combos:
                    if time.time() > deadline:
                        print("time limit reached: stopping")
                        break
                    query = {"engine": engine, "batch_size": str(batch)}
                    if engine == "scalar":
                        query.update(hidden="4", samples="200")   # the scalar engine is slow
                    url = base + "?" + "&".join(f"{k}={v}" for k, v in query.items())
                    before = fit_epochs_per_second(query)   # before and after the page:
                    page = open_page(browser, url + "&speed=max")   # the machine is shared
                    r = measure([page], proc, min(args.seconds, 10))
                    page.close()
                    ref = (before + fit_epochs_per_second(query)) / 2
                    shown = r["epochs_per_s"][0]
                    print(f"max speed {engine:6s} batch {batch or 'full':>4}: page "
                          f"{shown:7.1f} epochs/s, fit {ref:7.1f} epochs/s -> "
                          f"{shown / ref:.2f}x (target >= 0.7x); {r['fps'][0]:.1f} fps")
                print_pause(browser, base, proc)
            finally:
                browser.close()
    finally:
        stop_server(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
