"""Fixtures for the browser tests: `gradplay app` on a free local port, and Chromium.

Needs Debian's Chromium (/usr/bin/chromium) and Python playwright; it never
downloads a browser. Without them a browser test skips on a laptop, but fails
under CI, where a skip would hide a missing install step.
"""

import os
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import IDLE, _free_port, _kill_group



@pytest.fixture(scope="session")
def server():
    """The app's base URL; the server's whole process group is killed at the end."""
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
        _kill_group(proc)


@pytest.fixture(scope="session")
def browser(chromium):
    """The session's one Chromium (tests/conftest.py)."""
    return chromium


@pytest.fixture
def open_page(browser):
    """open_page(url, height=720): a page at 1280 x height, once the script is idle."""
    pages = []

    def _open(url: str, height: int = 720):
        page = browser.new_page(viewport={"width": 1280, "height": height},
                                accept_downloads=True)
        pages.append(page)
        page.goto(url)
        page.wait_for_selector(IDLE, timeout=60_000)
        return page

    yield _open
    for page in pages:
        page.close()

