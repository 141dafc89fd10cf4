"""`gradplay app` as a supervisor sees it: one process that a signal stops
completely, and that keeps serving when its stdout reader goes away.

Each server binds 127.0.0.1 on a free port in its own session, and the whole
process group is killed in ``finally`` whatever happens.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("streamlit")


def _start_app(port: int, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "gradplay", "app", "--port", str(port),
                             "--host", "127.0.0.1"], env=env, start_new_session=True, **popen)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_the_app_stops_the_whole_server_and_frees_the_port(signum, tmp_path,
                                                                       free_port, servers):
    port = free_port()
    log = open(tmp_path / "app.log", "wb")
    proc = _start_app(port, stdout=log, stderr=subprocess.STDOUT)
    try:
        servers.wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc)
        os.kill(proc.pid, signum)                 # the one process a supervisor knows
        proc.wait(timeout=5)
        deadline = time.monotonic() + 5          # no child left serving the port
        while not (servers.group_is_gone(proc.pid) and servers.port_is_free(port)):
            assert time.monotonic() < deadline, "something still holds the port"
            time.sleep(0.1)
        assert proc.returncode == 0
        assert b"Traceback" not in (tmp_path / "app.log").read_bytes()
    finally:
        servers.kill_group(proc)
        log.close()


@pytest.mark.timeout(90)
def test_the_app_keeps_serving_after_its_stdout_reader_goes_away(tmp_path, free_port, servers):
    """`gradplay app | head -1`: head reads the banner and exits; the server's
    later prints must not end it with BrokenPipeError."""
    port = free_port()
    err = open(tmp_path / "err.log", "wb")
    proc = _start_app(port, stdout=subprocess.PIPE, stderr=err)
    try:
        banner = proc.stdout.readline().decode()
        proc.stdout.close()                       # what head -1 does after one line
        assert banner.startswith(f"gradplay playground: http://127.0.0.1:{port}")
        servers.wait_http(f"http://127.0.0.1:{port}/_stcore/health", proc)
        time.sleep(1.5)                           # Streamlit prints its URL after starting
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        errors = (tmp_path / "err.log").read_text(errors="replace")
        assert "BrokenPipeError" not in errors and "Traceback" not in errors
    finally:
        servers.kill_group(proc)
        err.close()


@pytest.mark.timeout(90)
def test_a_shell_pipe_into_head_still_serves(tmp_path, free_port, servers):
    port = free_port()
    shell = subprocess.Popen(["bash", "-c", f"'{sys.executable}' -m gradplay app --port {port} "
                              f"2>'{tmp_path}/err' | head -1 > '{tmp_path}/out'"],
                             start_new_session=True)
    try:
        servers.wait_http(f"http://127.0.0.1:{port}/_stcore/health")
        time.sleep(1.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            assert r.status == 200
        assert (tmp_path / "out").read_text().startswith("gradplay playground:")
        assert shell.poll() is None               # gradplay, left of the pipe, still serves
    finally:
        servers.kill_group(shell)
