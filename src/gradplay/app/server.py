"""The playground's server: Streamlit's pages plus the live channel's socket,
served by one ``st.App`` (Streamlit's public way to add Starlette routes)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import streamlit as st
from starlette.routing import WebSocketRoute

from .channel import PATH, live_endpoint

__all__ = ["HOME", "OPTIONS", "make_app", "serve"]

HOME = Path(__file__).parent / "Home.py"
# uploads capped a little above the CSV and model-file limits; no full garbage
# collection after every rerun of a page (it cost more than the frames); no file
# watcher (an installed app does not change)
OPTIONS = {"server.headless": True, "browser.gatherUsageStats": False,
           "global.developmentMode": False, "client.toolbarMode": "viewer",
           "server.maxUploadSize": 64, "runner.postScriptGC": False,
           "server.fileWatcherType": "none"}


def make_app() -> st.App:
    """The pages of ``Home.py`` and the live channel's WebSocket at ``PATH``."""
    return st.App(str(HOME), routes=[WebSocketRoute(PATH, live_endpoint)])


def serve(host: str, port: int) -> None:
    """Serve the playground on host:port until SIGINT or SIGTERM, then exit 0.

    The server (uvicorn) takes both signals while it serves, shuts down, and
    raises the signal again once it has stopped; the handlers set here hear
    it then and end the process cleanly, as before the server started."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stopped)
    make_app().run(config={**OPTIONS, "server.address": host, "server.port": port})


def _stopped(signum, frame) -> None:
    sys.exit(0)
