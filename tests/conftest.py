"""Shared references for the whole suite: the PyTorch tables every engine is checked against.

This file is the one place the tests write the network and its losses in
PyTorch. Below them: helpers for hostile inputs (a child process with a
memory cap and a time limit) and for tests that start servers. Test modules import the names below (``from conftest import ...``:
``tests`` is on pytest's pythonpath).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import types
import urllib.request

import numpy as np
import pytest

try:
    import torch
    import torch.nn.functional as tnn
except ImportError:  # the torch extra is optional; the tests that need it skip
    torch = tnn = None

# gradplay activation name -> the PyTorch function computing it
TORCH_ACTIVATIONS = {} if torch is None else {
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
    "leaky_relu": tnn.leaky_relu, "softplus": tnn.softplus, "linear": lambda t: t,
    "softmax": lambda t: torch.softmax(t, dim=1)}


def torch_loss(loss: str, output: str, z, y):
    """The mean loss of logits z (n, k) against labels/targets y, in PyTorch.

    mse = mean((output(z) - y)^2), bce/ce from the logits (PyTorch's own).
    """
    k = z.shape[1]
    if loss == "mse":
        target = tnn.one_hot(y.long(), k).double() if output == "softmax" else \
            y.double().reshape(len(y), -1)
        return ((TORCH_ACTIVATIONS[output](z) - target) ** 2).mean()
    if loss == "bce":
        return tnn.binary_cross_entropy_with_logits(z, y.double().reshape(len(y), -1))
    return tnn.cross_entropy(z, y.long())


def reference_loss_and_grads(weights, X, y, activation: str, output: str, loss: str):
    """(loss, [dW1, db1, ...]) by PyTorch autograd for the MLP with these raw
    weights [(W, b), ...], W (fan_in, fan_out): built here from scratch,
    independent of gradplay's own torch export."""
    if torch is None:
        pytest.skip("needs torch")
    params = [torch.tensor(a, requires_grad=True) for W, b in weights for a in (W, b)]
    h = torch.tensor(np.asarray(X, dtype=np.float64))
    for l in range(len(weights)):
        z = h @ params[2 * l] + params[2 * l + 1]
        h = TORCH_ACTIVATIONS[activation](z)
    value = torch_loss(loss, output, z, torch.tensor(np.asarray(y)))
    value.backward()
    return value.item(), [p.grad.numpy() for p in params]


# A child that tries to allocate more than this fails with MemoryError instead of
# taking the machine down; gradplay plus NumPy and scikit-learn need ~250 MB.
CHILD_MEMORY = 1 << 30


@pytest.fixture
def in_capped_child():
    """Run Python code in a child process with a memory cap and a time limit.

    Hostile inputs that could allocate without bound or block forever are
    tried here, so that a regression fails one test (MemoryError, or the
    timeout) instead of hanging or exhausting the machine. The code's last
    expression statement must assign ``result``; the child prints it as JSON.
    An exception ends up as {"error": type name, "message": str(e)}.
    """
    def run(code: str, timeout: float = 30, memory: int = CHILD_MEMORY) -> dict:
        program = ("import json, sys\ntry:\n" + textwrap.indent(textwrap.dedent(code), "    ")
                   + "\nexcept BaseException as e:\n"
                   "    result = {'error': type(e).__name__, 'message': str(e)}\n"
                   "print('RESULT ' + json.dumps(result))\n")

        def cap():
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
        try:
            done = subprocess.run([sys.executable, "-c", program], capture_output=True,
                                  text=True, timeout=timeout, preexec_fn=cap, env=env)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the child did not finish in {timeout} s (it hangs)")
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
        assert lines, f"the child crashed (status {done.returncode}): {done.stderr[-2000:]}"
        return json.loads(lines[-1][len("RESULT "):])
    return run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def free_port():
    """A function returning a TCP port on 127.0.0.1 that nothing listens on."""
    return _free_port


def require_or_fail(condition: bool, reason: str) -> None:
    """Skip on a laptop, but fail under CI, where a skip would hide a missing
    install step."""
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: the install step is missing)")
        pytest.skip(reason)


@pytest.fixture
def require():
    """require(condition, reason): see ``require_or_fail``."""
    return require_or_fail


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# a Streamlit page whose script has finished running: safe to read or screenshot
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Python playwright (never a downloaded browser):
    one instance for the whole session (playwright's sync API cannot be started
    twice in one process)."""
    require_or_fail(os.path.exists(CHROMIUM), "Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_or_fail(False, "python playwright is not installed")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


# ---------------------------------------------------------------- servers in tests
def _port_is_free(port: int) -> bool:
    """Can a new server listen on ``port``? Servers set SO_REUSEADDR, so a
    connection lingering in TIME_WAIT does not count; a listener does."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _group_is_gone(pgid: int) -> bool:
    """True when no process is left in process group ``pgid``."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL a server started with start_new_session=True, and all it started."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def _wait_http(url: str, proc: subprocess.Popen | None = None, seconds: float = 60) -> None:
    """Wait until ``url`` answers 200 (failing early if ``proc`` exits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc is None or proc.poll() is None, f"the server exited while starting ({url})"
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not answer in {seconds} s")


@pytest.fixture
def servers():
    """Helpers for tests that start servers: port_is_free(port),
    group_is_gone(pgid), kill_group(proc), wait_http(url, proc)."""
    return types.SimpleNamespace(port_is_free=_port_is_free, group_is_gone=_group_is_gone,
                                 kill_group=_kill_group, wait_http=_wait_http)


# ---------------------------------------------------------------- the live trainer's hooks
EPOCH = '[data-testid="gp-epoch"]'


def epoch(page) -> int:
    """The epoch the renderer shows."""
    return int(page.locator(EPOCH).text_content())


def wait_epoch(page, test: str, timeout: int = 20_000) -> None:
    """Wait until the epoch shown satisfies ``test`` (JS, on the number e)."""
    page.wait_for_function(
        "() => { const t = document.querySelector('[data-testid=\"gp-epoch\"]');"
        f" const e = t ? Number(t.textContent) : NaN; return {test}; }}", timeout=timeout)


def press(page, name: str) -> None:
    """Press one of the renderer's buttons (Play, Pause, Step, Reset) and wait
    for the stream's answer: the frame that says it is (not) playing."""
    page.get_by_role("button", name=name, exact=True).click()
    playing = "true" if name == "Play" else "false"
    page.wait_for_selector(f".gp-live[data-playing='{playing}']", timeout=30_000)


def live_page(open_page, url: str, height: int = 720):
    """A trainer page whose renderer has drawn its first frame."""
    page = open_page(url, height)
    page.wait_for_selector(".gp-live[data-seq]", timeout=30_000)
    return page


# ---------------------------------------------------------------- the app through AppTest
HOME = str(__import__("pathlib").Path(__import__("gradplay").__file__).parent / "app" / "Home.py")


def open_app_page(page: str, query: dict | None = None):
    """A page of the playground (``train``, ``explorer``, ``welcome``) in
    Streamlit's AppTest after its first run, opened with ``query`` as its URL's."""
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(HOME, default_timeout=60)
    at.run()
    if query:
        at.query_params.update(query)
    at.switch_page(f"views/{page}.py").run()
    assert not at.exception, at.exception
    return at
