"""A class on one machine: N headless learners on the live channel.

A learner here is a WebSocket client that does what the page's renderer
does: it says hello, presses Play, and acknowledges the frames it has
(the latest at most every ``ACK_MS``, as ``renderer/streamlit.js`` does). The
server is the live channel itself -- ``gradplay.app.channel.live_endpoint``
with its registry, its ``Stream`` per learner (with the page's window,
``app.channel.WINDOW``) and its frames -- in a process of its own on
127.0.0.1, serving N streams registered at start (a page registers its
learner's stream the same way; Streamlit's pages play no part once a stream
runs). Bounded in count (--learners <= 64) and time.

It prints one line::

    learners N  fps min X  mean Y  server CPU Z ms/frame  pause p95 W ms

fps: frames each learner received per second over --seconds (after 2 s of
warm-up), min and mean over the learners; server CPU: the server process's
CPU time over the window divided by all the frames sent; pause: from a
learner's Pause to the first frame that says it is paused, over every
learner and --pauses rounds.

    python benchmarks/live_load.py --learners 20 --seconds 20 [--find]

--find raises N from --learners by 4 until the slowest learner drops below
30 fps, and prints a line for each N.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

MOST_LEARNERS = 64
ACK_MS = 30              # the page's renderer (streamlit.js: ackMs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------- the server
def serve(port: int, learners: int) -> None:
    """The live channel with ``learners`` streams; prints their tokens as JSON."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    from gradplay.app.channel import PATH, WINDOW, Registry, live_endpoint
    from gradplay.config import RunConfig
    from gradplay.live import LiveSession, Stream

    registry = Registry(max_streams=learners)
    tickets = [registry.register(Stream(LiveSession(RunConfig(data_seed=k)), window=WINDOW))
               for k in range(learners)]
    app = Starlette(routes=[WebSocketRoute(PATH, lambda ws: live_endpoint(ws, registry))])
    print(json.dumps([t.token for t in tickets]), flush=True)
    # as gradplay app serves it: Streamlit leaves websocket compression off
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning",
                ws_per_message_deflate=False)


# ---------------------------------------------------------------------- the learners
def header(frame: bytes) -> dict:
    """A frame's JSON header (the 8-byte prefix, then n bytes): all a learner reads."""
    (n,) = struct.unpack_from("<I", frame, 4)
    return json.loads(frame[8:8 + n])


async def frames(ws, stats: dict):
    """Each frame's header as it arrives, acknowledged as the renderer does:
    at once, then the latest at most every ACK_MS (a frame that says the
    run is paused at once: nothing follows it)."""
    async for message in ws:
        if isinstance(message, bytes):
            stats["all"] += 1
            h = header(message)
            now = time.monotonic()
            if now - stats.get("acked", 0.0) >= ACK_MS / 1000 or not h["meta"]["playing"]:
                await ws.send(json.dumps({"type": "ack", "seq": h["seq"]}))
                stats["acked"] = now
            yield h


async def learner(url: str, origin: str, seconds: float, pauses: int) -> dict:
    import websockets
    async with websockets.connect(url, origin=origin, max_size=None) as ws:
        await ws.send('{"type": "hello"}')
        await ws.send('{"type": "play"}')
        stats, counted, start, shown = {"waits": [], "all": 0}, False, time.monotonic(), 0
        async for _ in frames(ws, stats):
            now = time.monotonic()
            if not counted and now - start >= 2.0:          # after 2 s of warm-up
                counted, start, shown = True, now, 0
            elif counted:
                shown += 1
                if now - start >= seconds:
                    break
        stats["fps"] = shown / (time.monotonic() - start)
        for _ in range(pauses):
            stats["waits"].append(await pause_wait(ws, stats))
        return stats


async def pause_wait(ws, stats: dict) -> float:
    """Play for a moment, press Pause: seconds until a frame says it is paused."""
    await ws.send('{"type": "play"}')
    async for h in frames(ws, stats):
        if h["meta"]["playing"]:
            break
    await asyncio.sleep(0.3)
    t0 = time.monotonic()
    await ws.send('{"type": "pause"}')
    async for h in frames(ws, stats):
        if not h["meta"]["playing"]:
            return time.monotonic() - t0
    return float("inf")


async def class_of(tokens: list[str], port: int, seconds: float, pauses: int) -> list[dict]:
    base = f"ws://127.0.0.1:{port}/_gradplay/live?token="
    origin = f"http://127.0.0.1:{port}"
    return await asyncio.wait_for(
        asyncio.gather(*(learner(base + t, origin, seconds, pauses) for t in tokens)),
        timeout=seconds + 60 + 10 * pauses)


def measure(learners: int, seconds: float, pauses: int) -> str:
    import psutil
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(learners)],
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        tokens = json.loads(proc.stdout.readline())
        deadline = time.time() + 30
        while True:                                   # until the port answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.time() < deadline, "the load server did not start"
                time.sleep(0.2)
        server = psutil.Process(proc.pid)
        c0 = server.cpu_times()
        stats = asyncio.run(class_of(tokens, port, seconds, pauses))
        c1 = server.cpu_times()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    fps = [s["fps"] for s in stats]
    waits = sorted(w for s in stats for w in s["waits"])
    p95 = statistics.quantiles(waits, n=20)[-1] if len(waits) > 1 else waits[0]
    cpu = (c1.user + c1.system - c0.user - c0.system)
    frames = sum(s["all"] for s in stats)              # the whole run's: CPU is counted for all of it
    return (f"learners {learners}  fps min {min(fps):.1f}  mean {statistics.mean(fps):.1f}  "
            f"server CPU {1000 * cpu / max(frames, 1):.2f} ms/frame  "
            f"pause p95 {1000 * p95:.0f} ms"), min(fps)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pauses", type=int, default=3)
    parser.add_argument("--find", action="store_true", help="raise N until fps < 30")
    parser.add_argument("--serve", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(*args.serve)
        return 0
    if not 1 <= args.learners <= MOST_LEARNERS:
        parser.error(f"--learners must be 1 to {MOST_LEARNERS}")
    from gradplay.bench import machine_name
    print(f"machine: {machine_name()}, load average {os.getloadavg()[0]:.2f}; learners are "
          "websocket clients in one process; server on 1 BLAS thread", flush=True)
    n = args.learners
    while True:
        line, slowest = measure(n, args.seconds, args.pauses)
        print(line, flush=True)
        if not args.find or slowest < 30 or n + 4 > MOST_LEARNERS:
            break
        n += 4
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
