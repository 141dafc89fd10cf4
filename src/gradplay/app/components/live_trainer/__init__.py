"""The live trainer's Streamlit binding: a components-v2 element around a plain JS renderer.

``renderer.js`` is a framework-free ES module (``createRenderer(element, ...)``,
``decodeFrame(bytes)``) that could be hosted anywhere, a Jupyter widget for
one; ``streamlit.js`` adapts it to ``st.components.v2``. Both ship inside the
package and are sent inline: nothing is fetched at run time.

The page calls ``mount(...)`` once per script run (the renderer, under a fixed
key: never remounted, so never blank) and then ``send(frames)`` for each
message of frames: a hidden carrier element of a second, tiny component
(``carrier.js``) that hands the bytes to the renderer. Every element carries
its component's code, so a frame sent as an element of the renderer itself
would carry the renderer's 25 kB of JS and CSS too. Frames are
raw bytes (``gradplay.viz.frames``): components v2 passes ``bytes`` to the
browser as a Uint8Array, no base64. The style is not isolated
(``isolate_styles=False``) so the test hooks ``gp-epoch``, ``gp-boundary`` and
``gp-network`` can be found from the page.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from gradplay.viz.frames import bundle

__all__ = ["mount", "send", "latest_event", "stop_waiting", "source", "HEIGHT"]

HERE = Path(__file__).parent
HEIGHT = 500          # pixels: the renderer's fixed height (fits 1280x720 with the controls)
NAME = "gradplay.live_trainer"
CARRIER = "gradplay.live_carrier"


@lru_cache(maxsize=1)
def source() -> tuple[str, str]:
    """(js, css): the renderer module with the Streamlit binding appended."""
    js = (HERE / "renderer.js").read_text("utf-8") + "\n" + \
        (HERE / "streamlit.js").read_text("utf-8")
    return js, (HERE / "renderer.css").read_text("utf-8")


@lru_cache(maxsize=1)
def _component():
    import streamlit as st
    js, css = source()
    return st.components.v2.component(NAME, js=js, css=css, isolate_styles=False)


@lru_cache(maxsize=1)
def _carrier():
    import streamlit as st
    return st.components.v2.component(CARRIER, js=(HERE / "carrier.js").read_text("utf-8"))


def mount(*, key: str = "gp-live", on_drawn=None, on_edit=None, on_features=None,
          on_view=None, height: int = HEIGHT):
    """The renderer itself. Each callback runs when its trigger fires; read the
    value from ``st.session_state[key]``:

    on_drawn: ``.drawn``, the browser has drawn a frame that asked for more;
    on_edit: ``.edit``, a weight was set by a click ({layer, i, j, value});
    on_features: ``.features``, an input node was clicked (the feature names now on);
    on_view: ``.view``, a display option flipped ({discretize, show_test}).
    """
    return _component()(key=key, data={"height": height}, height=height,
                        on_drawn_change=on_drawn or _ignore, on_edit_change=on_edit or _ignore,
                        on_features_change=on_features or _ignore,
                        on_view_change=on_view or _ignore)


def send(frames: list[bytes]) -> None:
    """Deliver frames (bytes from ``viz.frames.build_frame``) to the renderer in
    one message; it shows them 1/30 s apart (``viz.frames.bundle``)."""
    _carrier()(data=bundle(frames), height="content")


def _requests():
    """What the browser has asked for since this script run began: Streamlit's
    internal ``ScriptRequests`` (None outside a run).

    Streamlit applies the browser's messages only when the next run starts,
    and ends a run only at its next element. A frame loop inside a run reads
    them here instead: the acknowledgements (``latest_event``) so that it need
    not end its run every few frames (each new run costs the browser a
    re-render of the page), and Pause (``stop_waiting``) so that it stops in
    the middle of a frame's training. If Streamlit's internals change shape,
    both answer as if nothing were waiting: the loop then ends its runs as
    Streamlit would, later.
    """
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
        return get_script_run_ctx(suppress_warning=True).script_requests
    except (AttributeError, ImportError):
        return None


def latest_event(key: str, event: str):
    """The newest value of trigger ``event`` of the element ``key`` that the
    browser has sent during this script run, or None (see ``_requests``)."""
    pending = getattr(_requests(), "_rerun_data", None)
    widgets = getattr(getattr(pending, "widget_states", None), "widgets", ())
    # the trigger widget of element "…-<key>" is "$$STREAMLIT_INTERNAL_KEY_…-<key>__events";
    # its value: a JSON list of {"event": name, "value": ...}
    suffix = f"-{key}__events"
    for w in widgets:
        if w.id.endswith(suffix) and w.WhichOneof("value") == "json_trigger_value":
            try:
                payloads = json.loads(w.json_trigger_value)
            except ValueError:
                return None
            for p in payloads if isinstance(payloads, list) else [payloads]:
                if isinstance(p, dict) and p.get("event") == event:
                    return p.get("value")
    return None


def stop_waiting() -> bool:
    """Whether the browser has asked for something that ends this run: a rerun
    of the whole page (a click outside the fragment: Pause, a setting) or a
    stop (the page closed). Reruns of the fragment itself (acknowledgements,
    edits) wait for the run to end and do not count (see ``_requests``)."""
    requests = _requests()
    state = getattr(getattr(requests, "_state", None), "value", None)
    if state == "STOP":
        return True
    pending = getattr(requests, "_rerun_data", None)
    return state == "RERUN" and pending is not None and \
        (not pending.fragment_id_queue or bool(pending.is_fragment_scoped_rerun))


def _ignore() -> None:
    """A trigger nobody listens to (Streamlit needs a callable to register it)."""
