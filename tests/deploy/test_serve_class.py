"""Serving a class: scripts/serve-class.sh starts two workers and nginx on
127.0.0.1; two Chromium learners work through the proxy, each on its own
sticky worker and its own session; stopping the script stops everything.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import IDLE, press

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _consecutive_free_ports(free_port, servers, n: int) -> int:
    for _ in range(50):
        first = free_port()
        if first + n < 65536 and all(servers.port_is_free(first + i) for i in range(n)):
            return first
    pytest.fail("no run of free ports")


def _log_lines(run: Path) -> list[tuple[str, str, str]]:
    """(request, worker, key) for each line of nginx's access log."""
    pattern = re.compile(r'"(?P<request>[^"]*)" \d+ worker=(?P<worker>\S*) key=(?P<key>\S+)')
    return [(m["request"], m["worker"], m["key"]) for m in
            map(pattern.search, (run / "access.log").read_text().splitlines()) if m]


def _key_for_each_worker(proxy: str, run: Path, workers: list[str]) -> dict[str, str]:
    """A sticky cookie value per worker, found by asking nginx for fresh ones."""
    found = {}
    for _ in range(40):
        with urllib.request.urlopen(proxy + "/_stcore/health", timeout=5) as r:
            cookies = r.headers.get_all("Set-Cookie")
        key = next(m[1] for m in (re.match(r"gradplay_worker=(\w+);", c) for c in cookies) if m)
        for _ in range(50):       # nginx logs a request just after answering it
            served = [w for _, w, k in _log_lines(run) if k == key]
            if served:
                break
            time.sleep(0.02)
        found.setdefault(served[0], key)
        if len(found) == len(workers):
            return found
    pytest.fail(f"nginx sent every fresh cookie to {list(found)}")


def _learner(browser, proxy: str, key: str):
    context = browser.new_context(viewport={"width": 1280, "height": 1600})
    context.add_cookies([{"name": "gradplay_worker", "value": key, "url": proxy}])
    return context, context.new_page()


@pytest.mark.timeout(240)
def test_two_learners_through_nginx_each_keep_their_own_worker_and_session(
        tmp_path, chromium, require, free_port, servers):
    require(os.path.exists(NGINX), "nginx is not installed (apt-get install nginx)")
    port = free_port()
    first = _consecutive_free_ports(free_port, servers, 2)
    workers = [f"127.0.0.1:{first}", f"127.0.0.1:{first + 1}"]
    run = tmp_path / "run"
    env = {**os.environ, "RUN_DIR": str(run), "GRADPLAY": f"{sys.executable} -m gradplay"}
    script = subprocess.Popen(["bash", str(ROOT / "scripts" / "serve-class.sh"), "2",
                               "--port", str(port), "--worker-port", str(first)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              start_new_session=True, text=True)
    try:
        banner = script.stdout.readline()
        assert banner.startswith(f"gradplay class: 2 workers behind http://127.0.0.1:{port}"), \
            banner
        proxy = f"http://127.0.0.1:{port}"
        servers.wait_http(proxy + "/_stcore/health", script)
        keys = _key_for_each_worker(proxy, run, workers)
        a_ctx, a = _learner(chromium, proxy, keys[workers[0]])
        b_ctx, b = _learner(chromium, proxy, keys[workers[1]])

        # each learner opens the training page (a live websocket session) with a
        # different run, and both train at once; page loads overlap on purpose
        a.goto(proxy + "/train?dataset=moons&samples=100&hidden=4", wait_until="commit")
        b.goto(proxy + "/train?dataset=circles&samples=120&hidden=3", wait_until="commit")
        for page in (a, b):   # the renderer is drawn once its live channel is open
            page.wait_for_selector(".gp-live[data-channel='open'][data-seq]", timeout=90_000)
            press(page, "Play")
        for page in (a, b):   # both train: the epoch each page shows keeps rising
            page.wait_for_function(
                "() => { const t = document.querySelector('[data-testid=\"gp-epoch\"]');"
                " return t && Number(t.textContent) >= 20; }", timeout=90_000)
            press(page, "Pause")
            page.wait_for_selector(IDLE, timeout=30_000)
        # each sees only its own run
        assert a.get_by_text("Dataset('moons', train=80").count() == 1
        assert b.get_by_text("Dataset('circles', train=96").count() == 1
        assert a.get_by_text("circles").count() == b.get_by_text("moons").count() == 0
        # an app for learners: no developer toolbar, so no Deploy button
        assert a.locator("[data-testid='stAppDeployButton']").count() == 0
        assert a.get_by_text("Deploy", exact=True).count() == 0
        a_ctx.close()
        b_ctx.close()

        # sticky: every request of a learner, both websockets included (Streamlit's
        # and the live channel's), went to one worker
        time.sleep(0.5)
        for worker, key in keys.items():
            lines = [(req, w) for req, w, k in _log_lines(run) if k == key]
            assert {w for _, w in lines} == {worker}
            assert any("/_stcore/stream" in req for req, _ in lines)
            assert any(req.endswith("/_gradplay/live") for req, _ in lines)
        assert "token=" not in (run / "access.log").read_text()      # never logged

        # stopping the script stops nginx and both workers, and frees the ports
        os.kill(script.pid, signal.SIGTERM)
        assert script.wait(timeout=15) == 143
        deadline = time.monotonic() + 5
        ports = [port, first, first + 1]
        while not servers.group_is_gone(script.pid):
            assert time.monotonic() < deadline, "a worker or nginx outlived the script"
            time.sleep(0.1)
        assert all(servers.port_is_free(p) for p in ports)
    finally:
        servers.kill_group(script)
