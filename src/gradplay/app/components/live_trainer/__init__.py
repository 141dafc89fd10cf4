"""The live trainer's Streamlit binding: a components-v2 element around a plain JS renderer.

``renderer.js`` is a framework-free ES module (``createRenderer(element, ...)``,
``decodeFrame(bytes)``) that could be hosted anywhere, a Jupyter widget for
one; ``streamlit.js`` adapts it to ``st.components.v2``. Both ship inside the
package and are sent inline: nothing is fetched at run time.

The page calls ``mount(...)`` once per script run (the renderer, under a fixed
key: never remounted, so never blank) and then ``send(frame)`` for each frame
(a hidden carrier element that hands the bytes to the renderer). Frames are
raw bytes (``gradplay.viz.frames``): components v2 passes ``bytes`` to the
browser as a Uint8Array, no base64. The style is not isolated
(``isolate_styles=False``) so the test hooks ``gp-epoch``, ``gp-boundary`` and
``gp-network`` can be found from the page.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["mount", "send", "source", "HEIGHT"]

HERE = Path(__file__).parent
HEIGHT = 500          # pixels: the renderer's fixed height (fits 1280x720 with the controls)
NAME = "gradplay.live_trainer"


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


def mount(*, key: str = "gp-live", on_drawn=None, on_edit=None, on_features=None,
          on_view=None, height: int = HEIGHT):
    """The renderer itself. Each callback runs when its trigger fires; read the
    value from ``st.session_state[key]``:

    on_drawn: ``.drawn``, the browser has drawn a frame that asked for more;
    on_edit: ``.edit``, a weight was set by a click ({layer, i, j, value});
    on_features: ``.features``, an input node was clicked (the feature names now on);
    on_view: ``.view``, a display option flipped ({discretize, show_test}).
    """
    return _component()(key=key, data={"role": "main", "height": height}, height=height,
                        on_drawn_change=on_drawn or _ignore, on_edit_change=on_edit or _ignore,
                        on_features_change=on_features or _ignore,
                        on_view_change=on_view or _ignore)


def send(frame: bytes) -> None:
    """Deliver one frame (bytes from ``viz.frames.build_frame``) to the renderer."""
    _component()(data=frame, height="content")


def _ignore() -> None:
    """A trigger nobody listens to (Streamlit needs a callable to register it)."""
