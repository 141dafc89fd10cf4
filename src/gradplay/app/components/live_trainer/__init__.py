"""The live trainer's Streamlit element: the renderer (``gradplay.renderer``)
as a components-v2 element whose frames come over the live channel
(``gradplay.app.channel``), not through Streamlit.

The page calls ``mount(token=...)`` on every script run under a fixed key:
the element is never remounted, so its canvases and its socket live as long
as the page. Its style is not isolated (``isolate_styles=False``) so that the
test hooks ``gp-epoch``, ``gp-boundary`` and ``gp-network`` can be found from
the page.
"""

from __future__ import annotations

from functools import lru_cache

from gradplay import renderer

from ...channel import PATH

__all__ = ["mount", "HEIGHT", "NAME"]

HEIGHT = 500          # pixels: the renderer's fixed height (fits 1280x720 with the controls)
NAME = "gradplay.live_trainer"


@lru_cache(maxsize=1)
def _component():
    import streamlit as st
    return st.components.v2.component(NAME, js=renderer.bundle("streamlit"), css=renderer.css(),
                                      isolate_styles=False)


def mount(*, token: str, key: str = "gp-live", on_settings=None, on_expired=None,
          height: int = HEIGHT):
    """The renderer, connected to the stream of ``token``. Callbacks run on a
    trigger; read its value from ``st.session_state[key]``:

    on_settings: ``.settings``, settings a lever changed ({field: value});
    on_expired: the server no longer knows ``token`` (make a new stream).
    """
    return _component()(key=key, data={"token": token, "path": PATH, "height": height},
                        height=height, on_settings_change=on_settings or _ignore,
                        on_expired_change=on_expired or _ignore)


def _ignore() -> None:
    """A trigger nobody listens to (Streamlit needs a callable to register it)."""
