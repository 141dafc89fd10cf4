"""LiveTrainer in a real JupyterLab, driven in headless Chromium.

The module starts one JupyterLab on 127.0.0.1 with a token, in its own
process group and with its config, runtime and data folders in a temporary
folder; the fixture kills the whole group at the end. Each test writes its
notebook, opens it, runs its cells with Shift+Enter and reads the widget's
test hooks (``gp-epoch``) and the cells' printed output.
"""

import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

import nbformat
import psutil
import pytest

from conftest import EPOCH, _free_port, _kill_group, _wait_http, require_or_fail

pytestmark = pytest.mark.browser
TOKEN = "gradplay-test-token"
# the notebook's kernel is up and idle (before it starts, the indicator says idle
# too, beside "No Kernel")
KERNEL_IDLE = """() => {
  const s = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const k = document.querySelector('.jp-Toolbar-kernelName');
  return s && s.dataset.status === 'idle' && k && k.textContent.trim() !== 'No Kernel'; }"""
CELLS = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell"   # the notebook in view
IMPORTS = ("from gradplay.widgets import LiveTrainer, live_streams\n"
           "SMALL = dict(dataset='moons', samples=150, hidden=(6, 4), data_seed=3)")
# JupyterLab's settings: start the notebook's kernel without asking, and never
# ask (in a toast) whether to fetch news: nothing goes out
SETTINGS = {"notebook-extension/tracker": '{"autoStartDefaultKernel": true}',
            "apputils-extension/notification": '{"fetchNews": "false", "checkForUpdates": false}'}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab's base URL and its notebook folder; the server's process
    group is killed at the end."""
    require_or_fail(importlib.util.find_spec("jupyterlab") is not None,
                    "jupyterlab is not installed (the dev extra)")
    home = tmp_path_factory.mktemp("jupyter")
    for name, text in SETTINGS.items():
        path = home / "settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (home / "notebooks").mkdir()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "JUPYTER_DATA_DIR": str(home / "data"),
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={home / 'notebooks'}",
         f"--LabApp.user_settings_dir={home / 'settings'}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api/status?token={TOKEN}", proc, seconds=90)
        yield base, home / "notebooks"
    finally:
        kernels = psutil.Process(proc.pid).children(recursive=True)
        _kill_group(proc)
        for kernel in kernels:                      # each runs in a session of its own
            try:
                os.killpg(kernel.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@pytest.fixture
def notebook(lab, chromium, tmp_path):
    """notebook(name, cells) -> a page with that notebook open, its kernel idle.
    What each page showed last is kept in tmp_path (for a failure's report)."""
    base, folder = lab
    pages = []

    def _open(name: str, cells: list[str]):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, folder / f"{name}.ipynb")
        page = chromium.new_page(viewport={"width": 1280, "height": 720})
        pages.append(page)
        page.goto(f"{base}/lab/tree/{name}.ipynb?reset&token={TOKEN}")   # reset: only it
        page.wait_for_function(KERNEL_IDLE, timeout=90_000)
        return page

    yield _open
    for k, page in enumerate(pages):
        page.screenshot(path=tmp_path / f"page{k}.png")
        page.close()
    stop_kernels(base)


def stop_kernels(base: str) -> None:
    """Shut down every kernel the server runs (the next test starts its own)."""
    auth = {"Authorization": f"token {TOKEN}"}
    with urllib.request.urlopen(urllib.request.Request(f"{base}/api/kernels", headers=auth),
                                timeout=10) as r:
        kernels = json.load(r)
    for k in kernels:
        urllib.request.urlopen(urllib.request.Request(f"{base}/api/kernels/{k['id']}",
                                                      headers=auth, method="DELETE"), timeout=30)


def cell(page, i: int):
    return page.locator(CELLS).nth(i)


def run(page, i: int) -> None:
    """Run cell i (Shift+Enter in its editor) and wait until it has finished:
    its prompt shows a new execution number."""
    prompt = cell(page, i).locator(".jp-InputPrompt")
    before = prompt.text_content()
    cell(page, i).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    page.wait_for_function(
        """([cells, i, before]) => {
          const p = document.querySelectorAll(cells)[i].querySelector('.jp-InputPrompt')
            .textContent;
          return /\\[\\d+\\]/.test(p) && p !== before; }""", arg=[CELLS, i, before], timeout=60_000)


def printed(page, i: int) -> str:
    return cell(page, i).locator(".jp-OutputArea-output").first.text_content()


def shown_epoch(page, i: int) -> int:
    return int(cell(page, i).locator(EPOCH).text_content())


def wait_epoch(page, i: int, test: str) -> None:
    """Wait until cell i's widget shows an epoch e for which ``test`` holds (JS)."""
    page.wait_for_function(
        f"""i => {{ const c = document.querySelectorAll("{CELLS}")[i];
          const t = c && c.querySelector('{EPOCH}');
          const e = t ? Number(t.textContent) : NaN; return {test}; }}""",
        arg=i, timeout=60_000)


def press(page, i: int, name: str) -> None:
    """Press a button of cell i's widget; wait for the stream's answer, the
    frame that says it is (not) playing."""
    out = cell(page, i).locator(".jp-OutputArea")
    out.get_by_role("button", name=name, exact=True).click()
    playing = "true" if name == "Play" else "false"
    out.locator(f".gp-live[data-playing='{playing}']").wait_for(timeout=30_000)


def kernel_says(page, i: int) -> dict:
    """Run cell i, which prints ``key value`` pairs; them, as a dict of ints/bools."""
    run(page, i)
    text = printed(page, i)
    pairs = re.findall(r"(\w+) (\S+)", text)
    return {k: (v == "True") if v in ("True", "False") else int(v) for k, v in pairs}


@pytest.mark.timeout(240)
def test_play_climbs_and_pause_stops_in_jupyterlab(notebook):
    page = notebook("play", [f"{IMPORTS}\nw = LiveTrainer(**SMALL)\nw",
                             "print(f'playing {w.playing} epoch {w.epoch} "
                             "discretize {w.config.discretize}')"])
    run(page, 0)
    wait_epoch(page, 0, "e === 0")
    for hook in ("gp-boundary", "gp-network"):
        assert cell(page, 0).locator(f"[data-testid='{hook}']").count() == 1
    press(page, 0, "Play")
    wait_epoch(page, 0, "e >= 20")                  # the epoch climbs
    press(page, 0, "Pause")
    said = kernel_says(page, 1)
    assert said["playing"] is False and said["epoch"] >= 20
    wait_epoch(page, 0, f"e === {said['epoch']}")   # the last frame shows where it stopped
    page.wait_for_timeout(1000)
    assert shown_epoch(page, 0) == said["epoch"]    # and it stays there
    assert kernel_says(page, 1)["epoch"] == said["epoch"]
    assert said["discretize"] is False              # a lever in the widget reaches the run
    cell(page, 0).locator("[data-testid='gp-discretize']").check()
    assert any(kernel_says(page, 1)["discretize"] for _ in range(20))


@pytest.mark.timeout(300)
def test_three_widgets_keep_their_own_runs_and_a_rerun_cell_frees_its_stream(notebook):
    count = "print(f'live {live_streams()} a {a.epoch} b {b.epoch} c {c.epoch}')"
    page = notebook("three", [IMPORTS, "a = LiveTrainer(**SMALL)\na",
                              "b = LiveTrainer(**SMALL)\nb", "c = LiveTrainer(**SMALL)\nc",
                              count, "c.close()"])
    for i in range(4):
        run(page, i)
    for i in (1, 2, 3):
        wait_epoch(page, i, "e === 0")
    press(page, 2, "Play")
    wait_epoch(page, 2, "e >= 10")
    press(page, 3, "Step")
    wait_epoch(page, 3, "e === 1")
    press(page, 2, "Pause")
    said = kernel_says(page, 4)
    assert said["live"] == 3 and (said["a"], said["c"]) == (0, 1) and said["b"] >= 10
    assert shown_epoch(page, 1) == 0

    run(page, 1)                                    # re-run: a new `a`, the old view is gone
    wait_epoch(page, 1, "e === 0")
    assert kernel_says(page, 4)["live"] == 3       # the old a's stream was freed
    run(page, 5)                                    # c.close(): its view goes too
    page.wait_for_function(f"() => document.querySelectorAll('{EPOCH}').length === 2",
                           timeout=30_000)
    said = kernel_says(page, 4)
    assert said["live"] == 2 and said["c"] == 1 and said["b"] >= 10
