"""`gradplay app` as a supervisor sees it: one process that a signal stops
completely, and that keeps serving when its stdout reader goes away.

Each server binds 127.0.0.1 on a free port in its own session, and the whole
process group is killed in ``finally`` whatever happens.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

pytest.importorskip("streamlit")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _group_is_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gradplay app exited while starting"
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gradplay app did not answer its health check")


def _start_app(port: int, **popen) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "gradplay", "app", "--port", str(port),
                             "--host", "127.0.0.1"], env=env, start_new_session=True, **popen)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


@pytest.mark.timeout(90)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_to_the_app_stops_the_whole_server_and_frees_the_port(signum, tmp_path):
    port = _free_port()
    log = open(tmp_path / "app.log", "wb")
    proc = _start_app(port, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc)
        os.kill(proc.pid, signum)                 # the one process a supervisor knows
        proc.wait(timeout=5)
        deadline = time.monotonic() + 5          # no child left serving the port
        while not (_group_is_gone(proc.pid) and _port_is_free(port)):
            assert time.monotonic() < deadline, "something still holds the port"
            time.sleep(0.1)
        assert proc.returncode == 0
        assert b"Traceback" not in (tmp_path / "app.log").read_bytes()
    finally:
        _kill_group(proc)
        log.close()


@pytest.mark.timeout(90)
def test_the_app_keeps_serving_after_its_stdout_reader_goes_away(tmp_path):
    """`gradplay app | head -1`: head reads the banner and exits; the server's
    later prints must not end it with BrokenPipeError."""
    port = _free_port()
    err = open(tmp_path / "err.log", "wb")
    proc = _start_app(port, stdout=subprocess.PIPE, stderr=err)
    try:
        banner = proc.stdout.readline().decode()
        proc.stdout.close()                       # what head -1 does after one line
        assert banner.startswith(f"gradplay playground: http://127.0.0.1:{port}")
        _wait_healthy(f"http://127.0.0.1:{port}", proc)
        time.sleep(1.5)                           # Streamlit prints its URL after starting
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
        errors = (tmp_path / "err.log").read_text(errors="replace")
        assert "BrokenPipeError" not in errors and "Traceback" not in errors
    finally:
        _kill_group(proc)
        err.close()


@pytest.mark.timeout(60)
def test_a_shell_pipe_into_head_still_serves(tmp_path):
    port = _free_port()
    shell = subprocess.Popen(["bash", "-c", f"'{sys.executable}' -m gradplay app --port {port} "
                              f"2>'{tmp_path}/err' | head -1 > '{tmp_path}/out'"],
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health",
                                            timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        time.sleep(1.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            assert r.status == 200
        assert (tmp_path / "out").read_text().startswith("gradplay playground:")
    finally:
        _kill_group(shell)
