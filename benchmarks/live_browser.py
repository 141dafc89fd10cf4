"""The live trainer as a learner sees it: frames counted in headless Chromium.

Starts ``gradplay app`` on a free 127.0.0.1 port, opens the trainer page in
headless Chromium at 1280x720, presses the renderer's Play and, for
``--seconds`` (20), counts inside the page on every animation frame:

* frames per second: changes of the ``[data-testid="gp-epoch"]`` text;
* blank frames: animation frames whose boundary canvas is missing or (every
  4th, read back) transparent;
* the epochs per second the page shows;
* the server's CPU milliseconds per frame shown: the CPU time of the whole
  server process group over the window, divided by the frames of all pages.

Then the same with an example picked (its numbers on the network and in the
panel, a step of its backward pass shown, every frame); four pages at once;
the page at "max speed" against
``fit``'s epochs per second for the same config in this process (one
thread, timed before and after the page: the machine is shared); and how
long Pause and Step take to be answered at the largest settings (scalar
engine, 6x32, 2,000 points, batch 8): from the click, in the page, to the
frame that shows it (p50 and p95 of ``--presses`` presses); and the same for
the step-through's Next step (the click to the new step's text).

Targets (issue 20): 1 page >= 55 fps, 0 blank; 4 pages >= 30 fps each; max
speed >= 30 fps shown at >= 0.9x fit; server CPU <= 2 ms a frame; Pause and
Step answered in < 100 ms; with an example picked >= 55 fps, Next step < 100 ms. The server's process group is killed in every case.

    python benchmarks/live_browser.py [--seconds 20] [--matrix] [--presses 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import psutil  # noqa: E402  (installed with streamlit)

from gradplay.bench import machine_name  # noqa: E402

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
# Clicks a renderer button and resolves with the milliseconds until the page
# shows the stream's answer: Pause -> the stream says it heard it (at once;
# training stops after the batch under way, and the frame that says so
# follows) or that frame; Step -> a step under way (a long epoch is trained in
# slices, with frames as it goes) or the epoch moved on.
ANSWER = """name => new Promise(done => {
  const root = document.querySelector('.gp-live'), epoch = document.querySelector('[data-testid="gp-epoch"]');
  const before = epoch.textContent, t0 = performance.now();
  const answered = () => name === 'Pause'
    ? root.getAttribute('data-heard') === 'pause' || root.getAttribute('data-playing') === 'false'
    : epoch.textContent !== before || root.getAttribute('data-stepping') === 'true';
  const seen = new MutationObserver(() => { if (answered()) { seen.disconnect(); done(performance.now() - t0); } });
  seen.observe(root, {attributes: true, subtree: true, childList: true, characterData: true});
  [...root.querySelectorAll('button')].find(b => b.textContent.trim() === name).click();
  if (answered()) { seen.disconnect(); done(performance.now() - t0); }
})"""


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
    page.wait_for_selector(".gp-live[data-channel='open'][data-seq]", timeout=60_000)
    return page


def epoch(page) -> int:
    return int(page.locator('[data-testid="gp-epoch"]').text_content() or 0)


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    playing = "true" if name == "Play" else "false"
    page.wait_for_selector(f".gp-live[data-playing='{playing}']", timeout=30_000)


def measure(pages, proc, seconds: float) -> dict:
    """Press Play on every page, then count for ``seconds``."""
    for page in pages:
        press(page, "Play")
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
        press(page, "Pause")
    dt = t1 - t0
    frames = sum(s["frames"] for s in stats)
    return {"fps": [s["frames"] / dt for s in stats],
            "blank": sum(s["blank"] for s in stats) / max(sum(s["samples"] for s in stats), 1),
            "epochs_per_s": [(b - a) / dt for a, b in zip(e0, e1)],
            "cpu_ms_per_frame": 1000 * (c1 - c0) / max(frames, 1),
            "cpu_share": (c1 - c0) / dt}


# Clicks Next step and resolves with the milliseconds until the step's text changes.
NEXT = """() => new Promise(done => {
  const text = document.querySelector('[data-testid="gp-backprop-step"]'), before = text.textContent;
  const t0 = performance.now();
  const seen = new MutationObserver(() => { if (text.textContent !== before) { seen.disconnect(); done(performance.now() - t0); } });
  seen.observe(text, {childList: true, characterData: true, subtree: true});
  [...document.querySelectorAll('.gp-sample button')].find(b => b.textContent === 'Next step').click();
})"""


def pick_an_example(page) -> None:
    """Click the boundary until a training point is picked, and show a step."""
    box = page.locator('[data-testid="gp-boundary"] canvas').bounding_box()
    for fx, fy in ((0.5, 0.5), (0.35, 0.4), (0.65, 0.6), (0.3, 0.7), (0.7, 0.3)):
        page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
        page.wait_for_timeout(300)
        if page.locator('[data-testid="gp-sample"]').is_visible():
            break
    page.get_by_role("button", name="Next step").click()
    page.wait_for_timeout(200)


def next_step_times(page, presses: int) -> list:
    """Milliseconds from a Next step click to the new step's text (paused)."""
    times = []
    for _ in range(presses):
        times.append(page.evaluate(NEXT))
        page.wait_for_timeout(100)
    return times


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


def answers(browser, base: str, presses: int) -> dict:
    """Milliseconds from a click to the frame that answers it, at the largest
    settings: Pause while training at max speed, and Step while paused."""
    page = open_page(browser, base + "?engine=scalar&hidden=32,32,32,32,32,32&samples=2000"
                                      "&batch_size=8&speed=max")
    times = {"Pause": [], "Step": []}
    for _ in range(presses):
        press(page, "Play")
        page.wait_for_timeout(700)
        times["Pause"].append(page.evaluate(ANSWER, "Pause"))
        page.wait_for_timeout(200)
        times["Step"].append(page.evaluate(ANSWER, "Step"))
        page.wait_for_timeout(200)
    page.close()
    return times


def p95(values) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 \
        else values[0]


def report(name: str, r: dict) -> None:
    fps = r["fps"]
    print(f"| {name} | {min(fps):.1f} (min) {sum(fps) / len(fps):.1f} (mean) | "
          f"{100 * r['blank']:.1f}% | {sum(r['epochs_per_s']) / len(fps):.1f} | "
          f"{r['cpu_ms_per_frame']:.2f} ms ({100 * r['cpu_share']:.0f}% of a core) |")


def max_speed(browser, base: str, proc, seconds: float, combos) -> None:
    print("\n| max speed | page epochs/s | fit epochs/s | page / fit | frames/s shown |")
    print("|---|---|---|---|---|")
    for engine, batch in combos:
        query = {"engine": engine, "batch_size": str(batch)}
        if engine == "scalar":
            query.update(hidden="4", samples="200")   # the scalar engine is slow
        url = base + "?" + "&".join(f"{k}={v}" for k, v in query.items())
        before = fit_epochs_per_second(query)
        page = open_page(browser, url + "&speed=max")
        r = measure([page], proc, seconds)
        page.close()
        ref = (before + fit_epochs_per_second(query)) / 2
        shown = r["epochs_per_s"][0]
        print(f"| {engine}, batch {batch or 'full'} | {shown:.0f} | {ref:.0f} | "
              f"**{shown / ref:.2f}x** | {r['fps'][0]:.1f} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--presses", type=int, default=10)
    parser.add_argument("--matrix", action="store_true",
                        help="max-speed throughput vs fit for every engine and batch size")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {machine_name()}, load average {os.getloadavg()[0]:.2f}; server and fit "
          "on 1 BLAS thread; headless Chromium at 1280x720")
    port = free_port()
    proc = start_server(port)
    base = f"http://127.0.0.1:{port}/train"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                print("\n| pages | frames/s each | blank | epochs/s each | server CPU a frame |")
                print("|---|---|---|---|---|")
                page = open_page(browser, base)
                report("1 page, default settings", measure([page], proc, args.seconds))
                pick_an_example(page)
                report("1 page, an example picked", measure([page], proc, args.seconds))
                steps = next_step_times(page, args.presses)
                page.close()
                pages = [open_page(browser, base) for _ in range(4)]
                report("4 pages at once", measure(pages, proc, args.seconds))
                for page in pages:
                    page.close()
                combos = [(e, b) for e in ("tensor", "manual", "scalar") for b in (0, 8, 32)] \
                    if args.matrix else [("tensor", 0)]
                max_speed(browser, base, proc, min(args.seconds, 10), combos)
                times = answers(browser, base, args.presses)
                times["Next step (paused, default settings)"] = steps
                print("\nanswered at scalar 6x32, 2,000 points, batch 8 (ms from the click to "
                      "the frame): " + "; ".join(
                          f"{k} p50 {statistics.median(v):.0f} p95 {p95(v):.0f} max {max(v):.0f}"
                          for k, v in times.items()))
            finally:
                browser.close()
    finally:
        stop_server(proc)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
