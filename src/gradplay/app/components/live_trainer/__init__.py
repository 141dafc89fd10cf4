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

__all__ = ["mount", "send", "latest_event", "pending_events", "widget_values", "news",
           "stop_waiting", "source", "HEIGHT"]

HERE = Path(__file__).parent
HEIGHT = 500          # pixels: the renderer's fixed height (fits 1280x720 with the controls)
NAME = "gradplay.live_trainer"
CARRIER = "gradplay.live_carrier"
_TRIGGERS = {"trigger_value", "string_trigger_value", "json_trigger_value", "chat_input_value"}


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
    on_edit: ``.edit``, weights set by clicks ([{n, value: {layer, i, j, value}}]);
    on_features: ``.features``, an input node was clicked ({n, value: feature names now on});
    on_view: ``.view``, a display option flipped ({n, value: {discretize, show_test}}).

    The last three are numbered and sent again until a frame's meta
    ``heard`` confirms them: read them with ``news``.
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
    not end its run to hear them (each new run costs the browser an update of
    the whole page); clicks and changed widgets (``pending_events``,
    ``widget_values``) so that it ends its run for them at once; and Pause
    (``stop_waiting``) so that it stops in the middle of a frame's training.
    If Streamlit's internals change shape, all of them answer as if nothing
    were waiting: the loop then ends its run once the browser has been quiet
    for a second, and the browser's requests start the next one.
    """
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
        return get_script_run_ctx(suppress_warning=True).script_requests
    except (AttributeError, ImportError):
        return None


def _state(requests) -> str | None:
    """CONTINUE (nothing asked), RERUN (a rerun is waiting) or STOP."""
    return getattr(getattr(requests, "_state", None), "value", None)


def _pending():
    """The rerun the browser has asked for during this script run, or None.
    (Once a run starts, Streamlit keeps the request it came from there too.)"""
    requests = _requests()
    return getattr(requests, "_rerun_data", None) if _state(requests) == "RERUN" else None


def _widgets(pending) -> tuple:
    return tuple(getattr(getattr(pending, "widget_states", None), "widgets", ()))


def _payloads(key: str) -> list:
    """The trigger payloads ({"event": name, "value": ...}) of element ``key``
    waiting in the pending rerun, oldest first."""
    # the trigger widget of element "…-<key>" is "$$STREAMLIT_INTERNAL_KEY_…-<key>__events";
    # its value: a JSON list of {"event": name, "value": ...}
    suffix = f"-{key}__events"
    for w in _widgets(_pending()):
        if w.id.endswith(suffix) and w.WhichOneof("value") == "json_trigger_value":
            try:
                payloads = json.loads(w.json_trigger_value)
            except ValueError:
                return []
            payloads = payloads if isinstance(payloads, list) else [payloads]
            return [p for p in payloads if isinstance(p, dict)]
    return []


def latest_event(key: str, event: str):
    """The newest value of trigger ``event`` of the element ``key`` that the
    browser has sent during this script run, or None (see ``_requests``)."""
    values = [p.get("value") for p in _payloads(key) if p.get("event") == event]
    return values[-1] if values else None


def pending_events(key: str) -> set[str]:
    """The names of the triggers of element ``key`` waiting for the next run."""
    return {str(p.get("event")) for p in _payloads(key)}


def widget_values(pending: bool = True) -> bytes | None:
    """The values of the page's widgets, as bytes that compare equal when no
    value changed (triggers left out: they fire once): in the rerun the
    browser has asked for, or (``pending=False``) in the request this run
    came from. None when there is no such request.

    The browser sends every widget's value with each rerun it asks for, so a
    slider moved while the frame loop runs shows here, even inside the loop's
    own rerun (see ``views/train.py``)."""
    requests = _requests()
    if (_state(requests) == "RERUN") != pending:
        return None
    rerun = getattr(requests, "_rerun_data", None)
    if rerun is None:
        return None
    return b"".join(sorted(w.SerializeToString(deterministic=True) for w in _widgets(rerun)
                           if w.WhichOneof("value") not in _TRIGGERS))


def stop_waiting() -> bool:
    """Whether the browser has asked for something that ends this run: a rerun
    of the whole page (a click outside the fragment: Pause, a setting) or a
    stop (the page closed). Reruns of the fragment itself (acknowledgements,
    edits) wait for the run to end and do not count (see ``_requests``)."""
    requests = _requests()
    if _state(requests) == "STOP":
        return True
    pending = _pending()
    return pending is not None and \
        (not pending.fragment_id_queue or bool(pending.is_fragment_scoped_rerun))


def news(heard: dict, name: str, events) -> list:
    """The values of renderer events ``name`` not applied yet, oldest first,
    and ``heard[name]`` moved to the newest.

    The renderer numbers each click's event and tells it again with every
    acknowledgement until a frame's ``meta["heard"]`` confirms it (Streamlit
    keeps only the newest trigger value a component sent before the next run,
    so one told once could be lost). ``events`` is one ``{"n", "value"}`` or
    a list of them (edits: each one counts); anything malformed is ignored."""
    events = events if isinstance(events, list) else [events]
    fresh = [e for e in events if isinstance(e, dict) and isinstance(e.get("n"), int)
             and e["n"] > heard.get(name, 0)]
    if fresh:
        heard[name] = max(e["n"] for e in fresh)
    return [e.get("value") for e in sorted(fresh, key=lambda e: e["n"])]


def _ignore() -> None:
    """A trigger nobody listens to (Streamlit needs a callable to register it)."""
